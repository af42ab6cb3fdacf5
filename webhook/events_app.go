package webhook

// App events (应用事件, MsgType event): membership, menus, batch jobs, approvals, shared apps,
// template cards, inactive-app notices.

import "github.com/wecom-connector/wecom/internal/wire"

func init() {
	route[Subscribe]("event", "subscribe", "")
	route[Unsubscribe]("event", "unsubscribe", "")
	route[EnterAgent]("event", "enter_agent", "")
	route[LocationReport]("event", "LOCATION", "")
	route[BatchJobResult]("event", "batch_job_result", "")
	route[BatchJobResult]("info", "batch_job_result", "")
	route[MenuClick]("event", "click", "")
	route[MenuView]("event", "view", "")
	route[MenuViewMiniprogram]("event", "view_miniprogram", "")
	route[ScancodePush]("event", "scancode_push", "")
	route[ScancodeWaitmsg]("event", "scancode_waitmsg", "")
	route[PicSysphoto]("event", "pic_sysphoto", "")
	route[PicPhotoOrAlbum]("event", "pic_photo_or_album", "")
	route[PicWeixin]("event", "pic_weixin", "")
	route[LocationSelect]("event", "location_select", "")
	route[OpenApprovalChange]("event", "open_approval_change", "")
	route[SysApprovalChange]("event", "sys_approval_change", "")
	route[ShareAgentChange]("event", "share_agent_change", "")
	route[ShareChainChange]("event", "share_chain_change", "")
	route[ShareAgentChange]("info", "share_agent_change", "")
	route[ShareChainChange]("info", "share_chain_change", "")
	route[TemplateCardEvent]("event", "template_card_event", "")
	route[TemplateCardMenuEvent]("event", "template_card_menu_event", "")
	route[TaskcardClick]("event", "taskcard_click", "")
	route[UploadMediaJobFinish]("event", "upload_media_job_finish", "")
	route[CloseInactiveAgent]("event", "close_inactive_agent", "")
	route[ReopenInactiveAgent]("event", "reopen_inactive_agent", "")
	route[ChangeAppAdmin]("event", "change_app_admin", "")
	route[SwitchWorkbenchMode]("event", "switch_workbench_mode", "")
}

// Subscribe is sent when a member enters the app's visible scope (Event subscribe).
// 成员关注事件
type Subscribe struct {
	Header
}

// Unsubscribe is sent when a member leaves the app's visible scope, the corp, or is disabled
// (Event unsubscribe).
// 成员取消关注事件
type Unsubscribe struct {
	Header
}

// EnterAgent is sent when a member opens the app (Event enter_agent).
// 进入应用事件
type EnterAgent struct {
	Header
	// EventKey is empty for this event.
	EventKey string `wecom:"EventKey" xml:"EventKey"`
}

// LocationReport is a member's position reported on entering the app chat (Event LOCATION).
// 上报地理位置事件
type LocationReport struct {
	Header
	Latitude  float64 `wecom:"Latitude" xml:"Latitude"`   // Latitude in degrees.
	Longitude float64 `wecom:"Longitude" xml:"Longitude"` // Longitude in degrees.
	Precision float64 `wecom:"Precision" xml:"Precision"` // Precision of the position.
	// AppType is "wxwork" in the WeCom client.
	AppType string `wecom:"AppType" xml:"AppType"`
}

// Batch job types reported in BatchJob.JobType.
const (
	JobSyncUser           = "sync_user"            // incremental user import (batch/syncuser)
	JobReplaceUser        = "replace_user"         // full user replace (batch/replaceuser)
	JobInviteUser         = "invite_user"          // invitation (batch/invite)
	JobReplaceParty       = "replace_party"        // full department replace (batch/replaceparty)
	JobImportChainContact = "import_chain_contact" // upstream/downstream import (corpgroup/import_chain_contact)
)

// BatchJobResult reports a finished asynchronous contacts job (Event batch_job_result, or
// InfoType batch_job_result for ISVs); fetch the details with batch/getresult.
// 异步任务完成通知
type BatchJobResult struct {
	Header
	// BatchJob is the job and its overall outcome.
	BatchJob BatchJob `wecom:"BatchJob" xml:"BatchJob"`
}

