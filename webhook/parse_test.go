package webhook

import (
	"bytes"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/internal/xmlscan"
)

// corp header helpers for the expectations below.
func appHdr(to, from string, ct int64, msgType, event string, agent int) Header {
	return Header{ToUserName: to, FromUserName: from, CreateTime: ct, MsgType: msgType, Event: event, AgentID: agent}
}

func msgHdr(to, from string, ct int64, msgType string, msgID int64, agent int) Header {
	h := appHdr(to, from, ct, msgType, "", agent)
	h.MsgID = msgID
	return h
}

func changeHdr(to string, ct int64, event, change string) Header {
	return Header{ToUserName: to, FromUserName: "sys", CreateTime: ct, MsgType: "event", Event: event, ChangeType: change}
}

func isvHdr(suite, info string, ts int64, authCorp, change string) Header {
	return Header{SuiteID: suite, InfoType: info, TimeStamp: ts, AuthCorpID: authCorp, ChangeType: change}
}

func acqHdr(ct int64, change string) Header {
	return Header{ToUserName: "toUser", FromUserName: "sys", CreateTime: ct, MsgType: "event", Event: "customer_acquisition", ChangeType: change}
}

func providerHdr(provider, info string, ts int64, authCorp string) Header {
	return Header{ServiceCorpID: provider, InfoType: info, TimeStamp: ts, AuthCorpID: authCorp}
}

func withProvider(h Header, provider string) Header {
	h.ServiceCorpID = provider
	return h
}

const (
	corp1 = "ww7c3f5e0a1b2d4e6f"
	corp2 = "ww0123456789abcdef"
	corp3 = "ww1a2b3c4d5e6f7a8b"
)

