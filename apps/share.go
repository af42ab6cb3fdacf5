package apps

import (
	"context"
	"iter"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/pager"
	"github.com/wecom-connector/wecom/internal/wire"
)

// BusinessType tells which corp network an app is shared in.
type BusinessType int

// Corp networks.
const (
	BusinessLinkedCorp BusinessType = 0 // linked corps / bureau–school network (企业互联 / 局校互联)
	BusinessChain      BusinessType = 1 // upstream/downstream chain (上下游)
)

// ShareInfoParams selects the corps an app is shared with.
type ShareInfoParams struct {
	AgentID      int          `json:"agentid"` // the upstream app's agentid
	BusinessType BusinessType `json:"business_type,omitempty"`
	CorpID       string       `json:"corpid,omitempty"` // only this downstream corp
	Limit        int          `json:"limit,omitempty"`  // page size, ≤ 100; 0: everything at once
	Cursor       string       `json:"cursor,omitempty"`
}

// SharedCorp is a corp an app is shared with, and the app's agentid inside it (the agentid to
// pass to client.Downstream and to use in that corp's messages).
type SharedCorp struct {
	CorpID   string `json:"corpid"`
	CorpName string `json:"corp_name"`
	AgentID  int    `json:"agentid"`
}

// ShareInfoPage is one page of shared corps.
type ShareInfoPage struct {
	Corps      []SharedCorp `json:"corp_list"`
	NextCursor string       `json:"next_cursor"`
	Ending     wire.Flag    `json:"ending"` // true: no more pages
}

// ListAppShareInfoPage lists one page of the corps an app of the calling corp is shared with.
// 获取应用共享信息
//
// The caller is the upstream corp's app. Errcode 670001 means the app is not shared.
//
// https://developer.work.weixin.qq.com/document/path/95813
//
//wecom:api POST /cgi-bin/corpgroup/corp/list_app_share_info
func (s *Service) ListAppShareInfoPage(ctx context.Context, p ShareInfoParams) (*ShareInfoPage, error) {
	if p.Limit < 0 || p.Limit > 100 {
		return nil, check.Invalid("limit", "0 to 100, got %d", p.Limit)
	}
	var out ShareInfoPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/corp/list_app_share_info", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListAppShareInfo yields every corp an app is shared with, across pages.
// 获取应用共享信息（全部分页）
//
// It calls [Service.ListAppShareInfoPage] until the last page, from p.Cursor on; the caller's p
// is never changed. A server repeating a cursor ends the iteration with client.ErrCursorLoop.
func (s *Service) ListAppShareInfo(ctx context.Context, p ShareInfoParams) iter.Seq2[SharedCorp, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]SharedCorp, string, bool, error) {
		p.Cursor = cursor
		page, err := s.ListAppShareInfoPage(ctx, p)
		if err != nil {
			return nil, "", false, err
		}
		return page.Corps, page.NextCursor, !bool(page.Ending), nil
	})
}
