package examples_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/wecomtest"
)

// Each example runs on the embedded simulator (no WECOM_* variables) with its fast flags; the
// check is its exit code and its last line, the key result it reports (and a line matching has,
// when set).
var examples = []struct {
	name  string
	args  []string
	check func(t *testing.T, last string)
	has   string
}{
	{"quickstart", nil, func(t *testing.T, last string) {
		if last != "quickstart finished" {
			t.Errorf("last line %q, want %q", last, "quickstart finished")
		}
	}, ""},
	{"supplychain", []string{"-hour", "50ms"}, func(t *testing.T, last string) {
		m := regexp.MustCompile(`^summary: 30 factories, 8 hours, .*\b(\d+) behind-plan warnings acknowledged$`).FindStringSubmatch(last)
		if m == nil {
			t.Fatalf("last line %q does not report 30 factories over 8 hours and the warnings acknowledged", last)
		}
		if n, _ := strconv.Atoi(m[1]); n < 1 {
			t.Errorf("no behind-plan warning acknowledged through the callback: %q", last)
		}
	}, ""},
	// 200 factories: the first hour's summary is over 4,096 bytes and goes out in several posts.
	{"supplychain", []string{"-factories", "200", "-hour", "50ms"}, func(t *testing.T, last string) {
		if !regexp.MustCompile(`^summary: 200 factories, 8 hours, .*\b[1-9]\d* behind-plan warnings acknowledged$`).MatchString(last) {
			t.Errorf("last line %q does not report 200 factories over 8 hours and the warnings acknowledged", last)
		}
	}, `^hour 1: .* the robot posted the summary in [2-9] posts$`},
	{"callbackserver", []string{"-simulate", "21"}, func(t *testing.T, last string) {
		if last != "handled 21 events" {
			t.Errorf("last line %q, want %q", last, "handled 21 events")
		}
	}, ""},
	// 3 corps: each licenses its admin and 3 members (by their open_userids), checks its open
	// corp ID and 4 open_userids and converts them back, and signs its H5 page.
	{"isv", []string{"-corps", "3"}, func(t *testing.T, last string) {
		const want = "isv: 3 corps served, 12 licences active, 15 ids converted, 3 pages signed"
		if last != want {
			t.Errorf("last line %q, want %q", last, want)
		}
	}, `^licences: Customer Corp 1: trial over, .* refused \(errcode 701008\); .* paid, .*, wo\w+ reads 2 customers; 4 licences active$`},
	{"kfdesk", nil, func(t *testing.T, last string) {
		if !strings.HasPrefix(last, "summary:") || !regexp.MustCompile(`\ball [1-9]\d* customers answered\b`).MatchString(last) {
			t.Errorf("last line %q, want a summary with all N customers answered", last)
		}
	}, ""},
	// 60 parents over 6 advisors: one advisor leaves (10 customers, 2 clubs), one changes role
	// (10 customers, one refusing, 2 clubs); the one who leaves does not publish the moment.
	{"advisors", nil, func(t *testing.T, last string) {
		re := regexp.MustCompile(`^advisors: 60 parents added through links, 60 welcomed, mass message reached 60, moment seen by 50, ` +
			`19 customers handed over \(1 refused\), 4 group chats handed over, stats: 60 new contacts$`)
		if !re.MatchString(last) {
			t.Errorf("last line %q does not match %s", last, re)
		}
	}, `^  handovers of 5 pairs: 19 done, 1 refused$`},
}

// secrets are values an example's output must never show.
var secrets = []string{
	wecomtest.Secret, "sim-suite-secret", "sim-provider-secret", "supplychain-robot-key", "quickstart-robot-key", // app, suite and provider secrets, robot keys
	"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", // EncodingAESKeys
	"Dn7vQ2xLpR9sT4wY6zB1cE3fH5jK8mN0aG2dS4uW6yX", "DealerNetworkToken", // dealernetwork's callback settings
	"sim-access_token-", "sim-suite_access_token-", "sim-perm-", "sim-ticket-", // how the simulator's tokens, permanent codes and suite tickets begin
}