// parseCases maps every testdata/events file to the event it must decode to, field by field.
var parseCases = map[string]Event{
	"text.xml":     &TextMessage{Header: msgHdr(corp1, "LiLei", 1732440001, "text", 7441200000000000001, 1000005), Content: "工厂3今天的进度？"},
	"image.xml":    &ImageMessage{Header: msgHdr(corp2, "lisi", 1715331610, "image", 7365012345678901235, 1000002), PicURL: "https://wework.qpic.cn/wwpic/example/0", MediaID: "1mediaIdFromUserImage"},
	"voice.xml":    &VoiceMessage{Header: msgHdr(corp2, "lisi", 1715331620, "voice", 7365012345678901236, 1000002), MediaID: "1mediaIdFromUserVoice", Format: "amr"},
	"video.xml":    &VideoMessage{Header: msgHdr(corp2, "wangwu", 1715331630, "video", 7365012345678901237, 1000002), MediaID: "1mediaIdFromUserVideo", ThumbMediaID: "1thumbMediaIdFromUserVideo"},
	"location.xml": &LocationMessage{Header: msgHdr(corp2, "wangwu", 1715331640, "location", 7365012345678901238, 1000002), Latitude: 31.2304, Longitude: 121.4737, Scale: 15, Label: "Shanghai, Huangpu District", AppType: "wxwork"},
	"link.xml":     &LinkMessage{Header: msgHdr(corp2, "zhangsan", 1715331650, "link", 7365012345678901239, 1000002), Title: "Design doc", Description: "Checkout flow v3", URL: "https://docs.example.com/checkout-v3", PicURL: "https://cdn.example.com/img/doc.png"},

	"subscribe.xml":      &Subscribe{Header: appHdr(corp1, "LiLei", 1732440010, "event", "subscribe", 1000005)},
	"unsubscribe.xml":    &Unsubscribe{Header: appHdr(corp1, "LiLei", 1732440011, "event", "unsubscribe", 1000005)},
	"enter_agent.xml":    &EnterAgent{Header: appHdr(corp1, "LiLei", 1732440012, "event", "enter_agent", 1000005)},
	"location_event.xml": &LocationReport{Header: appHdr(corp1, "LiLei", 1732440014, "event", "LOCATION", 1000005), Latitude: 23.104105, Longitude: 113.320107, Precision: 65, AppType: "wxwork"},
	"batch_job_result.xml": &BatchJobResult{Header: changeHdr(corp3, 1700000000, "batch_job_result", ""),
		BatchJob: BatchJob{JobID: "job-4711", JobType: JobSyncUser, ErrCode: 0, ErrMsg: "ok"}},
	"isv_batch_job_result.xml": &BatchJobResult{Header: isvHdr("wwsuite0001", "batch_job_result", 1700005000, "wwcorpA", ""),
		BatchJob: BatchJob{JobID: "job-isv-1", JobType: JobReplaceParty, ErrCode: 302005, ErrMsg: "import failed"}},
	"click.xml":            &MenuClick{Header: appHdr(corp1, "LiLei", 1732440015, "event", "click", 1000005), EventKey: "MENU_REPORT"},
	"view.xml":             &MenuView{Header: appHdr(corp1, "LiLei", 1732440016, "event", "view", 1000005), EventKey: "https://example.com/plan"},
	"view_miniprogram.xml": &MenuViewMiniprogram{Header: appHdr(corp1, "LiLei", 1732440017, "event", "view_miniprogram", 1000005), EventKey: "pages/index/index"},
	"scancode_push.xml": &ScancodePush{Header: appHdr(corp1, "LiLei", 1732440021, "event", "scancode_push", 1000005), EventKey: "SCAN_LOT",
		ScanCodeInfo: ScanCodeInfo{ScanType: "qrcode", ScanResult: "LOT-2024-11-0042"}},
	"scancode_waitmsg.xml": &ScancodeWaitmsg{Header: appHdr(corp1, "LiLei", 1732440022, "event", "scancode_waitmsg", 1000005), EventKey: "SCAN_BAR",
		ScanCodeInfo: ScanCodeInfo{ScanType: "barcode", ScanResult: "EAN_13,6901234567892"}},
	"pic_sysphoto.xml": &PicSysphoto{Header: appHdr(corp1, "LiLei", 1732440023, "event", "pic_sysphoto", 1000005), EventKey: "PHOTO",
		SendPicsInfo: SendPicsInfo{Count: 2, PicMD5Sums: []string{"1b5f7c23b5bf75682a53e7b6d163e185", "2b5f7c23b5bf75682a53e7b6d163e185"}}},
	"pic_photo_or_album.xml": &PicPhotoOrAlbum{Header: appHdr(corp1, "LiLei", 1732440024, "event", "pic_photo_or_album", 1000005), EventKey: "ALBUM",
		SendPicsInfo: SendPicsInfo{Count: 2, PicMD5Sums: []string{"aaa", "bbb"}}},
	"pic_weixin.xml": &PicWeixin{Header: appHdr(corp1, "LiLei", 1732440025, "event", "pic_weixin", 1000005), EventKey: "WX",
		SendPicsInfo: SendPicsInfo{Count: 1, PicMD5Sums: []string{"ccc"}}},
	"location_select.xml": &LocationSelect{Header: appHdr(corp1, "LiLei", 1732440026, "event", "location_select", 1000005), EventKey: "LOC",
		SendLocationInfo: SendLocationInfo{Latitude: 23.106021, Longitude: 113.32011, Scale: 16, Label: "广州市海珠区", Poiname: "工厂3"}, AppType: "wxwork"},
	"open_approval_change.xml": &OpenApprovalChange{Header: appHdr(corp1, "sys", 1732440027, "event", "open_approval_change", 1),
		ApprovalInfo: OpenApprovalInfo{ThirdNo: "201806010001", OpenSpName: "付款", OpenTemplateID: "1234567890", OpenSpStatus: ApprovalPending,
			ApplyTime: 1527837645, ApplyUserName: "xiaoming", ApplyUserID: "1", ApplyUserParty: "产品部", ApplyUserImage: "http://www.qq.com/xxx.png",
			ApprovalNodes: []ApprovalNode{{NodeStatus: 1, NodeAttr: 1, NodeType: 1, Items: []ApprovalPerson{{ItemName: "xiaohong", ItemUserID: "2", ItemImage: "http://www.qq.com/xxx.png", ItemStatus: 1}}}},
			NotifyNodes:   []ApprovalPerson{{ItemName: "xiaogang", ItemUserID: "3", ItemImage: "http://www.qq.com/xxx.png"}},
		}},
	"sys_approval_change.xml": &SysApprovalChange{Header: appHdr(corp1, "sys", 1732440028, "event", "sys_approval_change", 3010040),
		ApprovalInfo: SysApprovalInfo{SpNo: "202011040001", SpName: "请假", SpStatus: 1, TemplateID: "3TkaH5KFbrG9heEQWLJjhgpFNDqAHDfcjvk1pEMx",
			ApplyTime: 1604451234, ApplyerUserID: "WangFang", ApplyerParty: "1", StatuChangeEvent: 1}},
	"share_agent_change.xml": &ShareAgentChange{Header: Header{ToUserName: corp3, FromUserName: "sys", CreateTime: 1700000390, MsgType: "event", Event: "share_agent_change", AgentID: 1000005}},
	"share_chain_change.xml": &ShareChainChange{Header: Header{ToUserName: corp3, FromUserName: "sys", CreateTime: 1700000391, MsgType: "event", Event: "share_chain_change", AgentID: 1000006}},
	"isv_share_agent_change.xml": &ShareAgentChange{Header: func() Header {
		h := isvHdr("wwsuite0001", "share_agent_change", 1700000400, "", "")
		h.AgentID = 1000005
		return h
	}(), AppID: 1000019, CorpID: corp3},
	"isv_share_chain_change_docslip.xml": &ShareChainChange{Header: func() Header {
		h := isvHdr("wwsuite0001", "share_chain_change", 1700000401, "", "")
		h.AgentID = 1000007
		return h
	}(), CorpID: "![CDATA[ww11111]]"},
	"template_card_event.xml": &TemplateCardEvent{Header: appHdr(corp2, "lisi", 1715331710, "event", "template_card_event", 1000002),
		EventKey: "submit_poll_lunch_0510", TaskID: "poll-lunch-0510", CardType: CardVoteInteraction, ResponseCode: "rc_from_callback_def",
		SelectedItems: []SelectedItem{{QuestionKey: "lunch_choice", OptionIDs: []string{"sushi", "pizza"}}}},
	"template_card_event_typo.xml": &TemplateCardEvent{Header: appHdr(corp1, "WangFang", 1732440029, "event", "template_card_event", 1000005),
		EventKey: "btn_confirm", TaskID: "delay-warn-20241124", CardType: CardVoteInteraction, ResponseCode: "RC_example",
		SelectedItems: []SelectedItem{{QuestionKey: "reason", OptionIDs: []string{"material_late"}}, {QuestionKey: "delay", OptionIDs: []string{"2d"}}}},
	"template_card_menu_event.xml": &TemplateCardMenuEvent{Header: appHdr(corp2, "zhangsan", 1715331720, "event", "template_card_menu_event", 1000002),
		EventKey: "mute_pipeline_web", TaskID: "ci-web-20240508-0001", CardType: CardTextNotice, ResponseCode: "rc_from_menu_event_1"},
	"taskcard_click.xml":          &TaskcardClick{Header: appHdr(corp1, "LiLei", 1732440030, "event", "taskcard_click", 1), EventKey: "key111", TaskID: "taskid111"},
	"upload_media_job_finish.xml": &UploadMediaJobFinish{Header: changeHdr(corp2, 1715331730, "upload_media_job_finish", ""), JobID: "job_example_01"},
	"close_inactive_agent.xml":    &CloseInactiveAgent{Header: appHdr(corp1, "sys", 1732440031, "event", "close_inactive_agent", 1000005)},
	"reopen_inactive_agent.xml":   &ReopenInactiveAgent{Header: appHdr(corp1, "sys", 1732440032, "event", "reopen_inactive_agent", 1000005)},
	"change_app_admin.xml":        &ChangeAppAdmin{Header: appHdr(corp1, "sys", 1732440033, "event", "change_app_admin", 1000005)},
	"switch_workbench_mode.xml":   &SwitchWorkbenchMode{Header: appHdr(corp1, "LiLei", 1732440034, "event", "switch_workbench_mode", 1000005), Mode: 1},

	"create_user.xml": &UserCreated{Header: changeHdr(corp1, 1732440012, "change_contact", "create_user"), UserChange: UserChange{
		UserID: "WangFang", Name: "王芳", Department: []int{1, 12}, MainDepartment: 12, IsLeaderInDept: []int{0, 1},
		DirectLeader: []string{"LiLei", "HanMeimei"}, Position: "产品经理", Mobile: "13800000000", Gender: 2,
		Email: "wangfang@example.com", BizMail: "wangfang@corp.example.com", Status: 1, Avatar: "https://wework.qpic.cn/wwhead/example/0",
		Alias: "Fang", Telephone: "020-123456", Address: "广州市",
		ExtAttr: []ExtAttrItem{{Name: "爱好", Type: 0, Value: "旅游"}, {Name: "主页", Type: 1, WebTitle: "企业微信", WebURL: "https://work.weixin.qq.com"}, {Name: "工号", Value: "A001"}},
	}},
	"update_user.xml": &UserUpdated{Header: changeHdr(corp1, 1732440013, "change_contact", "update_user"), UserChange: UserChange{
		UserID: "WangFang", NewUserID: "WangFang01", Department: []int{1, 12}, MainDepartment: 12, Status: 1}},
	"delete_user.xml":  &UserDeleted{Header: changeHdr(corp1, 1732440014, "change_contact", "delete_user"), UserID: "WangFang01"},
	"create_party.xml": &DepartmentCreated{Header: changeHdr(corp1, 1732440015, "change_contact", "create_party"), DepartmentChange: DepartmentChange{ID: 2, Name: "工厂3", ParentID: 1, Order: 1}},
	"update_party.xml": &DepartmentUpdated{Header: changeHdr(corp1, 1732440016, "change_contact", "update_party"), DepartmentChange: DepartmentChange{ID: 2, ParentID: 5}},
	"delete_party.xml": &DepartmentDeleted{Header: changeHdr(corp1, 1732440017, "change_contact", "delete_party"), ID: 2},
	"update_tag.xml": &TagUpdated{Header: changeHdr(corp1, 1732440018, "change_contact", "update_tag"), TagID: 1,
		AddUserItems: []string{"zhangsan", "lisi"}, DelUserItems: []string{"zhangsan1"}, AddPartyItems: []int{1, 2}, DelPartyItems: []int{}},
	"isv_create_user.xml": &UserCreated{Header: isvHdr("wwsuite0001", "change_contact", 1403610513, "wwcorpA", "create_user"), UserChange: UserChange{
		UserID: "woAbCdEfOpaque", OpenUserID: "woOpenUser001", Name: "张三", Department: []int{1, 2, 3}, MainDepartment: 1}},

	"add_external_contact.xml": &ExternalContactAdded{Header: changeHdr(corp1, 1732440031, "change_external_contact", "add_external_contact"),
		UserID: "AdvisorChen", ExternalUserID: "wmAbCdEf0123456789external0001", State: "dairy_store_0571", WelcomeCode: "WC_example"},
	"add_half_external_contact.xml": &ExternalContactHalfAdded{Header: changeHdr(corp3, 1700004001, "change_external_contact", "add_half_external_contact"),
		UserID: "li.na", ExternalUserID: "wmAbc123", State: "expo2024", WelcomeCode: "wc-5e1f"},
	"edit_external_contact.xml": &ExternalContactEdited{Header: changeHdr(corp3, 1700004002, "change_external_contact", "edit_external_contact"), UserID: "li.na", ExternalUserID: "wmAbc123"},
	"del_external_contact.xml": &ExternalContactDeleted{Header: changeHdr(corp3, 1700004003, "change_external_contact", "del_external_contact"),
		UserID: "li.na", ExternalUserID: "wmAbc123", Source: SourceDeleteByTransfer},
	"del_follow_user.xml": &ExternalFollowUserDeleted{Header: changeHdr(corp3, 1700004004, "change_external_contact", "del_follow_user"), UserID: "li.na", ExternalUserID: "wmAbc123"},
	"transfer_fail.xml": &ExternalTransferFailed{Header: changeHdr(corp3, 1700004005, "change_external_contact", "transfer_fail"),
		UserID: "li.na", ExternalUserID: "wmAbc123", FailReason: FailCustomerRefused},
	"isv_add_external_contact.xml": &ExternalContactAdded{Header: isvHdr("wwsuite0001", "change_external_contact", 1403610514, "wwcorpA", "add_external_contact"),
		UserID: "zhangsan", ExternalUserID: "wmIsvScoped", State: "teststate", WelcomeCode: "WELCOMECODE"},
	"external_chat_create.xml": &ExternalChatCreated{Header: changeHdr(corp3, 1700004010, "change_external_chat", "create"), ChatID: "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"},
	"external_chat_update.xml": &ExternalChatUpdated{Header: changeHdr(corp3, 1700004011, "change_external_chat", "update"), ChatID: "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA",
		UpdateDetail: ChatAddMember, JoinScene: 3, QuitScene: 0, MemChangeCnt: 2, MemChangeList: []string{"Jack", "Rose"},
		LastMemVer: "9c3f97c2ada667dfb5f6d03308d963e1", CurMemVer: "71217227bbd112ecfe3a49c482195cb4"},
	"external_chat_dismiss.xml": &ExternalChatDismissed{Header: changeHdr(corp3, 1700004012, "change_external_chat", "dismiss"), ChatID: "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"},
	"external_tag_create.xml": &ExternalTagCreated{Header: changeHdr(corp3, 1700004020, "change_external_tag", "create"),
		ExternalTagChange: ExternalTagChange{ID: "etm7wjCgAA5hpbKc1Vdo3Rl5CPvqXyhA", TagType: TagTypeTag, StrategyID: 1}},
	"external_tag_update.xml": &ExternalTagUpdated{Header: changeHdr(corp3, 1700004021, "change_external_tag", "update"),
		ExternalTagChange: ExternalTagChange{ID: "etgroup01", TagType: TagTypeGroup}},
	"external_tag_delete.xml": &ExternalTagDeleted{Header: changeHdr(corp3, 1700004022, "change_external_tag", "delete"),
		ExternalTagChange: ExternalTagChange{ID: "etm7wjCgAA5hpbKc1Vdo3Rl5CPvqXyhA", TagType: TagTypeTag, StrategyID: 7}},
	"external_tag_shuffle.xml": &ExternalTagShuffled{Header: changeHdr(corp3, 1700004023, "change_external_tag", "shuffle"), ID: "", StrategyID: 2},

	"kf_msg_or_event.xml": &KfMsgOrEvent{Header: Header{ToUserName: corp3, CreateTime: 1700000123, MsgType: "event", Event: "kf_msg_or_event"},
		Token: "ENCkq7Rt2VbX9mPz4LwN8cY3dH6fJ1sA5gUe0iOyTr", OpenKfID: "wkQ7aF1GCAAAbcdEFghIJklMNop_QRs"},
	"kf_account_auth_change.xml": &KfAccountAuthChange{Header: changeHdr(corp3, 1700000456, "kf_account_auth_change", ""),
		AuthAddOpenKfIDs: []string{"wkNEWACCOUNT00000000000000000001", "wkNEWACCOUNT00000000000000000002"}, AuthDelOpenKfIDs: []string{"wkOLDACCOUNT00000000000000000009"}},
	"change_chain.xml": &ChainChange{Header: changeHdr(corp3, 1700000300, "change_chain", ChainUpdateChain), ChainID: "Ch8a1b2c",
		GroupIDs: []int{5, 6}, CorpIDs: []string{"wwf00d1e5a0c1d2e3f"}},

	"suite_ticket.xml": &SuiteTicket{Header: isvHdr("wwsuite0001", "suite_ticket", 1700001000, "", ""), Ticket: "tk-Qm9ndXM"},
	"create_auth.xml": &CreateAuth{Header: isvHdr("wwsuite0001", "create_auth", 1700001100, "", ""), AuthCode: "AUTHCODE-create-1", State: "install-42",
		ExtraInfo: ExtraInfo{AuthOpenKfIDs: []string{"wkA", "wkB"}}},
	"change_auth.xml":          &ChangeAuth{Header: isvHdr("wwsuite0001", "change_auth", 1700001200, "wwcorpA", ""), ExtraInfo: ExtraInfo{AuthOpenKfIDs: []string{"wkC"}}},
	"cancel_auth.xml":          &CancelAuth{Header: isvHdr("wwsuite0001", "cancel_auth", 1700001300, "wwcorpA", "")},
	"reset_permanent_code.xml": &ResetPermanentCode{Header: isvHdr("dktpl0001", "reset_permanent_code", 1700002000, "", ""), AuthCode: "ac-reset-…"},

	"corp_arch_auth.xml":                  &CorpArchAuth{Header: isvHdr("wwsuite0001", "corp_arch_auth", 1700003000, "wwcorpA", "")},
	"approve_special_auth.xml":            &ApproveSpecialAuth{Header: isvHdr("wwsuite0001", "approve_special_auth", 1700003100, "wwcorpA", ""), AuthType: "customer_acquisition"},
	"cancel_special_auth.xml":             &CancelSpecialAuth{Header: isvHdr("wwsuite0001", "cancel_special_auth", 1700003200, "wwcorpA", ""), AuthType: "customer_acquisition"},
	"agree_external_userid_migration.xml": &AgreeExternalUserIDMigration{Header: withProvider(isvHdr("wwsuite0001", "agree_external_userid_migration", 1700003300, "wwcorpA", ""), "wwprovider01")},

	"unknown_event.xml": &Unknown{Header: appHdr(corp1, "sys", 1732440040, "event", "living_status_change", 1000005)},
	"unknown_info.xml":  &Unknown{Header: isvHdr("wwsuite0001", "future_provider_notice", 1700003400, "wwcorpA", "")},

	"acq_balance_low.xml":       &AcquisitionBalanceLow{Header: acqHdr(1403610513, "balance_low")},
	"acq_balance_exhausted.xml": &AcquisitionBalanceExhausted{Header: acqHdr(1403610513, "balance_exhausted")},
	"acq_balance_increased.xml": &AcquisitionBalanceIncreased{Header: acqHdr(1403610513, "balance_increased")},
	"acq_link_unavailable.xml":  &AcquisitionLinkUnavailable{Header: acqHdr(1403610513, "link_unavailable"), LinkID: "cawcdea7783d7330b4"},
	"acq_delete_link.xml":       &AcquisitionLinkDeleted{Header: acqHdr(1403610513, "delete_link"), LinkID: "cawcdea7783d7330b4"},
	"acq_quota_expire_soon.xml": &AcquisitionQuotaExpireSoon{Header: acqHdr(1689171577, "quota_expire_soon"), ExpireTime: 1690819200, ExpireQuotaNum: 100},
	"acq_open_profile.xml":      &AcquisitionProfileOpened{Header: acqHdr(1689171577, "open_profile"), LinkID: "cawcdea7783d7330b4", State: "STATE"},
	"acq_friend_request.xml":    &AcquisitionFriendRequest{Header: acqHdr(1689171577, "friend_request"), LinkID: "cawcdea7783d7330b4", State: "STATE"},
	"acq_customer_start_chat.xml": &AcquisitionChatStarted{Header: acqHdr(1403610513, "customer_start_chat"),
		UserID: "zhangsan", ExternalUserID: "woAJ2GCAAAXtWyujaWJHDDGi0mAAAA", LinkID: "cawcdea7783d7330c6"},
	"acq_message_from_customer.xml": &AcquisitionCustomerMessage{Header: acqHdr(1403610513, "message_from_customer"),
		UserID: "zhangsan", ExternalUserID: "woAJ2GCAAAXtWyujaWJHDDGi0mAAAA", LinkID: "cawcdea7783d7330c6", ChatSeq: 3, ChatKey: "CHATKEY"},

	"license_pay_success.xml": &LicensePaySuccess{Header: providerHdr("xxxx", "license_pay_success", 1403610513, "yyyy"), OrderID: "zzzz", BuyerUserID: "USERID"},
	"license_refund.xml":      &LicenseRefund{Header: providerHdr("xxxx", "license_refund", 1403610513, "yyyy"), OrderID: "zzzz", OrderStatus: RefundSucceeded},
	"auto_activate.xml": &LicenseAutoActivated{Header: providerHdr("aaaa", "auto_activate", 1403610513, "bbbb"), Scene: 1, Accounts: []AutoActivatedAccount{
		{ActiveCode: "XXXX", Type: 1, ExpireTime: 1700000000, UserID: "USERID", PreviousStatus: 1, PreviousActiveCode: "YYYY"},
		{ActiveCode: "ZZZZ", Type: 2, ExpireTime: 1700000001, UserID: "USER2", PreviousStatus: 3}}},
	"unlicensed_notify.xml": &UnlicensedNotify{Header: appHdr("toUser", "FromUser", 1408091189, "event", "unlicensed_notify", 1)},
	"register_corp.xml": &RegisterCorp{Header: providerHdr("wwddddccc7775555aab", "register_corp", 1502682173, "wwddddccc7775555aaa"),
		RegisterCode: "pIKi3wRPNWCGF-pyP-YU5KWjDDD", ContactSync: ContactSync{AccessToken: "accesstoken000001", ExpiresIn: 1800},
		AdminUserID: "zhangshan", State: "state1", TemplateID: "tpl1test"},
	"enter_register_package.xml": &EnterRegisterPackage{Header: providerHdr("wwddddccc7775555aab", "enter_register_package", 1671632600, "wwddddccc7775555aaa"),
		UserID: "zhangshan", RegisterCode: "pIKi3wRPNWCGF-YU5KWjD", State: "state1", TemplateID: "tpl1test"},
	"unknown_changetype.xml": &Unknown{Header: changeHdr(corp1, 1732440041, "change_contact", "merge_user")},
	"unknown_msgtype.xml":    &Unknown{Header: msgHdr(corp1, "LiLei", 1732440042, "file", 42, 1000005)},
}

