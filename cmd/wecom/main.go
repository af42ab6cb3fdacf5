// Command wecom is an ops CLI for everyday WeCom (企业微信) chores, built on the SDK's typed
// packages.
//
//	wecom [flags] <command> <subcommand> [flags] [args]
//
//	token check                  fetch an access token; print its kind, corp and expiry (never the token)
//	robot send [TEXT]            post text or markdown to a group robot; long text is split
//	message send [TEXT]          send an app message to users and/or departments; long text is split
//	user get USERID              print a member
//	department list [ID]         list a department and its sub-departments (default: all)
//	callback decrypt [FILE]      verify and decrypt a captured callback body (FILE or stdin)
//	callback verify              answer a URL verification locally: print the echostr plaintext
//	kf tail                      pull a kf account's messages and print them; -follow keeps polling
//	help                         list the commands
//
// Every command takes -h. TEXT is the remaining arguments joined by spaces, or stdin when none
// are given.
//
// # Configuration
//
// Flags name the non-secret settings and default to the environment; secrets come only from
// the environment, so they never show in a process list, a shell history or a usage text:
//
//	-corp-id   WECOM_CORP_ID           corp ID (企业ID); also the receive ID of callbacks
//	           WECOM_SECRET            app secret (secret)
//	-agent-id  WECOM_AGENT_ID          agent ID of the app for message send
//	           WECOM_ROBOT_KEY         group robot webhook key (secret)
//	           WECOM_CALLBACK_TOKEN    callback Token (secret)
//	           WECOM_CALLBACK_AES_KEY  callback EncodingAESKey (secret)
//	-base-url  WECOM_BASE_URL          API base URL (default https://qyapi.weixin.qq.com)
//	-sim                               run against an embedded wecomtest simulator
//	-timeout                           per-command deadline (default 30s; kf tail -follow has none)
//
// The common flags are accepted before the command or among its own flags. With -sim the CLI
// starts a simulator in process with the default corp and app, a member "zhangsan" in
// department 2, a robot, and a kf account "Support" where a customer has written, and uses
// them in place of the configuration; callback commands use the environment's callback
// settings or, when unset, built-in simulator ones.
//
// No secret is ever printed: not the app secret, the access token, the robot key, the
// callback token or the AES key, in output, errors or usage.
//
// kf tail keeps its cursor and done marks in memory, so each run starts from the messages the
// platform still holds (the last 3 days).
//
// # Exit codes
//
//	0  success (also -h and help)
//	1  the operation failed: a WeCom errcode, a network error, a callback that does not verify
//	2  usage error: unknown command, bad flags or arguments, missing configuration
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// Exit codes, documented in the package comment.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageError is a mistake of the caller: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// command is one subcommand; run gets the flag set it may add flags to, and parses it itself
// through parse so that the common flags work there too.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, e *cli, fs *flag.FlagSet, args []string) error
}

var commands = []command{
	{"token check", "", "fetch an access token; print its kind, corp and expiry (never the token)", tokenCheck},
	{"robot send", "[TEXT]", "post text or markdown to a group robot; long text is split", robotSend},
	{"message send", "[TEXT]", "send an app message to users and/or departments; long text is split", messageSend},
	{"user get", "USERID", "print a member", userGet},
	{"department list", "[ID]", "list a department and its sub-departments (default: all)", departmentList},
	{"callback decrypt", "[FILE]", "verify and decrypt a captured callback body (FILE or stdin)", callbackDecrypt},
	{"callback verify", "", "answer a URL verification locally: print the echostr plaintext", callbackVerify},
	{"kf tail", "", "pull a kf account's messages and print them; -follow keeps polling", kfTail},
}

// config is the settings of one run. Secrets are kept here but never formatted.
type config struct {
	corpID, baseURL string
	agentID         int
	sim             bool
	timeout         time.Duration

	secret, robotKey, cbToken, cbAESKey string
}

