package contacts_test

import (
	"context"
	"fmt"
	"log"

	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/wecomtest"
)

// A retailer gives its East China sales team a customer-contact rule group: the team lead
// administers it, sharing customers is off, and the team gets its own customer tags.
func ExampleService_CreateCustomerStrategy() {
	svc, srv := newService()
	defer srv.Close()
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜", Department: []int{12}},
		wecomtest.SeedUser{UserID: "zhao.lei", Name: "赵磊", Department: []int{12}})
	ctx := context.Background()

	priv := contacts.DefaultCustomerStrategyPrivilege()
	priv.ShareCustomers = false
	id, err := svc.CreateCustomerStrategy(ctx, contacts.CreateCustomerStrategyParams{
		Name:      "East China sales",
		Admins:    []string{"li.na"},
		Privilege: &priv,
		Range:     []contacts.StrategyRangeNode{contacts.StrategyDepartment(12)},
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := svc.AddStrategyTags(ctx, contacts.AddStrategyTagsParams{StrategyID: id, GroupName: "Intent",
		Tags: []contacts.NewCorpTag{{Name: "Hot"}, {Name: "Warm"}}}); err != nil {
		log.Fatal(err)
	}
	g, err := svc.GetCustomerStrategy(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.Name, g.Admins, "share customers:", g.Privilege.ShareCustomers)
	for n, err := range svc.ListCustomerStrategyRange(ctx, contacts.StrategyRangeParams{StrategyID: id}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("range: department", n.PartyID)
	}
	tags, err := svc.ListStrategyTags(ctx, contacts.StrategyTagFilter{StrategyID: id})
	if err != nil {
		log.Fatal(err)
	}
	for _, tg := range tags {
		fmt.Println("tags:", tg.GroupName, len(tg.Tags))
	}
	// Output:
	// East China sales [li.na] share customers: false
	// range: department 12
	// tags: Intent 2
}

// Walk the product album page by page; the iterator holds one page at a time.
func ExampleService_ListProductAlbums() {
	svc, srv := newService()
	defer srv.Close()
	ctx := context.Background()
	for _, p := range []contacts.AddProductAlbumParams{
		{Description: "Silk scarf", Price: 29900, ProductSN: "SCARF01", Attachments: []contacts.ProductAttachment{contacts.ProductImage("att-1")}},
		{Description: "Wool coat", Price: 159900, Attachments: []contacts.ProductAttachment{contacts.ProductImage("att-2")}},
	} {
		if _, err := svc.AddProductAlbum(ctx, p); err != nil {
			log.Fatal(err)
		}
	}
	for p, err := range svc.ListProductAlbums(ctx, contacts.ListProductAlbumsParams{Limit: 1}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d.%02d yuan\n", p.Description, p.Price/100, p.Price%100)
	}
	// Output:
	// Silk scarf: 299.00 yuan
	// Wool coat: 1599.00 yuan
}

// Warn the sales department when a message asks a customer for a phone number.
func ExampleService_AddInterceptRule() {
	svc, srv := newService()
	defer srv.Close()
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜", Department: []int{12}})
	ctx := context.Background()
	id, err := svc.AddInterceptRule(ctx, contacts.AddInterceptRuleParams{
		RuleName:        "No private contact",
		WordList:        []string{"加微信", "私聊"},
		SemanticsList:   []contacts.InterceptSemantic{contacts.SemanticMobile},
		InterceptType:   contacts.InterceptWarn,
		ApplicableRange: contacts.InterceptRange{DepartmentIDs: []int{12}},
	})
	if err != nil {
		log.Fatal(err)
	}
	r, err := svc.GetInterceptRule(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.RuleName, r.WordList, "warn only:", r.InterceptType == contacts.InterceptWarn)
	// Output:
	// No private contact [加微信 私聊] warn only: true
}
