package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

type result struct {
	code           int
	stdout, stderr string
}

// wecom runs the command in process with env as the whole environment.
func wecom(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	return cliCtx(t, context.Background(), env, stdin, args...)
}

func cliCtx(t *testing.T, ctx context.Context, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &out, &errb, func(k string) string { return env[k] })
	return result{code, out.String(), errb.String()}
}

func (r result) want(t *testing.T, code int, stdout ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range stdout {
		if !strings.Contains(r.stdout, s) {
			t.Fatalf("stdout lacks %q:\n%s\nstderr: %s", s, r.stdout, r.stderr)
		}
	}
}

func (r result) wantErr(t *testing.T, code int, stderr ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range stderr {
		if !strings.Contains(r.stderr, s) {
			t.Fatalf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
}

// simEnv points the CLI at srv with the simulator's default credentials.
func simEnv(srv *wecomtest.Server) map[string]string {
	return map[string]string{
		"WECOM_BASE_URL": srv.URL(),
		"WECOM_CORP_ID":  wecomtest.CorpID,
		"WECOM_SECRET":   wecomtest.Secret,
		"WECOM_AGENT_ID": "1000002",
	}
}

const (
	cbToken  = "cli-test-callback-token"
	cbAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

func TestSimEveryCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"-sim", "token", "check"}, []string{"kind     corp", "corp     " + wecomtest.CorpID, "expires  "}},
		{[]string{"token", "check", "-sim"}, []string{"corp     " + wecomtest.CorpID}},
		{[]string{"-sim", "robot", "send", "deploy", "done"}, []string{"sent 1 message(s)"}},
		{[]string{"-sim", "robot", "send", "-markdown", "**done**"}, []string{"sent 1 message(s)"}},
		{[]string{"-sim", "robot", "send", "--", "-5", "degrees", "-sim"}, []string{"sent 1 message(s)"}},
		{[]string{"-sim", "message", "send", "-to", "zhangsan", "hello"}, []string{"sent msgid "}},
		{[]string{"-sim", "message", "send", "-dept", "2", "hello"}, []string{"sent msgid "}},
		{[]string{"-sim", "user", "get", "zhangsan"}, []string{"userid       zhangsan", "name         张三", "departments  [2]"}},
		{[]string{"-sim", "user", "get", "-json", "zhangsan"}, []string{`"userid": "zhangsan"`}},
		{[]string{"-sim", "department", "list"}, []string{"ID       PARENT   NAME", "1        0", "2        1"}},
		{[]string{"-sim", "department", "list", "2"}, []string{"2        1"}},
		{[]string{"-sim", "kf", "tail"}, []string{"wmsimcustomer0001  text  hello from the simulator"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			wecom(t, nil, "", tt.args...).want(t, 0, tt.want...)
		})
	}
}

func TestSimCallbacks(t *testing.T) {
	t.Parallel()
	// -sim brings callback settings of its own; a body made with them decrypts.
	cr, err := webhook.NewCrypto(simCbToken, simCbAESKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	body, q := encryptCallback(t, cr, wecomtest.TextCallback(wecomtest.CorpID, "zhangsan", wecomtest.AgentID, 1, "hi"))
	wecom(t, nil, string(body), "-sim", "callback", "decrypt", "-query", q).want(t, 0, "<Content><![CDATA[hi]]></Content>", "event: text")
	wecom(t, nil, "", append([]string{"-sim", "callback", "verify"}, echoFlags(t, cr, "sim-echo")...)...).want(t, 0, "sim-echo")
}

func TestRobotSendSplitsLongText(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddRobot("robot-key-1")
	env := simEnv(srv)
	env["WECOM_ROBOT_KEY"] = "robot-key-1"
	line := strings.Repeat("x", 99) + "\n"
	text := strings.Repeat(line, 50) // 5,000 bytes: three texts of at most 2,048
	r := wecom(t, env, text, "robot", "send")
	r.want(t, 0, "sent 3 message(s)")
	r.wantErr(t, 0, "sending it as 3 messages")
	posts := srv.RobotPosts("robot-key-1")
	if len(posts) != 3 {
		t.Fatalf("robot got %d posts, want 3", len(posts))
	}
	wecom(t, env, strings.Repeat(line, 50), "robot", "send", "-markdown").want(t, 0, "sent 2 message(s)")
}

func TestMessageSendDelivers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "lisi", Name: "李四"})
	wecom(t, simEnv(srv), "", "message", "send", "-to", "lisi", "order", "42", "shipped").want(t, 0, "sent msgid ")
	got := srv.Received("lisi")
	if len(got) != 1 {
		t.Fatalf("lisi received %d messages, want 1", len(got))
	}
	// An unknown member is reported, not an error.
	wecom(t, simEnv(srv), "", "message", "send", "-to", "lisi,ghost", "hi").want(t, 0, "not delivered: users [ghost]")
}