// BatchJob is the BatchJob element of BatchJobResult.
type BatchJob struct {
	JobID   string `wecom:"JobId" xml:"JobId"`       // JobID is the job's id.
	JobType string `wecom:"JobType" xml:"JobType"`   // JobType is one of the Job… constants.
	ErrCode int    `wecom:"ErrCode" xml:"ErrCode"`   // ErrCode is 0 on success, else a global errcode.
	ErrMsg  string `wecom:"ErrMsg,raw" xml:"ErrMsg"` // ErrMsg describes ErrCode.
}

// MenuClick is a click on a menu button of type click (Event click).
// 点击菜单拉取消息事件
type MenuClick struct {
	Header
	// EventKey is the button's key.
	EventKey string `wecom:"EventKey" xml:"EventKey"`
}

// MenuView is a click on a menu button that opens a URL (Event view).
// 点击菜单跳转链接事件
type MenuView struct {
	Header
	// EventKey is the URL opened.
	EventKey string `wecom:"EventKey" xml:"EventKey"`
}

// MenuViewMiniprogram is a click on a menu button that opens a mini program (Event
// view_miniprogram).
// 点击菜单跳转小程序事件
type MenuViewMiniprogram struct {
	Header
	// EventKey is the mini program page path (unverified for WeCom).
	EventKey string `wecom:"EventKey" xml:"EventKey"`
}

// ScanCodeInfo is the result of a menu-triggered scan.
type ScanCodeInfo struct {
	ScanType   string `wecom:"ScanType" xml:"ScanType"`     // ScanType is "qrcode" or "barcode".
	ScanResult string `wecom:"ScanResult" xml:"ScanResult"` // ScanResult is the decoded text; barcodes come as "TYPE,value".
}

// ScancodePush is a scan started from a menu whose result the client handles (Event
// scancode_push).
// 扫码推事件
type ScancodePush struct {
	Header
	EventKey     string       `wecom:"EventKey" xml:"EventKey"`         // EventKey is the button's key.
	ScanCodeInfo ScanCodeInfo `wecom:"ScanCodeInfo" xml:"ScanCodeInfo"` // ScanCodeInfo is the scan result.
}

// ScancodeWaitmsg is a scan started from a menu after which the client waits for a reply
// (Event scancode_waitmsg).
// 扫码推事件且弹出“消息接收中”提示框
type ScancodeWaitmsg struct {
	Header
	EventKey     string       `wecom:"EventKey" xml:"EventKey"`         // EventKey is the button's key.
	ScanCodeInfo ScanCodeInfo `wecom:"ScanCodeInfo" xml:"ScanCodeInfo"` // ScanCodeInfo is the scan result.
}

// SendPicsInfo lists the pictures sent from a picture menu.
type SendPicsInfo struct {
	// Count is the number of pictures.
	Count int `wecom:"Count" xml:"Count"`
	// PicMD5Sums are the pictures' MD5 sums in order (PicList/item/PicMd5Sum).
	PicMD5Sums []string `wecom:"PicList>item>PicMd5Sum" xml:"PicList>item>PicMd5Sum"`
}

// PicSysphoto is a photo taken from a menu button (Event pic_sysphoto).
// 弹出系统拍照发图的事件
type PicSysphoto struct {
	Header
	EventKey     string       `wecom:"EventKey" xml:"EventKey"`         // EventKey is the button's key.
	SendPicsInfo SendPicsInfo `wecom:"SendPicsInfo" xml:"SendPicsInfo"` // SendPicsInfo lists the pictures.
}

// PicPhotoOrAlbum is a photo or album picture sent from a menu button (Event
// pic_photo_or_album).
// 弹出拍照或者相册发图的事件
type PicPhotoOrAlbum struct {
	Header
	EventKey     string       `wecom:"EventKey" xml:"EventKey"`         // EventKey is the button's key.
	SendPicsInfo SendPicsInfo `wecom:"SendPicsInfo" xml:"SendPicsInfo"` // SendPicsInfo lists the pictures.
}

