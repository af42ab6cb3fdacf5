package customerservice

import (
	"context"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// TestPullKeepsStaleClaim: a process that died mid-handle leaves its claim behind. A pull
// within ClaimTTL must not move the cursor past the claimed message, or the message is never
// delivered once the claim expires.
func TestPullKeepsStaleClaim(t *testing.T) {
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
	// The crashed process claimed the message and stored no cursor.
	claim := "wecom:v1:kf:seen:" + kf + ":" + id
	if ok, err := st.SetNX(ctx, claim, []byte("claimed"), ClaimTTL); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	var handled []string
	handle := func(_ context.Context, m Message) error {
		handled = append(handled, m.Header().MsgID)
		return nil
	}
	sp := SyncParams{OpenKfID: kf, Token: srv.KfSyncToken(kf)}
	_ = svc.pull(ctx, sp, handle) // a callback within ClaimTTL: the claim is still held
	if len(handled) != 0 {
		t.Fatalf("handled %v while another run held the claim", handled)
	}
	if err := st.Delete(ctx, claim); err != nil { // ClaimTTL passes
		t.Fatal(err)
	}
	sp.Token = srv.KfSyncToken(kf)
	if err := svc.pull(ctx, sp, handle); err != nil {
		t.Fatal(err)
	}
	if len(handled) != 1 || handled[0] != id {
		t.Fatalf("after the claim expired: handled %v, want [%s] (message lost)", handled, id)
	}
}
