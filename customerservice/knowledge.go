package customerservice

import (
	"context"
	"iter"
	"net/http"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/pager"
	"github.com/wecom-connector/wecom/internal/wire"
)

// The knowledge base (知识库) of the native smart assistant: groups of Q&A items ("intents").
// Self-built apps only; third-party and agency apps cannot call these endpoints.

// KnowledgeGroup is a knowledge-base group (分组). The default group (IsDefault 1) can be
// neither renamed nor deleted.
type KnowledgeGroup struct {
	GroupID   string `json:"group_id"`
	Name      string `json:"name"`
	IsDefault int    `json:"is_default"`
}

func checkGroupName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > 12 {
		return check.Invalid("name", "want 1 to 12 characters, have %d", utf8.RuneCountInString(name))
	}
	return nil
}

// AddKnowledgeGroup creates a group (添加分组) and returns its ID; names are unique, at most 12
// characters, at most 100 groups.
// 知识库分组管理: 添加分组
//
// https://developer.work.weixin.qq.com/document/path/95971
//
//wecom:api POST /cgi-bin/kf/knowledge/add_group
func (s *Service) AddKnowledgeGroup(ctx context.Context, name string) (string, error) {
	if err := checkGroupName(name); err != nil {
		return "", err
	}
	var out struct {
		GroupID string `json:"group_id"`
	}
	err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/knowledge/add_group", nil, KnowledgeGroup{Name: name}.wire(), &out)
	return out.GroupID, err
}

func (g KnowledgeGroup) wire() any {
	return struct {
		GroupID string `json:"group_id,omitempty"`
		Name    string `json:"name,omitempty"`
	}{g.GroupID, g.Name}
}

// DeleteKnowledgeGroup deletes a group and its Q&A items (删除分组).
// 知识库分组管理: 删除分组
//
// https://developer.work.weixin.qq.com/document/path/95971
//
//wecom:api POST /cgi-bin/kf/knowledge/del_group
func (s *Service) DeleteKnowledgeGroup(ctx context.Context, groupID string) error {
	if err := check.Required("group_id", groupID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/knowledge/del_group", nil, KnowledgeGroup{GroupID: groupID}.wire(), nil)
}

// RenameKnowledgeGroup renames a group (修改分组).
// 知识库分组管理: 修改分组
//
// https://developer.work.weixin.qq.com/document/path/95971
//
//wecom:api POST /cgi-bin/kf/knowledge/mod_group
func (s *Service) RenameKnowledgeGroup(ctx context.Context, groupID, name string) error {
	if err := check.Required("group_id", groupID); err != nil {
		return err
	}
	if err := checkGroupName(name); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/knowledge/mod_group", nil, client.Idempotent(KnowledgeGroup{GroupID: groupID, Name: name}.wire()), nil)
}

// KnowledgeListParams pages list_group and list_intent.
type KnowledgeListParams struct {
	Cursor string `json:"cursor,omitempty"`
	// Limit is the page size, at most 1000 (default 500).
	Limit int `json:"limit,omitempty"`
	// GroupID selects one group (groups) or filters by group (intents).
	GroupID string `json:"group_id,omitempty"`
	// IntentID selects one Q&A item (intents only).
	IntentID string `json:"intent_id,omitempty"`
}

// KnowledgeGroupsPage is one page of groups.
type KnowledgeGroupsPage struct {
	Groups     []KnowledgeGroup `json:"group_list"`
	NextCursor string           `json:"next_cursor"`
	HasMore    wire.Bool        `json:"has_more"` // call again with NextCursor
}

// ListKnowledgeGroupsPage returns one page of groups (获取分组列表).
// 知识库分组管理: 获取分组列表
//
// https://developer.work.weixin.qq.com/document/path/95971
//
//wecom:api POST /cgi-bin/kf/knowledge/list_group
func (s *Service) ListKnowledgeGroupsPage(ctx context.Context, p KnowledgeListParams) (*KnowledgeGroupsPage, error) {
	if p.Limit < 0 || p.Limit > 1000 || p.IntentID != "" {
		return nil, check.Invalid("limit", "limit 0 to 1000; no intent_id for groups")
	}
	out := new(KnowledgeGroupsPage)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/knowledge/list_group", nil, client.Idempotent(p), out); err != nil {
		return nil, err
	}
	return out, nil
}

