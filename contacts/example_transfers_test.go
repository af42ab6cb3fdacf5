package contacts_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/wecomtest"
)

// An advisor leaves the shop: her customers wait in the unassigned list until they are handed
// to a colleague, who takes them over 24 hours later unless a customer refuses.
func ExampleService_TransferResignedCustomersInParts() {
	svc, srv := newService()
	defer srv.Close()
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜"}, wecomtest.SeedUser{UserID: "wang.wei", Name: "王伟"})
	srv.AddExternalContacts(wecomtest.CorpID,
		wecomtest.SeedExternalContact{ExternalUserID: "wmGrace", Name: "Grace", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na"}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wmHenry", Name: "Henry", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na"}}})
	srv.ResignUser(wecomtest.CorpID, "li.na")
	ctx := context.Background()

	// Collect the customers of members who left, per member.
	waiting := map[string][]string{}
	for c, err := range svc.ListUnassignedCustomers(ctx, contacts.UnassignedParams{}) {
		if err != nil {
			log.Fatal(err)
		}
		waiting[c.HandoverUserID] = append(waiting[c.HandoverUserID], c.ExternalUserID)
	}
	fmt.Println("li.na left customers:", waiting["li.na"])

	// Hand them to wang.wei, 100 a call however many there are.
	parts, err := svc.TransferResignedCustomersInParts(ctx, contacts.TransferCustomersParams{
		HandoverUserID: "li.na", TakeoverUserID: "wang.wei", ExternalUserIDs: waiting["li.na"]})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range contacts.TransferOutcomes(parts) {
		fmt.Println(c.ExternalUserID, "handover started:", c.Code == 0)
	}

	// Henry refuses; a day later Grace belongs to wang.wei.
	srv.RefuseTransfer(wecomtest.CorpID, "wmHenry")
	srv.AdvanceTransferClock(wecomtest.CorpID, 24*time.Hour)
	for c, err := range svc.ListResignedTransferResults(ctx, contacts.TransferResultsParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei"}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(c.ExternalUserID, c.Status)
	}
	// Output:
	// li.na left customers: [wmGrace wmHenry]
	// wmGrace handover started: true
	// wmHenry handover started: true
	// wmGrace done
	// wmHenry refused
}