// cli is the state of one run: its streams, configuration and, with -sim, the simulator.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	cfg            config
	srv            *wecomtest.Server
	simKf          string // the seeded kf account's open_kfid
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	e := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	e.cfg = config{
		corpID:   env("WECOM_CORP_ID"),
		baseURL:  env("WECOM_BASE_URL"),
		timeout:  30 * time.Second,
		secret:   env("WECOM_SECRET"),
		robotKey: env("WECOM_ROBOT_KEY"),
		cbToken:  env("WECOM_CALLBACK_TOKEN"),
		cbAESKey: env("WECOM_CALLBACK_AES_KEY"),
	}
	if s := env("WECOM_AGENT_ID"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			fmt.Fprintln(stderr, "wecom: WECOM_AGENT_ID is not a number")
			return exitUsage
		}
		e.cfg.agentID = n
	}

	top := flag.NewFlagSet("wecom", flag.ContinueOnError)
	top.SetOutput(stderr)
	e.commonFlags(top)
	top.Usage = func() { e.usage(top) }
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	rest := top.Args()
	if len(rest) == 0 {
		e.usage(top)
		return exitUsage
	}
	if rest[0] == "help" {
		e.usage(top)
		return exitOK
	}
	if len(rest) < 2 {
		fmt.Fprintf(stderr, "wecom: %q needs a subcommand; run 'wecom help'\n", rest[0])
		return exitUsage
	}
	var cmd *command
	for i := range commands {
		if commands[i].name == rest[0]+" "+rest[1] {
			cmd = &commands[i]
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "wecom: unknown command %q; run 'wecom help'\n", rest[0]+" "+rest[1])
		return exitUsage
	}

	fs := flag.NewFlagSet("wecom "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	e.commonFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: wecom %s [flags] %s\n\n%s.\n\nflags:\n", cmd.name, cmd.args, cmd.summary)
		fs.PrintDefaults()
	}
	err := cmd.run(ctx, e, fs, rest[2:])
	if e.srv != nil {
		e.srv.Close()
	}
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		if ue.msg != "" { // flag errors were printed by the flag package
			fmt.Fprintf(stderr, "wecom %s: %s\n", cmd.name, ue.msg)
		}
		fmt.Fprintf(stderr, "run 'wecom %s -h' for usage\n", cmd.name)
		return exitUsage
	case errors.Is(err, client.ErrInvalidParams):
		fmt.Fprintf(stderr, "wecom %s: %v\n", cmd.name, err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "wecom %s: %v\n", cmd.name, err)
		return exitFail
	}
}

// commonFlags adds the shared flags to fs with the values known so far as defaults, so a
// command's flags refine what the top-level flags and the environment set.
func (e *cli) commonFlags(fs *flag.FlagSet) {
	c := &e.cfg
	fs.StringVar(&c.corpID, "corp-id", c.corpID, "corp ID (企业ID), also the callbacks' receive ID (env WECOM_CORP_ID)")
	fs.IntVar(&c.agentID, "agent-id", c.agentID, "agent ID of the app (env WECOM_AGENT_ID)")
	fs.StringVar(&c.baseURL, "base-url", c.baseURL, "API base `URL` (env WECOM_BASE_URL; default "+client.DefaultBaseURL+")")
	fs.BoolVar(&c.sim, "sim", c.sim, "run against an embedded wecomtest simulator")
	fs.DurationVar(&c.timeout, "timeout", c.timeout, "deadline of the command")
}

func (e *cli) usage(top *flag.FlagSet) {
	w := e.stderr
	fmt.Fprintln(w, "usage: wecom [flags] <command> <subcommand> [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-28s %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	fmt.Fprintf(w, "  %-28s %s\n", "help", "list the commands")
	fmt.Fprintln(w, "\nSecrets come from the environment only: WECOM_SECRET, WECOM_ROBOT_KEY,")
	fmt.Fprintln(w, "WECOM_CALLBACK_TOKEN, WECOM_CALLBACK_AES_KEY.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 WeCom/API, network or verification error, 2 usage error.")
	fmt.Fprintln(w, "\nflags (also accepted after the command):")
	top.PrintDefaults()
}

// parse parses the command's flags, allowing them between positional arguments ("--" ends
// the flags), and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" { // the rest are all arguments
			return append(pos, rest...), nil
		}
		args = rest
		pos = append(pos, args[0])
		args = args[1:]
	}
}
