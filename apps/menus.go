package apps

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wecom-connector/wecom/internal/check"
)

// ButtonType is what tapping a menu button does.
type ButtonType string

// Menu button types (菜单按钮类型).
const (
	ButtonClick           ButtonType = "click"              // sends a click event with Key
	ButtonView            ButtonType = "view"               // opens URL
	ButtonScanCodePush    ButtonType = "scancode_push"      // scans, shows the result, sends an event
	ButtonScanCodeWaitMsg ButtonType = "scancode_waitmsg"   // scans, waits for the app's reply
	ButtonPicSysPhoto     ButtonType = "pic_sysphoto"       // takes a photo
	ButtonPicPhotoOrAlbum ButtonType = "pic_photo_or_album" // photo or album
	ButtonPicWeixin       ButtonType = "pic_weixin"         // WeCom album
	ButtonLocationSelect  ButtonType = "location_select"    // sends a location
	ButtonMiniProgram     ButtonType = "view_miniprogram"   // opens a mini program page
)

// Menu is an app's custom menu (自定义菜单): 1–3 buttons, each with up to 5 sub-buttons.
type Menu struct {
	Buttons []Button `json:"button"`
}

// Button is one menu button. A top-level button holding SubButtons needs no Type.
type Button struct {
	Type       ButtonType `json:"type,omitempty"`
	Name       string     `json:"name"`               // ≤ 16 bytes top level, ≤ 40 bytes below
	Key        string     `json:"key,omitempty"`      // ≤ 128 bytes; the event's EventKey
	URL        string     `json:"url,omitempty"`      // ≤ 1024 bytes; for view
	AppID      string     `json:"appid,omitempty"`    // mini program, for view_miniprogram
	PagePath   string     `json:"pagepath,omitempty"` // mini program page
	SubButtons []Button   `json:"sub_button,omitempty"`
}

// validate applies the documented menu/create limits before anything is sent.
func (m Menu) validate() error {
	if len(m.Buttons) < 1 || len(m.Buttons) > 3 {
		return check.Invalid("button", "a menu has 1 to 3 buttons, got %d", len(m.Buttons))
	}
	for i, b := range m.Buttons {
		if err := b.validate(fmt.Sprintf("button[%d]", i), 16); err != nil {
			return err
		}
		if len(b.SubButtons) > 5 {
			return check.Invalid(fmt.Sprintf("button[%d].sub_button", i), "at most 5 sub-buttons, got %d", len(b.SubButtons))
		}
		for j, sb := range b.SubButtons {
			f := fmt.Sprintf("button[%d].sub_button[%d]", i, j)
			if len(sb.SubButtons) > 0 {
				return check.Invalid(f, "menus have two levels only")
			}
			if err := sb.validate(f, 40); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b Button) validate(field string, nameMax int) error {
	switch {
	case b.Name == "" || len(b.Name) > nameMax:
		return check.Invalid(field+".name", "must be 1 to %d bytes", nameMax)
	case len(b.Key) > 128:
		return check.Invalid(field+".key", "at most 128 bytes")
	case len(b.URL) > 1024:
		return check.Invalid(field+".url", "at most 1024 bytes")
	case len(b.SubButtons) == 0 && b.Type == "":
		return check.Invalid(field+".type", "a button without sub-buttons needs a type")
	}
	return nil
}

// CreateMenu publishes an app's custom menu, replacing the old one.
// 创建菜单
//
// Only a corp's own apps may call it. The documented size limits are checked before sending.
//
// https://developer.work.weixin.qq.com/document/path/90231
//
//wecom:api POST /cgi-bin/menu/create
func (s *Service) CreateMenu(ctx context.Context, agentID int, m Menu) error {
	if err := m.validate(); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/menu/create", agentQuery(agentID), m, nil)
}

// GetMenu reads an app's published menu; errcode 46003 means none is published.
// 获取菜单
//
// https://developer.work.weixin.qq.com/document/path/90232
//
//wecom:api GET /cgi-bin/menu/get
func (s *Service) GetMenu(ctx context.Context, agentID int) (*Menu, error) {
	var out Menu
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/menu/get", agentQuery(agentID), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteMenu removes an app's menu.
// 删除菜单
//
// https://developer.work.weixin.qq.com/document/path/90233
//
//wecom:api GET /cgi-bin/menu/delete
func (s *Service) DeleteMenu(ctx context.Context, agentID int) error {
	return s.c.Do(ctx, http.MethodGet, "/cgi-bin/menu/delete", agentQuery(agentID), nil, nil)
}

func agentQuery(agentID int) url.Values { return url.Values{"agentid": {strconv.Itoa(agentID)}} }