// The examples run one after another: some keep real-time deadlines (kfdesk waits at most 10 s
// for each answer) that CPU contention on a small CI machine could break.
func TestExamples(t *testing.T) {
	for _, ex := range examples {
		t.Run(strings.Join(append([]string{ex.name}, ex.args...), " "), func(t *testing.T) {
			bin := build(t, ex.name)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, ex.args...)
			cmd.Env = simulatorEnv()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s %v: %v\nstdout:\n%s\nstderr:\n%s", ex.name, ex.args, err, out, stderr.Bytes())
			}
			for _, s := range secrets {
				if bytes.Contains(out, []byte(s)) || bytes.Contains(stderr.Bytes(), []byte(s)) {
					t.Errorf("output shows the secret %q", s)
				}
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			ex.check(t, lines[len(lines)-1])
			if ex.has != "" && !slices.ContainsFunc(lines, regexp.MustCompile(ex.has).MatchString) {
				t.Errorf("no output line matches %q:\n%s", ex.has, out)
			}
		})
	}
}

// TestDealerNetwork runs dealernetwork on the simulator with the default network (4,000 stores
// under 250 distributors in six tiers), straight through and interrupted once then resumed, and
// checks its per-tier table, the projection and the simulator's count of one acknowledged card
// per corp. Each run must finish well inside two minutes on a 2-core machine.
func TestDealerNetwork(t *testing.T) {
	bin := build(t, "dealernetwork")
	tiers := []struct {
		name  string
		corps int
	}{{"national distributors", 2}, {"provincial distributors", 8}, {"city distributors", 40}, {"district distributors", 200}, {"stores", 4000}}
	for _, args := range [][]string{nil, {"-interrupt", "1500"}} {
		t.Run(strings.Join(append([]string{"dealernetwork"}, args...), " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Env = simulatorEnv()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			start := time.Now()
			out, err := cmd.Output()
			took := time.Since(start)
			if err != nil {
				t.Fatalf("dealernetwork %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, out, stderr.Bytes())
			}
			t.Logf("dealernetwork %v took %v", args, took.Round(time.Millisecond))
			for _, s := range secrets {
				if bytes.Contains(out, []byte(s)) || bytes.Contains(stderr.Bytes(), []byte(s)) {
					t.Errorf("output shows the secret %q", s)
				}
			}
			text := string(out)
			lines := strings.Split(strings.TrimSpace(text), "\n")
			// The per-tier table: every corp of every tier reached and acknowledged, with the
			// time its tier's last corp was.
			if !regexp.MustCompile(`(?m)^1 +brand +1 +- +- +published +-$`).MatchString(text) {
				t.Errorf("no table row for the brand:\n%s", text)
			}
			for i, tr := range tiers {
				re := regexp.MustCompile(fmt.Sprintf(`(?m)^%d +%s +%d +%d +%d +(\S+) +(\S+)$`, i+2, tr.name, tr.corps, tr.corps, tr.corps))
				m := re.FindStringSubmatch(text)
				if m == nil {
					t.Errorf("no table row for tier %d (%s) with %d corps all reached and acknowledged:\n%s", i+2, tr.name, tr.corps, text)
					continue
				}
				for _, d := range m[1:] {
					if v, err := time.ParseDuration(d); err != nil || v <= 0 {
						t.Errorf("tier %d: time %q is not a duration", i+2, d)
					}
				}
			}
			if !slices.ContainsFunc(lines, regexp.MustCompile(`^Real API, projected: 42\.6s for 4250 corps: 4250 token fetches and 4250 sends, 16 at a time, 80ms a call \(266 rounds × 2 calls\); .* add no wait$`).MatchString) {
				t.Errorf("no projection line for 4,250 corps:\n%s", text)
			}
			if !slices.ContainsFunc(lines, regexp.MustCompile(`^Simulator: each of the 4250 managers holds exactly one price card, acknowledged; `).MatchString) {
				t.Errorf("the simulator does not report one acknowledged card per corp:\n%s", text)
			}
			m := regexp.MustCompile(`^summary: 4000 stores in 6 tiers, 4250 corps reached in (\S+) \(real API projected: 42\.6s\), 4250 of 4250 acknowledged$`).FindStringSubmatch(lines[len(lines)-1])
			if m == nil {
				t.Fatalf("last line %q does not report 4,000 stores in 6 tiers, all 4,250 corps reached and acknowledged", lines[len(lines)-1])
			}
			if d, err := time.ParseDuration(m[1]); err != nil || d >= 2*time.Minute {
				t.Errorf("every corp reached after %s, want under two minutes", m[1])
			}
			if args != nil {
				m := regexp.MustCompile(`(?m)^Resumed: (\d+) corps already done, (\d+) sent now `).FindStringSubmatch(text)
				if !strings.Contains(text, "Interrupted after ") || m == nil {
					t.Fatalf("no interruption and resumption reported:\n%s", text)
				}
				done, sent := atoi(t, m[1]), atoi(t, m[2])
				if done < 1500 || done+sent != 4250 {
					t.Errorf("resumed with %d done and %d sent, want at least 1,500 done and 4,250 in all", done, sent)
				}
			}
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// badFlags are odd values of every numeric flag (and a stray argument) that each example must
// refuse before doing anything: exit status 2 and one line naming the flag and its range.
var badFlags = []struct {
	name string
	args []string
	want string
}{
	{"quickstart", []string{"extra"}, `quickstart: unexpected argument "extra"`},
	{"supplychain", []string{"-hour", "0"}, "supplychain: invalid value 0s for flag -hour: must be from 1ms to 1h"},
	{"supplychain", []string{"-hour", "-1s"}, "supplychain: invalid value -1s for flag -hour: must be from 1ms to 1h"},
	{"supplychain", []string{"-hour", "2h"}, "supplychain: invalid value 2h0m0s for flag -hour: must be from 1ms to 1h"},
	{"supplychain", []string{"-hours", "0"}, "supplychain: invalid value 0 for flag -hours: must be from 1 to 168"},
	{"supplychain", []string{"-hours", "169"}, "supplychain: invalid value 169 for flag -hours: must be from 1 to 168"},
	{"supplychain", []string{"-factories", "0"}, "supplychain: invalid value 0 for flag -factories: must be from 1 to 1000"},
	{"supplychain", []string{"-factories", "-1"}, "supplychain: invalid value -1 for flag -factories: must be from 1 to 1000"},
	{"supplychain", []string{"-factories", "1001"}, "supplychain: invalid value 1001 for flag -factories: must be from 1 to 1000"},
	{"supplychain", []string{"-hour", "50ms", "extra"}, `supplychain: unexpected argument "extra"`},
	{"isv", []string{"-corps", "-1"}, "isv: invalid value -1 for flag -corps: must be from 1 to 1000"},
	{"isv", []string{"-corps", "0"}, "isv: invalid value 0 for flag -corps: must be from 1 to 1000"},
	{"isv", []string{"-corps", "1001"}, "isv: invalid value 1001 for flag -corps: must be from 1 to 1000"},
	{"isv", []string{"-members", "-1"}, "isv: invalid value -1 for flag -members: must be from 0 to 100"},
	{"isv", []string{"-members", "101"}, "isv: invalid value 101 for flag -members: must be from 0 to 100"},
	{"isv", []string{"-pay-timeout", "0"}, "isv: invalid value 0s for flag -pay-timeout: must be from 1s to 24h"},
	{"isv", []string{"-pay-timeout", "25h"}, "isv: invalid value 25h0m0s for flag -pay-timeout: must be from 1s to 24h"},
	{"isv", []string{"-corps", "2", "extra"}, `isv: unexpected argument "extra"`},
	{"callbackserver", []string{"-simulate", "-1"}, "callbackserver: invalid value -1 for flag -simulate: must be from 0 (serve) to 10000"},
	{"callbackserver", []string{"-simulate", "10001"}, "callbackserver: invalid value 10001 for flag -simulate: must be from 0 (serve) to 10000"},
	{"kfdesk", []string{"-customers", "0"}, "kfdesk: invalid value 0 for flag -customers: must be from 1 to 10000"},
	{"kfdesk", []string{"-customers", "10001"}, "kfdesk: invalid value 10001 for flag -customers: must be from 1 to 10000"},
	{"kfdesk", []string{"-servicers", "5"}, "kfdesk: invalid value 5 for flag -servicers: must be from 6 to 15000"},
	{"kfdesk", []string{"-servicers", "15001"}, "kfdesk: invalid value 15001 for flag -servicers: must be from 6 to 15000"},
	{"kfdesk", []string{"-duration", "-1s"}, "kfdesk: invalid value -1s for flag -duration: must be 0 (until interrupted) or more"},
	{"dealernetwork", []string{"-stores", "0"}, "dealernetwork: invalid value 0 for flag -stores: must be from 1 to 10000"},
	{"dealernetwork", []string{"-stores", "10001"}, "dealernetwork: invalid value 10001 for flag -stores: must be from 1 to 10000"},
	{"dealernetwork", []string{"-workers", "0"}, "dealernetwork: invalid value 0 for flag -workers: must be from 1 to 256"},
	{"dealernetwork", []string{"-workers", "257"}, "dealernetwork: invalid value 257 for flag -workers: must be from 1 to 256"},
	{"dealernetwork", []string{"-interrupt", "-1"}, "dealernetwork: invalid value -1 for flag -interrupt: must be 0 (never) or more"},
	{"dealernetwork", []string{"-rtt", "0"}, "dealernetwork: invalid value 0s for flag -rtt: must be from 1ms to 10s"},
	{"dealernetwork", []string{"-rtt", "11s"}, "dealernetwork: invalid value 11s for flag -rtt: must be from 1ms to 10s"},
	{"dealernetwork", []string{"-wait", "-1s"}, "dealernetwork: invalid value -1s for flag -wait: must be 0 or more"},
	{"dealernetwork", []string{"extra"}, `dealernetwork: unexpected argument "extra"`},
	{"advisors", []string{"-parents", "0"}, "advisors: invalid value 0 for flag -parents: must be from 1 to 1000"},
	{"advisors", []string{"-parents", "1001"}, "advisors: invalid value 1001 for flag -parents: must be from 1 to 1000"},
	{"advisors", []string{"-advisors", "2"}, "advisors: invalid value 2 for flag -advisors: must be from 3 to 100"},
	{"advisors", []string{"-advisors", "101"}, "advisors: invalid value 101 for flag -advisors: must be from 3 to 100"},
	{"advisors", []string{"extra"}, `advisors: unexpected argument "extra"`},
}

func TestBadFlags(t *testing.T) {
	bins := map[string]string{}
	for _, bf := range badFlags {
		if bins[bf.name] == "" {
			bins[bf.name] = build(t, bf.name)
		}
	}
	for _, bf := range badFlags {
		t.Run(strings.Join(append([]string{bf.name}, bf.args...), " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bins[bf.name], bf.args...)
			cmd.Env = simulatorEnv()
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Errorf("exit: %v, want status 2", err)
			}
			if got := stderr.String(); got != bf.want+"\n" {
				t.Errorf("stderr %q, want the one line %q", got, bf.want)
			}
			if stdout.Len() > 0 {
				t.Errorf("it started before refusing the flag; stdout:\n%s", stdout.Bytes())
			}
		})
	}
}

// TestCallbackServerServesUntilInterrupted runs callbackserver without -simulate: it serves
// until SIGINT, then shuts down cleanly.
func TestCallbackServerServesUntilInterrupted(t *testing.T) {
	bin := build(t, "callbackserver")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0")
	cmd.Env = simulatorEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var seen []string
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if sc.Text() == "Serving until interrupted (Ctrl-C)" {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, strings.Join(seen, "\n"))
	}
	if len(seen) == 0 || seen[len(seen)-1] != "handled 0 events" {
		t.Errorf("output %q, want it to serve and end with %q", seen, "handled 0 events")
	}
}

// build compiles one example into a temporary directory.
func build(t *testing.T, name string) string {
	t.Helper()
	if _, err := os.Stat(name); err != nil {
		t.Fatalf("example %s is missing: %v", name, err)
	}
	bin := filepath.Join(t.TempDir(), name)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./"+name).CombinedOutput(); err != nil {
		t.Fatalf("go build ./%s: %v\n%s", name, err, out)
	}
	return bin
}

// simulatorEnv is the test's environment without WECOM_* variables, so every example runs on
// its embedded simulator and never reaches the real API.
func simulatorEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WECOM_") {
			env = append(env, kv)
		}
	}
	return env
}
