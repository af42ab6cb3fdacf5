package messages_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

const (
	robotKey  = "693a91f6-7a3c-4bc4-97a0-0ec2sim0001"
	robotPath = "/cgi-bin/webhook/send"
)

// onePixelPNG is the 1×1 PNG of the robot image example in the WeCom docs.
var onePixelPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

func newRobot(t testing.TB, srv *wecomtest.Server, key string, opts ...client.Option) *messages.Robot {
	t.Helper()
	r, err := messages.NewRobot(key, append([]client.Option{client.WithBaseURL(srv.URL()), wecomtest.FastRetry()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRobotGolden(t *testing.T) {
	t.Parallel()
	tests := map[string]messages.RobotMessage{
		"robot_text":        messages.RobotText{Content: "Disk usage on db-02 is 91%.", MentionedList: []string{"zhangsan", "@all"}, MentionedMobileList: []string{"13800000000"}},
		"robot_markdown":    messages.Markdown{Content: "**Alert** <font color=\"warning\">db-02 disk 91%</font>\n> host: db-02\n> threshold: <font color=\"comment\">85%</font>\n<@zhangsan> please check"},
		"robot_markdown_v2": messages.MarkdownV2{Content: "# Weekly on-call\n| Day | Engineer |\n| :--- | :--- |\n| Mon | Zhang San |\n| Tue | Li Si |\n\n- escalate via `#ops`\n- runbook: [link](https://wiki.example.com/oncall)"},
		"robot_image":       messages.RobotImage{Data: onePixelPNG},
		"robot_news": messages.News{Articles: []messages.Article{{Title: "Release 2.3 is out", Description: "Highlights and upgrade notes",
			URL: "https://blog.example.com/2-3", PicURL: "https://cdn.example.com/img/2-3.png"}}},
		"robot_file":  messages.File{MediaID: "3a8robotFileMediaId"},
		"robot_voice": messages.Voice{MediaID: "3a8robotVoiceMediaId"},
		"robot_card_text_notice": messages.TemplateCard{
			CardType:        messages.CardTextNotice,
			Source:          &messages.CardSource{IconURL: "https://cdn.example.com/icons/mon.png", Desc: "Monitoring", DescColor: messages.DescRed},
			MainTitle:       &messages.MainTitle{Title: "CPU alert on api-03", Desc: "Triggered 10:42"},
			EmphasisContent: &messages.EmphasisContent{Title: "97%", Desc: "CPU usage"},
			SubTitleText:    "Sustained for 5 minutes",
			HorizontalContentList: []messages.HorizontalContent{{KeyName: "Cluster", Value: "prod-sh"},
				{KeyName: "Dashboard", Value: "Open", Type: messages.HorizontalURL, URL: "https://grafana.example.com/d/api"}},
			JumpList:   []messages.Jump{{Type: messages.LinkURL, Title: "Runbook", URL: "https://wiki.example.com/cpu"}},
			CardAction: &messages.CardAction{Type: messages.LinkURL, URL: "https://grafana.example.com/d/api"},
		},
		"robot_card_news_notice": messages.TemplateCard{
			CardType:            messages.CardNewsNotice,
			Source:              &messages.CardSource{Desc: "Engineering blog"},
			MainTitle:           &messages.MainTitle{Title: "How we cut build time by 40%", Desc: "5 min read"},
			CardImage:           &messages.CardImage{URL: "https://cdn.example.com/img/build.png", AspectRatio: 2.25},
			VerticalContentList: []messages.VerticalContent{{Title: "Remote cache", Desc: "Shared across all CI runners"}},
			CardAction:          &messages.CardAction{Type: messages.LinkURL, URL: "https://blog.example.com/build-time"},
		},
	}
	for golden, msg := range tests {
		t.Run(golden, func(t *testing.T) {
			t.Parallel()
			m, opts := newMock(t, map[string]string{robotPath: `{"errcode":0,"errmsg":"ok"}`})
			r, err := messages.NewRobot(robotKey, opts...)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Send(t.Context(), msg); err != nil {
				t.Fatal(err)
			}
			req := m.last(t)
			if req.Query.Get("key") != robotKey || req.Query.Has("access_token") {
				t.Errorf("query %v: want only the robot key", req.Query)
			}
			assertGolden(t, golden, req.Body)
		})
	}
}

func TestRobotBurstUnderLimiter(t *testing.T) {
	t.Parallel()
	const window = 300 * time.Millisecond
	srv := wecomtest.Start(t, wecomtest.WithRobotWindow(window))
	srv.AddRobot(robotKey)
	r := newRobot(t, srv, robotKey).WithLimit(messages.RobotLimit{Window: window})
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 25)
	for i := range 25 {
		wg.Go(func() { errs <- r.Send(t.Context(), messages.RobotText{Content: fmt.Sprintf("progress %d", i)}) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := srv.Calls(robotPath); got != 25 {
		t.Errorf("%d requests, want 25 (no 45009 and no retries)", got)
	}
	if got := len(srv.RobotPosts(robotKey)); got != 25 {
		t.Errorf("%d posts recorded, want 25", got)
	}
	if d := time.Since(start); d < window {
		t.Errorf("25 posts took %v, under one window: the limiter did not hold", d)
	}
}

func TestRobotSimulatorLimit(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t, wecomtest.WithRobotWindow(time.Hour))
	srv.AddRobot(robotKey)
	r := newRobot(t, srv, robotKey).WithLimit(messages.RobotLimit{Messages: 100})
	for i := range 20 {
		if err := r.Send(t.Context(), messages.RobotText{Content: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	err := r.Send(t.Context(), messages.RobotText{Content: "21st"})
	wecomtest.WantCode(t, err, client.CodeFrequencyLimit)
	if !errors.Is(err, client.ErrRateLimited) {
		t.Errorf("45009 should match ErrRateLimited: %v", err)
	}
	if got := len(srv.RobotPosts(robotKey)); got != 20 {
		t.Errorf("%d posts, want 20", got)
	}
}

func TestRobotLimiterModes(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddRobot(robotKey)
	r := newRobot(t, srv, robotKey)
	fast := r.WithLimit(messages.RobotLimit{Messages: 2, Window: time.Hour, FailFast: true})
	for range 2 {
		if err := fast.Send(t.Context(), messages.RobotText{Content: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := fast.Send(t.Context(), messages.RobotText{Content: "third"}); !errors.Is(err, messages.ErrRobotRateLimited) {
		t.Fatalf("want ErrRobotRateLimited, got %v", err)
	}
	wait := r.WithLimit(messages.RobotLimit{Messages: 2, Window: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := wait.Send(ctx, messages.RobotText{Content: "third"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the wait to end with ctx, got %v", err)
	}
	if got := srv.Calls(robotPath); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
}

func TestRobotNeverRetriedAfterSending(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddRobot(robotKey)
	r := newRobot(t, srv, robotKey)
	srv.Inject(robotPath, wecomtest.Fault{Status: http.StatusBadGateway, AfterHandler: true}, 1)
	if err := r.Send(t.Context(), messages.RobotText{Content: "behind plan"}); err == nil {
		t.Fatal("want the 502")
	}
	srv.FailNext(robotPath, client.CodeBusy, 1)
	wecomtest.WantCode(t, r.Send(t.Context(), messages.RobotText{Content: "again"}), client.CodeBusy)
	if got := srv.Calls(robotPath); got != 2 {
		t.Errorf("%d requests, want 2: robot posts are never retried", got)
	}
	if got := len(srv.RobotPosts(robotKey)); got != 1 {
		t.Errorf("%d posts, want 1", got)
	}
}

func TestRobotKeyIsRedacted(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := newRobot(t, srv, robotKey, client.WithLogger(logger))
	err := r.Send(t.Context(), messages.RobotText{Content: "x"})
	wecomtest.WantCode(t, err, client.CodeRobotInvalidWebhook)
	srv.Close()
	errNet := r.Send(t.Context(), messages.RobotText{Content: "y"})
	if errNet == nil {
		t.Fatal("want a transport error from a closed server")
	}
	_, errUp := r.UploadMedia(t.Context(), messages.UploadParams{Type: messages.MediaFile, Filename: "a.txt", Body: strings.NewReader("hello robot")})
	out := fmt.Sprintf("%v|%+v|%#v|%s|%v|%v|%v|%s", r, r, r, r, err, errNet, errUp, logs.String())
	if strings.Contains(out, robotKey) || strings.Contains(out, robotKey[:12]) {
		t.Errorf("robot key leaked:\n%s", out)
	}
	if !strings.Contains(logs.String(), robotPath) {
		t.Errorf("no debug line logged: %q", logs.String())
	}
	if _, err := messages.NewRobot(""); err == nil {
		t.Error("an empty key must be refused")
	}
}

func TestRobotUploadAndSendFile(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddRobot(robotKey)
	srv.AddRobot("other-robot-key")
	r := newRobot(t, srv, robotKey)
	media, err := r.UploadMedia(t.Context(), messages.UploadParams{Type: messages.MediaFile, Filename: "plan.csv", Body: strings.NewReader("line,qty\nA,10\n")})
	if err != nil {
		t.Fatal(err)
	}
	if data, ok := srv.MediaData(media.MediaID); !ok || string(data) != "line,qty\nA,10\n" || media.CreatedAt.IsZero() {
		t.Fatalf("uploaded %q %v (%+v)", data, ok, media)
	}
	if err := r.Send(t.Context(), messages.File{MediaID: media.MediaID}); err != nil {
		t.Fatal(err)
	}
	other := newRobot(t, srv, "other-robot-key")
	wecomtest.WantCode(t, other.Send(t.Context(), messages.File{MediaID: media.MediaID}), client.CodeInvalidMediaID)
	_, err = r.UploadMedia(t.Context(), messages.UploadParams{Type: messages.MediaImage, Filename: "a.png", Body: bytes.NewReader(onePixelPNG)})
	wecomtest.WantInvalid(t, err, "type")
	_, err = r.UploadMedia(t.Context(), messages.UploadParams{Type: messages.MediaVoice, Filename: "a.amr", Body: bytes.NewReader(make([]byte, messages.MaxVoiceBytes+1))})
	wecomtest.WantInvalid(t, err, "media")
}

func TestRobotValidation(t *testing.T) {
	t.Parallel()
	nine := make([]messages.Article, 9)
	for i := range nine {
		nine[i] = messages.Article{Title: "t", URL: "https://example.com"}
	}
	big := append(bytes.Clone(onePixelPNG), make([]byte, messages.MaxRobotImageBytes)...)
	tests := []struct {
		name  string
		msg   messages.RobotMessage
		field string
	}{
		{"nil", nil, "msgtype"},
		{"empty text", messages.RobotText{}, "text.content"},
		{"long text", messages.RobotText{Content: strings.Repeat("a", messages.MaxTextBytes+1)}, "text.content"},
		{"long markdown", messages.Markdown{Content: strings.Repeat("a", messages.MaxRobotMarkdownBytes+1)}, "markdown.content"},
		{"long markdown_v2", messages.MarkdownV2{Content: strings.Repeat("a", messages.MaxRobotMarkdownBytes+1)}, "markdown_v2.content"},
		{"nine articles", messages.News{Articles: nine}, "news.articles"},
		{"mini program article", messages.News{Articles: []messages.Article{{Title: "t", AppID: "wx1", PagePath: "p"}}}, "news.articles[].appid"},
		{"image too big", messages.RobotImage{Data: big}, "image.base64"},
		{"not an image", messages.RobotImage{Data: []byte("GIF89a not allowed here")}, "image.base64"},
		{"interactive card", messages.TemplateCard{CardType: messages.CardButtonInteraction}, "template_card.card_type"},
		{"card with menu", messages.TemplateCard{CardType: messages.CardTextNotice, MainTitle: &messages.MainTitle{Title: "t"},
			ActionMenu: &messages.ActionMenu{ActionList: []messages.MenuAction{{Text: "a", Key: "b"}}}, CardAction: &messages.CardAction{Type: 1, URL: "https://x"}}, "template_card.action_menu"},
		{"news card without image", messages.TemplateCard{CardType: messages.CardNewsNotice, MainTitle: &messages.MainTitle{Title: "t"},
			ImageTextArea: &messages.ImageTextArea{ImageURL: "https://x"}, CardAction: &messages.CardAction{Type: 1, URL: "https://x"}}, "template_card.card_image"},
	}
	m, opts := newMock(t, map[string]string{robotPath: `{"errcode":0}`})
	r, err := messages.NewRobot(robotKey, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wecomtest.WantInvalid(t, r.Send(t.Context(), tc.msg), tc.field)
		})
	}
	if n := len(m.all()); n != 0 {
		t.Errorf("%d requests sent for invalid robot messages, want 0", n)
	}
}

// TestRobotLimitSharedThroughStore gives two robots of one key (two processes, say) one Store:
// they share the 20-per-window budget.
func TestRobotLimitSharedThroughStore(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddRobot(robotKey)
	st := store.NewMemory()
	lim := messages.RobotLimit{Messages: 3, Window: time.Hour, FailFast: true}
	a := newRobot(t, srv, robotKey, client.WithStore(st)).WithLimit(lim)
	b := newRobot(t, srv, robotKey, client.WithStore(st)).WithLimit(lim)
	for _, r := range []*messages.Robot{a, a, b} {
		if err := r.Send(t.Context(), messages.RobotText{Content: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(t.Context(), messages.RobotText{Content: "fourth"}); !errors.Is(err, messages.ErrRobotRateLimited) {
		t.Fatalf("want ErrRobotRateLimited, got %v", err)
	}
}
