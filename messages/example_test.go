package messages_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/wecomtest"
)

// The garment maker's group robot posts order progress every hour (call this from a ticker or
// a cron job). Long reports are split explicitly so nothing is cut off.
func ExampleRobot_Send() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	const key = "robot-key-from-the-webhook-url"
	srv.AddRobot(key)

	robot, err := messages.NewRobot(key, client.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	progress := []struct {
		factory    string
		done, plan int
	}{{"Factory 1", 1200, 1000}, {"Factory 2", 640, 1000}, {"Factory 3", 980, 1000}}

	var report strings.Builder
	report.WriteString("## Order PO-2291 progress, 14:00\n")
	for _, p := range progress {
		color := "info"
		if p.done*100/p.plan < 80 {
			color = "warning"
		}
		fmt.Fprintf(&report, "> %s: <font color=\"%s\">%d / %d</font>\n", p.factory, color, p.done, p.plan)
	}
	for _, part := range messages.SplitText(report.String(), messages.MaxRobotMarkdownBytes) {
		if err := robot.Send(context.Background(), messages.Markdown{Content: part}); err != nil {
			log.Fatal(err)
		}
	}

	for _, post := range srv.RobotPosts(key) {
		fmt.Println(post.MsgType, len(post.Content) > 0)
	}
	fmt.Println(robot)
	// Output:
	// markdown true
	// messages.Robot(REDACTED)
}

// A behind-plan warning card with buttons goes to the factory manager; when the manager presses
// a button, the template_card_event callback carries a response code that greys the buttons
// out with the decision.
func ExampleService_UpdateTemplateCard() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	svc := messages.New(c)
	ctx := context.Background()

	warning := messages.TemplateCard{
		CardType:     messages.CardButtonInteraction,
		Source:       &messages.CardSource{Desc: "Production", DescColor: messages.DescRed},
		MainTitle:    &messages.MainTitle{Title: "Factory 2 is behind plan", Desc: "Order PO-2291"},
		SubTitleText: "640 of 1000 pieces done, due Friday",
		HorizontalContentList: []messages.HorizontalContent{
			{KeyName: "Progress", Value: "64%"},
			{KeyName: "Plan", Value: "80% by today"},
		},
		TaskID: "po-2291-factory-2-behind",
		ButtonList: []messages.Button{
			{Text: "Add a shift", Style: 1, Key: "add_shift"},
			{Text: "Move the date", Style: 2, Key: "move_date"},
		},
	}
	res, err := svc.Send(ctx, messages.SendParams{To: messages.ToUsers("manager02"), AgentID: wecomtest.AgentID, Message: warning})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent, updatable:", res.ResponseCode != "")

	// In production the event arrives through the webhook package; the simulator stands in.
	ev, err := srv.ClickCard("manager02", warning.TaskID, "add_shift")
	if err != nil {
		log.Fatal(err)
	}
	_, err = svc.UpdateTemplateCard(ctx, messages.UpdateCardParams{
		To:           messages.ToUsers(ev.FromUserName),
		AgentID:      wecomtest.AgentID,
		ResponseCode: ev.ResponseCode,
		ReplaceName:  "Extra shift booked",
	})
	if err != nil {
		log.Fatal(err)
	}
	card := srv.Received("manager02")[0]
	fmt.Println(card.MsgType, "->", card.Updates[0].ReplaceName)
	// Output:
	// sent, updatable: true
	// template_card -> Extra shift booked
}

// A shift change goes to all 2,500 workers of a plant. One message/send call takes at most
// 1000 members, so SendInParts makes three calls and reports each; a notice sent by mistake is
// withdrawn with the msgids of every call.
func ExampleService_SendInParts() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	svc := messages.New(c)
	ctx := context.Background()

	workers := make([]string, 2500)
	for i := range workers {
		workers[i] = fmt.Sprintf("worker%04d", i)
	}
	parts, err := svc.SendInParts(ctx, messages.SendParams{
		To:      messages.ToUsers(workers...),
		AgentID: wecomtest.AgentID,
		Message: messages.Text{Content: "Night shift starts at 22:00 from Monday."},
	})
	for i, part := range parts {
		// A failed call (err != nil) is the last part, with its error; the earlier ones were sent.
		fmt.Printf("call %d: %d workers, sent: %v\n", i+1, len(part.In.Users), part.Err == nil)
	}
	if err != nil {
		log.Fatal(err)
	}

	for _, id := range messages.MsgIDs(parts) {
		if err := svc.Recall(ctx, id); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("recalled:", len(messages.MsgIDs(parts)))
	// Output:
	// call 1: 1000 workers, sent: true
	// call 2: 1000 workers, sent: true
	// call 3: 500 workers, sent: true
	// recalled: 3
}
