package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// The -sim fixtures. The robot key and callback settings are the simulator's own, not secrets
// of anyone's corp, but they are handled like secrets all the same.
const (
	simRobotKey   = "sim-robot-key"
	simCbToken    = "sim-callback-token"
	simCbAESKey   = "c2ltLWNhbGxiYWNrLWFlcy1rZXktMzItYnl0ZXMhISE" // 43 characters
	simUserID     = "zhangsan"
	simCustomerID = "wmsimcustomer0001"
)

// startSim starts the embedded simulator once and points the configuration at it.
func (e *cli) startSim() {
	if !e.cfg.sim || e.srv != nil {
		return
	}
	s := wecomtest.NewServer()
	s.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: simUserID, Name: "张三", Department: []int{2}})
	s.AddRobot(simRobotKey)
	e.simKf = s.AddKfAccount("Support", simUserID)
	// Seeding the simulator's own state cannot fail for a fresh account.
	_, _ = s.CustomerSays(e.simKf, simCustomerID, "hello from the simulator")
	e.srv = s
	c := &e.cfg
	c.baseURL, c.corpID, c.secret, c.agentID, c.robotKey = s.URL(), wecomtest.CorpID, wecomtest.Secret, wecomtest.AgentID, simRobotKey
	if c.cbToken == "" && c.cbAESKey == "" {
		c.cbToken, c.cbAESKey = simCbToken, simCbAESKey
	}
}

func (e *cli) clientOptions() []client.Option {
	if e.cfg.baseURL == "" {
		return nil
	}
	return []client.Option{client.WithBaseURL(e.cfg.baseURL)}
}

// unset names the settings, given as name/value pairs, whose values are empty.
func unset(namesAndValues ...string) []string {
	var missing []string
	for i := 0; i+1 < len(namesAndValues); i += 2 {
		if namesAndValues[i+1] == "" {
			missing = append(missing, namesAndValues[i])
		}
	}
	return missing
}

// apiClient builds the app client from the configuration.
func (e *cli) apiClient() (*client.Client, error) {
	e.startSim()
	if missing := unset("WECOM_CORP_ID (or -corp-id)", e.cfg.corpID, "WECOM_SECRET", e.cfg.secret); len(missing) > 0 {
		return nil, usagef("missing configuration: set %s, or use -sim", strings.Join(missing, " and "))
	}
	c, err := client.New(client.CorpApp{CorpID: e.cfg.corpID, Secret: e.cfg.secret}, e.clientOptions()...)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return c, nil
}

func (e *cli) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if e.cfg.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, e.cfg.timeout)
}

// text is the positional arguments joined by spaces, or stdin when there are none.
func (e *cli) text(pos []string) (string, error) {
	if len(pos) > 0 {
		return strings.Join(pos, " "), nil
	}
	b, err := io.ReadAll(e.stdin)
	if err != nil {
		return "", fmt.Errorf("read stdin: %w", err)
	}
	s := strings.TrimRight(string(b), "\n")
	if s == "" {
		return "", usagef("no text: give it as arguments or on stdin")
	}
	return s, nil
}

func noArgs(pos []string) error {
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	return nil
}

func tokenCheck(ctx context.Context, e *cli, fs *flag.FlagSet, args []string) error {
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	c, err := e.apiClient()
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := e.withTimeout(ctx)
	defer cancel()
	// The token source fetches with the ctx the client was built with; a fetch that hangs is
	// bounded by the client's HTTP timeouts, and ctx by the caller.
	type result struct {
		expiry time.Time
		err    error
	}
	ch := make(chan result, 1)
	go func() {
		t, err := c.TokenSource().Token()
		if err != nil {
			ch <- result{err: err}
			return
		}
		ch <- result{expiry: t.Expiry}
	}()
	var r result
	select {
	case r = <-ch:
	case <-ctx.Done():
		return fmt.Errorf("fetch token: %w", ctx.Err())
	}
	if r.err != nil {
		return fmt.Errorf("fetch token: %w", r.err)
	}
	fmt.Fprintf(e.stdout, "kind     %s\n", c.Kind())
	fmt.Fprintf(e.stdout, "corp     %s\n", c.CorpID())
	if r.expiry.IsZero() {
		fmt.Fprintln(e.stdout, "expires  unknown")
	} else {
		fmt.Fprintf(e.stdout, "expires  %s (in %s)\n", r.expiry.UTC().Format(time.RFC3339), time.Until(r.expiry).Round(time.Second))
	}
	return nil
}

