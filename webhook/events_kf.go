package webhook

// WeChat Customer Service notices (微信客服). The content itself is pulled with kf/sync_msg.

func init() {
	route[KfMsgOrEvent]("event", "kf_msg_or_event", "")
	route[KfAccountAuthChange]("event", "kf_account_auth_change", "")
}

// KfMsgOrEvent tells the app that kf messages or events are waiting (Event kf_msg_or_event):
// pass Token and OpenKfID to kf/sync_msg. It has no FromUserName.
// 接收消息和事件
type KfMsgOrEvent struct {
	Header
	// Token is the sync_msg token, valid 10 minutes.
	Token string `wecom:"Token" xml:"Token"`
	// OpenKfID is the kf account with news (absent in very old payloads).
	OpenKfID string `wecom:"OpenKfId" xml:"OpenKfId"`
}

// KfAccountAuthChange reports kf accounts granted to or revoked from the app (Event
// kf_account_auth_change).
// 客服账号授权变更事件
type KfAccountAuthChange struct {
	Header
	// AuthAddOpenKfIDs are the accounts newly granted.
	AuthAddOpenKfIDs []string `wecom:"AuthAddOpenKfId" xml:"AuthAddOpenKfId"`
	// AuthDelOpenKfIDs are the accounts revoked: stop pulling and drop their cursors.
	AuthDelOpenKfIDs []string `wecom:"AuthDelOpenKfId" xml:"AuthDelOpenKfId"`
}