// ListKnowledgeGroups yields every group from p.Cursor on, paging with the cursor.
func (s *Service) ListKnowledgeGroups(ctx context.Context, p KnowledgeListParams) iter.Seq2[KnowledgeGroup, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]KnowledgeGroup, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListKnowledgeGroupsPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Groups, pg.NextCursor, bool(pg.HasMore), nil
	})
}

// IntentText is a text part of a Q&A item.
type IntentText struct {
	Text struct {
		Content string `json:"content"`
	} `json:"text"`
}

// NewIntentText returns a text part.
func NewIntentText(content string) IntentText {
	var t IntentText
	t.Text.Content = content
	return t
}

// SimilarQuestions are other phrasings of a question, at most 100.
type SimilarQuestions struct {
	Items []IntentText `json:"items"`
}

// IntentAnswer is an answer: a text of at most 500 characters and up to 4 attachments.
type IntentAnswer struct {
	Text struct {
		Content string `json:"content"`
	} `json:"text"`
	Attachments []IntentAttachment `json:"attachments,omitempty"`
}

// IntentAttachment is an image, video, link or mini program attached to an answer. In list
// answers images and videos carry Name instead of MediaID.
type IntentAttachment struct {
	MsgType     MsgType                `json:"msgtype"`
	Image       *AttachmentMedia       `json:"image,omitempty"`
	Video       *AttachmentMedia       `json:"video,omitempty"`
	Link        *AttachmentLink        `json:"link,omitempty"`
	MiniProgram *AttachmentMiniProgram `json:"miniprogram,omitempty"`
}

// AttachmentMedia is an image or video attachment.
type AttachmentMedia struct {
	MediaID string `json:"media_id,omitempty"` // requests
	Name    string `json:"name,omitempty"`     // list answers
}

// AttachmentLink is a link attachment.
type AttachmentLink struct {
	Title  string `json:"title"`
	Desc   string `json:"desc,omitempty"`
	URL    string `json:"url"`
	PicURL string `json:"pic_url,omitempty"`
}

// AttachmentMiniProgram is a mini program attachment.
type AttachmentMiniProgram struct {
	Title        string `json:"title,omitempty"`
	AppID        string `json:"appid"`
	PagePath     string `json:"pagepath"`
	ThumbMediaID string `json:"thumb_media_id,omitempty"`
}

// Intent is a Q&A item (问答). In IntentParams for UpdateIntent each non-nil part replaces
// the stored one whole.
type Intent struct {
	GroupID          string            `json:"group_id,omitempty"`
	IntentID         string            `json:"intent_id,omitempty"`
	Question         *IntentText       `json:"question,omitempty"`
	SimilarQuestions *SimilarQuestions `json:"similar_questions,omitempty"`
	Answers          []IntentAnswer    `json:"answers,omitempty"`
}

func (it Intent) check() error {
	if it.Question != nil {
		if n := utf8.RuneCountInString(it.Question.Text.Content); n == 0 || n > 200 {
			return check.Invalid("question", "want 1 to 200 characters, have %d", n)
		}
	}
	if it.SimilarQuestions != nil {
		if len(it.SimilarQuestions.Items) > 100 {
			return check.Invalid("similar_questions", "at most 100, have %d", len(it.SimilarQuestions.Items))
		}
		for i, q := range it.SimilarQuestions.Items {
			if n := utf8.RuneCountInString(q.Text.Content); n == 0 || n > 200 {
				return check.Invalid("similar_questions", "item %d: want 1 to 200 characters", i)
			}
		}
	}
	if it.Answers != nil {
		if len(it.Answers) != 1 {
			return check.Invalid("answers", "exactly one answer is supported, have %d", len(it.Answers))
		}
		a := it.Answers[0]
		if n := utf8.RuneCountInString(a.Text.Content); n == 0 || n > 500 || len(a.Attachments) > 4 {
			return check.Invalid("answers", "text 1 to 500 characters and at most 4 attachments")
		}
	}
	return nil
}

