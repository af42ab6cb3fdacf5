package contacts

import (
	"context"
	"net/http"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/wire"
)

// maxJoinWayChats is the most customer groups one 「加入群聊」 way serves.
const maxJoinWayChats = 5

// JoinWayParams configures a 「加入群聊」 way (客户群进群方式): a QR code (SceneQRCode) or a
// mini-program plugin button (SceneMiniprogram) through which customers join one of 1–5
// customer groups. WeCom cuts Remark past 30 characters. When a group is full and
// AutoCreateRoom is on (nil: WeCom's default, on), WeCom creates groups named RoomBaseName
// (at most 40 characters) followed by a number counting up from RoomBaseID. State (at most 30
// characters) comes back on the members who joined through the way (groupchat/get).
// MarkSource (nil: WeCom's default, true) applies to marketing apps only.
type JoinWayParams struct {
	Scene          ContactWayScene `json:"scene"`
	Remark         string          `json:"remark,omitempty"`
	AutoCreateRoom *bool           `json:"auto_create_room,omitempty"` // sent as 0/1
	RoomBaseName   string          `json:"room_base_name,omitempty"`
	RoomBaseID     int             `json:"room_base_id,omitempty"`
	ChatIDs        []string        `json:"chat_id_list"`
	State          string          `json:"state,omitempty"`
	MarkSource     *bool           `json:"mark_source,omitempty"`
}

func (p *JoinWayParams) validate() error {
	switch {
	case p.Scene != SceneMiniprogram && p.Scene != SceneQRCode:
		return check.Invalid("scene", "%d, want 1 (mini program) or 2 (QR code)", p.Scene)
	case len(p.ChatIDs) == 0 || len(p.ChatIDs) > maxJoinWayChats:
		return check.Invalid("chat_id_list", "%d group chats, want 1–5", len(p.ChatIDs))
	case utf8.RuneCountInString(p.RoomBaseName) > 40:
		return check.Invalid("room_base_name", "%d characters, at most 40", utf8.RuneCountInString(p.RoomBaseName))
	case utf8.RuneCountInString(p.State) > 30:
		return check.Invalid("state", "%d characters, at most 30", utf8.RuneCountInString(p.State))
	case p.RoomBaseID < 0:
		return check.Invalid("room_base_id", "%d, want 0 or more", p.RoomBaseID)
	}
	return nil
}

// joinWayBody is what add_join_way and update_join_way send: config_id for updates, the
// params, and auto_create_room as the 0/1 WeCom documents (this field shadows the params').
type joinWayBody struct {
	ConfigID string `json:"config_id,omitempty"`
	JoinWayParams
	AutoCreateRoom *wire.Flag `json:"auto_create_room,omitempty"`
}

func newJoinWayBody(configID string, p JoinWayParams) joinWayBody {
	return joinWayBody{ConfigID: configID, JoinWayParams: p, AutoCreateRoom: (*wire.Flag)(p.AutoCreateRoom)}
}

// AddJoinWay creates a 「加入群聊」 way and returns its config_id. Ways made by API are not shown
// in the admin console, and an app sees only the ways it made; they share the corp's quota of
// 500,000 with "contact me" ways.
// 配置客户群进群方式
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92229
//
//wecom:api POST /cgi-bin/externalcontact/groupchat/add_join_way
func (s *Service) AddJoinWay(ctx context.Context, p JoinWayParams) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	var out configBody
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/groupchat/add_join_way", nil, newJoinWayBody("", p), &out); err != nil {
		return "", err
	}
	return out.ConfigID, nil
}

// JoinWay is a configured 「加入群聊」 way. QRCode is the URL of the QR code, or of the
// mini-program plugin for SceneMiniprogram.
type JoinWay struct {
	ConfigID       string          `json:"config_id"`
	Scene          ContactWayScene `json:"scene"`
	Remark         string          `json:"remark"`
	AutoCreateRoom wire.Bool       `json:"auto_create_room"`
	RoomBaseName   string          `json:"room_base_name"`
	RoomBaseID     int             `json:"room_base_id"`
	ChatIDs        []string        `json:"chat_id_list"`
	QRCode         string          `json:"qr_code"`
	State          string          `json:"state"`
	MarkSource     wire.Bool       `json:"mark_source"`
}

// GetJoinWay reads a 「加入群聊」 way made by this app.
// 获取客户群进群方式配置
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92229
//
//wecom:api POST /cgi-bin/externalcontact/groupchat/get_join_way
func (s *Service) GetJoinWay(ctx context.Context, configID string) (*JoinWay, error) {
	if err := check.Required("config_id", configID); err != nil {
		return nil, err
	}
	var out struct {
		Way JoinWay `json:"join_way"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/groupchat/get_join_way", nil, client.Idempotent(configBody{configID}), &out); err != nil {
		return nil, err
	}
	return &out.Way, nil
}

// UpdateJoinWayParams replaces the whole configuration of the way ConfigID: fields left
// unset go back to WeCom's defaults, so send every field to keep.
type UpdateJoinWayParams struct {
	ConfigID string
	JoinWayParams
}

// UpdateJoinWay overwrites a 「加入群聊」 way made by this app.
// 更新客户群进群方式配置
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92229
//
//wecom:api POST /cgi-bin/externalcontact/groupchat/update_join_way
func (s *Service) UpdateJoinWay(ctx context.Context, p UpdateJoinWayParams) error {
	if err := check.Required("config_id", p.ConfigID); err != nil {
		return err
	}
	if err := p.JoinWayParams.validate(); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/groupchat/update_join_way", nil, newJoinWayBody(p.ConfigID, p.JoinWayParams), nil)
}

// DeleteJoinWay deletes a 「加入群聊」 way made by this app.
// 删除客户群进群方式配置
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92229
//
//wecom:api POST /cgi-bin/externalcontact/groupchat/del_join_way
func (s *Service) DeleteJoinWay(ctx context.Context, configID string) error {
	if err := check.Required("config_id", configID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/groupchat/del_join_way", nil, configBody{configID}, nil)
}
