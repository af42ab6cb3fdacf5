package messages_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/wecomtest"
)

const sendOK = `{"errcode":0,"errmsg":"ok","invaliduser":"","msgid":"m1"}`

// TestSendGolden encodes each documented message/send example through client.Do and compares
// the body on the wire with the example.
func TestSendGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		golden string
		p      messages.SendParams
	}{
		{"send_text_envelope", messages.SendParams{
			To: messages.Recipients{Users: []string{"zhangsan", "lisi"}, Departments: []int{4}}, AgentID: agentID,
			Message:                messages.Text{Content: "Nightly build #812 finished.\nSee <a href=\"https://ci.example.com/812\">the report</a>."},
			DuplicateCheckInterval: 600 * time.Second,
		}},
		{"send_text", messages.SendParams{To: messages.ToUsers("wangwu"), AgentID: agentID, NoDuplicateCheck: true,
			Message: messages.Text{Content: "Your parcel is at the front desk.\nPickup code: 7731"}, Safe: messages.SafeConfidential}},
		{"send_image", messages.SendParams{To: messages.ToAll(), AgentID: agentID, NoDuplicateCheck: true,
			Message: messages.Image{MediaID: "2-G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0"}}},
		{"send_voice", messages.SendParams{To: messages.ToTags(3), AgentID: agentID, NoDuplicateCheck: true,
			Message: messages.Voice{MediaID: "3vX1voiceMediaIdExample"}}},
		{"send_video", messages.SendParams{To: messages.ToUsers("zhangsan"), AgentID: agentID, NoDuplicateCheck: true,
			Message: messages.Video{MediaID: "1vid_example_media_id", Title: "Onboarding part 1", Description: "Security basics, 6 minutes"}}},
		{"send_file", messages.SendParams{To: messages.ToUsers("zhangsan", "lisi"), AgentID: agentID, NoDuplicateCheck: true,
			Message: messages.File{MediaID: "1Yv-fileMediaIdExample"}, Safe: messages.SafeConfidential}},
		{"send_textcard", messages.SendParams{To: messages.ToUsers("zhangsan"), AgentID: agentID, NoDuplicateCheck: true,
			Message: messages.TextCard{Title: "Expense claim approved",
				Description: `<div class="gray">2024-05-06</div><div class="normal">Claim EX-2291, CNY 860.00</div><div class="highlight">Paid with next salary</div>`,
				URL:         "https://erp.example.com/claims/EX-2291", BtnTxt: "View"}}},
		{"send_news", messages.SendParams{To: messages.ToDepartments(2, 5), AgentID: agentID, NoDuplicateCheck: true,
			Message: messages.News{Articles: []messages.Article{
				{Title: "Spring team outing", Description: "Sign up before Friday", URL: "https://intranet.example.com/outing", PicURL: "https://cdn.example.com/img/outing-1068x455.png"},
				{Title: "Outing FAQ (mini program)", AppID: "wx0123456789abcdef", PagePath: "pages/faq/index?from=news"},
			}}}},
		{"send_mpnews", messages.SendParams{To: messages.ToAll(), AgentID: agentID, NoDuplicateCheck: true, Safe: messages.SafeCorpOnly, EnableIDTrans: true,
			Message: messages.MPNews{Articles: []messages.MPArticle{{
				Title: "Q2 all-hands summary", ThumbMediaID: "2-thumbMediaIdExample", Author: "Comms team",
				ContentSourceURL: "https://intranet.example.com/allhands/q2",
				Content:          `<p>Highlights from the meeting held by $userName=zhangsan$ ...</p><img src="https://wework.qpic.cn/wwpic/example/0">`,
				Digest:           "Revenue, hiring and the new office",
			}}}}},
		{"send_markdown", messages.SendParams{To: messages.ToUsers("zhangsan"), AgentID: agentID, NoDuplicateCheck: true,
			Message: messages.Markdown{Content: "## Incident INC-42 resolved\n> Service: <font color=\"info\">payments-api</font>\n> Duration: <font color=\"warning\">14 min</font>\n> Owner: **ops-oncall**\n[Post-mortem](https://wiki.example.com/inc-42)"}}},
		{"send_miniprogram_notice", messages.SendParams{To: messages.ToUsers("zhangsan", "lisi"), NoDuplicateCheck: true, EnableIDTrans: true,
			Message: messages.MiniProgramNotice{AppID: "wx0123456789abcdef", Page: "pages/claims/detail?id=EX-2291",
				Title: "报销审批已通过", Description: "款项将于本周到账", EmphasisFirstItem: true,
				ContentItem: []messages.NoticeItem{{Key: "单号", Value: "EX-2291"}, {Key: "金额", Value: "860.00元"}, {Key: "审批人", Value: "$userName=zhangsan$"}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			t.Parallel()
			svc, m := mockService(t, map[string]string{"/cgi-bin/message/send": sendOK})
			res, err := svc.Send(t.Context(), tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if res.MsgID != "m1" {
				t.Errorf("MsgID %q, want m1", res.MsgID)
			}
			r := m.last(t)
			if r.Method != http.MethodPost || r.Query.Get("access_token") != mockToken {
				t.Errorf("sent %s with query %v, want POST with the access token", r.Method, r.Query)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			assertGolden(t, tc.golden, r.Body)
		})
	}
}

func TestMessageValidation(t *testing.T) {
	t.Parallel()
	nine := make([]messages.Article, 9)
	for i := range nine {
		nine[i] = messages.Article{Title: "t", URL: "https://example.com"}
	}
	to := messages.ToUsers("a")
	tests := []struct {
		name  string
		p     messages.SendParams
		field string
	}{
		{"no message", messages.SendParams{To: to, AgentID: agentID}, "msgtype"},
		{"no recipients", messages.SendParams{AgentID: agentID, Message: messages.Text{Content: "x"}}, "touser"},
		{"bar in userid", messages.SendParams{To: messages.ToUsers("a|b"), AgentID: agentID, Message: messages.Text{Content: "x"}}, "touser"},
		{"no agent", messages.SendParams{To: to, Message: messages.Text{Content: "x"}}, "agentid"},
		{"markdown too long", messages.SendParams{To: to, AgentID: agentID, Message: messages.Markdown{Content: strings.Repeat("a", 2049)}}, "markdown.content"},
		{"nine articles", messages.SendParams{To: to, AgentID: agentID, Message: messages.News{Articles: nine}}, "news.articles"},
		{"no articles", messages.SendParams{To: to, AgentID: agentID, Message: messages.News{}}, "news.articles"},
		{"news without scheme", messages.SendParams{To: to, AgentID: agentID, Message: messages.News{Articles: []messages.Article{{Title: "t", URL: "example.com"}}}}, "news.articles[].url"},
		{"safe on news", messages.SendParams{To: to, AgentID: agentID, Safe: messages.SafeConfidential, Message: messages.News{Articles: nine[:1]}}, "safe"},
		{"safe 2 on text", messages.SendParams{To: to, AgentID: agentID, Safe: messages.SafeCorpOnly, Message: messages.Text{Content: "x"}}, "safe"},
		{"id trans on image", messages.SendParams{To: to, AgentID: agentID, EnableIDTrans: true, Message: messages.Image{MediaID: "m"}}, "enable_id_trans"},
		{"image without media", messages.SendParams{To: to, AgentID: agentID, Message: messages.Image{}}, "image.media_id"},
		{"textcard btntxt", messages.SendParams{To: to, AgentID: agentID, Message: messages.TextCard{Title: "t", Description: "d", URL: "https://x", BtnTxt: "12345"}}, "textcard.btntxt"},
		{"notice to all", messages.SendParams{To: messages.ToAll(), Message: messages.MiniProgramNotice{AppID: "wx1", Title: "标题四个字"}}, "touser"},
		{"notice title short", messages.SendParams{To: to, Message: messages.MiniProgramNotice{AppID: "wx1", Title: "短"}}, "miniprogram_notice.title"},
		{"interval too long", messages.SendParams{To: to, AgentID: agentID, Message: messages.Text{Content: "x"}, DuplicateCheckInterval: 5 * time.Hour}, "duplicate_check_interval"},
		{"mpnews author", messages.SendParams{To: to, AgentID: agentID, Message: messages.MPNews{Articles: []messages.MPArticle{{Title: "t", ThumbMediaID: "m", Content: "c", Author: strings.Repeat("a", 65)}}}}, "mpnews.articles[].author"},
	}
	svc, m := mockService(t, map[string]string{"/cgi-bin/message/send": sendOK})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Send(t.Context(), tc.p)
			wecomtest.WantInvalid(t, err, tc.field)
		})
	}
	if n := len(m.all()); n != 0 {
		t.Errorf("%d requests sent for invalid messages, want 0", n)
	}
}
