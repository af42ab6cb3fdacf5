package contacts

import (
	"context"
	"net/http"

	"github.com/wecom-connector/wecom/internal/check"
)

// MassChatType says whom a mass message (企业群发) goes to.
type MassChatType string

// Mass message targets.
const (
	MassToCustomers MassChatType = "single" // customers (the default)
	MassToGroups    MassChatType = "group"  // customer groups (客户群)
)

// MassMessageParams creates a mass-message task (创建企业群发). Nothing is sent until the
// Sender confirms it in the WeCom client. For customers, Sender, ExternalUserIDs and TagFilter
// may not all be empty (Sender alone means all of that member's customers); for groups Sender
// is required. Text and Attachments may not both be empty.
type MassMessageParams struct {
	ChatType        MassChatType `json:"chat_type,omitempty"`
	ExternalUserIDs []string     `json:"external_userid,omitempty"` // ≤ 10,000 customers
	ChatIDs         []string     `json:"chat_id_list,omitempty"`    // ≤ 2,000 groups
	TagFilter       *TagFilter   `json:"tag_filter,omitempty"`      // ignored with ExternalUserIDs
	Sender          string       `json:"sender,omitempty"`
	AllowSelect     bool         `json:"allow_select,omitempty"` // the member may change the recipients
	Text            *Text        `json:"text,omitempty"`
	Attachments     []Attachment `json:"attachments,omitempty"` // ≤ 9
}

// TagFilter selects customers by corp tags: tags within one group are OR-ed, the groups AND-ed.
type TagFilter struct {
	Groups []TagFilterGroup `json:"group_list"`
}

// TagFilterGroup is one OR-ed set of up to 100 corp tag IDs.
type TagFilterGroup struct {
	TagIDs []string `json:"tag_list"`
}

// MassMessageResult is the created task: its msgid and the recipients that cannot receive it.
type MassMessageResult struct {
	MsgID    string   `json:"msgid"`
	FailList []string `json:"fail_list"`
}

// AddMassMessage creates a mass message to customers or customer groups (企业群发), for
// example a campaign to every customer tagged "stage 2 formula". Recipients over WeCom's
// monthly receiving limit silently get nothing.
// 创建企业群发
//
// https://developer.work.weixin.qq.com/document/path/92135
//
//wecom:api POST /cgi-bin/externalcontact/add_msg_template
func (s *Service) AddMassMessage(ctx context.Context, p MassMessageParams) (*MassMessageResult, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	var out MassMessageResult
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/add_msg_template", nil, p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (p MassMessageParams) check() error {
	switch p.ChatType {
	case "", MassToCustomers:
		if p.Sender == "" && len(p.ExternalUserIDs) == 0 && p.TagFilter == nil {
			return check.Invalid("sender", "give a sender, customers or a tag filter")
		}
		if len(p.ChatIDs) > 0 {
			return check.Invalid("chat_id_list", "only for chat_type group")
		}
	case MassToGroups:
		if p.Sender == "" {
			return check.Invalid("sender", "required for chat_type group")
		}
		if len(p.ExternalUserIDs) > 0 || p.AllowSelect {
			return check.Invalid("external_userid", "customers and allow_select are for chat_type single")
		}
	default:
		return check.Invalid("chat_type", "want single or group, have %q", p.ChatType)
	}
	switch {
	case len(p.ExternalUserIDs) > 10000:
		return check.Invalid("external_userid", "%d customers, at most 10000", len(p.ExternalUserIDs))
	case len(p.ChatIDs) > 2000:
		return check.Invalid("chat_id_list", "%d groups, at most 2000", len(p.ChatIDs))
	}
	if p.TagFilter != nil {
		for _, g := range p.TagFilter.Groups {
			if len(g.TagIDs) == 0 || len(g.TagIDs) > 100 {
				return check.Invalid("tag_filter.group_list.tag_list", "%d tags, want 1 to 100", len(g.TagIDs))
			}
		}
	}
	return checkContent(p.Text, p.Attachments)
}