// split cuts text into messages of at most maxBytes, saying so on stderr when it does.
func (e *cli) split(text string, maxBytes int) []string {
	parts := messages.SplitText(text, maxBytes)
	if len(parts) > 1 {
		fmt.Fprintf(e.stderr, "text is %d bytes: sending it as %d messages\n", len(text), len(parts))
	}
	return parts
}

func robotSend(ctx context.Context, e *cli, fs *flag.FlagSet, args []string) error {
	markdown := fs.Bool("markdown", false, "send markdown instead of text")
	mention := fs.String("mention", "", "comma-separated UserIDs to @-mention in a text (@all for everyone)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	e.startSim()
	if e.cfg.robotKey == "" {
		return usagef("missing configuration: set WECOM_ROBOT_KEY, or use -sim")
	}
	text, err := e.text(pos)
	if err != nil {
		return err
	}
	robot, err := messages.NewRobot(e.cfg.robotKey, e.clientOptions()...)
	if err != nil {
		return usagef("%v", err)
	}
	ctx, cancel := e.withTimeout(ctx)
	defer cancel()
	max := messages.MaxTextBytes
	if *markdown {
		max = messages.MaxRobotMarkdownBytes
	}
	parts := e.split(text, max)
	for i, p := range parts {
		var m messages.RobotMessage = messages.RobotText{Content: p, MentionedList: list(*mention)}
		if *markdown {
			m = messages.Markdown{Content: p}
		}
		if err := robot.Send(ctx, m); err != nil {
			return fmt.Errorf("message %d of %d: %w", i+1, len(parts), err)
		}
	}
	fmt.Fprintf(e.stdout, "sent %d message(s)\n", len(parts))
	return nil
}

func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func intList(flagName, s string) ([]int, error) {
	var out []int
	for _, f := range list(s) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, usagef("-%s: %q is not a number", flagName, f)
		}
		out = append(out, n)
	}
	return out, nil
}

func messageSend(ctx context.Context, e *cli, fs *flag.FlagSet, args []string) error {
	users := fs.String("to", "", "comma-separated UserIDs (@all for every member in the app's range)")
	depts := fs.String("dept", "", "comma-separated department IDs")
	markdown := fs.Bool("markdown", false, "send markdown instead of text")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	deptIDs, err := intList("dept", *depts)
	if err != nil {
		return err
	}
	to := messages.Recipients{Users: list(*users), Departments: deptIDs}
	if len(to.Users) == 1 && to.Users[0] == "@all" {
		to = messages.ToAll()
	}
	if len(to.Users) == 0 && len(to.Departments) == 0 && !to.All {
		return usagef("no recipients: give -to and/or -dept")
	}
	c, err := e.apiClient()
	if err != nil {
		return err
	}
	defer c.Close()
	if e.cfg.agentID == 0 {
		return usagef("missing configuration: set WECOM_AGENT_ID (or -agent-id)")
	}
	text, err := e.text(pos)
	if err != nil {
		return err
	}
	ctx, cancel := e.withTimeout(ctx)
	defer cancel()
	svc := messages.New(c)
	max := messages.MaxTextBytes
	if *markdown {
		max = messages.MaxMarkdownBytes
	}
	parts := e.split(text, max)
	for i, p := range parts {
		var m messages.Message = messages.Text{Content: p}
		if *markdown {
			m = messages.Markdown{Content: p}
		}
		res, err := svc.Send(ctx, messages.SendParams{To: to, AgentID: e.cfg.agentID, Message: m})
		if err != nil {
			return fmt.Errorf("message %d of %d: %w", i+1, len(parts), err)
		}
		fmt.Fprintf(e.stdout, "sent msgid %s\n", res.MsgID)
		if len(res.InvalidUsers)+len(res.InvalidDepartments)+len(res.UnlicensedUsers) > 0 {
			fmt.Fprintf(e.stdout, "  not delivered: users %v, departments %v, unlicensed %v\n",
				res.InvalidUsers, res.InvalidDepartments, res.UnlicensedUsers)
		}
	}
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func userGet(ctx context.Context, e *cli, fs *flag.FlagSet, args []string) error {
	asJSON := fs.Bool("json", false, "print the member as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want exactly one USERID")
	}
	c, err := e.apiClient()
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := e.withTimeout(ctx)
	defer cancel()
	u, err := contacts.New(c).GetUser(ctx, pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, u)
	}
	w := e.stdout
	fmt.Fprintf(w, "userid       %s\n", u.UserID)
	fmt.Fprintf(w, "name         %s\n", u.Name)
	fmt.Fprintf(w, "departments  %v\n", u.Department)
	if u.Position != "" {
		fmt.Fprintf(w, "position     %s\n", u.Position)
	}
	if u.Email != "" {
		fmt.Fprintf(w, "email        %s\n", u.Email)
	}
	if u.Mobile != "" {
		fmt.Fprintf(w, "mobile       %s\n", u.Mobile)
	}
	fmt.Fprintf(w, "status       %d\n", u.Status)
	return nil
}

