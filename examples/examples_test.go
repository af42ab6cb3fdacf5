package examples_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/wecomtest"
)

// Each example runs on the embedded simulator (no WECOM_* variables) with its fast flags; the
// check is its exit code and its last line, the key result it reports.
var examples = []struct {
	name  string
	args  []string
	check func(t *testing.T, last string)
}{
	{"quickstart", nil, func(t *testing.T, last string) {
		if last != "quickstart finished" {
			t.Errorf("last line %q, want %q", last, "quickstart finished")
		}
	}},
	{"supplychain", []string{"-hour", "50ms"}, func(t *testing.T, last string) {
		m := regexp.MustCompile(`^summary: 30 factories, 8 hours, .*\b(\d+) behind-plan warnings acknowledged$`).FindStringSubmatch(last)
		if m == nil {
			t.Fatalf("last line %q does not report 30 factories over 8 hours and the warnings acknowledged", last)
		}
		if n, _ := strconv.Atoi(m[1]); n < 1 {
			t.Errorf("no behind-plan warning acknowledged through the callback: %q", last)
		}
	}},
	{"callbackserver", []string{"-simulate", "21"}, func(t *testing.T, last string) {
		if last != "handled 21 events" {
			t.Errorf("last line %q, want %q", last, "handled 21 events")
		}
	}},
	{"isv", []string{"-corps", "3"}, func(t *testing.T, last string) {
		if last != "isv: 3 corps served" {
			t.Errorf("last line %q, want %q", last, "isv: 3 corps served")
		}
	}},
	{"kfdesk", nil, func(t *testing.T, last string) {
		if !strings.HasPrefix(last, "summary:") || !regexp.MustCompile(`\ball [1-9]\d* customers answered\b`).MatchString(last) {
			t.Errorf("last line %q, want a summary with all N customers answered", last)
		}
	}},
}

// secrets are values an example's output must never show.
var secrets = []string{
	wecomtest.Secret, "sim-suite-secret", "supplychain-robot-key", "quickstart-robot-key", // app and suite secrets, robot keys
	"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", // EncodingAESKeys
	"sim-access_token-", "sim-suite_access_token-", "sim-perm-", "sim-ticket-", // how the simulator's tokens, permanent codes and suite tickets begin
}

// The examples run one after another: some keep real-time deadlines (kfdesk waits at most 10 s
// for each answer) that CPU contention on a small CI machine could break.
func TestExamples(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
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