func TestParseEveryEventType(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/events/*.xml")
	if len(files) != len(parseCases) {
		t.Errorf("%d files, %d cases", len(files), len(parseCases))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, ok := parseCases[name]
			if !ok {
				t.Fatal("no expectation")
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Raw(), raw) {
				t.Error("Raw() differs from the input")
			}
			want.EventHeader().raw = got.EventHeader().raw
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %#v\nwant %#v", got, want)
			}
		})
	}
}

// TestEveryRouteHasASample makes sure no registered type lacks a decode test.
func TestEveryRouteHasASample(t *testing.T) {
	t.Parallel()
	covered := map[reflect.Type]bool{}
	for _, ev := range parseCases {
		covered[reflect.TypeOf(ev)] = true
	}
	for k, mk := range routes {
		if typ := reflect.TypeOf(mk()); !covered[typ] {
			t.Errorf("%v (%v) has no sample in testdata/events", typ, k)
		}
	}
}

func TestParseKindTimeLookup(t *testing.T) {
	t.Parallel()
	ev, err := Parse(readTestdata(t, "events/batch_job_result.xml"))
	if err != nil {
		t.Fatal(err)
	}
	h := ev.EventHeader()
	if ev.Kind() != "event:batch_job_result" || h.IsISV() || !h.Time().Equal(time.Unix(1700000000, 0)) {
		t.Fatalf("kind %q isv %v time %v", ev.Kind(), h.IsISV(), h.Time())
	}
	if v, ok := h.Lookup("BatchJob>JobId"); !ok || v != "job-4711" {
		t.Fatalf("Lookup = %q %v", v, ok)
	}
	if _, ok := h.Lookup("BatchJob>Nope"); ok {
		t.Fatal("Lookup found a missing element")
	}
	ev, _ = Parse(readTestdata(t, "events/isv_create_user.xml"))
	if ev.Kind() != "info:change_contact:create_user" || !ev.EventHeader().IsISV() || ev.EventHeader().Time().Unix() != 1403610513 {
		t.Fatalf("isv kind %q", ev.Kind())
	}
	if dep, _ := ev.EventHeader().Lookup("Department"); dep != "1,2,3" {
		t.Fatalf("raw Department %q", dep)
	}
	ev, _ = Parse(readTestdata(t, "events/text.xml"))
	if ev.Kind() != "text" {
		t.Fatal(ev.Kind())
	}
	if v, _ := ev.EventHeader().Lookup("Nope"); v != "" {
		t.Fatal(v)
	}
	if (&Header{}).Time() != (time.Time{}) {
		t.Fatal("zero header time")
	}
}

func TestParseTolerance(t *testing.T) {
	t.Parallel()
	// Content is kept verbatim, entities decoded, CRLF normalised; identifiers trimmed; a bad
	// number leaves the field zero without failing the decode.
	in := "<?xml version=\"1.0\"?>\r\n<!-- c --><xml>\r\n<ToUserName> <![CDATA[ww1]]> </ToUserName>" +
		"<FromUserName>a&amp;b</FromUserName><CreateTime>notanumber</CreateTime>" +
		"<MsgType>\n  <![CDATA[text]]>\n</MsgType><Content><![CDATA[ line1\r\nline2 ]]> &lt;x&gt;</Content>" +
		"<MsgId><![CDATA[9223372036854775807]]></MsgId><AgentID><![CDATA[]]></AgentID><Unknown a='1'/></xml>trailing"
	ev, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := ev.(*TextMessage)
	if !ok {
		t.Fatalf("%T", ev)
	}
	if m.ToUserName != "ww1" || m.FromUserName != "a&b" || m.CreateTime != 0 || m.MsgID != 9223372036854775807 || m.AgentID != 0 {
		t.Fatalf("%+v", m.Header)
	}
	if m.Content != " line1\nline2  <x>" {
		t.Fatalf("content %q", m.Content)
	}
}

func TestParseBadInput(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "   ", "hello", "<xml>", "<xml><a></b></xml>", "<xml><a>&bogus;</a></xml>", "<!DOCTYPE x><xml/>", "<xml><![CDATA[x</xml>", "<", "<xml a='1></xml>"} {
		ev, err := Parse([]byte(in))
		if !errors.Is(err, ErrParseXML) || ev != nil {
			t.Errorf("%q: %v, %v", in, ev, err)
		}
	}
	deep := strings.Repeat("<a>", xmlscan.MaxDepth+1) + strings.Repeat("</a>", xmlscan.MaxDepth+1)
	if _, err := Parse([]byte(deep)); !errors.Is(err, ErrParseXML) {
		t.Errorf("deep nesting: %v", err)
	}
	// A self-closing root is XML: it decodes to Unknown with an empty header.
	ev, err := Parse([]byte("<xml/>"))
	if _, ok := ev.(*Unknown); err != nil || !ok {
		t.Errorf("<xml/>: %T %v", ev, err)
	}
}

// TestEncodingXMLReadsTheSameFields: the event structs' xml tags are for programs that use
// encoding/xml. For every documented sample, xml.Unmarshal succeeds and agrees with Parse on
// every field it reads (strings trimmed as Parse trims them); only a field with alternative
// spellings may be left zero when the sample uses a spelling other than the first.
func TestEncodingXMLReadsTheSameFields(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/events/*.xml")
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		std := reflect.New(reflect.TypeOf(ev).Elem())
		if err := xml.Unmarshal(raw, std.Interface()); err != nil {
			t.Errorf("%s: xml.Unmarshal: %v", filepath.Base(f), err)
			continue
		}
		sameXMLFields(t, filepath.Base(f), reflect.ValueOf(ev).Elem(), std.Elem())
	}
}

func sameXMLFields(t *testing.T, path string, parsed, std reflect.Value) {
	t.Helper()
	for i := range parsed.NumField() {
		f := parsed.Type().Field(i)
		wtag, xtag := f.Tag.Get("wecom"), f.Tag.Get("xml")
		switch {
		case !f.IsExported():
		case f.Anonymous && wtag == "":
			sameXMLFields(t, path, parsed.Field(i), std.Field(i))
		case xtag == "-" || xtag == "":
		case strings.Contains(wtag, "|") && std.Field(i).IsZero():
		default:
			sameXMLValue(t, path+"."+f.Name, parsed.Field(i), std.Field(i), strings.HasSuffix(wtag, ",raw"))
		}
	}
}

func sameXMLValue(t *testing.T, path string, parsed, std reflect.Value, raw bool) {
	t.Helper()
	switch parsed.Kind() {
	case reflect.Struct:
		sameXMLFields(t, path, parsed, std)
	case reflect.Slice:
		if parsed.Len() != std.Len() {
			t.Errorf("%s: Parse %v, encoding/xml %v", path, parsed, std)
			return
		}
		for j := range parsed.Len() {
			sameXMLValue(t, path, parsed.Index(j), std.Index(j), raw)
		}
	case reflect.String:
		if s := std.String(); parsed.String() != s && (raw || parsed.String() != strings.TrimSpace(s)) {
			t.Errorf("%s: Parse %q, encoding/xml %q", path, parsed, s)
		}
	default:
		if !parsed.Equal(std) {
			t.Errorf("%s: Parse %v, encoding/xml %v", path, parsed, std)
		}
	}
}
