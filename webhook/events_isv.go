package webhook

// ISV command callbacks (第三方应用 / 代开发 指令回调, InfoType …), answered "success". The
// change_contact and change_external_* InfoTypes decode to the corp events' types with
// Header.IsISV true; share_agent_change and share_chain_change likewise.

func init() {
	route[SuiteTicket]("info", "suite_ticket", "")
	route[CreateAuth]("info", "create_auth", "")
	route[ChangeAuth]("info", "change_auth", "")
	route[CancelAuth]("info", "cancel_auth", "")
	route[ResetPermanentCode]("info", "reset_permanent_code", "")
	route[CorpArchAuth]("info", "corp_arch_auth", "")
	route[ApproveSpecialAuth]("info", "approve_special_auth", "")
	route[CancelSpecialAuth]("info", "cancel_special_auth", "")
	route[AgreeExternalUserIDMigration]("info", "agree_external_userid_migration", "")
}

// SuiteTicket delivers the suite ticket (InfoType suite_ticket), pushed every 10 minutes and
// valid 30: store the newest for service/get_suite_token. The suite is Header.SuiteID.
// 推送suite_ticket
type SuiteTicket struct {
	Header
	// Ticket is the suite_ticket.
	Ticket string `wecom:"SuiteTicket" xml:"SuiteTicket"`
}

// ExtraInfo is the scenario-specific extra data of authorization events.
type ExtraInfo struct {
	// AuthOpenKfIDs are kf accounts authorized to a kf-component suite.
	AuthOpenKfIDs []string `wecom:"AuthOpenKfIdList>OpenKfId" xml:"AuthOpenKfIdList>OpenKfId"`
}

// CreateAuth reports an installation from the marketplace (InfoType create_auth): exchange
// AuthCode (valid 10 minutes, single use) with service/get_permanent_code after answering.
// 授权成功通知
type CreateAuth struct {
	Header
	AuthCode  string    `wecom:"AuthCode" xml:"AuthCode"`   // AuthCode is the temporary authorization code.
	State     string    `wecom:"State" xml:"State"`         // State is the install link's state, may be empty.
	ExtraInfo ExtraInfo `wecom:"ExtraInfo" xml:"ExtraInfo"` // ExtraInfo is scenario-specific extra data.
}

// ChangeAuth reports a changed authorization in Header.AuthCorpID (InfoType change_auth):
// re-read the authorization info.
// 变更授权通知
type ChangeAuth struct {
	Header
	State     string    `wecom:"State" xml:"State"`         // State is the original install link's state.
	ExtraInfo ExtraInfo `wecom:"ExtraInfo" xml:"ExtraInfo"` // ExtraInfo is scenario-specific extra data.
}

// CancelAuth reports that Header.AuthCorpID uninstalled the app (InfoType cancel_auth).
// 取消授权通知
type CancelAuth struct {
	Header
}

// ResetPermanentCode reports that a customized app's secret was reset (InfoType
// reset_permanent_code): exchange AuthCode for the new permanent code.
// 重置永久授权码通知
type ResetPermanentCode struct {
	Header
	// AuthCode is the temporary authorization code, valid 10 minutes.
	AuthCode string `wecom:"AuthCode" xml:"AuthCode"`
}

// CorpArchAuth reports that Header.AuthCorpID granted the organisation-structure permission
// (InfoType corp_arch_auth).
// 授权组织架构权限通知
type CorpArchAuth struct {
	Header
}

// ApproveSpecialAuth reports that a special permission was approved for Header.AuthCorpID
// (InfoType approve_special_auth).
// 获客助手权限确认事件
type ApproveSpecialAuth struct {
	Header
	// AuthType is the permission, e.g. "customer_acquisition".
	AuthType string `wecom:"AuthType" xml:"AuthType"`
}

// CancelSpecialAuth reports that a special permission was withdrawn (InfoType
// cancel_special_auth).
// 获客助手权限取消事件
type CancelSpecialAuth struct {
	Header
	// AuthType is the permission, e.g. "customer_acquisition".
	AuthType string `wecom:"AuthType" xml:"AuthType"`
}

// AgreeExternalUserIDMigration reports that Header.AuthCorpID agreed to migrate its customers'
// external_userids to the provider (InfoType agree_external_userid_migration).
// 同意迁移external_userid通知
type AgreeExternalUserIDMigration struct {
	Header
}
