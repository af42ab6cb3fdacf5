package wecomtest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wecom-connector/wecom/client"
)

// Mass messages (企业群发) to customers and customer groups.

func (s *Server) massMessageRoutes() []route {
	return []route{
		{post, "/cgi-bin/externalcontact/add_msg_template", TokenCorp, s.massAdd},
	}
}

func (s *Server) massAdd(c *Call) (any, error) {
	in, err := decode[struct {
		ChatType    string   `json:"chat_type"`
		External    []string `json:"external_userid"`
		ChatIDs     []string `json:"chat_id_list"`
		Sender      string   `json:"sender"`
		Text        *J       `json:"text"`
		Attachments []J      `json:"attachments"`
		TagFilter   *J       `json:"tag_filter"`
	}](c)
	if err != nil {
		return nil, err
	}
	e := &s.callBook(c).external
	switch {
	case in.Text == nil && len(in.Attachments) == 0:
		return nil, errc(client.CodeInvalidParameter, "text and attachments are both empty")
	case len(in.Attachments) > 9:
		return nil, errc(client.CodeTooManyAttachments, "too many attachments")
	case in.ChatType == "group" && in.Sender == "":
		return nil, errc(client.CodeInvalidParameter, "sender is required for chat_type group")
	}
	var ok, fail []string
	if in.ChatType == "group" {
		for _, id := range in.ChatIDs {
			if g := e.chats[id]; g != nil && strings.EqualFold(g.Owner, in.Sender) {
				ok = append(ok, id)
			} else {
				fail = append(fail, id)
			}
		}
	} else {
		for _, id := range in.External {
			x := e.contacts[id]
			if x != nil && (in.Sender == "" || x.follows[strings.ToLower(in.Sender)] != nil) {
				ok = append(ok, id)
			} else {
				fail = append(fail, id)
			}
		}
		if len(in.External) == 0 && (in.Sender != "" || in.TagFilter != nil) {
			ok = append(ok, "(by sender or tag filter)")
		}
	}
	if len(ok) == 0 {
		return nil, errc(client.CodeNoCustomersToSend, "no valid recipients")
	}
	body, _ := decode[J](c)
	s.seq++
	body["msgid"] = fmt.Sprintf("msgSIMMASS%06d", s.seq)
	e.mass = append(e.mass, body)
	return J{"msgid": body["msgid"], "fail_list": append([]string{}, fail...)}, nil
}

// MassMessages returns the mass-message tasks (企业群发) created in corpID, in order, as
// their request bodies plus the msgid they got.
func (s *Server) MassMessages(corpID string) []J {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.book(corpID).external.mass)
}
