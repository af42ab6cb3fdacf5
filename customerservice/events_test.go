package customerservice_test

import (
	"testing"

	cs "github.com/wecom-connector/wecom/customerservice"
)

// TestDecodeEvents decodes every documented event type (spec §8) and an unknown one; the
// header takes open_kfid and external_userid from the event object.
func TestDecodeEvents(t *testing.T) {
	t.Parallel()
	checkDecoded(t, []decodeCase{
		{`{"msgid":"e1","send_time":1700000500,"origin":4,"msgtype":"event","event":{"event_type":"enter_session","open_kfid":"wkA","external_userid":"wmB","scene":"spring","scene_param":"order=88231&src=app","welcome_code":"W"}}`,
			func(m cs.Message) bool {
				v := m.(*cs.EnterSessionEvent)
				return v.OpenKfID == "wkA" && v.ExternalUserID == "wmB" && v.SceneParam == "order=88231&src=app" && v.WelcomeCode == "W"
			}},
		{`{"msgid":"e2","send_time":1,"origin":4,"msgtype":"event","event":{"event_type":"enter_session","open_kfid":"wkA","external_userid":"wmC","wechat_channels":{"shop_nickname":"S","scene":"4"}}}`,
			func(m cs.Message) bool {
				v := m.(*cs.EnterSessionEvent)
				return v.WechatChannels.Scene == 4 && v.WechatChannels.ShopNickname == "S"
			}},
		{`{"msgid":"e3","send_time":1,"origin":4,"msgtype":"event","event":{"event_type":"msg_send_fail","open_kfid":"wkA","external_userid":"wmB","fail_msgid":"r1","fail_type":10}}`,
			func(m cs.Message) bool {
				v := m.(*cs.MsgSendFailEvent)
				return v.FailType == cs.FailCustomerRefuses && v.FailMsgID == "r1"
			}},
		{`{"msgid":"e4","send_time":1,"origin":4,"msgtype":"event","event":{"event_type":"servicer_status_change","servicer_userid":"lisi","status":2,"stop_type":1,"open_kfid":"wkA"}}`,
			func(m cs.Message) bool {
				v := m.(*cs.ServicerStatusChangeEvent)
				return v.Status == cs.Stopped && v.StopType == cs.StopSuspended && v.ServicerUserID == "lisi" && v.OpenKfID == "wkA"
			}},
		{`{"msgid":"e5","send_time":1,"origin":4,"msgtype":"event","event":{"event_type":"session_status_change","open_kfid":"wkA","external_userid":"wmB","change_type":3,"old_servicer_userid":"zhangsan","msg_code":"END"}}`,
			func(m cs.Message) bool {
				v := m.(*cs.SessionStatusChangeEvent)
				return v.ChangeType == cs.SessionEnded && v.MsgCode == "END"
			}},
		{`{"msgid":"e6","send_time":1,"origin":4,"msgtype":"event","event":{"event_type":"user_recall_msg","open_kfid":"wkA","external_userid":"wmB","recall_msgid":"m1"}}`,
			func(m cs.Message) bool { return m.(*cs.UserRecallMsgEvent).RecallMsgID == "m1" }},
		{`{"msgid":"e7","send_time":1,"origin":4,"msgtype":"event","event":{"event_type":"servicer_recall_msg","open_kfid":"wkA","external_userid":"wmB","recall_msgid":"m2","servicer_userid":"zhangsan"}}`,
			func(m cs.Message) bool {
				v := m.(*cs.ServicerRecallMsgEvent)
				return v.RecallMsgID == "m2" && v.ServicerUserID == "zhangsan"
			}},
		{`{"msgid":"e8","send_time":1,"origin":4,"msgtype":"event","event":{"event_type":"reject_customer_msg_switch_change","servicer_userid":"lisi","open_kfid":"wkA","external_userid":"wmB","reject_switch":1}}`,
			func(m cs.Message) bool { return m.(*cs.RejectCustomerMsgSwitchEvent).RejectSwitch == 1 }},
		{`{"send_time":1,"origin":4,"msgtype":"event","event":{"event_type":"future_event","open_kfid":"wkA","x":1}}`,
			func(m cs.Message) bool {
				v := m.(*cs.UnknownEvent)
				return v.EventType == "future_event" && v.OpenKfID == "wkA"
			}},
	})
}
