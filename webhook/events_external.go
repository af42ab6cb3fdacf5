package webhook

// Customer-contact events (客户联系回调): Event change_external_contact, change_external_chat
// and change_external_tag, or the same InfoTypes for ISV and customized apps.

func init() {
	route[ExternalContactAdded]("event", "change_external_contact", "add_external_contact")
	route[ExternalContactEdited]("event", "change_external_contact", "edit_external_contact")
	route[ExternalContactHalfAdded]("event", "change_external_contact", "add_half_external_contact")
	route[ExternalContactDeleted]("event", "change_external_contact", "del_external_contact")
	route[ExternalFollowUserDeleted]("event", "change_external_contact", "del_follow_user")
	route[ExternalTransferFailed]("event", "change_external_contact", "transfer_fail")
	route[ExternalChatCreated]("event", "change_external_chat", "create")
	route[ExternalChatUpdated]("event", "change_external_chat", "update")
	route[ExternalChatDismissed]("event", "change_external_chat", "dismiss")
	route[ExternalTagCreated]("event", "change_external_tag", "create")
	route[ExternalTagUpdated]("event", "change_external_tag", "update")
	route[ExternalTagDeleted]("event", "change_external_tag", "delete")
	route[ExternalTagShuffled]("event", "change_external_tag", "shuffle")
}

// ExternalContactAdded reports that a member added a customer (ChangeType
// add_external_contact).
// 添加企业客户事件
type ExternalContactAdded struct {
	Header
	UserID         string `wecom:"UserID" xml:"UserID"`                 // UserID is the member.
	ExternalUserID string `wecom:"ExternalUserID" xml:"ExternalUserID"` // ExternalUserID is the customer.
	// State is the contact way's state or the acquisition link's customer_channel.
	State string `wecom:"State" xml:"State"`
	// WelcomeCode sends a welcome message within 20 s; absent when none may be sent.
	WelcomeCode string `wecom:"WelcomeCode" xml:"WelcomeCode"`
}

// ExternalContactHalfAdded reports that a customer added a member with verification-free adding,
// before the member accepted (ChangeType add_half_external_contact).
// 外部联系人免验证添加成员事件
type ExternalContactHalfAdded struct {
	Header
	UserID         string `wecom:"UserID" xml:"UserID"`                 // UserID is the member.
	ExternalUserID string `wecom:"ExternalUserID" xml:"ExternalUserID"` // ExternalUserID is the customer.
	State          string `wecom:"State" xml:"State"`                   // State is the contact way's state.
	WelcomeCode    string `wecom:"WelcomeCode" xml:"WelcomeCode"`       // WelcomeCode sends a welcome message within 20 s.
}

// ExternalContactEdited reports that a member edited a customer's remark, description or tags
// (ChangeType edit_external_contact).
// 编辑企业客户事件
type ExternalContactEdited struct {
	Header
	UserID         string `wecom:"UserID" xml:"UserID"`                 // UserID is the member.
	ExternalUserID string `wecom:"ExternalUserID" xml:"ExternalUserID"` // ExternalUserID is the customer.
}

// Source value of ExternalContactDeleted for deletions done by an on-the-job transfer.
const SourceDeleteByTransfer = "DELETE_BY_TRANSFER"

// ExternalContactDeleted reports that a member deleted a customer (ChangeType
// del_external_contact).
// 删除企业客户事件
type ExternalContactDeleted struct {
	Header
	UserID         string `wecom:"UserID" xml:"UserID"`                 // UserID is the member.
	ExternalUserID string `wecom:"ExternalUserID" xml:"ExternalUserID"` // ExternalUserID is the customer.
	// Source is SourceDeleteByTransfer when an on-the-job transfer (在职继承) deleted it.
	Source string `wecom:"Source" xml:"Source"`
}

// ExternalFollowUserDeleted reports that a customer deleted a member (ChangeType
// del_follow_user).
// 删除跟进成员事件
type ExternalFollowUserDeleted struct {
	Header
	UserID         string `wecom:"UserID" xml:"UserID"`                 // UserID is the member.
	ExternalUserID string `wecom:"ExternalUserID" xml:"ExternalUserID"` // ExternalUserID is the customer.
}

// FailReason values of ExternalTransferFailed.
const (
	FailCustomerRefused     = "customer_refused"      // the customer refused
	FailCustomerLimitExceed = "customer_limit_exceed" // the receiving member has too many customers
)