// PicWeixin is an album picture sent from a menu button (Event pic_weixin).
// 弹出微信相册发图器的事件
type PicWeixin struct {
	Header
	EventKey     string       `wecom:"EventKey" xml:"EventKey"`         // EventKey is the button's key.
	SendPicsInfo SendPicsInfo `wecom:"SendPicsInfo" xml:"SendPicsInfo"` // SendPicsInfo lists the pictures.
}

// SendLocationInfo is the place chosen in a location_select menu.
type SendLocationInfo struct {
	Latitude  float64 `wecom:"Location_X" xml:"Location_X"` // Latitude is Location_X.
	Longitude float64 `wecom:"Location_Y" xml:"Location_Y"` // Longitude is Location_Y.
	Scale     int     `wecom:"Scale" xml:"Scale"`           // Scale is the map zoom level.
	Label     string  `wecom:"Label,raw" xml:"Label"`       // Label is the address text.
	Poiname   string  `wecom:"Poiname,raw" xml:"Poiname"`   // Poiname is the point of interest's name.
}

// LocationSelect is a location chosen from a menu button (Event location_select).
// 弹出地理位置选择器的事件
type LocationSelect struct {
	Header
	EventKey         string           `wecom:"EventKey" xml:"EventKey"`                 // EventKey is the button's key.
	SendLocationInfo SendLocationInfo `wecom:"SendLocationInfo" xml:"SendLocationInfo"` // SendLocationInfo is the place.
	AppType          string           `wecom:"AppType" xml:"AppType"`                   // AppType is "wxwork" in the WeCom client.
}

// Approval statuses (OpenSpStatus, NodeStatus).
const (
	ApprovalPending   = 1 // in progress
	ApprovalApproved  = 2 // approved
	ApprovalRejected  = 3 // rejected
	ApprovalCancelled = 4 // cancelled (NodeStatus: forwarded)
)

// OpenApprovalChange reports a status change of an approval created through the approval flow
// engine (Event open_approval_change).
// 审批状态通知事件（审批流程引擎）
type OpenApprovalChange struct {
	Header
	// ApprovalInfo is the approval's current state.
	ApprovalInfo OpenApprovalInfo `wecom:"ApprovalInfo" xml:"ApprovalInfo"`
}

// OpenApprovalInfo is the ApprovalInfo element of OpenApprovalChange.
type OpenApprovalInfo struct {
	ThirdNo        string           `wecom:"ThirdNo" xml:"ThirdNo"`                                       // ThirdNo is the caller's approval number.
	OpenSpName     string           `wecom:"OpenSpName" xml:"OpenSpName"`                                 // OpenSpName is the template name.
	OpenTemplateID string           `wecom:"OpenTemplateId" xml:"OpenTemplateId"`                         // OpenTemplateID is the template id.
	OpenSpStatus   int              `wecom:"OpenSpStatus" xml:"OpenSpStatus"`                             // OpenSpStatus is an Approval… status.
	ApplyTime      int64            `wecom:"ApplyTime" xml:"ApplyTime"`                                   // ApplyTime is the submission time, Unix seconds.
	ApplyUserName  string           `wecom:"ApplyUserName" xml:"ApplyUserName"`                           // ApplyUserName is the applicant's name.
	ApplyUserID    string           `wecom:"ApplyUserId" xml:"ApplyUserId"`                               // ApplyUserID is the applicant's UserID.
	ApplyUserParty string           `wecom:"ApplyUserParty" xml:"ApplyUserParty"`                         // ApplyUserParty is the applicant's department.
	ApplyUserImage string           `wecom:"ApplyUserImage" xml:"ApplyUserImage"`                         // ApplyUserImage is the applicant's avatar.
	ApprovalNodes  []ApprovalNode   `wecom:"ApprovalNodes>ApprovalNode" xml:"ApprovalNodes>ApprovalNode"` // ApprovalNodes are the approval steps.
	NotifyNodes    []ApprovalPerson `wecom:"NotifyNodes>NotifyNode" xml:"NotifyNodes>NotifyNode"`         // NotifyNodes are the CC recipients.
	ApproverStep   int              `wecom:"approverstep" xml:"approverstep"`                             // ApproverStep is the current node, 0-based.
}

