package wecomtest

import (
	"encoding/json"

	"github.com/wecom-connector/wecom/client"
)

func (s *Server) kfSendRoutes() []route {
	return []route{
		{post, "/cgi-bin/kf/send_msg", TokenCorp, s.kfSendMsg},
		{post, "/cgi-bin/kf/send_msg_on_event", TokenCorp, s.kfSendOnEvent},
	}
}

type kfSendIn struct {
	ToUser   string                     `json:"touser"`
	OpenKfID string                     `json:"open_kfid"`
	Code     string                     `json:"code"`
	MsgID    *string                    `json:"msgid"`
	MsgType  string                     `json:"msgtype"`
	Bodies   map[string]json.RawMessage `json:"-"`
}

// decodeSend reads a send_msg or send_msg_on_event body with its message objects; a msgid
// must be 1-32 characters of [0-9a-zA-Z_-].
func decodeSend(c *Call) (kfSendIn, error) {
	in, err := decode[kfSendIn](c)
	if err != nil {
		return in, err
	}
	in.Bodies = msgBodies(c)
	if in.MsgID != nil && !kfMsgIDRe.MatchString(*in.MsgID) {
		return in, errc(client.CodeInvalidParameter, "invalid msgid")
	}
	return in, nil
}

var kfSendTypes = map[string]bool{"text": true, "image": true, "voice": true, "video": true, "file": true,
	"link": true, "miniprogram": true, "msgmenu": true, "location": true, "ca_link": true}

// checkBody validates the message body of a send; maxMenu is the menu item limit.
func checkBody(in kfSendIn, maxMenu int) (json.RawMessage, string, error) {
	body := in.Bodies[in.MsgType]
	if !kfSendTypes[in.MsgType] {
		return nil, "", errc(client.CodeInvalidMsgType, "invalid message type")
	}
	if len(body) == 0 {
		return nil, "", errc(client.CodeInvalidParameter, "missing "+in.MsgType)
	}
	switch in.MsgType {
	case "text":
		var t struct {
			Content string `json:"content"`
		}
		if json.Unmarshal(body, &t) != nil || t.Content == "" || len(t.Content) > 2048 {
			return nil, "", errc(client.CodeInvalidParameter, "invalid text content")
		}
		return body, t.Content, nil
	case "msgmenu":
		var m struct {
			List []struct {
				Type string `json:"type"`
			} `json:"list"`
		}
		if json.Unmarshal(body, &m) != nil {
			return nil, "", errc(client.CodeInvalidParameter, "invalid msgmenu")
		}
		active := 0
		for _, it := range m.List {
			switch it.Type {
			case "click", "view", "miniprogram":
				active++
			case "text":
			default:
				return nil, "", errc(client.CodeInvalidMenuItemType, "invalid menu item type")
			}
		}
		if len(m.List) > maxMenu || (maxMenu > 10 && active > 10) {
			return nil, "", errc(client.CodeTooManyMenuItems, "too many menu items")
		}
	}
	return body, "", nil
}

func (s *Server) kfSendMsg(c *Call) (any, error) {
	in, err := decodeSend(c)
	if err != nil {
		return nil, err
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	if in.ToUser == "" {
		return nil, errc(client.CodeInvalidParameter, "touser missing")
	}
	if in.MsgID != nil && a.sentIDs[*in.MsgID] {
		return nil, errc(client.CodeDuplicateMsgID, "duplicate msgid")
	}
	body, text, err := checkBody(in, 50)
	if err != nil {
		return nil, err
	}
	conv := a.convs[in.ToUser]
	now := s.kf.now()
	switch {
	case conv == nil || conv.lastCustomer.IsZero():
		return nil, errc(client.CodeNoConsultation, "customer has not started a consultation within 48 hours")
	case now.Sub(conv.lastCustomer) > kfWindow:
		return nil, errc(client.CodeSendWindowExceeded, "send msg out of 48 hours window")
	case conv.state != 0 && conv.state != 1:
		return nil, errc(client.CodeSessionStateNoSend, "send msg session status invalid")
	case conv.sent >= kfQuota:
		return nil, errc(client.CodeSendQuotaExceeded, "send msg count limit")
	}
	id := s.kfDeliver(a, conv, in, body, text, "send_msg")
	conv.sent++
	if conv.state == 0 {
		conv.state = 1
	}
	return J{"msgid": id}, nil
}

func (s *Server) kfDeliver(a *kfAccount, conv *kfConv, in kfSendIn, body json.RawMessage, text, via string) string {
	id := ""
	if in.MsgID != nil {
		id = *in.MsgID
	} else {
		id = s.kf.next("MSGID_sim_")
	}
	a.sentIDs[id] = true
	conv.received = append(conv.received, KfDelivery{MsgID: id, MsgType: in.MsgType, Via: via, Text: text,
		Body: append(json.RawMessage(nil), body...), Time: s.kf.now()})
	return id
}

func (s *Server) kfSendOnEvent(c *Call) (any, error) {
	in, err := decodeSend(c)
	if err != nil {
		return nil, err
	}
	code := s.kf.codes[in.Code]
	if in.Code == "" || code == nil {
		return nil, errc(client.CodeOAuthCodeExpired, "invalid code")
	}
	a := s.kf.accounts[code.openKfID]
	if a == nil || a.corpID != c.Token.CorpID {
		return nil, errc(client.CodeOAuthCodeExpired, "invalid code")
	}
	// The duplicate msgid check comes first so a retry after a lost answer is recognisable
	// (unverified for this endpoint: spec §20 item 1).
	if in.MsgID != nil && a.sentIDs[*in.MsgID] {
		return nil, errc(client.CodeDuplicateMsgID, "duplicate msgid")
	}
	switch {
	case code.used:
		return nil, errc(client.CodeOAuthCodeUsed, "code has been used")
	case !s.kf.now().Before(code.expiry):
		return nil, errc(client.CodeOAuthCodeExpired, "code expired")
	}
	conv := a.conv(code.ext)
	if code.state >= 0 && conv.state != code.state {
		return nil, errc(client.CodeSessionStateNoSend, "session status changed, code invalid")
	}
	maxMenu := 10
	if (code.state == 2 || code.state == 3) && in.MsgType != "text" {
		return nil, errc(client.CodeInvalidMsgType, "only text is allowed for this code")
	}
	if in.MsgType != "text" && in.MsgType != "msgmenu" {
		return nil, errc(client.CodeInvalidMsgType, "invalid message type")
	}
	body, text, err := checkBody(in, maxMenu)
	if err != nil {
		return nil, err
	}
	code.used = true
	if code.state < 0 {
		conv.lastWelcome = s.kf.now()
	}
	return J{"msgid": s.kfDeliver(a, conv, in, body, text, "send_msg_on_event")}, nil
}
