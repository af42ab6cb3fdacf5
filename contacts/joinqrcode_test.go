package contacts

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/wecomtest"
)

func TestJoinQRCodeMatrix(t *testing.T) {
	t.Parallel()
	runMatrix(t, []endpoint{
		{name: "get_join_qrcode", path: "/cgi-bin/corp/get_join_qrcode", retried: true, call: func(ctx context.Context, s *Service) error {
			link, err := s.GetJoinQRCode(ctx, JoinQRCode399)
			if err == nil && !strings.Contains(link, "qr_size=2") {
				return fmt.Errorf("link %q", link)
			}
			return err
		}},
	})
}

// One link per size type, the same join code for all of them while it is valid.
func TestJoinQRCodeSizes(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	var codes []string
	for _, size := range []JoinQRCodeSize{JoinQRCode171, JoinQRCode399, JoinQRCode741, JoinQRCode2052, JoinQRCodeDefault} {
		link, err := s.GetJoinQRCode(ctx, size)
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(link)
		if err != nil || u.Scheme != "https" || u.Query().Get("action") != "join" {
			t.Fatalf("link %q", link)
		}
		want := ""
		if size != JoinQRCodeDefault {
			want = fmt.Sprint(int(size))
		}
		if got := u.Query().Get("qr_size"); got != want {
			t.Errorf("size %d: qr_size %q, want %q", size, got, want)
		}
		codes = append(codes, u.Query().Get("vcode"))
	}
	if uniq := slices.Compact(slices.Clone(codes)); len(uniq) != 1 || uniq[0] == "" {
		t.Errorf("join codes %v, want one", codes)
	}
	for _, bad := range []JoinQRCodeSize{-1, 5} {
		_, err := s.GetJoinQRCode(ctx, bad)
		wecomtest.WantInvalid(t, err, "size_type")
	}
	if n := srv.Calls("/cgi-bin/corp/get_join_qrcode"); n != 5 {
		t.Errorf("%d calls, want 5 (invalid sizes are not sent)", n)
	}
}

func TestJoinQRCodeEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	got := captureJSON(mt, "GET", "/cgi-bin/corp/get_join_qrcode",
		`{"errcode":0,"errmsg":"ok","join_qrcode":"https://work.weixin.qq.com/wework_admin/genqrcode?action=join&vcode=3db1fab03118ae2aa1544cb9abe84&r=hb_share_api_mjoin&qr_size=3"}`)
	link, err := s.GetJoinQRCode(context.Background(), JoinQRCode741)
	if err != nil || !strings.HasSuffix(link, "qr_size=3") {
		t.Fatalf("%q, %v", link, err)
	}
	if _, err := s.GetJoinQRCode(context.Background(), JoinQRCodeDefault); err != nil {
		t.Fatal(err)
	}
	if q := (*got)[0].query["size_type"]; !slices.Equal(q, []string{"3"}) || (*got)[0].raw != "" {
		t.Errorf("query %v, body %q", (*got)[0].query, (*got)[0].raw)
	}
	if _, sent := (*got)[1].query["size_type"]; sent {
		t.Error("size_type sent for the default size")
	}
}
