package webhook

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/internal/xmlscan"
)

func TestReplyMarshalSpecSamples(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		reply Reply
		to    string
		want  string
	}{
		{"text", TextReply{Content: "工厂3进度 82%"}, "LiLei",
			`<xml><ToUserName><![CDATA[LiLei]]></ToUserName><FromUserName><![CDATA[ww7c3f5e0a1b2d4e6f]]></FromUserName><CreateTime>1732440100</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[工厂3进度 82%]]></Content></xml>`},
		{"news", NewsReply{Articles: []Article{{Title: "今日排产", Description: "点击查看", URL: "https://example.com/plan", PicURL: "https://example.com/p.png"}}}, "LiLei",
			`<xml><ToUserName><![CDATA[LiLei]]></ToUserName><FromUserName><![CDATA[ww7c3f5e0a1b2d4e6f]]></FromUserName><CreateTime>1732440100</CreateTime><MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount><Articles><item><Title><![CDATA[今日排产]]></Title><Description><![CDATA[点击查看]]></Description><Url><![CDATA[https://example.com/plan]]></Url><PicUrl><![CDATA[https://example.com/p.png]]></PicUrl></item></Articles></xml>`},
		{"update_button", UpdateButtonReply{ReplaceName: "已确认延期"}, "WangFang",
			`<xml><ToUserName><![CDATA[WangFang]]></ToUserName><FromUserName><![CDATA[ww7c3f5e0a1b2d4e6f]]></FromUserName><CreateTime>1732440100</CreateTime><MsgType><![CDATA[update_button]]></MsgType><Button><ReplaceName><![CDATA[已确认延期]]></ReplaceName></Button></xml>`},
		{"image", ImageReply{MediaID: "m1"}, "u",
			`<xml><ToUserName><![CDATA[u]]></ToUserName><FromUserName><![CDATA[ww7c3f5e0a1b2d4e6f]]></FromUserName><CreateTime>1732440100</CreateTime><MsgType><![CDATA[image]]></MsgType><Image><MediaId><![CDATA[m1]]></MediaId></Image></xml>`},
		{"voice", VoiceReply{MediaID: "m2"}, "u",
			`<xml><ToUserName><![CDATA[u]]></ToUserName><FromUserName><![CDATA[ww7c3f5e0a1b2d4e6f]]></FromUserName><CreateTime>1732440100</CreateTime><MsgType><![CDATA[voice]]></MsgType><Voice><MediaId><![CDATA[m2]]></MediaId></Voice></xml>`},
		{"video", VideoReply{MediaID: "m3", Title: "T", Description: "D"}, "u",
			`<xml><ToUserName><![CDATA[u]]></ToUserName><FromUserName><![CDATA[ww7c3f5e0a1b2d4e6f]]></FromUserName><CreateTime>1732440100</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[m3]]></MediaId><Title><![CDATA[T]]></Title><Description><![CDATA[D]]></Description></Video></xml>`},
		{"video without title", VideoReply{MediaID: "m4"}, "u",
			`<xml><ToUserName><![CDATA[u]]></ToUserName><FromUserName><![CDATA[ww7c3f5e0a1b2d4e6f]]></FromUserName><CreateTime>1732440100</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[m4]]></MediaId></Video></xml>`},
	}
	for _, tc := range cases {
		got, err := tc.reply.MarshalReply(tc.to, "ww7c3f5e0a1b2d4e6f", 1732440100)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if string(got) != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
		// Every reply survives encryption and decryption unchanged.
		c := specCrypto(t)
		env, err := c.EncryptReply(got, "1732440100", "n1")
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := envelopeValue(t, env, "Encrypt")
		sig, _ := envelopeValue(t, env, "MsgSignature")
		back, err := c.DecryptString(sig, "1732440100", "n1", enc)
		if err != nil || string(back.Plaintext) != tc.want {
			t.Errorf("%s: round trip %q %v", tc.name, back.Plaintext, err)
		}
	}
}

func envelopeValue(t *testing.T, env []byte, name string) (string, bool) {
	t.Helper()
	var v [1][]byte
	if err := xmlscan.Fields(env, []string{name}, v[:]); err != nil {
		t.Fatalf("reply envelope is not XML: %s", env)
	}
	return string(v[0]), v[0] != nil
}

