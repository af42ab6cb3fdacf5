package webhook

// Customer-acquisition events (获客助手事件通知): Event customer_acquisition, sent to the app
// that created the link (quota events to the customer-contact app).

func init() {
	route[AcquisitionBalanceLow]("event", "customer_acquisition", "balance_low")
	route[AcquisitionBalanceExhausted]("event", "customer_acquisition", "balance_exhausted")
	route[AcquisitionBalanceIncreased]("event", "customer_acquisition", "balance_increased")
	route[AcquisitionQuotaExpireSoon]("event", "customer_acquisition", "quota_expire_soon")
	route[AcquisitionLinkUnavailable]("event", "customer_acquisition", "link_unavailable")
	route[AcquisitionLinkDeleted]("event", "customer_acquisition", "delete_link")
	route[AcquisitionProfileOpened]("event", "customer_acquisition", "open_profile")
	route[AcquisitionFriendRequest]("event", "customer_acquisition", "friend_request")
	route[AcquisitionChatStarted]("event", "customer_acquisition", "customer_start_chat")
	route[AcquisitionCustomerMessage]("event", "customer_acquisition", "message_from_customer")
}

// AcquisitionBalanceLow reports that fewer than 20 acquisition uses are left (ChangeType
// balance_low).
// 企业使用量即将耗尽事件
type AcquisitionBalanceLow struct {
	Header
}

// AcquisitionBalanceExhausted reports that the acquisition uses are used up (ChangeType
// balance_exhausted): links stop assigning customers until more are bought.
// 使用量已经耗尽事件
type AcquisitionBalanceExhausted struct {
	Header
}

// AcquisitionBalanceIncreased reports that the uses went from 0 to more (ChangeType
// balance_increased).
// 使用量增加事件
type AcquisitionBalanceIncreased struct {
	Header
}

// AcquisitionQuotaExpireSoon reports bought uses that expire soon (ChangeType
// quota_expire_soon), sent 14, 7, 3, 2 and 1 days before.
// 获客使用量即将过期事件
type AcquisitionQuotaExpireSoon struct {
	Header
	ExpireTime     int64 `wecom:"ExpireTime" xml:"ExpireTime"`         // ExpireTime is when they expire, Unix seconds.
	ExpireQuotaNum int   `wecom:"ExpireQuotaNum" xml:"ExpireQuotaNum"` // ExpireQuotaNum is how many expire.
}

// AcquisitionLinkUnavailable reports a link none of whose members can take customers now
// (ChangeType link_unavailable): adjust its members or the traffic sent to it.
// 获客链接异常事件
type AcquisitionLinkUnavailable struct {
	Header
	LinkID string `wecom:"LinkId" xml:"LinkId"` // LinkID is the link.
}

// AcquisitionLinkDeleted reports a link made through the API and deleted in the admin console
// or the app (ChangeType delete_link); deleting it through the API sends none.
// 删除获客链接事件
type AcquisitionLinkDeleted struct {
	Header
	LinkID string `wecom:"LinkId" xml:"LinkId"` // LinkID is the deleted link.
}

// AcquisitionProfileOpened reports a WeChat user who opened a link's member profile
// (ChangeType open_profile; only some business categories get it).
// 微信客户打开获客链接事件
type AcquisitionProfileOpened struct {
	Header
	LinkID string `wecom:"LinkId" xml:"LinkId"` // LinkID is the link opened.
	State  string `wecom:"State" xml:"State"`   // State is the link's customer_channel.
}

// AcquisitionFriendRequest reports a WeChat user who sent a friend request through a link
// (ChangeType friend_request).
// 通过获客链接发起好友请求事件
type AcquisitionFriendRequest struct {
	Header
	LinkID string `wecom:"LinkId" xml:"LinkId"` // LinkID is the link used.
	State  string `wecom:"State" xml:"State"`   // State is the link's customer_channel.
}

// AcquisitionChatStarted reports the first message a member received from a customer added
// through a link (ChangeType customer_start_chat; WeChat customers only).
// 成员首次收消息事件
type AcquisitionChatStarted struct {
	Header
	UserID         string `wecom:"UserID" xml:"UserID"`                 // UserID is the member.
	ExternalUserID string `wecom:"ExternalUserID" xml:"ExternalUserID"` // ExternalUserID is the customer.
	LinkID         string `wecom:"LinkId" xml:"LinkId"`                 // LinkID is the link.
}

// AcquisitionCustomerMessage reports the 3rd, 5th and 10th message a member received from a
// customer added through a link (ChangeType message_from_customer). Since 2024-12-19 WeCom
// leaves out UserID, ExternalUserID and ChatSeq: read them with ChatKey through
// customer_acquisition/get_chat_info within 30 minutes.
// 成员多次收消息事件
type AcquisitionCustomerMessage struct {
	Header
	UserID         string `wecom:"UserID" xml:"UserID"`                 // UserID is the member (older pushes only).
	ExternalUserID string `wecom:"ExternalUserID" xml:"ExternalUserID"` // ExternalUserID is the customer (older pushes only).
	LinkID         string `wecom:"LinkId" xml:"LinkId"`                 // LinkID is the link.
	ChatSeq        int    `wecom:"ChatSeq" xml:"ChatSeq"`               // ChatSeq is the message count (older pushes only).
	ChatKey        string `wecom:"ChatKey" xml:"ChatKey"`               // ChatKey reads the chat data, valid 30 minutes.
}
