package wecomtest

import (
	"time"

	"github.com/wecom-connector/wecom/client"
)

func (s *Server) kfStatRoutes() []route {
	return []route{
		{post, "/cgi-bin/kf/get_corp_statistic", TokenCorp, s.kfCorpStatistic},
		{post, "/cgi-bin/kf/get_servicer_statistic", TokenCorp, s.kfServicerStatistic},
		{get, "/cgi-bin/kf/get_corp_qualification", TokenCorp, s.kfQualification},
	}
}

func (s *Server) kfCorpStatistic(c *Call) (any, error) { return s.kfStatistic(c, false) }

func (s *Server) kfServicerStatistic(c *Call) (any, error) { return s.kfStatistic(c, true) }

func (s *Server) kfQualification(*Call) (any, error) { return J{"wechat_channels_binding": false}, nil }

var kfChina = time.FixedZone("CST", 8*3600)

func (s *Server) kfStatistic(c *Call, servicer bool) (any, error) {
	in, err := decode[struct {
		OpenKfID string `json:"open_kfid"`
		Servicer string `json:"servicer_userid"`
		Start    int64  `json:"start_time"`
		End      int64  `json:"end_time"`
	}](c)
	if err != nil {
		return nil, err
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	day := func(t int64) time.Time {
		y, m, d := time.Unix(t, 0).In(kfChina).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, kfChina)
	}
	start, end := day(in.Start), day(in.End)
	today := day(s.kf.now().Unix())
	switch {
	case in.Start <= 0 || in.End <= 0 || end.Before(start):
		return nil, errc(client.CodeInvalidParameter, "invalid start_time or end_time")
	case end.Sub(start) > 30*24*time.Hour:
		return nil, errc(client.CodeInvalidParameter, "time range exceeds 31 days")
	case !end.Before(today) || today.Sub(start) > 180*24*time.Hour:
		return nil, errc(client.CodeInvalidParameter, "time range must be within the last 180 days, yesterday at the latest")
	}
	list := []J{}
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		msgs, customers := 0, map[string]bool{}
		for _, m := range a.msgs {
			if m.origin == 3 && !m.at.Before(d) && m.at.Before(d.AddDate(0, 0, 1)) {
				msgs++
				customers[m.ext] = true
			}
		}
		e := J{"stat_time": d.Unix()}
		if msgs > 0 {
			st := J{"customer_cnt": len(customers), "customer_msg_cnt": msgs, "session_cnt": len(customers)}
			if servicer {
				st["reply_rate"] = 0
			}
			e["statistic"] = st
		}
		list = append(list, e)
	}
	return J{"statistic_list": list}, nil
}
