package customerservice

import (
	"context"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// UpgradeServiceConfig is what the admin configured under 微信客服 → 升级服务: the specialists
// (专员) and customer groups (客户群) servicers may recommend.
type UpgradeServiceConfig struct {
	MemberRange struct {
		UserIDs       []string `json:"userid_list"`
		DepartmentIDs []int    `json:"department_id_list"`
	} `json:"member_range"`
	GroupChatRange struct {
		ChatIDs []string `json:"chat_id_list"`
	} `json:"groupchat_range"`
}

// GetUpgradeServiceConfig returns the configured specialists and groups (获取配置的专员与客户群).
// 获取配置的专员与客户群
//
// https://developer.work.weixin.qq.com/document/path/94674
//
//wecom:api GET /cgi-bin/kf/customer/get_upgrade_service_config
func (s *Service) GetUpgradeServiceConfig(ctx context.Context) (*UpgradeServiceConfig, error) {
	out := new(UpgradeServiceConfig)
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/kf/customer/get_upgrade_service_config", nil, nil, out); err != nil {
		return nil, err
	}
	return out, nil
}

// UpgradeType is what a customer is upgraded to.
type UpgradeType int

// Upgrade types.
const (
	UpgradeMember    UpgradeType = 1 // a specialist member (专员服务)
	UpgradeGroupChat UpgradeType = 2 // a customer group (客户群服务)
)

// UpgradeMemberParams names a specialist and an optional recommendation text (推荐语).
type UpgradeMemberParams struct {
	UserID  string `json:"userid"`
	Wording string `json:"wording,omitempty"`
}

// UpgradeGroupChatParams names a customer group and an optional recommendation text.
type UpgradeGroupChatParams struct {
	ChatID  string `json:"chat_id"`
	Wording string `json:"wording,omitempty"`
}

// UpgradeParams recommends a specialist (Type UpgradeMember, Member set) or a customer group
// (Type UpgradeGroupChat, GroupChat set) to a customer.
type UpgradeParams struct {
	OpenKfID       string                  `json:"open_kfid"`
	ExternalUserID string                  `json:"external_userid"`
	Type           UpgradeType             `json:"type"`
	Member         *UpgradeMemberParams    `json:"member,omitempty"`
	GroupChat      *UpgradeGroupChatParams `json:"groupchat,omitempty"`
}

// UpgradeService sets what the servicer will recommend to the customer (为客户升级为专员或客户群
// 服务): the servicer then sends the specialist's card or the group's QR code from the WeCom
// client. The specialist or group must be configured (95021 otherwise).
// 为客户升级为专员或客户群服务
//
// https://developer.work.weixin.qq.com/document/path/94674
//
//wecom:api POST /cgi-bin/kf/customer/upgrade_service
func (s *Service) UpgradeService(ctx context.Context, p UpgradeParams) error {
	if err := check.RequiredAll("open_kfid", p.OpenKfID, "external_userid", p.ExternalUserID); err != nil {
		return err
	}
	switch {
	case p.Type == UpgradeMember && (p.Member == nil || p.Member.UserID == "" || p.GroupChat != nil):
		return check.Invalid("member", "type 1 needs member.userid and no groupchat")
	case p.Type == UpgradeGroupChat && (p.GroupChat == nil || p.GroupChat.ChatID == "" || p.Member != nil):
		return check.Invalid("groupchat", "type 2 needs groupchat.chat_id and no member")
	case p.Type != UpgradeMember && p.Type != UpgradeGroupChat:
		return check.Invalid("type", "want 1 (member) or 2 (groupchat), have %d", p.Type)
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/customer/upgrade_service", nil, client.Idempotent(p), nil)
}

// CancelUpgradeService withdraws the recommendation set for a customer (为客户取消推荐).
// 为客户取消推荐
//
// https://developer.work.weixin.qq.com/document/path/94674
//
//wecom:api POST /cgi-bin/kf/customer/cancel_upgrade_service
func (s *Service) CancelUpgradeService(ctx context.Context, sess Session) error {
	if err := check.RequiredAll("open_kfid", sess.OpenKfID, "external_userid", sess.ExternalUserID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/customer/cancel_upgrade_service", nil, client.Idempotent(sess), nil)
}