// ApprovalNode is one step of an approval flow.
type ApprovalNode struct {
	NodeStatus int              `wecom:"NodeStatus" xml:"NodeStatus"` // NodeStatus is an Approval… status.
	NodeAttr   int              `wecom:"NodeAttr" xml:"NodeAttr"`     // NodeAttr is 1 or-sign, 2 joint-sign.
	NodeType   int              `wecom:"NodeType" xml:"NodeType"`     // NodeType is 1 fixed member, 2 tag, 3 superior.
	Items      []ApprovalPerson `wecom:"Items>Item" xml:"Items>Item"` // Items are the node's approvers.
}

// ApprovalPerson is an approver or CC recipient.
type ApprovalPerson struct {
	ItemName   string `wecom:"ItemName" xml:"ItemName"`         // ItemName is the person's name.
	ItemUserID string `wecom:"ItemUserId" xml:"ItemUserId"`     // ItemUserID is the UserID.
	ItemImage  string `wecom:"ItemImage" xml:"ItemImage"`       // ItemImage is the avatar URL.
	ItemStatus int    `wecom:"ItemStatus" xml:"ItemStatus"`     // ItemStatus is 1 pending, 2 agreed, 3 rejected, 4 forwarded.
	ItemSpeech string `wecom:"ItemSpeech,raw" xml:"ItemSpeech"` // ItemSpeech is the approver's comment.
	ItemOpTime int64  `wecom:"ItemOpTime" xml:"ItemOpTime"`     // ItemOpTime is when the person acted, Unix seconds.
}

// SysApprovalChange reports a change in the approval app (Event sys_approval_change). The
// main fields are typed; Lookup reads the rest (SpRecord, Comments, …).
// 审批申请状态变化回调通知
type SysApprovalChange struct {
	Header
	// ApprovalInfo is the approval's summary.
	ApprovalInfo SysApprovalInfo `wecom:"ApprovalInfo" xml:"ApprovalInfo"`
}

// SysApprovalInfo is the typed part of SysApprovalChange's ApprovalInfo.
type SysApprovalInfo struct {
	SpNo             string `wecom:"SpNo" xml:"SpNo"`                         // SpNo is the approval number.
	SpName           string `wecom:"SpName" xml:"SpName"`                     // SpName is the template name.
	SpStatus         int    `wecom:"SpStatus" xml:"SpStatus"`                 // SpStatus is 1 pending, 2 approved, 3 rejected, 4 cancelled, …
	TemplateID       string `wecom:"TemplateId" xml:"TemplateId"`             // TemplateID is the template id.
	ApplyTime        int64  `wecom:"ApplyTime" xml:"ApplyTime"`               // ApplyTime is the submission time, Unix seconds.
	ApplyerUserID    string `wecom:"Applyer>UserId" xml:"Applyer>UserId"`     // ApplyerUserID is the applicant.
	ApplyerParty     string `wecom:"Applyer>Party" xml:"Applyer>Party"`       // ApplyerParty is the applicant's department.
	StatuChangeEvent int    `wecom:"StatuChangeEvent" xml:"StatuChangeEvent"` // StatuChangeEvent is what changed (spelling as sent).
}

// ShareAgentChange reports that a linked-corp (企业互联) app share changed: Event
// share_agent_change for self-built apps (AgentID is the upstream app), InfoType
// share_agent_change for ISV suites.
// 共享应用事件回调
type ShareAgentChange struct {
	Header
	// AppID is the legacy multi-app suite app id (ISV form); ignore it for new apps.
	AppID int `wecom:"AppId" xml:"AppId"`
	// CorpID is the upstream / group corp (ISV form).
	CorpID string `wecom:"CorpId" xml:"CorpId"`
}

// ShareChainChange reports that an upstream/downstream (上下游) app share changed: Event
// share_chain_change for self-built apps, InfoType share_chain_change for ISV suites.
// 上下游共享应用事件回调
type ShareChainChange struct {
	Header
	// AppID is the legacy multi-app suite app id (ISV form); ignore it for new apps.
	AppID int `wecom:"AppId" xml:"AppId"`
	// CorpID is the upstream corp (ISV form).
	CorpID string `wecom:"CorpId" xml:"CorpId"`
}

// CardType is the type of a template card (模板卡片类型), the same type package messages sends
// cards with, so a callback's card type compares with the card's.
type CardType = wire.CardType

