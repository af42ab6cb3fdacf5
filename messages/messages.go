// Package messages sends WeCom (企业微信) messages: app messages of every msgtype including the
// five template card types (应用消息, 模板卡片), recall and card update, app group chats
// (应用群聊), linked-corp messages (互联企业消息), temporary media (临时素材) and group robots
// (群机器人, keyed by their webhook key).
//
// Every call goes through the one request path of [client.Client]. Messages are typed values
// ([Text], [Markdown], [TemplateCard], …); content that breaks a documented limit is refused
// with a [*client.ValidationError] (matching [client.ErrInvalidParams], and
// [client.ErrTooLong] for sizes) before any request is made, and long texts are split explicitly
// with [SplitText], never cut silently.
//
// An endpoint method makes exactly one call: [Service.Send] refuses recipients that one
// message/send call cannot carry (1000 users, 100 departments, 100 tags). The fan-out helpers
// [Service.SendInParts] and [Service.SendLinkedInParts] split such lists into several calls and
// return one [client.Part] per call.
//
//	svc := messages.New(c)
//	res, err := svc.Send(ctx, messages.SendParams{
//		To:      messages.ToUsers("zhangsan", "lisi"),
//		AgentID: 1000002,
//		Message: messages.Text{Content: "Order 42 shipped"},
//	})
package messages

import (
	"fmt"
	"io"
	"reflect"

	"github.com/wecom-connector/wecom/client"
)

// Service calls the app message, app chat, linked-corp message and media APIs. It holds only
// the client, so it is safe for concurrent use.
type Service struct {
	c *client.Client
}

// Format prints the service and its client's credential tag whatever the verb: fmt would
// otherwise dump the unexported *client.Client field, secret included, for %s and %q.
func (s *Service) Format(f fmt.State, _ rune) {
	io.WriteString(f, "messages.Service("+s.c.String()+")")
}

// New returns a Service that sends its calls through c, a corp client of the sending app. On a
// client of another token kind (suite, provider, robot) every call fails with an error matching
// [client.ErrWrongKind] before anything is sent.
func New(c *client.Client) *Service {
	c, _ = c.Require(client.KindCorp)
	return &Service{c: c}
}

// tooLong refuses a value over limit bytes.
func tooLong(field string, n, limit int) error {
	return &client.ValidationError{Field: field, Reason: fmt.Sprintf("%d bytes, limit %d (split it with SplitText)", n, limit), TooLong: true}
}

// maxBytes checks a byte limit; empty values pass (required checks are separate).
func maxBytes(field, v string, limit int) error {
	if len(v) > limit {
		return tooLong(field, len(v), limit)
	}
	return nil
}

// isNil reports a nil interface or a nil pointer in one: calling a value method through a
// nil pointer would panic.
func isNil(v any) bool {
	r := reflect.ValueOf(v)
	return v == nil || r.Kind() == reflect.Pointer && r.IsNil()
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
