package contacts_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/wecomtest"
)

// A bakery asks its shop assistants to post the opening of a new store to their customers'
// WeChat moments, waits for the task, and later reads who posted it and how customers reacted.
// In the simulator the assistant's publishing and the customer's like are test calls; in
// WeCom they happen in the apps.
func ExampleService_AddMomentTask() {
	svc, srv := newService()
	defer srv.Close()
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜"})
	srv.SeedCustomers(wecomtest.CorpID, "li.na", 2)
	ctx := context.Background()

	job, err := svc.AddMomentTask(ctx, contacts.MomentParams{
		Text: &contacts.Text{Content: "Our new store on Nanjing Road opens Saturday!"},
		Attachments: []contacts.MomentAttachment{{MsgType: contacts.AttachLink,
			Link: &contacts.MomentLink{Title: "Opening offers", URL: "https://example.com/open", MediaID: "WWCISP_cover"}}},
		VisibleRange: &contacts.MomentVisibleRange{Senders: &contacts.MomentSenders{UserIDs: []string{"li.na", "left.already"}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	res, err := svc.WaitMomentTask(ctx, job)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("ignored senders:", res.InvalidSenders.UserIDs)

	_ = srv.PublishMoment(wecomtest.CorpID, res.MomentID, "li.na") // li.na posts it in the app
	_ = srv.AddMomentLike(wecomtest.CorpID, res.MomentID, "li.na", wecomtest.MomentInteraction{ExternalUserID: "wmSim000002"})

	for task, err := range svc.ListMomentTasks(ctx, contacts.MomentTasksParams{MomentID: res.MomentID}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(task.UserID, "published:", task.PublishStatus == contacts.MomentPublished)
	}
	seen := 0
	for _, err := range svc.ListMomentSendResults(ctx, contacts.MomentCustomersParams{MomentID: res.MomentID, UserID: "li.na"}) {
		if err != nil {
			log.Fatal(err)
		}
		seen++
	}
	c, err := svc.GetMomentComments(ctx, res.MomentID, "li.na")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("seen by %d customers, %d like from %s\n", seen, len(c.Likes), c.Likes[0].ExternalUserID)
	// Output:
	// ignored senders: [left.already]
	// li.na published: true
	// seen by 2 customers, 1 like from wmSim000002
}

// Follow up a mass message (企业群发): list last day's records, see which members have not
// sent their part yet and remind them.
func ExampleService_ListMassMessageTasks() {
	svc, srv := newService()
	defer srv.Close()
	srv.SeedCustomers(wecomtest.CorpID, "li.na", 3)
	ctx := context.Background()
	if _, err := svc.AddMassMessage(ctx, contacts.MassMessageParams{Sender: "li.na", Text: &contacts.Text{Content: "Stage 2 formula is back in stock"}}); err != nil {
		log.Fatal(err)
	}

	now := time.Now().Unix()
	for rec, err := range svc.ListMassMessages(ctx, contacts.ListMassMessagesParams{StartTime: now - 24*3600, EndTime: now + 60}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("message:", rec.Text.Content)
		for task, err := range svc.ListMassMessageTasks(ctx, contacts.MassTasksParams{MsgID: rec.MsgID}) {
			if err != nil {
				log.Fatal(err)
			}
			if task.Status == contacts.MassTaskUnsent {
				fmt.Println("not sent yet by", task.UserID)
				if err := svc.RemindMassMessage(ctx, rec.MsgID); err != nil {
					log.Fatal(err)
				}
			}
		}
		_ = srv.ConfirmMassMessage(wecomtest.CorpID, rec.MsgID, "li.na") // li.na sends it in the app
		sent := 0
		for r, err := range svc.ListMassMessageResults(ctx, contacts.MassResultsParams{MsgID: rec.MsgID, UserID: "li.na"}) {
			if err != nil {
				log.Fatal(err)
			}
			if r.Status == contacts.MassSent {
				sent++
			}
		}
		fmt.Println("customers reached:", sent)
	}
	// Output:
	// message: Stage 2 formula is back in stock
	// not sent yet by li.na
	// customers reached: 3
}
