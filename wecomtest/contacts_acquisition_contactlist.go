package wecomtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
)

// Served external contacts (获取已服务的外部联系人) and the opengid of customer groups.
//
// contact_list walks every (customer, follow-up member) relation in external_userid order,
// then every external member of the customer groups (SeedGroupMember.Type 2) in chat_id order;
// a group member who is not a customer comes back as a non-customer with a masked name. The
// tmp_openid of a person is fixed within one walk and changes with each walk from an empty
// cursor; cursors expire after 4 hours (50100).

const servedCursorTTL = 4 * time.Hour

func (s *Server) servedContactRoutes() []route {
	return []route{
		{post, "/cgi-bin/externalcontact/contact_list", TokenCorp, s.servedContacts},
		{post, "/cgi-bin/externalcontact/opengid_to_chatid", TokenCorp, s.openGIDToChatID},
	}
}

// servedPos is where a contact_list walk stands: the walk's salt and start, and the last entry
// served ("" before the first).
type servedPos struct {
	salt   string
	issued int64
	last   string // "c" + external_userid + "\x00" + lower userid, or "g" + chat_id + "\x00" + member index
}

func (p servedPos) cursor() string {
	return encodeCursor(p.salt + "\x01" + strconv.FormatInt(p.issued, 10) + "\x01" + p.last)
}

func parseServedCursor(cur string) (servedPos, error) {
	raw, err := decodeCursor(cur)
	if err != nil {
		return servedPos{}, err
	}
	parts := strings.SplitN(raw, "\x01", 3)
	if len(parts) != 3 || parts[2] == "" {
		return servedPos{}, errc(client.CodeInvalidCursor, "invalid cursor")
	}
	issued, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return servedPos{}, errc(client.CodeInvalidCursor, "invalid cursor")
	}
	if time.Since(time.Unix(issued, 0)) > servedCursorTTL {
		return servedPos{}, errc(client.CodeInvalidCursor, "cursor expired")
	}
	return servedPos{parts[0], issued, parts[2]}, nil
}

// tmpOpenID is a person's id within one walk.
func tmpOpenID(salt, who string) string {
	h := sha256.Sum256([]byte(salt + "\x00" + who))
	return "tmp" + hex.EncodeToString(h[:12])
}

// maskName keeps the last character of a non-customer's name, as WeCom shows "***开".
func maskName(name string) string {
	r, _ := utf8.DecodeLastRuneInString(name)
	if r == utf8.RuneError {
		return "***"
	}
	return "***" + string(r)
}

func (s *Server) servedContacts(c *Call) (any, error) {
	in, err := decode[struct {
		Cursor string `json:"cursor"`
		Limit  int    `json:"limit"`
	}](c)
	if err != nil {
		return nil, err
	}
	limit := in.Limit
	switch {
	case limit < 0:
		return nil, errc(client.CodeInvalidParameter, "invalid limit")
	case limit == 0 || limit > 1000:
		limit = 1000
	}
	pos := servedPos{salt: s.newID("walk"), issued: time.Now().Unix()}
	if in.Cursor != "" {
		if pos, err = parseServedCursor(in.Cursor); err != nil {
			return nil, err
		}
	}
	e := &s.callBook(c).external
	out := make([]J, 0, limit)
	more := false
	emit := func(key string, j J) bool {
		if len(out) == limit {
			more = true
			return false
		}
		out = append(out, j)
		pos.last = key
		return true
	}
	s.servedWalk(e, pos, emit)
	next := ""
	if more {
		next = pos.cursor()
	}
	return J{"info_list": out, "next_cursor": next}, nil
}

// servedWalk emits the entries after pos.last until emit refuses one.
func (s *Server) servedWalk(e *externalState, pos servedPos, emit func(key string, j J) bool) {
	after := pos.last
	if after == "" || after[0] == 'c' {
		afterExt, afterUser, _ := strings.Cut(strings.TrimPrefix(after, "c"), "\x00")
		order := e.order()
		i := 0
		if after != "" {
			i, _ = slices.BinarySearch(order, afterExt)
		}
		for ; i < len(order); i++ {
			x := e.contacts[order[i]]
			for _, u := range slices.Sorted(maps.Keys(x.follows)) {
				if after != "" && x.ExternalUserID == afterExt && u <= afterUser {
					continue
				}
				f := x.follows[u]
				if !emit("c"+x.ExternalUserID+"\x00"+u, J{"is_customer": true, "tmp_openid": tmpOpenID(pos.salt, x.ExternalUserID),
					"external_userid": x.ExternalUserID, "follow_userid": f.UserID, "add_time": f.CreateTime}) {
					return
				}
			}
		}
		after = ""
	}
	afterChat, afterIdx := "", -1
	if after != "" {
		var idx string
		afterChat, idx, _ = strings.Cut(after[1:], "\x00")
		afterIdx, _ = strconv.Atoi(idx)
	}
	for _, id := range slices.Sorted(maps.Keys(e.chats)) {
		if id < afterChat {
			continue
		}
		g := e.chats[id]
		for i, m := range g.Members {
			if m.Type != 2 || (id == afterChat && i <= afterIdx) {
				continue
			}
			join := m.JoinTime
			if join == 0 {
				join = g.CreateTime
			}
			j := J{"tmp_openid": tmpOpenID(pos.salt, m.UserID), "follow_userid": g.Owner, "chat_id": g.ChatID, "add_time": join}
			if e.contacts[m.UserID] != nil {
				j["is_customer"], j["external_userid"] = true, m.UserID
			} else {
				j["is_customer"], j["name"] = false, maskName(m.Name)
			}
			if !emit(fmt.Sprintf("g%s\x00%d", id, i), j) {
				return
			}
		}
	}
}

// GroupChatOpenGID returns the opengid a mini program opened in customer group chatID of
// corpID would get from wx.getGroupEnterInfo; opengid_to_chatid converts it back.
func (s *Server) GroupChatOpenGID(corpID, chatID string) string {
	h := sha256.Sum256([]byte(corpID + "\x00" + chatID))
	return "oGsim" + hex.EncodeToString(h[:12])
}

func (s *Server) openGIDToChatID(c *Call) (any, error) {
	in, err := decode[struct {
		OpenGID string `json:"opengid"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.OpenGID == "" {
		return nil, errc(client.CodeInvalidParameter, "missing opengid")
	}
	for id, g := range s.callBook(c).external.chats {
		// Only groups created by the corp's members convert.
		if g.Owner != "" && s.GroupChatOpenGID(c.Token.CorpID, id) == in.OpenGID {
			return J{"chat_id": id}, nil
		}
	}
	return nil, errc(client.CodeInvalidParameter, "invalid opengid: not a customer group of this corp")
}