func TestAPIErrorExits1(t *testing.T) {
	t.Parallel()
	wecom(t, nil, "", "-sim", "user", "get", "nobody").wantErr(t, 1, "wecom user get:", "errcode 60111")

	srv := wecomtest.Start(t)
	srv.FailNext("/cgi-bin/department/list", 60123, 1)
	wecom(t, simEnv(srv), "", "department", "list", "99").wantErr(t, 1, "errcode 60123")

	env := simEnv(srv)
	env["WECOM_SECRET"] = "wrong-secret"
	wecom(t, env, "", "token", "check").wantErr(t, 1, "fetch token", "40001")
}

func TestNetworkErrorExits1(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	env := simEnv(srv)
	srv.Close()
	wecom(t, env, "", "token", "check", "-timeout", "5s").wantErr(t, 1, "wecom token check:")
}

func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no command", nil, nil, "usage: wecom"},
		{"unknown command", nil, []string{"user", "delete", "x"}, `unknown command "user delete"`},
		{"group only", nil, []string{"user"}, "needs a subcommand"},
		{"bad top flag", nil, []string{"-nope", "token", "check"}, "flag provided but not defined"},
		{"bad command flag", nil, []string{"user", "get", "-nope", "x"}, "flag provided but not defined"},
		{"bad agent env", map[string]string{"WECOM_AGENT_ID": "abc"}, []string{"-sim", "token", "check"}, "WECOM_AGENT_ID"},
		{"missing config", nil, []string{"token", "check"}, "missing configuration: set WECOM_CORP_ID (or -corp-id) and WECOM_SECRET"},
		{"missing robot key", simEnv(srv), []string{"robot", "send", "hi"}, "WECOM_ROBOT_KEY"},
		{"missing callback config", nil, []string{"callback", "verify", "-query", "msg_signature=a&timestamp=1&nonce=n&echostr=e"}, "WECOM_CALLBACK_TOKEN and WECOM_CALLBACK_AES_KEY"},
		{"user get no id", nil, []string{"-sim", "user", "get"}, "want exactly one USERID"},
		{"user get two ids", nil, []string{"-sim", "user", "get", "a", "b"}, "want exactly one USERID"},
		{"department not a number", nil, []string{"-sim", "department", "list", "abc"}, "not a number"},
		{"message no recipients", nil, []string{"-sim", "message", "send", "hi"}, "no recipients"},
		{"message bad dept", nil, []string{"-sim", "message", "send", "-dept", "x", "hi"}, `-dept: "x" is not a number`},
		{"message no agent", map[string]string{"WECOM_BASE_URL": srv.URL(), "WECOM_CORP_ID": wecomtest.CorpID, "WECOM_SECRET": wecomtest.Secret}, []string{"message", "send", "-to", "a", "hi"}, "WECOM_AGENT_ID"},
		{"message no text", nil, []string{"-sim", "message", "send", "-to", "zhangsan"}, "no text"},
		{"token check extra arg", nil, []string{"-sim", "token", "check", "now"}, `unexpected argument "now"`},
		{"verify missing echostr", nil, []string{"-sim", "callback", "verify", "-query", "msg_signature=a&timestamp=1&nonce=n"}, "missing echostr"},
		{"decrypt missing query", nil, []string{"-sim", "callback", "decrypt"}, "missing msg_signature, timestamp, nonce"},
		{"kf tail no account", simEnv(srv), []string{"kf", "tail"}, "missing -kf"},
		{"kf tail bad interval", nil, []string{"-sim", "kf", "tail", "-interval", "0s"}, "-interval must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wecom(t, tt.env, "", tt.args...).wantErr(t, 2, tt.want)
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-h"}, {"help"}} {
		r := wecom(t, nil, "", args...)
		r.wantErr(t, 0, "Exit codes: 0 ok, 1", "-sim")
		for _, c := range commands {
			if !strings.Contains(r.stderr, c.name) || !strings.Contains(r.stderr, c.summary) {
				t.Errorf("%v does not list %q", args, c.name)
			}
		}
	}
	for _, c := range commands {
		args := append(strings.Fields(c.name), "-h")
		r := wecom(t, nil, "", args...)
		r.wantErr(t, 0, "usage: wecom "+c.name, "-corp-id")
	}
}

