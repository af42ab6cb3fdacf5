package wecomtest

import "github.com/wecom-connector/wecom/client"

func (s *Server) kfCustomerRoutes() []route {
	return []route{{post, "/cgi-bin/kf/customer/batchget", TokenCorp, s.kfCustomerBatchGet}}
}

func (s *Server) kfCustomerBatchGet(c *Call) (any, error) {
	in, err := decode[struct {
		IDs  []string `json:"external_userid_list"`
		Need int      `json:"need_enter_session_context"`
	}](c)
	if err != nil {
		return nil, err
	}
	if len(in.IDs) == 0 || len(in.IDs) > 100 {
		return nil, errc(client.CodeInvalidParameter, "external_userid_list size must be 1-100")
	}
	now := s.kf.now()
	list, invalid := []J{}, []string{}
	for _, id := range in.IDs {
		p := s.kf.customers[id]
		if p == nil || p.lastSeen.IsZero() || now.Sub(p.lastSeen) > kfWindow {
			invalid = append(invalid, id)
			continue
		}
		e := J{"external_userid": id, "nickname": p.nickname, "avatar": p.avatar, "gender": p.gender}
		if p.unionID != "" {
			e["unionid"] = p.unionID
		}
		if in.Need == 1 {
			e["enter_session_context"] = J{"scene": p.scene, "scene_param": p.sceneParam}
		}
		list = append(list, e)
	}
	return J{"customer_list": list, "invalid_external_userid": invalid}, nil
}
