package contacts_test

import (
	"context"
	"fmt"
	"log"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/wecomtest"
)

// newService connects to a fresh simulator; real code passes its corp ID and secret and no base URL.
func newService() (*contacts.Service, *wecomtest.Server) {
	srv := wecomtest.NewServer()
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	return contacts.New(c), srv
}

// A garment maker adds a supplier factory to its upstream/downstream chain: the import job
// invites the factory's manager, and the factory shows up as a pending corp of its group.
func ExampleService_ImportChainContacts() {
	svc, srv := newService()
	defer srv.Close()
	srv.AddChain(wecomtest.CorpID, "Ch8a1b2c", "Knitwear suppliers")
	srv.AddChainGroup(wecomtest.CorpID, "Ch8a1b2c", 2, 1, "Tier-1 factories")
	ctx := context.Background()

	job, err := svc.ImportChainContacts(ctx, contacts.ImportChainContactsParams{
		ChainID: "Ch8a1b2c",
		Corps: []contacts.ImportCorp{{
			CorpName: "Yiwu Trims", GroupPath: "Tier-1 factories", CustomID: "F031",
			Contacts: []contacts.ImportContact{{Name: "陈强", IdentityType: contacts.IdentityPersonInCharge, Mobile: "13700002222"}},
		}},
	})
	if err != nil {
		log.Fatal(err)
	}
	res, err := svc.WaitChainImport(ctx, job)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("import status:", res.Result.ImportStatus == contacts.ImportAll)
	for corp, err := range svc.ListChainCorps(ctx, contacts.ChainCorpsParams{ChainID: "Ch8a1b2c", GroupID: 2, NeedPending: true}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(corp.CorpName, corp.CustomID, "joined:", corp.IsJoined)
	}
	// Output:
	// import status: true
	// Yiwu Trims F031 joined: false
}

// List the members of a department with their positions.
func ExampleService_ListUsers() {
	svc, srv := newService()
	defer srv.Close()
	ctx := context.Background()

	dept, err := svc.CreateDepartment(ctx, contacts.CreateDepartmentParams{Name: "缝制二车间", NameEn: "Sewing-2", ParentID: contacts.RootDepartment})
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range []contacts.CreateUserParams{
		{UserID: "zhao.lei", Name: "赵磊", Mobile: "13900002222", Department: []int{dept}, Position: "Line lead"},
		{UserID: "li.na", Name: "李娜", Mobile: "13900001111", Department: []int{dept}, Position: "QA lead"},
	} {
		if _, err := svc.CreateUser(ctx, u); err != nil {
			log.Fatal(err)
		}
	}
	users, err := svc.ListUsers(ctx, dept)
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range users {
		fmt.Println(u.UserID, u.Name, u.Position)
	}
	// Output:
	// li.na 李娜 QA lead
	// zhao.lei 赵磊 Line lead
}

// A dairy brand creates a "contact me" QR code for its advisors at an expo and prints the QR
// image URL; customers who scan it are tagged with the state "expo2024".
func ExampleService_AddContactWay() {
	svc, srv := newService()
	defer srv.Close()
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜", Department: []int{12}})
	ctx := context.Background()

	way, err := svc.AddContactWay(ctx, contacts.ContactWayParams{
		Type: contacts.ContactWayMulti, Scene: contacts.SceneQRCode,
		Remark: "Spring expo booth", State: "expo2024", SkipVerify: client.Ptr(true),
		Users: []string{"li.na"}, Parties: []int{12},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(way.QRCode)
	// Output:
	// https://wecomtest.invalid/qr/000000000000000000009ad7fa5c0001
}

// A plant tags its 1,500 line workers for a safety drill. One tag/addtagusers call takes 1,000
// members, so AddTagMembersInParts makes two and reports each call's rejected ids.
func ExampleService_AddTagMembersInParts() {
	svc, srv := newService()
	defer srv.Close()
	ctx := context.Background()
	workers := make([]wecomtest.SeedUser, 1500)
	ids := make([]string, len(workers))
	for i := range workers {
		ids[i] = fmt.Sprintf("w%04d", i)
		workers[i] = wecomtest.SeedUser{UserID: ids[i], Name: "Worker", Department: []int{contacts.RootDepartment}}
	}
	srv.AddUsers(wecomtest.CorpID, workers...)
	ids[1499] = "left.last.week" // no longer in the address book

	tag, err := svc.CreateTag(ctx, contacts.CreateTagParams{Name: "Safety drill"})
	if err != nil {
		log.Fatal(err)
	}
	parts, err := svc.AddTagMembersInParts(ctx, contacts.TagMembersParams{TagID: tag, UserIDs: ids})
	if err != nil {
		log.Fatal(err)
	}
	for i, p := range parts {
		fmt.Printf("call %d: %d sent, rejected %v\n", i+1, len(p.In.UserIDs), p.Out.InvalidUsers)
	}
	// Output:
	// call 1: 1000 sent, rejected []
	// call 2: 500 sent, rejected [left.last.week]
}
