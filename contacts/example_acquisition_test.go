package contacts_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// A shoe shop runs WeChat ads that lead to a customer acquisition link (获客链接) shared by two
// sales reps. Each ad network appends its own customer_channel, which comes back as the
// customer's state: in the add_external_contact callback, in the link's customer list and in
// the customer's details. The link's statistic and the remaining quota follow.
func ExampleService_CreateAcquisitionLink() {
	svc, srv := newService()
	defer srv.Close()
	ctx := context.Background()
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜"}, wecomtest.SeedUser{UserID: "zhao.lei", Name: "赵磊"})
	// The app's callback handler; in production WeCom posts these to the callback URL.
	srv.OnCallback(wecomtest.CorpID, func(_ context.Context, plaintext []byte) error {
		ev, err := webhook.Parse(plaintext)
		if added, ok := ev.(*webhook.ExternalContactAdded); ok {
			fmt.Printf("callback: %s added %s (state %s)\n", added.UserID, added.ExternalUserID, added.State)
		}
		return err
	})

	link, err := svc.CreateAcquisitionLink(ctx, contacts.CreateAcquisitionLinkParams{
		Name:  "Spring running shoes",
		Range: contacts.AcquisitionRange{Users: []string{"li.na", "zhao.lei"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Two WeChat users tap the ads (the simulator stands in for them).
	for _, v := range []wecomtest.AcquisitionVisit{
		{LinkID: link.LinkID, Channel: "moments_ad", Customer: wecomtest.SeedExternalContact{ExternalUserID: "wmGrace01", Name: "Grace"}},
		{LinkID: link.LinkID, Channel: "search_ad", Customer: wecomtest.SeedExternalContact{ExternalUserID: "wmHenry02", Name: "Henry"}},
	} {
		if _, err := srv.AddCustomerViaLink(ctx, wecomtest.CorpID, v); err != nil {
			log.Fatal(err)
		}
	}

	for c, err := range svc.ListAcquisitionCustomers(ctx, contacts.AcquisitionCustomersParams{LinkID: link.LinkID}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("customer:", c.ExternalUserID, "of", c.UserID, "from", c.State)
	}
	today := time.Now().Unix()
	stat, err := svc.GetAcquisitionStatistic(ctx, contacts.AcquisitionStatisticParams{LinkID: link.LinkID, StartTime: today, EndTime: today})
	if err != nil {
		log.Fatal(err)
	}
	quota, err := svc.GetAcquisitionQuota(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("today: %d opened, %d added; quota left %d of %d\n", stat.ClickCount, stat.NewCustomerCount, quota.Balance, quota.Total)
	// Output:
	// callback: li.na added wmGrace01 (state moments_ad)
	// callback: zhao.lei added wmHenry02 (state search_ad)
	// customer: wmGrace01 of li.na from moments_ad
	// customer: wmHenry02 of zhao.lei from search_ad
	// today: 2 opened, 2 added; quota left 998 of 1000
}
