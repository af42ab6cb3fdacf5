package messages

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/ctxtime"
	"github.com/wecom-connector/wecom/internal/secret"
	"github.com/wecom-connector/wecom/store"
)

// RobotMessage is a group robot message: [RobotText], [Markdown], [MarkdownV2], [RobotImage],
// [News], [File], [Voice] or a text_notice / news_notice [TemplateCard].
// 群机器人消息类型
type RobotMessage interface {
	// MsgType is the message's msgtype, also the JSON key of its body.
	MsgType() MsgType
	checkRobot() error
}

// RobotText is a robot text message (文本类型), at most 2048 bytes. MentionedList holds UserIDs
// to @-mention and MentionedMobileList mobile numbers; "@all" in either mentions everyone.
type RobotText struct {
	Content             string   `json:"content"`
	MentionedList       []string `json:"mentioned_list,omitempty"`
	MentionedMobileList []string `json:"mentioned_mobile_list,omitempty"`
}

// MsgType is "text".
func (RobotText) MsgType() MsgType { return MsgText }

func (m RobotText) checkRobot() error {
	return firstErr(check.Required("text.content", m.Content), maxBytes("text.content", m.Content, MaxTextBytes))
}

// MarkdownV2 is a robot markdown_v2 message (≤4096 bytes): tables, lists, images and code
// blocks, but no font colours and no <@userid> mentions.
type MarkdownV2 struct {
	Content string `json:"content"`
}

// MsgType is "markdown_v2".
func (MarkdownV2) MsgType() MsgType { return MsgMarkdownV2 }

func (m MarkdownV2) checkRobot() error {
	return firstErr(check.Required("markdown_v2.content", m.Content), maxBytes("markdown_v2.content", m.Content, MaxRobotMarkdownBytes))
}

// RobotImage is a robot image message (图片类型): the raw JPG or PNG bytes, at most 2 MB. It is
// sent as Base64 with the MD5 of the raw bytes.
type RobotImage struct {
	Data []byte
}

// MsgType is "image".
func (RobotImage) MsgType() MsgType { return MsgImage }

func (m RobotImage) checkRobot() error {
	switch ct := http.DetectContentType(m.Data); {
	case len(m.Data) == 0:
		return check.Invalid("image.base64", "no image data")
	case len(m.Data) > MaxRobotImageBytes:
		return &client.ValidationError{Field: "image.base64", Reason: fmt.Sprintf("%d bytes, limit %d before Base64", len(m.Data), MaxRobotImageBytes), TooLong: true}
	case ct != "image/png" && ct != "image/jpeg":
		return check.Invalid("image.base64", "%s: want JPG or PNG", ct)
	}
	return nil
}

// MarshalJSON writes {"base64": …, "md5": …}.
func (m RobotImage) MarshalJSON() ([]byte, error) {
	sum := md5.Sum(m.Data)
	return json.Marshal(struct {
		Base64 string `json:"base64"`
		MD5    string `json:"md5"`
	}{base64.StdEncoding.EncodeToString(m.Data), hex.EncodeToString(sum[:])})
}

// RobotLimit is the client-side limit of a robot's posts. WeCom allows 20 messages per minute
// per robot and answers 45009 beyond; the limiter keeps under it.
type RobotLimit struct {
	Messages int           // per Window; default 20
	Window   time.Duration // default one minute
	// FailFast returns [ErrRobotRateLimited] at once instead of waiting for a free slot.
	FailFast bool
}

// DefaultRobotLimit is WeCom's documented robot limit: 20 messages per minute.
var DefaultRobotLimit = RobotLimit{Messages: 20, Window: time.Minute}

// ErrRobotRateLimited is returned by a robot with [RobotLimit].FailFast when its window is full.
var ErrRobotRateLimited = errors.New("wecom: robot: message limit reached for this window")

// Robot posts to one group robot (群机器人 / 消息推送) identified by its webhook key. The key is a
// secret: it is sent only as the key query value and redacted from errors, logs and String.
// Posts pass a per-key limiter whose state lives in the client's Store, so processes sharing a
// Store share the limit. A post is never retried once it may have reached WeCom: a robot has
// no duplicate check, and a repeat would show twice in the group.
type Robot struct {
	c     *client.Client
	limit RobotLimit
	slot  string // store key prefix of the limiter's slots
}

// NewRobot returns a robot for key (the key= value of its webhook URL) with
// [DefaultRobotLimit]. opts configure the underlying client (base URL, HTTP client, store,
// logger, retry policy).
func NewRobot(key string, opts ...client.Option) (*Robot, error) {
	c, err := client.New(client.WebhookKey(key), opts...)
	if err != nil {
		return nil, err
	}
	return &Robot{c: c, limit: DefaultRobotLimit, slot: "wecom:v1:robot:" + secret.Hash(key) + ":"}, nil
}

