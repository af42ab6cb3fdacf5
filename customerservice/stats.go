package customerservice

import (
	"context"
	"net/http"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// StatisticsParams selects days of statistics: the closed range [Start, End] of days (each
// rounded down to 00:00 China time by the platform), at most 31 days, within the last 180
// days, yesterday at the latest. ServicerUserID (servicer statistics only) narrows the figures
// to one member; empty aggregates the account.
type StatisticsParams struct {
	OpenKfID       string
	ServicerUserID string
	Start, End     time.Time
}

// maxStatDays bounds a statistics range.
const maxStatDays = 31

// chinaDay numbers the day of t in China time (UTC+8, no daylight saving), the days the
// platform rounds both ends of a range down to.
func chinaDay(t time.Time) int64 { return (t.Unix() + 8*3600) / 86400 }

func (p StatisticsParams) wire(servicer bool) (any, error) {
	if err := check.Required("open_kfid", p.OpenKfID); err != nil {
		return nil, err
	}
	if p.Start.IsZero() || chinaDay(p.End) < chinaDay(p.Start) {
		return nil, check.Invalid("start_time", "want Start ≤ End, both set")
	}
	if chinaDay(p.End)-chinaDay(p.Start) >= maxStatDays {
		return nil, check.Invalid("end_time", "range longer than %d days", maxStatDays)
	}
	if !servicer && p.ServicerUserID != "" {
		return nil, check.Invalid("servicer_userid", "only for servicer statistics")
	}
	return struct {
		OpenKfID string `json:"open_kfid"`
		Servicer string `json:"servicer_userid,omitempty"`
		Start    int64  `json:"start_time"`
		End      int64  `json:"end_time"`
	}{p.OpenKfID, p.ServicerUserID, p.Start.Unix(), p.End.Unix()}, nil
}

// CorpStatistic is one day of an account's figures. Statistic is nil for a day without data
// (or not computed yet); each metric is nil when the platform could not compute it.
type CorpStatistic struct {
	StatTime  int64        `json:"stat_time"` // 00:00 of the day, Unix seconds
	Statistic *CorpMetrics `json:"statistic"`
}

// CorpMetrics are the figures of one day of an account.
type CorpMetrics struct {
	SessionCnt                *int64   `json:"session_cnt"`
	CustomerCnt               *int64   `json:"customer_cnt"`
	CustomerMsgCnt            *int64   `json:"customer_msg_cnt"`
	UpgradeServiceCustomerCnt *int64   `json:"upgrade_service_customer_cnt"`
	AISessionReplyCnt         *int64   `json:"ai_session_reply_cnt"`
	AITransferRate            *float64 `json:"ai_transfer_rate"`
	AIKnowledgeHitRate        *float64 `json:"ai_knowledge_hit_rate"`
	MsgRejectedCustomerCnt    *int64   `json:"msg_rejected_customer_cnt"`
}

// CorpStatistics returns an account's daily figures (获取「客户数据统计」企业汇总数据).
// 获取「客户数据统计」企业汇总数据
//
// https://developer.work.weixin.qq.com/document/path/95489
//
//wecom:api POST /cgi-bin/kf/get_corp_statistic
func (s *Service) CorpStatistics(ctx context.Context, p StatisticsParams) ([]CorpStatistic, error) {
	in, err := p.wire(false)
	if err != nil {
		return nil, err
	}
	var out struct {
		List []CorpStatistic `json:"statistic_list"`
	}
	err = s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/get_corp_statistic", nil, client.Idempotent(in), &out)
	return out.List, err
}

// ServicerStatistic is one day of servicer figures; nil as in [CorpStatistic].
type ServicerStatistic struct {
	StatTime  int64            `json:"stat_time"`
	Statistic *ServicerMetrics `json:"statistic"`
}

// ServicerMetrics are the figures of one day of human service.
type ServicerMetrics struct {
	SessionCnt                         *int64   `json:"session_cnt"`
	CustomerCnt                        *int64   `json:"customer_cnt"`
	CustomerMsgCnt                     *int64   `json:"customer_msg_cnt"`
	ReplyRate                          *float64 `json:"reply_rate"`
	FirstReplyAverageSec               *float64 `json:"first_reply_average_sec"`
	SatisfactionInvestigateCnt         *int64   `json:"satisfaction_investgate_cnt"` // the vendor's spelling
	SatisfactionParticipationRate      *float64 `json:"satisfaction_participation_rate"`
	SatisfiedRate                      *float64 `json:"satisfied_rate"`
	MiddlingRate                       *float64 `json:"middling_rate"`
	DissatisfiedRate                   *float64 `json:"dissatisfied_rate"`
	UpgradeServiceCustomerCnt          *int64   `json:"upgrade_service_customer_cnt"`
	UpgradeServiceMemberInviteCnt      *int64   `json:"upgrade_service_member_invite_cnt"`
	UpgradeServiceMemberCustomerCnt    *int64   `json:"upgrade_service_member_customer_cnt"`
	UpgradeServiceGroupChatInviteCnt   *int64   `json:"upgrade_service_groupchat_invite_cnt"`
	UpgradeServiceGroupChatCustomerCnt *int64   `json:"upgrade_service_groupchat_customer_cnt"`
	MsgRejectedCustomerCnt             *int64   `json:"msg_rejected_customer_cnt"`
}

// ServicerStatistics returns daily figures of human service (获取「客户数据统计」接待人员明细数据).
// 获取「客户数据统计」接待人员明细数据
//
// https://developer.work.weixin.qq.com/document/path/95490
//
//wecom:api POST /cgi-bin/kf/get_servicer_statistic
func (s *Service) ServicerStatistics(ctx context.Context, p StatisticsParams) ([]ServicerStatistic, error) {
	in, err := p.wire(true)
	if err != nil {
		return nil, err
	}
	var out struct {
		List []ServicerStatistic `json:"statistic_list"`
	}
	err = s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/get_servicer_statistic", nil, client.Idempotent(in), &out)
	return out.List, err
}

// CorpQualification reports whether the corp has bound a WeChat Channels account
// (获取视频号绑定状态). The endpoint is gone from the current vendor page; whether it still
// answers is unverified.
// 获取视频号绑定状态
//
// https://developer.work.weixin.qq.com/document/path/95153
//
//wecom:api GET /cgi-bin/kf/get_corp_qualification
func (s *Service) CorpQualification(ctx context.Context) (bool, error) {
	var out struct {
		Bound bool `json:"wechat_channels_binding"`
	}
	err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/kf/get_corp_qualification", nil, nil, &out)
	return out.Bound, err
}