func departmentList(ctx context.Context, e *cli, fs *flag.FlagSet, args []string) error {
	asJSON := fs.Bool("json", false, "print the departments as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id := 0
	switch len(pos) {
	case 0:
	case 1:
		if id, err = strconv.Atoi(pos[0]); err != nil || id < 0 {
			return usagef("department ID %q is not a number", pos[0])
		}
	default:
		return usagef("want at most one department ID")
	}
	c, err := e.apiClient()
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := e.withTimeout(ctx)
	defer cancel()
	ds, err := contacts.New(c).ListDepartments(ctx, id)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, ds)
	}
	fmt.Fprintf(e.stdout, "%-8s %-8s %s\n", "ID", "PARENT", "NAME")
	for _, d := range ds {
		fmt.Fprintf(e.stdout, "%-8d %-8d %s\n", d.ID, d.ParentID, d.Name)
	}
	return nil
}

// callbackFlags adds the query flags of the callback commands: -query takes the whole query
// string (or URL) as captured, the others override single values.
type callbackQuery struct {
	query, signature, timestamp, nonce, echostr *string
}

func addCallbackFlags(fs *flag.FlagSet, echo bool) callbackQuery {
	q := callbackQuery{
		query:     fs.String("query", "", "the callback's query `string` or URL (msg_signature=…&timestamp=…&nonce=…)"),
		signature: fs.String("msg-signature", "", "msg_signature, overriding -query"),
		timestamp: fs.String("timestamp", "", "timestamp, overriding -query"),
		nonce:     fs.String("nonce", "", "nonce, overriding -query"),
	}
	if echo {
		q.echostr = fs.String("echostr", "", "echostr (unescaped), overriding -query")
	}
	return q
}

// values resolves the query parameters; each named one is required.
func (q callbackQuery) values(names ...string) (map[string]string, error) {
	raw := *q.query
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[i+1:]
	}
	vs, err := url.ParseQuery(raw)
	if err != nil {
		return nil, usagef("-query: %v", err)
	}
	over := map[string]*string{"msg_signature": q.signature, "timestamp": q.timestamp, "nonce": q.nonce, "echostr": q.echostr}
	out := map[string]string{}
	var missing []string
	for _, n := range names {
		v := vs.Get(n)
		if p := over[n]; p != nil && *p != "" {
			v = *p
		}
		if v == "" {
			missing = append(missing, n)
		}
		out[n] = v
	}
	if len(missing) > 0 {
		return nil, usagef("missing %s: give -query or the single flags", strings.Join(missing, ", "))
	}
	return out, nil
}

// crypto builds the callback crypto from the configuration; the corp ID, when set, is the
// receive ID checked.
func (e *cli) crypto() (*webhook.Crypto, error) {
	e.startSim()
	if missing := unset("WECOM_CALLBACK_TOKEN", e.cfg.cbToken, "WECOM_CALLBACK_AES_KEY", e.cfg.cbAESKey); len(missing) > 0 {
		return nil, usagef("missing configuration: set %s", strings.Join(missing, " and "))
	}
	c, err := webhook.NewCrypto(e.cfg.cbToken, e.cfg.cbAESKey, e.cfg.corpID)
	if err != nil {
		return nil, usagef("callback configuration: %v", err)
	}
	return c, nil
}