// WithLimit returns a copy of the robot that keeps to l; zero fields take the defaults. Copies
// of one key with one Store share their slots, so use one limit per key.
func (r *Robot) WithLimit(l RobotLimit) *Robot {
	if l.Messages <= 0 {
		l.Messages = DefaultRobotLimit.Messages
	}
	if l.Window <= 0 {
		l.Window = DefaultRobotLimit.Window
	}
	c := *r
	c.limit = l
	return &c
}

// String names the robot without its key.
func (r *Robot) String() string { return "messages.Robot(REDACTED)" }

// GoString is String, so %#v prints no key either.
func (r *Robot) GoString() string { return r.String() }

// Send posts a message to the robot's group (发送群机器人消息), after waiting for a free slot of
// the limiter (or failing with [ErrRobotRateLimited]). The message is checked first: empty or
// oversize content, more than 8 articles, an image over 2 MB or an interactive card return a
// [*client.ValidationError] without any request.
// 群机器人发送消息
//
// https://developer.work.weixin.qq.com/document/path/91770
//
//wecom:api POST /cgi-bin/webhook/send
func (r *Robot) Send(ctx context.Context, m RobotMessage) error {
	if isNil(m) {
		return check.Invalid("msgtype", "no message")
	}
	if err := m.checkRobot(); err != nil {
		return err
	}
	release, err := r.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	return r.c.Do(ctx, http.MethodPost, "/cgi-bin/webhook/send", nil, envelope{head: struct {
		MsgType MsgType `json:"msgtype"`
	}{m.MsgType()}, key: m.MsgType(), body: m}, nil)
}

// UploadMedia uploads a file (≤20 MB) or an AMR voice (≤2 MB) for this robot's [File] and
// [Voice] messages (上传文件); the media ID works only with this key, for 3 days. Uploads do not
// take a limiter slot.
// 群机器人上传文件
//
// https://developer.work.weixin.qq.com/document/path/91770
//
//wecom:api POST /cgi-bin/webhook/upload_media
func (r *Robot) UploadMedia(ctx context.Context, p UploadParams) (*Media, error) {
	if p.Type != MediaFile && p.Type != MediaVoice {
		return nil, check.Invalid("type", "robots upload only file or voice, not %q", p.Type)
	}
	up, err := p.upload(nil)
	if err != nil {
		return nil, err
	}
	var out mediaAnswer
	if err := r.c.Do(ctx, http.MethodPost, "/cgi-bin/webhook/upload_media", url.Values{"type": {string(p.Type)}}, up, &out); err != nil {
		return nil, err
	}
	return out.media(), nil
}

// acquire takes one of the limit's slots. A slot is a Store key set with SetNX; it stays taken
// until a Window after the post's answer arrived, which is never earlier than a Window after
// WeCom counted it. The returned func records that moment.
func (r *Robot) acquire(ctx context.Context) (func(), error) {
	st := r.c.Store()
	hold := r.limit.Window + time.Minute // bounds a slot whose holder crashed mid-post
	for {
		for i := range r.limit.Messages {
			key := r.slot + strconv.Itoa(i)
			ok, err := st.SetNX(ctx, key, stamp(time.Now().Add(hold)), hold)
			if err != nil {
				return nil, fmt.Errorf("wecom: robot limiter: %w", err)
			}
			if ok {
				return func() {
					free := time.Now().Add(r.limit.Window)
					_ = st.Set(context.WithoutCancel(ctx), key, stamp(free), r.limit.Window)
				}, nil
			}
		}
		if r.limit.FailFast {
			return nil, ErrRobotRateLimited
		}
		if err := ctxtime.Sleep(ctx, r.nextFree(ctx, st)); err != nil {
			return nil, fmt.Errorf("wecom: robot limiter: %w", err)
		}
	}
}

// nextFree estimates how long until a slot frees, from the times the slots hold.
func (r *Robot) nextFree(ctx context.Context, st store.Store) time.Duration {
	wait := r.limit.Window
	for i := range r.limit.Messages {
		b, err := st.Get(ctx, r.slot+strconv.Itoa(i))
		if err != nil {
			return time.Millisecond // freed (or unreadable): look again now
		}
		if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			wait = min(wait, time.Until(time.Unix(0, n)))
		}
	}
	return max(wait, time.Millisecond)
}

func stamp(t time.Time) []byte { return strconv.AppendInt(nil, t.UnixNano(), 10) }