// encryptCallback returns plaintext as WeCom would POST it, and its query string.
func encryptCallback(t *testing.T, cr *webhook.Crypto, plaintext []byte) ([]byte, string) {
	t.Helper()
	ts, nonce := "1700000000", "nonce123"
	env, err := cr.EncryptReply(plaintext, ts, nonce)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<MsgSignature><!\[CDATA\[([0-9a-f]+)\]\]></MsgSignature>`).FindSubmatch(env)
	if m == nil {
		t.Fatalf("no MsgSignature in %s", env)
	}
	return env, "msg_signature=" + string(m[1]) + "&timestamp=" + ts + "&nonce=" + nonce
}

// echoFlags are the flags of a URL verification of echo.
func echoFlags(t *testing.T, cr *webhook.Crypto, echo string) []string {
	t.Helper()
	ts, nonce := "1700000001", "n0nce"
	enc, err := cr.Encrypt([]byte(echo), wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	return []string{"-msg-signature", cr.Sign(ts, nonce, enc), "-timestamp", ts, "-nonce", nonce, "-echostr", enc}
}

func TestCallbackDecrypt(t *testing.T) {
	t.Parallel()
	cr, err := webhook.NewCrypto(cbToken, cbAESKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"WECOM_CALLBACK_TOKEN": cbToken, "WECOM_CALLBACK_AES_KEY": cbAESKey, "WECOM_CORP_ID": wecomtest.CorpID}
	plain := wecomtest.EventCallback(wecomtest.CorpID, "zhangsan", wecomtest.AgentID, "click", map[string]string{"EventKey": "menu-1"})
	body, q := encryptCallback(t, cr, plain)

	// From stdin, from a file, and with -query as a whole URL.
	wecom(t, env, string(body), "callback", "decrypt", "-query", q).want(t, 0, "<EventKey><![CDATA[menu-1]]></EventKey>", "event: event:click")
	file := filepath.Join(t.TempDir(), "body.xml")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	wecom(t, env, "", "callback", "decrypt", "-query", "https://example.com/cb?"+q, file).want(t, 0, "event: event:click")

	// A tampered signature does not verify: exit 1, nothing printed.
	bad := strings.Replace(q, "msg_signature=", "msg_signature=0", 1)
	r := wecom(t, env, string(body), "callback", "decrypt", "-query", bad)
	r.wantErr(t, 1, "wecom callback decrypt:")
	if r.stdout != "" {
		t.Fatalf("stdout on failure: %q", r.stdout)
	}
	// Another corp's receive ID is refused.
	env["WECOM_CORP_ID"] = "wwothercorp"
	wecom(t, env, string(body), "callback", "decrypt", "-query", q).wantErr(t, 1, "wecom callback decrypt:")
}

func TestCallbackVerify(t *testing.T) {
	t.Parallel()
	cr, err := webhook.NewCrypto(cbToken, cbAESKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"WECOM_CALLBACK_TOKEN": cbToken, "WECOM_CALLBACK_AES_KEY": cbAESKey, "WECOM_CORP_ID": wecomtest.CorpID}
	fl := echoFlags(t, cr, "1234567890123456789")
	r := wecom(t, env, "", append([]string{"callback", "verify"}, fl...)...)
	r.want(t, 0)
	if r.stdout != "1234567890123456789\n" {
		t.Fatalf("stdout %q", r.stdout)
	}
	// The same values as a captured query string, echostr URL-escaped as WeCom sends it.
	q := "msg_signature=" + fl[1] + "&timestamp=" + fl[3] + "&nonce=" + fl[5] + "&echostr=" + urlEscape(fl[7])
	wecom(t, env, "", "callback", "verify", "-query", q).want(t, 0, "1234567890123456789")

	fl[1] = strings.Repeat("0", 40)
	wecom(t, env, "", append([]string{"callback", "verify"}, fl...)...).wantErr(t, 1, "wecom callback verify:")
}

func urlEscape(s string) string {
	return strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(s)
}

func TestKfTail(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	kf := srv.AddKfAccount("Desk")
	if _, err := srv.CustomerSays(kf, "wmcustomer1", "first"); err != nil {
		t.Fatal(err)
	}
	env := simEnv(srv)
	r := wecom(t, env, "", "kf", "tail", "-kf", kf, "-token", srv.KfSyncToken(kf))
	r.want(t, 0, "wmcustomer1  text  first")
	r.wantErr(t, 0, "1 message(s)")

	// -follow prints what arrives while it polls and ends cleanly when interrupted.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() { done <- cliCtx(t, ctx, env, "", "kf", "tail", "-kf", kf, "-follow", "-interval", "20ms") }()
	time.Sleep(100 * time.Millisecond)
	if _, err := srv.CustomerSays(kf, "wmcustomer1", "second"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.Calls("/cgi-bin/kf/sync_msg") < 8 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	r = <-done
	r.want(t, 0, "wmcustomer1  text  second")
}

// TestNoSecretPrinted runs every command, successful and failing, with planted secrets and
// looks for them in everything printed.
func TestNoSecretPrinted(t *testing.T) {
	t.Parallel()
	const (
		secret   = "PLANTEDsecret0001"
		robotKey = "PLANTEDrobotkey0002"
		token    = "PLANTEDcbtoken0003"
		aesKey   = "PLANTEDaeskey0004abcdefghijklmnopqrstuvwxyz"
	)
	srv := wecomtest.Start(t)
	srv.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: secret, AgentID: 1000009, Name: "ops"})
	srv.AddRobot(robotKey)
	kf := srv.AddKfAccount("Desk")
	if _, err := srv.CustomerSays(kf, "wmcustomer1", "hi"); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"WECOM_BASE_URL": srv.URL(), "WECOM_CORP_ID": wecomtest.CorpID, "WECOM_SECRET": secret,
		"WECOM_AGENT_ID": "1000009", "WECOM_ROBOT_KEY": robotKey,
		"WECOM_CALLBACK_TOKEN": token, "WECOM_CALLBACK_AES_KEY": aesKey,
	}
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tok, err := c.TokenSource().Token() // the simulator hands out this same token while valid
	if err != nil {
		t.Fatal(err)
	}
	planted := []string{secret, robotKey, token, aesKey, tok.AccessToken}

	cr, err := webhook.NewCrypto(token, aesKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	body, q := encryptCallback(t, cr, wecomtest.TextCallback(wecomtest.CorpID, "zhangsan", 1000009, 7, "hi"))
	srv.FailNext("/cgi-bin/message/send", 48002, 1)
	runs := []struct {
		stdin string
		args  []string
		code  int
	}{
		{"", []string{"-h"}, 0},
		{"", []string{"token", "check"}, 0},
		{"", []string{"token", "check", "-h"}, 0},
		{"", []string{"robot", "send", "hi"}, 0},
		{"", []string{"robot", "send", "-h"}, 0},
		{"", []string{"message", "send", "-to", "zhangsan", "hi"}, 1}, // 48002 injected
		{"", []string{"message", "send", "-to", "zhangsan", "hi"}, 0},
		{"", []string{"user", "get", "nobody"}, 1},
		{"", []string{"department", "list"}, 0},
		{string(body), []string{"callback", "decrypt", "-query", q}, 0},
		{string(body), []string{"callback", "decrypt", "-query", q + "0"}, 1},
		{"", []string{"callback", "verify", "-query", "msg_signature=a&timestamp=1&nonce=n&echostr=e"}, 1},
		{"", []string{"kf", "tail", "-kf", kf}, 0},
		{"", []string{"kf", "tail", "-kf", "wkunknown"}, 1},
	}
	for _, rn := range runs {
		r := wecom(t, env, rn.stdin, rn.args...)
		if r.code != rn.code {
			t.Errorf("%v: exit %d, want %d\nstderr: %s", rn.args, r.code, rn.code, r.stderr)
		}
		for _, p := range planted {
			if strings.Contains(r.stdout, p) || strings.Contains(r.stderr, p) {
				t.Errorf("%v printed a secret %.9s…\nstdout: %s\nstderr: %s", rn.args, p, r.stdout, r.stderr)
			}
		}
	}
	// An unknown robot key fails at WeCom; the key stays unprinted there too.
	env["WECOM_ROBOT_KEY"] = "PLANTEDunknownkey"
	r := wecom(t, env, "", "robot", "send", "hi")
	r.wantErr(t, 1, "wecom robot send:")
	if strings.Contains(r.stderr, "PLANTEDunknownkey") {
		t.Errorf("robot key in %s", r.stderr)
	}
}