// Template card types.
const (
	CardTextNotice          = wire.CardTextNotice          // 文本通知型
	CardNewsNotice          = wire.CardNewsNotice          // 图文展示型
	CardButtonInteraction   = wire.CardButtonInteraction   // 按钮交互型
	CardVoteInteraction     = wire.CardVoteInteraction     // 投票选择型
	CardMultipleInteraction = wire.CardMultipleInteraction // 多项选择型
)

// TemplateCardEvent is a click on a callback button of an interactive template card (Event
// template_card_event). Answer with an empty reply and call message/update_template_card with
// ResponseCode; the docs indicate passive replies to this event are ignored.
// 模板卡片事件推送
type TemplateCardEvent struct {
	Header
	EventKey      string         `wecom:"EventKey" xml:"EventKey"`                                     // EventKey is the clicked button's key.
	TaskID        string         `wecom:"TaskId" xml:"TaskId"`                                         // TaskID is the card's task_id.
	CardType      CardType       `wecom:"CardType" xml:"CardType"`                                     // CardType is one of the Card… constants.
	ResponseCode  string         `wecom:"ResponseCode" xml:"ResponseCode"`                             // ResponseCode updates the card once, within 72 h.
	SelectedItems []SelectedItem `wecom:"SelectedItems>SelectedItem" xml:"SelectedItems>SelectedItem"` // SelectedItems are the user's choices.
}

// SelectedItem is one question's answer on a template card.
type SelectedItem struct {
	// QuestionKey is the question's question_key.
	QuestionKey string `wecom:"QuestionKey" xml:"QuestionKey"`
	// OptionIDs are the chosen options (OptionIds/OptionId; the OpitonIds misspelling too).
	OptionIDs []string `wecom:"OptionIds>OptionId|OpitonIds>OptionId" xml:"OptionIds>OptionId"`
}

// TemplateCardMenuEvent is a tap on an entry of a template card's top-right menu (Event
// template_card_menu_event); it accepts a passive update_template_card or update_button reply.
// 通用模板卡片右上角菜单事件推送
type TemplateCardMenuEvent struct {
	Header
	EventKey     string   `wecom:"EventKey" xml:"EventKey"`         // EventKey is the action_menu entry's key.
	TaskID       string   `wecom:"TaskId" xml:"TaskId"`             // TaskID is the card's task_id.
	CardType     CardType `wecom:"CardType" xml:"CardType"`         // CardType is one of the Card… constants.
	ResponseCode string   `wecom:"ResponseCode" xml:"ResponseCode"` // ResponseCode updates the card once, within 72 h.
}

// TaskcardClick is a click on a legacy task card button (Event taskcard_click).
// 任务卡片事件推送
type TaskcardClick struct {
	Header
	EventKey string `wecom:"EventKey" xml:"EventKey"` // EventKey is the clicked button's key.
	TaskID   string `wecom:"TaskId" xml:"TaskId"`     // TaskID is the card's task_id.
}

// UploadMediaJobFinish reports that an asynchronous media upload finished (Event
// upload_media_job_finish); fetch the result with media/get_upload_by_url_result.
// 异步上传临时素材结果回调
type UploadMediaJobFinish struct {
	Header
	// JobID is the upload job's jobid.
	JobID string `wecom:"JobId" xml:"JobId"`
}

// CloseInactiveAgent reports that the app was closed for inactivity (Event
// close_inactive_agent).
// 长期未使用应用临时停用事件
type CloseInactiveAgent struct {
	Header
}

// ReopenInactiveAgent reports that an app closed for inactivity was re-enabled (Event
// reopen_inactive_agent).
// 长期未使用应用重新启用事件
type ReopenInactiveAgent struct {
	Header
}

// ChangeAppAdmin reports that the app's admins changed (Event change_app_admin).
// 应用管理员变更通知
type ChangeAppAdmin struct {
	Header
}

// SwitchWorkbenchMode reports that a member switched the app's workbench display (Event
// switch_workbench_mode).
// 切换工作台自定义模式事件
type SwitchWorkbenchMode struct {
	Header
	// Mode is 1 when the custom mode is on, 0 when off.
	Mode int `wecom:"Mode" xml:"Mode"`
}
