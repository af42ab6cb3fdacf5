package broadcast_test

import (
	"context"
	"fmt"

	"github.com/wecom-connector/wecom/broadcast"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// A brand sends a price-change card to the manager of each of its stores, each store reached
// through its own downstream token. Run again (after a crash, on another machine sharing the
// store), the job sends only what is not done.
func ExampleJob_Run() {
	srv := wecomtest.NewServer() // plays WeCom and the stores
	defer srv.Close()
	stores := []string{"wwstore001", "wwstore002", "wwstore003"}
	for i, corp := range stores {
		srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: corp, AgentID: 1000200 + i, BusinessType: 1})
		srv.AddUsers(corp, wecomtest.SeedUser{UserID: corp + ".manager", Name: "Manager"})
	}

	st := store.NewMemory() // in production: redisstore.New(rdb), shared by the fleet
	brand, _ := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret},
		client.WithBaseURL(srv.URL()), client.WithStore(st))
	send := func(ctx context.Context, t broadcast.Target) error {
		i := map[string]int{"wwstore001": 0, "wwstore002": 1, "wwstore003": 2}[t.ID]
		sc, err := brand.Downstream(t.ID, 1000200+i) // the store's own token, cached in st
		if err != nil {
			return err
		}
		_, err = messages.New(sc).Send(ctx, messages.SendParams{
			To: messages.ToUsers(t.ID + ".manager"), AgentID: 1000200 + i,
			Message: messages.TemplateCard{ // the same bytes on every attempt: duplicate check
				CardType:   messages.CardButtonInteraction,
				MainTitle:  &messages.MainTitle{Title: "New price list from 1 July"},
				TaskID:     t.Key, // unique per store and job: a late resend is refused, not delivered
				ButtonList: []messages.Button{{Text: "Acknowledge", Key: "ack"}},
			},
		})
		if broadcast.AlreadySent(t, err) {
			return nil
		}
		return err
	}
	job := &broadcast.Job{ID: "price-2024-07", Targets: stores, Send: send, Store: st}
	res, err := job.Run(context.Background())
	fmt.Println("first run:", res.Sent, "sent", err)
	res, err = job.Run(context.Background())
	fmt.Println("second run:", res.Sent, "sent,", res.AlreadyDone, "already done", err)
	fmt.Println("cards held by wwstore002's manager:", len(srv.Received("wwstore002.manager")))
	// Output:
	// first run: 3 sent <nil>
	// second run: 0 sent, 3 already done <nil>
	// cards held by wwstore002's manager: 1
}
