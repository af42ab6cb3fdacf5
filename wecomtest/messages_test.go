package wecomtest_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

type mJ = wecomtest.J

func msgClient(t *testing.T, opts ...wecomtest.Option) (*client.Client, *wecomtest.Server) {
	t.Helper()
	srv := wecomtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c := srv.NewClient(t, client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		BusyRetries: 1, RateLimitRetries: 1, RateLimitWait: time.Millisecond}))
	return c, srv
}

func msgWantCode(t *testing.T, err error, code int) {
	t.Helper()
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != code {
		t.Errorf("want errcode %d, got %v", code, err)
	}
}

func msgPost(c *client.Client, path string, body mJ, out any) error {
	return c.Do(context.Background(), http.MethodPost, path, nil, body, out)
}

func msgText(extra mJ) mJ {
	b := mJ{"touser": "zhangsan", "msgtype": "text", "agentid": wecomtest.AgentID, "text": mJ{"content": "hi"}}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

func TestSimMessageSendErrcodes(t *testing.T) {
	t.Parallel()
	c, _ := msgClient(t)
	many := strings.Repeat("u|", 1001)
	tests := []struct {
		name string
		body mJ
		code int
	}{
		{"no recipients", msgText(mJ{"touser": ""}), client.CodeNoRecipients},
		{"too many users", msgText(mJ{"touser": many}), client.CodeUserIDListTooLong},
		{"too many parties", msgText(mJ{"toparty": strings.Repeat("1|", 101)}), client.CodeTooManyParties},
		{"too many tags", msgText(mJ{"totag": strings.Repeat("1|", 101)}), client.CodeTooManyTags},
		{"no agentid", msgText(mJ{"agentid": 0}), client.CodeMissingAgentID},
		{"other agent", msgText(mJ{"agentid": 1}), client.CodeAppNoPrivilege},
		{"bad msgtype", msgText(mJ{"msgtype": "poster"}), client.CodeInvalidMsgType},
		{"empty text", msgText(mJ{"text": mJ{"content": ""}}), client.CodeEmptyContent},
		{"long text", msgText(mJ{"text": mJ{"content": strings.Repeat("a", 2049)}}), client.CodeContentTooLarge},
		{"nine articles", msgText(mJ{"msgtype": "news", "news": mJ{"articles": make([]mJ, 9)}}), client.CodeTooManyArticles},
		{"unknown media", msgText(mJ{"msgtype": "image", "image": mJ{"media_id": "nope"}}), client.CodeInvalidMediaID},
		{"bad card type", msgText(mJ{"msgtype": "template_card", "template_card": mJ{"card_type": "poster"}}), client.CodeInvalidCardType},
		{"card without task", msgText(mJ{"msgtype": "template_card", "template_card": mJ{"card_type": "button_interaction"}}), client.CodeInvalidTaskID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msgWantCode(t, msgPost(c, "/cgi-bin/message/send", tc.body, nil), tc.code)
		})
	}
}

func TestSimMessageSendRecords(t *testing.T) {
	t.Parallel()
	c, srv := msgClient(t)
	srv.RejectUsers([]string{"LiSi"}, []string{"wangwu"})
	var out struct {
		InvalidUser    string `json:"invaliduser"`
		UnlicensedUser string `json:"unlicenseduser"`
		MsgID          string `json:"msgid"`
	}
	if err := msgPost(c, "/cgi-bin/message/send", msgText(mJ{"touser": "zhangsan|LiSi|wangwu", "toparty": "4"}), &out); err != nil {
		t.Fatal(err)
	}
	if out.InvalidUser != "lisi" || out.UnlicensedUser != "wangwu" || out.MsgID == "" {
		t.Errorf("answer %+v", out)
	}
	got := srv.Received("zhangsan")
	if len(got) != 1 || got[0].MsgID != out.MsgID || string(got[0].Content) != `{"content":"hi"}` || len(srv.Received("LiSi")) != 0 {
		t.Errorf("received %+v", got)
	}
	if all := srv.SentMessages(); len(all) != 1 || all[0].Departments[0] != "4" {
		t.Errorf("sent %+v", all)
	}
	// Duplicate check: an identical request inside the window is answered, not delivered again.
	dup := msgText(mJ{"touser": "zhaoliu", "enable_duplicate_check": 1, "duplicate_check_interval": 60})
	var a, b struct {
		MsgID string `json:"msgid"`
	}
	if err := msgPost(c, "/cgi-bin/message/send", dup, &a); err != nil {
		t.Fatal(err)
	}
	if err := msgPost(c, "/cgi-bin/message/send", dup, &b); err != nil {
		t.Fatal(err)
	}
	if a.MsgID != b.MsgID || len(srv.Received("zhaoliu")) != 1 {
		t.Errorf("duplicate check: %s %s, %d copies", a.MsgID, b.MsgID, len(srv.Received("zhaoliu")))
	}
	// Without it, both arrive.
	plain := msgText(mJ{"touser": "zhaoliu"})
	_ = msgPost(c, "/cgi-bin/message/send", plain, nil)
	_ = msgPost(c, "/cgi-bin/message/send", plain, nil)
	if n := len(srv.Received("zhaoliu")); n != 3 {
		t.Errorf("%d copies, want 3", n)
	}
}