func callbackDecrypt(_ context.Context, e *cli, fs *flag.FlagSet, args []string) error {
	q := addCallbackFlags(fs, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("want at most one FILE")
	}
	vs, err := q.values("msg_signature", "timestamp", "nonce")
	if err != nil {
		return err
	}
	cr, err := e.crypto()
	if err != nil {
		return err
	}
	var body []byte
	if len(pos) == 1 && pos[0] != "-" {
		body, err = os.ReadFile(pos[0])
	} else {
		body, err = io.ReadAll(e.stdin)
	}
	if err != nil {
		return usagef("read body: %v", err)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return usagef("empty body")
	}
	var plain []byte
	if body[0] == '{' { // JSON-format callbacks (智能机器人)
		env, err := cr.DecryptJSON(vs["msg_signature"], vs["timestamp"], vs["nonce"], body)
		if err != nil {
			return err
		}
		plain = env.Plaintext
	} else if plain, err = cr.Decrypt(vs["msg_signature"], vs["timestamp"], vs["nonce"], body); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s\n", bytes.TrimRight(plain, "\n"))
	if body[0] == '{' {
		return nil
	}
	ev, err := webhook.Parse(plain)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "event: %s\n", ev.Kind())
	return nil
}

func callbackVerify(_ context.Context, e *cli, fs *flag.FlagSet, args []string) error {
	q := addCallbackFlags(fs, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	vs, err := q.values("msg_signature", "timestamp", "nonce", "echostr")
	if err != nil {
		return err
	}
	cr, err := e.crypto()
	if err != nil {
		return err
	}
	plain, err := cr.VerifyURL(vs["msg_signature"], vs["timestamp"], vs["nonce"], vs["echostr"])
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s\n", plain)
	return nil
}

func kfTail(ctx context.Context, e *cli, fs *flag.FlagSet, args []string) error {
	kf := fs.String("kf", "", "open_kfid of the kf account (default with -sim: the seeded account)")
	token := fs.String("token", "", "Token of the latest kf_msg_or_event callback (without it WeCom rate-limits strictly)")
	follow := fs.Bool("follow", false, "keep polling until interrupted")
	interval := fs.Duration("interval", 10*time.Second, "poll interval with -follow")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(pos); err != nil {
		return err
	}
	if *interval <= 0 {
		return usagef("-interval must be positive")
	}
	c, err := e.apiClient()
	if err != nil {
		return err
	}
	defer c.Close()
	p := customerservice.SyncParams{OpenKfID: *kf, Token: *token}
	if e.srv != nil && p.OpenKfID == "" {
		p.OpenKfID = e.simKf
		p.Token = e.srv.KfSyncToken(e.simKf)
	}
	if p.OpenKfID == "" {
		return usagef("missing -kf")
	}
	if !*follow {
		var cancel context.CancelFunc
		ctx, cancel = e.withTimeout(ctx)
		defer cancel()
	}
	svc := customerservice.New(c)
	for {
		n, err := e.pullOnce(ctx, svc, p)
		if *follow && ctx.Err() != nil {
			return nil // interrupted: the normal end of -follow
		}
		if err != nil {
			return err
		}
		if !*follow {
			fmt.Fprintf(e.stderr, "%d message(s)\n", n)
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*interval):
		}
	}
}

// pullOnce prints every new message of the account, marking each done once printed.
func (e *cli) pullOnce(ctx context.Context, svc *customerservice.Service, p customerservice.SyncParams) (int, error) {
	n := 0
	for cl, err := range svc.Pull(ctx, p) {
		if err != nil {
			return n, err
		}
		printKf(e.stdout, cl.Message)
		if err := cl.Done(ctx); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func printKf(w io.Writer, m customerservice.Message) {
	h := m.Header()
	when := time.Unix(h.SendTime, 0).UTC().Format(time.RFC3339)
	who := h.ExternalUserID
	if h.ServicerUserID != "" {
		who = h.ServicerUserID
	}
	var body string
	if t, ok := m.(*customerservice.TextMessage); ok {
		body = t.Text.Content
	} else {
		var b bytes.Buffer
		if json.Compact(&b, m.Raw()) == nil {
			body = b.String()
		}
	}
	fmt.Fprintf(w, "%s  %s  %s  %s  %s\n", when, h.MsgID, who, h.MsgType, body)
}