// AddIntent adds a Q&A item to a group (添加问答) and returns its ID: GroupID, Question and
// one answer are required.
// 知识库问答管理: 添加问答
//
// https://developer.work.weixin.qq.com/document/path/95972
//
//wecom:api POST /cgi-bin/kf/knowledge/add_intent
func (s *Service) AddIntent(ctx context.Context, it Intent) (string, error) {
	if err := check.Required("group_id", it.GroupID); err != nil {
		return "", err
	}
	if it.Question == nil || it.Answers == nil {
		return "", check.Invalid("question", "question and answers are required")
	}
	if err := it.check(); err != nil {
		return "", err
	}
	it.IntentID = ""
	var out struct {
		IntentID string `json:"intent_id"`
	}
	err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/knowledge/add_intent", nil, it, &out)
	return out.IntentID, err
}

// DeleteIntent deletes a Q&A item (删除问答).
// 知识库问答管理: 删除问答
//
// https://developer.work.weixin.qq.com/document/path/95972
//
//wecom:api POST /cgi-bin/kf/knowledge/del_intent
func (s *Service) DeleteIntent(ctx context.Context, intentID string) error {
	if err := check.Required("intent_id", intentID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/knowledge/del_intent", nil, Intent{IntentID: intentID}, nil)
}

// UpdateIntent replaces the parts of a Q&A item that are set (修改问答); GroupID is ignored.
// 知识库问答管理: 修改问答
//
// https://developer.work.weixin.qq.com/document/path/95972
//
//wecom:api POST /cgi-bin/kf/knowledge/mod_intent
func (s *Service) UpdateIntent(ctx context.Context, it Intent) error {
	if err := check.Required("intent_id", it.IntentID); err != nil {
		return err
	}
	if it.Question == nil && it.SimilarQuestions == nil && it.Answers == nil {
		return check.Invalid("question", "nothing to change")
	}
	if err := it.check(); err != nil {
		return err
	}
	it.GroupID = ""
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/knowledge/mod_intent", nil, client.Idempotent(it), nil)
}

// IntentsPage is one page of Q&A items.
type IntentsPage struct {
	Intents    []Intent  `json:"intent_list"`
	NextCursor string    `json:"next_cursor"`
	HasMore    wire.Bool `json:"has_more"`
}

// ListIntentsPage returns one page of Q&A items (获取问答列表), optionally of one group or one
// item.
// 知识库问答管理: 获取问答列表
//
// https://developer.work.weixin.qq.com/document/path/95972
//
//wecom:api POST /cgi-bin/kf/knowledge/list_intent
func (s *Service) ListIntentsPage(ctx context.Context, p KnowledgeListParams) (*IntentsPage, error) {
	if p.Limit < 0 || p.Limit > 1000 {
		return nil, check.Invalid("limit", "want 0 to 1000, have %d", p.Limit)
	}
	out := new(IntentsPage)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/knowledge/list_intent", nil, client.Idempotent(p), out); err != nil {
		return nil, err
	}
	return out, nil
}

// ListIntents yields every Q&A item selected by p from p.Cursor on, paging with the cursor.
func (s *Service) ListIntents(ctx context.Context, p KnowledgeListParams) iter.Seq2[Intent, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]Intent, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListIntentsPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Intents, pg.NextCursor, bool(pg.HasMore), nil
	})
}