func TestSimCardUpdate(t *testing.T) {
	t.Parallel()
	c, srv := msgClient(t, wecomtest.WithResponseCodeTTL(time.Hour))
	card := mJ{"card_type": "button_interaction", "task_id": "t-1", "main_title": mJ{"title": "x"}, "button_list": []mJ{{"text": "ok", "key": "ok"}}}
	var out struct {
		ResponseCode string `json:"response_code"`
	}
	if err := msgPost(c, "/cgi-bin/message/send", msgText(mJ{"touser": "a|b", "msgtype": "template_card", "template_card": card}), &out); err != nil {
		t.Fatal(err)
	}
	msgWantCode(t, msgPost(c, "/cgi-bin/message/send", msgText(mJ{"msgtype": "template_card", "template_card": card}), nil), client.CodeInvalidTaskID)
	upd := func(extra mJ) mJ {
		b := mJ{"agentid": wecomtest.AgentID, "response_code": out.ResponseCode, "userids": []string{"a"}, "button": mJ{"replace_name": "done"}}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	msgWantCode(t, msgPost(c, "/cgi-bin/message/update_template_card", upd(mJ{"response_code": "nope"}), nil), client.CodeInvalidResponseCode)
	msgWantCode(t, msgPost(c, "/cgi-bin/message/update_template_card", upd(mJ{"userids": nil}), nil), client.CodeUpdateTargetEmpty)
	msgWantCode(t, msgPost(c, "/cgi-bin/message/update_template_card", upd(mJ{"userids": []string{"zz"}}), nil), client.CodeUpdateTargetNotRecipient)
	msgWantCode(t, msgPost(c, "/cgi-bin/message/update_template_card", upd(mJ{"agentid": 1}), nil), client.CodeUpdateAppMismatch)
	var res struct {
		InvalidUser []string `json:"invaliduser"`
	}
	if err := msgPost(c, "/cgi-bin/message/update_template_card", upd(mJ{"userids": []string{"a", "Z"}}), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.InvalidUser) != 1 || res.InvalidUser[0] != "z" {
		t.Errorf("invaliduser %v", res.InvalidUser)
	}
	msgWantCode(t, msgPost(c, "/cgi-bin/message/update_template_card", upd(nil), nil), client.CodeInvalidResponseCode)
	if _, err := srv.ClickCard("nobody", "t-1", "ok"); err == nil {
		t.Error("a user who got no card cannot click it")
	}
	ev, err := srv.ClickCard("b", "t-1", "ok")
	if err != nil || ev.ResponseCode == "" || ev.AgentID != wecomtest.AgentID || ev.CardType != "button_interaction" {
		t.Fatalf("ClickCard = %+v, %v", ev, err)
	}
	if ev.ToUserName != wecomtest.CorpID || srv.Received("b")[0].CorpID != wecomtest.CorpID {
		t.Fatalf("card event addressed to %q, message of corp %q; want the sending corp", ev.ToUserName, srv.Received("b")[0].CorpID)
	}
	if err := msgPost(c, "/cgi-bin/message/update_template_card", upd(mJ{"response_code": ev.ResponseCode, "userids": nil, "atall": 1}), nil); err != nil {
		t.Fatal(err)
	}
	if a, b := srv.Received("a")[0], srv.Received("b")[0]; len(a.Updates) != 2 || len(b.Updates) != 1 {
		t.Errorf("updates a=%d b=%d, want 2 and 1", len(a.Updates), len(b.Updates))
	}
}

func TestSimRobot(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer(wecomtest.WithRobotWindow(time.Hour))
	t.Cleanup(srv.Close)
	srv.AddRobot("k1")
	r, err := client.New(client.WebhookKey("k1"), client.WithBaseURL(srv.URL()),
		client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, RateLimitWait: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	send := func(body mJ) error { return msgPost(r, "/cgi-bin/webhook/send", body, nil) }
	img := bytes.Repeat([]byte{0x89}, 16)
	sum := md5.Sum(img)
	bigImg := make([]byte, 2<<20+1)
	bigSum := md5.Sum(bigImg)
	tests := []struct {
		name string
		body mJ
		code int
	}{
		{"bad msgtype", mJ{"msgtype": "mpnews"}, client.CodeInvalidMsgType},
		{"empty text", mJ{"msgtype": "text", "text": mJ{"content": ""}}, client.CodeEmptyContent},
		{"image md5 mismatch", mJ{"msgtype": "image", "image": mJ{"base64": base64.StdEncoding.EncodeToString(img), "md5": "00"}}, client.CodeInvalidParameter},
		{"image too large", mJ{"msgtype": "image", "image": mJ{"base64": base64.StdEncoding.EncodeToString(bigImg), "md5": hex.EncodeToString(bigSum[:])}}, client.CodeRobotImageTooLarge},
		{"interactive card", mJ{"msgtype": "template_card", "template_card": mJ{"card_type": "button_interaction"}}, client.CodeInvalidCardType},
		{"foreign media", mJ{"msgtype": "file", "file": mJ{"media_id": "x"}}, client.CodeInvalidMediaID},
	}
	for _, tc := range tests {
		msgWantCode(t, send(tc.body), tc.code)
	}
	if err := send(mJ{"msgtype": "image", "image": mJ{"base64": base64.StdEncoding.EncodeToString(img), "md5": hex.EncodeToString(sum[:])}}); err != nil {
		t.Fatal(err)
	}
	for range 19 {
		if err := send(mJ{"msgtype": "markdown", "markdown": mJ{"content": "**ok**"}}); err != nil {
			t.Fatal(err)
		}
	}
	msgWantCode(t, send(mJ{"msgtype": "text", "text": mJ{"content": "21st"}}), client.CodeFrequencyLimit)
	if n := len(srv.RobotPosts("k1")); n != 20 {
		t.Errorf("%d posts, want 20", n)
	}
	unknown, _ := client.New(client.WebhookKey("k2"), client.WithBaseURL(srv.URL()))
	msgWantCode(t, msgPost(unknown, "/cgi-bin/webhook/send", mJ{"msgtype": "text", "text": mJ{"content": "x"}}, nil), client.CodeRobotInvalidWebhook)
}

func msgUpload(c *client.Client, path, typ, name string, data []byte) (string, error) {
	var out struct {
		MediaID string `json:"media_id"`
		URL     string `json:"url"`
	}
	err := c.Do(context.Background(), http.MethodPost, path, url.Values{"type": {typ}},
		&client.Upload{Filename: name, Body: bytes.NewReader(data), Size: int64(len(data))}, &out)
	return out.MediaID + out.URL, err
}

func TestSimMedia(t *testing.T) {
	t.Parallel()
	c, srv := msgClient(t)
	_, err := msgUpload(c, "/cgi-bin/media/upload", "gif", "a.gif", []byte("GIF89a...."))
	msgWantCode(t, err, client.CodeInvalidMediaTypeParam)
	_, err = msgUpload(c, "/cgi-bin/media/upload", "voice", "a.mp3", []byte("ID3......."))
	msgWantCode(t, err, client.CodeInvalidMediaFileType)
	_, err = msgUpload(c, "/cgi-bin/media/upload", "file", "a.txt", []byte("12345"))
	msgWantCode(t, err, client.CodeInvalidFileSize)
	_, err = msgUpload(c, "/cgi-bin/media/upload", "voice", "a.amr", make([]byte, 2<<20+1))
	msgWantCode(t, err, client.CodeMediaTooLarge)
	data := []byte("0123456789abcdef")
	id, err := msgUpload(c, "/cgi-bin/media/upload", "file", "n.txt", data)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	dl := &client.Download{W: &buf, Range: "bytes=4-7"}
	if err := c.Do(context.Background(), http.MethodGet, "/cgi-bin/media/get", url.Values{"media_id": {id}}, nil, dl); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "4567" || dl.Status != http.StatusPartialContent || dl.ContentRange != "bytes 4-7/16" || dl.Filename != "n.txt" {
		t.Errorf("range download %q %+v", buf.String(), dl)
	}
	err = c.Do(context.Background(), http.MethodGet, "/cgi-bin/media/get", url.Values{}, nil, &client.Download{W: &buf})
	msgWantCode(t, err, client.CodeMissingMediaID)
	if got, ok := srv.MediaData(id); !ok || !bytes.Equal(got, data) {
		t.Errorf("MediaData %q %v", got, ok)
	}
	u, err := msgUpload(c, "/cgi-bin/media/uploadimg", "", "logo.png", []byte("\x89PNG......"))
	if err != nil || !strings.HasPrefix(u, "https://") {
		t.Errorf("uploadimg %q %v", u, err)
	}
}

func TestSimAppChat(t *testing.T) {
	t.Parallel()
	c, srv := msgClient(t)
	other := wecomtest.App{CorpID: wecomtest.CorpID, Secret: "other-secret", AgentID: 1000003}
	srv.AddApp(other)
	c2, _ := client.New(client.CorpApp{CorpID: other.CorpID, Secret: other.Secret}, client.WithBaseURL(srv.URL()))
	msgWantCode(t, msgPost(c, "/cgi-bin/appchat/create", mJ{"userlist": []string{"a"}}, nil), client.CodeInvalidChatMemberCount)
	msgWantCode(t, msgPost(c, "/cgi-bin/appchat/create", mJ{"userlist": []string{"a", "b"}, "owner": "z"}, nil), client.CodeChatOwnerNotMember)
	if err := msgPost(c, "/cgi-bin/appchat/create", mJ{"userlist": []string{"a", "b"}, "chatid": "room1"}, nil); err != nil {
		t.Fatal(err)
	}
	msgWantCode(t, msgPost(c, "/cgi-bin/appchat/create", mJ{"userlist": []string{"a", "b"}, "chatid": "room1"}, nil), client.CodeChatIDExists)
	msgWantCode(t, msgPost(c2, "/cgi-bin/appchat/send", mJ{"chatid": "room1", "msgtype": "text", "text": mJ{"content": "x"}}, nil), client.CodeChatNotCreatedByApp)
	msgWantCode(t, msgPost(c, "/cgi-bin/appchat/send", mJ{"chatid": "room1", "msgtype": "template_card", "template_card": mJ{}}, nil), client.CodeInvalidMsgType)
	msgWantCode(t, msgPost(c, "/cgi-bin/appchat/send", mJ{"chatid": "nope", "msgtype": "text", "text": mJ{"content": "x"}}, nil), client.CodeChatNotFound)
	if err := msgPost(c, "/cgi-bin/appchat/send", mJ{"chatid": "room1", "msgtype": "text", "text": mJ{"content": "x"}}, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.ChatMessages("room1")); n != 1 {
		t.Errorf("%d chat messages", n)
	}
}

func TestSimCardEventNamesSendingCorp(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer(wecomtest.WithApp(wecomtest.App{CorpID: "wwfactory0000001", Secret: "factory-secret", AgentID: 1000005}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.CorpApp{CorpID: "wwfactory0000001", Secret: "factory-secret"}, client.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	card := mJ{"touser": "wangwu", "msgtype": "template_card", "agentid": 1000005, "template_card": mJ{
		"card_type": "button_interaction", "task_id": "late-1", "main_title": mJ{"title": "Behind plan"},
		"button_list": []mJ{{"text": "Ack", "key": "ack"}},
	}}
	if err := msgPost(c, "/cgi-bin/message/send", card, nil); err != nil {
		t.Fatal(err)
	}
	ev, err := srv.ClickCard("wangwu", "late-1", "ack")
	if err != nil || ev.ToUserName != "wwfactory0000001" || srv.Received("wangwu")[0].CorpID != "wwfactory0000001" {
		t.Fatalf("ClickCard = %+v, %v; want the factory corp", ev, err)
	}
}
