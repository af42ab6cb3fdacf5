package customerservice

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
	"golang.org/x/oauth2"
)

// TestPullWaitsForStaleClaim: a process that died mid-handle leaves its claim behind. A pull
// meeting it neither fails nor moves the cursor past it: it waits for the claim's lease to run
// out, then handles the message.
func TestPullWaitsForStaleClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := wecomtest.Start(t)
	kf := srv.AddKfAccount("Dairy desk")
	st := store.NewMemory()
	svc := New(srv.NewClient(t, client.WithStore(st)))
	id, err := srv.CustomerSays(kf, "wmCrash", "where is my parcel?")
	if err != nil {
		t.Fatal(err)
	}
	const lease = 300 * time.Millisecond
	sp := SyncParams{OpenKfID: kf, Token: srv.KfSyncToken(kf), Lease: lease}
	// The dead process claimed the message and stored no cursor.
	if ok, err := st.SetNX(ctx, svc.cursorKey(sp)+":msg:"+id, []byte("claim:dead:1"), lease); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	var handled []string
	handle := func(_ context.Context, m Message) error {
		handled = append(handled, m.Header().MsgID)
		return nil
	}
	short, cancel := context.WithTimeout(ctx, lease/3)
	defer cancel()
	if err := svc.handleAll(short, sp, handle, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("pull within the dead claim's lease = %v, want it to wait until its ctx ends", err)
	}
	if cur, _ := svc.Cursor(ctx, sp); len(handled) != 0 || cur != "" {
		t.Fatalf("handled %v, cursor %q while the claim was held", handled, cur)
	}
	start := time.Now()
	if err := svc.handleAll(ctx, sp, handle, true); err != nil {
		t.Fatal(err)
	}
	if len(handled) != 1 || handled[0] != id {
		t.Fatalf("after waiting: handled %v, want [%s]", handled, id)
	}
	if waited := time.Since(start); waited > 2*lease {
		t.Errorf("waited %v for a lease of %v", waited, lease)
	}
	if cur, _ := svc.Cursor(ctx, sp); cur == "" {
		t.Error("cursor not stored once the message was done")
	}
}

// TestCorpOf: the default keys name the corp of the client's credential.
func TestCorpOf(t *testing.T) {
	t.Parallel()
	corp, err := client.New(client.CorpApp{CorpID: "wwDairy", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	suite, err := client.New(client.Suite{SuiteID: "suite1", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := suite.AuthCorp("wwAuthorised", "perm")
	if err != nil {
		t.Fatal(err)
	}
	down, err := corp.Downstream("wwDown", 1000002)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := client.New(client.FromTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})))
	if err != nil {
		t.Fatal(err)
	}
	for c, want := range map[*client.Client]string{corp: "wwDairy", auth: "wwAuthorised", down: "wwDown", ts: ""} {
		if got := c.CorpID(); got != want {
			t.Errorf("%s.CorpID() = %q, want %q", c, got, want)
		}
	}
	if got := New(corp).cursorKey(SyncParams{OpenKfID: "wk1"}); got != "wecom:v1:kf:wwDairy:wk1" {
		t.Errorf("default cursor key %q", got)
	}
}