// ExternalTransferFailed reports a failed customer transfer to a member (ChangeType
// transfer_fail).
// 客户接替失败事件
type ExternalTransferFailed struct {
	Header
	UserID         string `wecom:"UserID" xml:"UserID"`                 // UserID is the receiving member.
	ExternalUserID string `wecom:"ExternalUserID" xml:"ExternalUserID"` // ExternalUserID is the customer.
	FailReason     string `wecom:"FailReason" xml:"FailReason"`         // FailReason is a Fail… constant.
}

// ExternalChatCreated reports a new customer group (change_external_chat, ChangeType create).
// 客户群创建事件
type ExternalChatCreated struct {
	Header
	// ChatID is the group; read it with externalcontact/groupchat/get.
	ChatID string `wecom:"ChatId" xml:"ChatId"`
}

// UpdateDetail values of ExternalChatUpdated.
const (
	ChatAddMember    = "add_member"
	ChatDelMember    = "del_member"
	ChatChangeOwner  = "change_owner"
	ChatChangeName   = "change_name"
	ChatChangeNotice = "change_notice"
)

// ExternalChatUpdated reports a change in a customer group (change_external_chat, ChangeType
// update).
// 客户群变更事件
type ExternalChatUpdated struct {
	Header
	ChatID       string `wecom:"ChatId" xml:"ChatId"`             // ChatID is the group.
	UpdateDetail string `wecom:"UpdateDetail" xml:"UpdateDetail"` // UpdateDetail is a Chat… constant.
	// JoinScene (add_member): 0 invited by a member, 3 scanned the group QR code.
	JoinScene int `wecom:"JoinScene" xml:"JoinScene"`
	// QuitScene (del_member): 0 left, 1 removed by the owner or an admin.
	QuitScene int `wecom:"QuitScene" xml:"QuitScene"`
	// MemChangeCnt is the number of members that joined or left.
	MemChangeCnt int `wecom:"MemChangeCnt" xml:"MemChangeCnt"`
	// MemChangeList are the UserIDs / external userids that joined or left.
	MemChangeList []string `wecom:"MemChangeList>Item" xml:"MemChangeList>Item"`
	// LastMemVer and CurMemVer are the member-list versions before and after, to detect missed
	// events.
	LastMemVer string `wecom:"LastMemVer" xml:"LastMemVer"`
	CurMemVer  string `wecom:"CurMemVer" xml:"CurMemVer"` // CurMemVer is the member-list version after the change.
}

// ExternalChatDismissed reports that the owner dismissed a customer group
// (change_external_chat, ChangeType dismiss).
// 客户群解散事件
type ExternalChatDismissed struct {
	Header
	// ChatID is the group.
	ChatID string `wecom:"ChatId" xml:"ChatId"`
}

// TagType values of the external tag events.
const (
	TagTypeTag   = "tag"
	TagTypeGroup = "tag_group"
)

// ExternalTagChange holds the fields of the corp customer tag events.
type ExternalTagChange struct {
	// ID is the tag or tag group.
	ID string `wecom:"Id" xml:"Id"`
	// TagType is TagTypeTag or TagTypeGroup.
	TagType string `wecom:"TagType" xml:"TagType"`
	// StrategyID is the rule group of rule-group tags (规则组标签).
	StrategyID int64 `wecom:"StrategyId" xml:"StrategyId"`
}

// ExternalTagCreated reports a new corp customer tag or group (change_external_tag, ChangeType
// create).
// 企业客户标签创建事件
type ExternalTagCreated struct {
	Header
	ExternalTagChange
}

// ExternalTagUpdated reports a renamed or reordered tag or group (change_external_tag,
// ChangeType update).
// 企业客户标签变更事件
type ExternalTagUpdated struct {
	Header
	ExternalTagChange
}

// ExternalTagDeleted reports a deleted tag or group (change_external_tag, ChangeType delete);
// deleting a group sends no events for its tags.
// 企业客户标签删除事件
type ExternalTagDeleted struct {
	Header
	ExternalTagChange
}

// ExternalTagShuffled reports reordered tags (change_external_tag, ChangeType shuffle).
// 企业客户标签重排事件
type ExternalTagShuffled struct {
	Header
	// ID is the group whose tags were reordered; empty when the groups were reordered.
	ID string `wecom:"Id" xml:"Id"`
	// StrategyID is the rule group of rule-group tags.
	StrategyID int64 `wecom:"StrategyId" xml:"StrategyId"`
}
