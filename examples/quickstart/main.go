// Command quickstart shows the SDK end to end, touching every package once: the client fetches
// one token and caches it, apps reads WeCom's IP lists, contacts reads the address book, messages sends an app message and
// posts through a group robot, customerservice lists the kf accounts, and errors come back typed.
//
// Without WECOM_* variables it starts the wecomtest simulator in process, so it runs anywhere
// with no credentials:
//
//	go run ./examples/quickstart
//
// Against the real WeCom API set:
//
//	WECOM_CORP_ID    the corp ID (企业ID)
//	WECOM_SECRET     the secret of an internal app that may read the address book and kf accounts
//	WECOM_AGENT_ID   that app's agentid, to send the app message
//	WECOM_TO_USER    optional: the UserID to message (default: the first member found)
//	WECOM_ROBOT_KEY  optional: a group robot's webhook key; the robot step is skipped without it
//	WECOM_BASE_URL   optional: another API host, e.g. a forwarding proxy
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/wecomtest"
)

func main() {
	flag.Parse() // no flags: -h prints the usage, an unknown flag exits with status 2
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "quickstart: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	cred := client.CorpApp{CorpID: os.Getenv("WECOM_CORP_ID"), Secret: os.Getenv("WECOM_SECRET")}
	agentID, _ := strconv.Atoi(os.Getenv("WECOM_AGENT_ID"))
	toUser, robotKey := os.Getenv("WECOM_TO_USER"), os.Getenv("WECOM_ROBOT_KEY")
	var opts []client.Option
	if cred.CorpID == "" || cred.Secret == "" {
		srv := wecomtest.NewServer()
		defer srv.Close()
		// What a real corp already has: members, a group robot and a kf account.
		srv.AddUsers(wecomtest.CorpID,
			wecomtest.SeedUser{UserID: "zhangsan", Name: "张三"},
			wecomtest.SeedUser{UserID: "lisi", Name: "李四"})
		robotKey = "quickstart-robot-key"
		srv.AddRobot(robotKey)
		srv.AddKfAccount("Dairy desk", "zhangsan")
		cred = client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}
		agentID = wecomtest.AgentID
		opts = append(opts, client.WithBaseURL(srv.URL()))
		fmt.Println("No WECOM_CORP_ID/WECOM_SECRET set: using the in-process simulator at", srv.URL())
	} else if base := os.Getenv("WECOM_BASE_URL"); base != "" {
		opts = append(opts, client.WithBaseURL(base))
	}

	c, err := client.New(cred, opts...)
	if err != nil {
		return err
	}
	fmt.Println("Client ready:", c)

	// apps: the addresses WeCom calls back from, and those of the API host.
	app := apps.New(c)
	ips, err := app.GetCallbackIPs(ctx)
	if err != nil {
		return fmt.Errorf("callback IPs: %w", err)
	}
	fmt.Printf("WeCom sends callbacks from %d addresses: %v\n", len(ips), ips)
	if ips, err = app.GetAPIDomainIPs(ctx); err != nil {
		return fmt.Errorf("API IPs: %w", err)
	}
	fmt.Printf("The API host resolves to %d addresses (one cached token served both calls)\n", len(ips))

	// contacts: the members of the root department.
	members, err := contacts.New(c).ListUsersSimple(ctx, contacts.RootDepartment)
	if err != nil {
		return fmt.Errorf("address book: %w", err)
	}
	fmt.Printf("Address book: %d members in the root department\n", len(members))
	for _, m := range members {
		fmt.Printf("  %s (%s)\n", m.Name, m.UserID)
	}
	if toUser == "" && len(members) > 0 {
		toUser = members[0].UserID
	}

	// messages: an app message to one member.
	if toUser == "" || agentID == 0 {
		return errors.New("no member to message: set WECOM_AGENT_ID and WECOM_TO_USER")
	}
	sent, err := messages.New(c).Send(ctx, messages.SendParams{
		To:      messages.ToUsers(toUser),
		AgentID: agentID,
		Message: messages.Text{Content: "Hello from the wecom Go SDK quickstart"},
	})
	if err != nil {
		return fmt.Errorf("app message: %w", err)
	}
	fmt.Printf("App message sent to %s (msgid %s)\n", toUser, sent.MsgID)

	// messages: a group robot post, keyed by its webhook key instead of a token.
	if robotKey == "" {
		fmt.Println("Group robot: skipped, WECOM_ROBOT_KEY not set")
	} else {
		robot, err := messages.NewRobot(robotKey, opts...)
		if err != nil {
			return err
		}
		if err := robot.Send(ctx, messages.Markdown{Content: "**quickstart**: the robot works"}); err != nil {
			return fmt.Errorf("robot: %w", err)
		}
		fmt.Println("Group robot posted a markdown message:", robot) // the key stays redacted
	}

	// customerservice: the kf accounts (微信客服账号) this app may use.
	n := 0
	for acct, err := range customerservice.New(c).ListAccounts(ctx, customerservice.ListAccountsParams{}) {
		if err != nil {
			return fmt.Errorf("kf accounts: %w", err)
		}
		n++
		fmt.Printf("  kf account %q (%s)\n", acct.Name, acct.OpenKfID)
	}
	fmt.Printf("WeChat Customer Service: %d kf accounts\n", n)

	// Errors are typed: a member that does not exist is an *client.APIError (60111).
	_, err = contacts.New(c).GetUser(ctx, "no-such-member")
	var apiErr *client.APIError
	switch {
	case errors.As(err, &apiErr):
		fmt.Printf("Errors are typed: %s answered errcode %d\n", apiErr.Path, apiErr.Code)
	case err != nil:
		fmt.Println("A call failed before WeCom answered:", err)
	}
	fmt.Println("quickstart finished")
	return nil
}
