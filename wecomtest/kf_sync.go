package wecomtest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

func (s *Server) kfSyncRoutes() []route {
	return []route{{post, "/cgi-bin/kf/sync_msg", TokenCorp, s.kfSyncMsg}}
}

// kfCursor encodes a stream position with the account it belongs to.
func kfCursor(openKfID string, pos int) string {
	h := sha256.Sum256([]byte(openKfID))
	return "CUR" + base64.RawURLEncoding.EncodeToString(h[:4]) + strconv.FormatInt(int64(pos), 36)
}

func kfCursorPos(openKfID, cur string) (int, bool) {
	pre := kfCursor(openKfID, 0)
	pre = pre[:len(pre)-1]
	if !strings.HasPrefix(cur, pre) {
		return 0, false
	}
	n, err := strconv.ParseInt(cur[len(pre):], 36, 64)
	return int(n), err == nil && n >= 0
}

func (s *Server) kfSyncMsg(c *Call) (any, error) {
	in, err := decode[struct {
		Cursor      string `json:"cursor"`
		Token       string `json:"token"`
		Limit       int    `json:"limit"`
		VoiceFormat int    `json:"voice_format"`
		OpenKfID    string `json:"open_kfid"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.OpenKfID == "" {
		return nil, errc(client.CodeInvalidParameter, "invalid Request Parameter: open_kfid")
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	now := s.kf.now()
	if in.Token != "" {
		if !s.kfTokenValid(a.openKfID, in.Token) {
			return nil, errc(client.CodeInvalidSyncToken, "invalid kf msg token")
		}
	} else {
		cut := 0
		for cut < len(a.noToken) && now.Sub(a.noToken[cut]) >= time.Minute {
			cut++
		}
		a.noToken = a.noToken[cut:]
		if len(a.noToken) >= s.kf.noTokenPM {
			return nil, errc(client.CodeFrequencyLimit, "api freq out of limit: sync_msg without token")
		}
		a.noToken = append(a.noToken, now)
	}
	pos := 0
	if in.Cursor != "" {
		p, ok := kfCursorPos(a.openKfID, in.Cursor)
		if !ok || p > len(a.msgs) {
			return nil, errc(client.CodeInvalidParameter, "invalid cursor")
		}
		pos = p
	}
	limit := in.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	limit = min(limit, s.kf.pageMax)
	for pos < len(a.msgs) && now.Sub(a.msgs[pos].at) > kfHistory {
		pos++
	}
	if s.kf.emptyPage && pos < len(a.msgs) && !a.emptyDone {
		a.emptyDone = true
		return J{"next_cursor": kfCursor(a.openKfID, pos), "has_more": 1, "msg_list": []J{}}, nil
	}
	a.emptyDone = false
	end := min(pos+limit, len(a.msgs))
	list := make([]json.RawMessage, 0, end-pos)
	for _, m := range a.msgs[pos:end] {
		list = append(list, a.render(m))
	}
	hasMore := 0
	if end < len(a.msgs) {
		hasMore = 1
	}
	return J{"next_cursor": kfCursor(a.openKfID, end), "has_more": hasMore, "msg_list": list}, nil
}

// render builds one msg_list element.
func (a *kfAccount) render(m kfMsg) json.RawMessage {
	var b strings.Builder
	b.WriteString(`{"msgid":`)
	writeJSONString(&b, m.msgid)
	if m.origin != 4 {
		b.WriteString(`,"open_kfid":`)
		writeJSONString(&b, a.openKfID)
		b.WriteString(`,"external_userid":`)
		writeJSONString(&b, m.ext)
	}
	fmt.Fprintf(&b, `,"send_time":%d,"origin":%d`, m.at.Unix(), m.origin)
	if m.servicer != "" {
		b.WriteString(`,"servicer_userid":`)
		writeJSONString(&b, m.servicer)
	}
	b.WriteString(`,"msgtype":`)
	writeJSONString(&b, m.msgtype)
	switch {
	case m.body != nil:
		b.WriteString(`,`)
		writeJSONString(&b, m.msgtype)
		b.WriteString(`:`)
		b.Write(m.body)
	case m.msgtype == "text":
		b.WriteString(`,"text":{"content":`)
		writeJSONString(&b, m.text)
		b.WriteString(`}`)
	}
	b.WriteString(`}`)
	return json.RawMessage(b.String())
}

func writeJSONString(b *strings.Builder, v string) {
	q, _ := json.Marshal(v)
	b.Write(q)
}