func TestReplyEscapesAndLimits(t *testing.T) {
	t.Parallel()
	got, err := TextReply{Content: "a]]>b<&"}.MarshalReply("u", "c", 1)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if tm := ev.(*TextMessage); tm.Content != "a]]>b<&" {
		t.Fatalf("content %q from %s", tm.Content, got)
	}
	for _, n := range []int{0, 9} {
		_, err := NewsReply{Articles: make([]Article, n)}.MarshalReply("u", "c", 1)
		if !errors.Is(err, ErrGenReply) {
			t.Errorf("%d articles: %v", n, err)
		}
	}
	eight, err := NewsReply{Articles: make([]Article, 8)}.MarshalReply("u", "c", 1)
	if err != nil || strings.Count(string(eight), "<item>") != 8 {
		t.Fatalf("8 articles: %v", err)
	}
}

// TestUpdateTemplateCardReply renders the docs' vote-card example and compares it element by
// element (the sample uses CDATA, encoding/xml escapes; both are the same XML).
func TestUpdateTemplateCardReply(t *testing.T) {
	t.Parallel()
	r := UpdateTemplateCardReply{Card: TemplateCard{
		CardType:  CardVoteInteraction,
		Source:    &CardSource{IconURL: "https://cdn.example.com/icons/poll.png", Desc: "Team poll"},
		MainTitle: &CardTitle{Title: "Friday lunch", Desc: "Thanks, your vote was recorded"},
		CheckBox: &CardCheckBox{QuestionKey: "lunch_choice", Disable: true, Mode: 1, OptionList: []CardOption{
			{ID: "sushi", Text: "Sushi", IsChecked: true}, {ID: "pizza", Text: "Pizza", IsChecked: true}}},
		SubmitButton: &CardButton{Text: "Vote", Key: "submit_poll_lunch_0510"},
		ReplaceText:  "Voted",
	}}
	got, err := r.MarshalReply("lisi", "ww0123456789abcdef", 1715331711)
	if err != nil {
		t.Fatal(err)
	}
	want := `<xml><ToUserName><![CDATA[lisi]]></ToUserName><FromUserName><![CDATA[ww0123456789abcdef]]></FromUserName><CreateTime>1715331711</CreateTime><MsgType><![CDATA[update_template_card]]></MsgType><TemplateCard><CardType><![CDATA[vote_interaction]]></CardType><Source><IconUrl><![CDATA[https://cdn.example.com/icons/poll.png]]></IconUrl><Desc><![CDATA[Team poll]]></Desc></Source><MainTitle><Title><![CDATA[Friday lunch]]></Title><Desc><![CDATA[Thanks, your vote was recorded]]></Desc></MainTitle><CheckBox><QuestionKey><![CDATA[lunch_choice]]></QuestionKey><OptionList><Id><![CDATA[sushi]]></Id><Text><![CDATA[Sushi]]></Text><IsChecked>true</IsChecked></OptionList><OptionList><Id><![CDATA[pizza]]></Id><Text><![CDATA[Pizza]]></Text><IsChecked>true</IsChecked></OptionList><Disable>true</Disable><Mode>1</Mode></CheckBox><SubmitButton><Text><![CDATA[Vote]]></Text><Key><![CDATA[submit_poll_lunch_0510]]></Key></SubmitButton><ReplaceText><![CDATA[Voted]]></ReplaceText></TemplateCard></xml>`
	if a, b := flatten(t, got), flatten(t, []byte(want)); a != b {
		t.Fatalf("got\n%s\nwant\n%s", a, b)
	}
}

// flatten lists every leaf as path=text, in document order, as encoding/xml reads them.
func flatten(t *testing.T, doc []byte) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var (
		path []string
		text string
		leaf bool
		out  strings.Builder
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out.String()
		}
		if err != nil {
			t.Fatalf("not XML: %v: %s", err, doc)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			path, text, leaf = append(path, tk.Name.Local), "", true
		case xml.CharData:
			text += string(tk)
		case xml.EndElement:
			if leaf {
				out.WriteString("/" + strings.Join(path, "/") + "=" + text + "\n")
			}
			path, leaf = path[:len(path)-1], false
		}
	}
}
