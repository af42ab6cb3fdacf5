package apps

import (
	"context"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// WorkbenchType is the kind of custom workbench tile (工作台自定义展示模板).
type WorkbenchType string

// Workbench template types.
const (
	WorkbenchKeyData WorkbenchType = "keydata" // up to 4 key figures
	WorkbenchImage   WorkbenchType = "image"   // one image
	WorkbenchList    WorkbenchType = "list"    // up to 3 list items
	WorkbenchWebview WorkbenchType = "webview" // an embedded web page
	WorkbenchNormal  WorkbenchType = "normal"  // back to the normal display
)

// WorkbenchContent is a tile's type and the data object of that type (set only the one
// matching Type).
type WorkbenchContent struct {
	Type    WorkbenchType `json:"type"`
	KeyData *KeyDataTile  `json:"keydata,omitempty"`
	Image   *ImageTile    `json:"image,omitempty"`
	List    *ListTile     `json:"list,omitempty"`
	Webview *WebviewTile  `json:"webview,omitempty"`
}

// KeyDataTile is the keydata tile: key figures.
type KeyDataTile struct {
	Items []KeyDataItem `json:"items"`
}

// KeyDataItem is one key figure: a label and its value.
type KeyDataItem struct {
	Key      string `json:"key,omitempty"` // label, ≤ 64 characters
	Data     string `json:"data"`          // value, required, ≤ 64 characters
	JumpURL  string `json:"jump_url,omitempty"`
	PagePath string `json:"pagepath,omitempty"`
}

// ImageTile is the image tile.
type ImageTile struct {
	URL      string `json:"url"` // best ratio 3.35:1
	JumpURL  string `json:"jump_url,omitempty"`
	PagePath string `json:"pagepath,omitempty"`
}

// ListTile is the list tile.
type ListTile struct {
	Items []ListItem `json:"items"`
}

// ListItem is one list line.
type ListItem struct {
	Title    string `json:"title"` // ≤ 128 bytes
	JumpURL  string `json:"jump_url,omitempty"`
	PagePath string `json:"pagepath,omitempty"`
}

// WebviewHeight is the height of a webview tile.
type WebviewHeight string

// Webview heights.
const (
	WebviewSingleRow WebviewHeight = "single_row"
	WebviewDoubleRow WebviewHeight = "double_row" // the default
)

// WebviewTile is the webview tile.
type WebviewTile struct {
	URL                string        `json:"url"`
	JumpURL            string        `json:"jump_url,omitempty"`
	PagePath           string        `json:"pagepath,omitempty"`
	Height             WebviewHeight `json:"height,omitempty"`
	HideTitle          bool          `json:"hide_title,omitempty"`
	EnableWebviewClick bool          `json:"enable_webview_click,omitempty"`
}

func (w WorkbenchContent) validate() error {
	switch {
	case w.Type == "":
		return check.Invalid("type", "a workbench type is required")
	case w.KeyData != nil && len(w.KeyData.Items) > 4:
		return check.Invalid("keydata.items", "at most 4 items, got %d", len(w.KeyData.Items))
	case w.List != nil && len(w.List.Items) > 3:
		return check.Invalid("list.items", "at most 3 items, got %d", len(w.List.Items))
	}
	return nil
}

// WorkbenchTemplate is an app's workbench template with the corp-level default data.
type WorkbenchTemplate struct {
	AgentID int `json:"agentid"`
	WorkbenchContent
	// ReplaceUserData overwrites every member's own data with this default.
	ReplaceUserData bool `json:"replace_user_data,omitempty"`
}

// SetWorkbenchTemplate sets the type of an app's workbench tile and its default data.
// 设置应用在工作台展示的模版
//
// The admin must have enabled custom display for the app.
//
// https://developer.work.weixin.qq.com/document/path/92535
//
//wecom:api POST /cgi-bin/agent/set_workbench_template
func (s *Service) SetWorkbenchTemplate(ctx context.Context, t WorkbenchTemplate) error {
	if err := t.validate(); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/agent/set_workbench_template", nil, t, nil)
}

// GetWorkbenchTemplate reads an app's workbench template.
// 获取应用在工作台展示的模版
//
// https://developer.work.weixin.qq.com/document/path/92535
//
//wecom:api POST /cgi-bin/agent/get_workbench_template
func (s *Service) GetWorkbenchTemplate(ctx context.Context, agentID int) (*WorkbenchTemplate, error) {
	out := WorkbenchTemplate{AgentID: agentID}
	in := struct {
		AgentID int `json:"agentid"`
	}{agentID}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/agent/get_workbench_template", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WorkbenchData is one member's own workbench data.
type WorkbenchData struct {
	AgentID int    `json:"agentid"`
	UserID  string `json:"userid"`
	WorkbenchContent
}

// SetWorkbenchData sets one member's workbench data.
// 设置应用在用户工作台展示的数据
//
// WeCom allows 10 calls per minute per member.
//
// https://developer.work.weixin.qq.com/document/path/92535
//
//wecom:api POST /cgi-bin/agent/set_workbench_data
func (s *Service) SetWorkbenchData(ctx context.Context, d WorkbenchData) error {
	if err := check.Required("userid", d.UserID); err != nil {
		return err
	}
	if err := d.validate(); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/agent/set_workbench_data", nil, d, nil)
}

// BatchWorkbenchData sets the same workbench data for up to 1000 members.
type BatchWorkbenchData struct {
	AgentID int              `json:"agentid"`
	UserIDs []string         `json:"userid_list"`
	Data    WorkbenchContent `json:"data"`
}

// BatchSetWorkbenchData sets the same workbench data for up to 1000 members.
// 批量设置应用在用户工作台展示的数据
//
// https://developer.work.weixin.qq.com/document/path/92535
//
//wecom:api POST /cgi-bin/agent/batch_set_workbench_data
func (s *Service) BatchSetWorkbenchData(ctx context.Context, b BatchWorkbenchData) error {
	if len(b.UserIDs) == 0 || len(b.UserIDs) > 1000 {
		return check.Invalid("userid_list", "1 to 1000 userids, got %d", len(b.UserIDs))
	}
	if err := b.Data.validate(); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/agent/batch_set_workbench_data", nil, b, nil)
}

// GetWorkbenchData reads the workbench data a member sees.
// 获取应用在用户工作台展示的数据
//
// A member without own data sees the corp default.
//
// https://developer.work.weixin.qq.com/document/path/92535
//
//wecom:api POST /cgi-bin/agent/get_workbench_data
func (s *Service) GetWorkbenchData(ctx context.Context, agentID int, userID string) (*WorkbenchContent, error) {
	in := struct {
		AgentID int    `json:"agentid"`
		UserID  string `json:"userid"`
	}{agentID, userID}
	var out struct {
		Data WorkbenchContent `json:"data"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/agent/get_workbench_data", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return &out.Data, nil
}
