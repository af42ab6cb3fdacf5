package wecomtest

import "github.com/wecom-connector/wecom/client"

func (s *Server) kfUpgradeRoutes() []route {
	return []route{
		{get, "/cgi-bin/kf/customer/get_upgrade_service_config", TokenCorp, s.kfUpgradeConfig},
		{post, "/cgi-bin/kf/customer/upgrade_service", TokenCorp, s.kfUpgrade},
		{post, "/cgi-bin/kf/customer/cancel_upgrade_service", TokenCorp, s.kfCancelUpgrade},
	}
}

func (s *Server) kfUpgradeConfig(*Call) (any, error) {
	u := s.kf.upgrade
	return J{
		"member_range":    J{"userid_list": append([]string{}, u.userIDs...), "department_id_list": []uint32{}},
		"groupchat_range": J{"chat_id_list": append([]string{}, u.chatIDs...)},
	}, nil
}

func (s *Server) kfUpgrade(c *Call) (any, error) {
	in, err := decode[struct {
		kfConvParams
		Type   int `json:"type"`
		Member *struct {
			UserID  string `json:"userid"`
			Wording string `json:"wording"`
		} `json:"member"`
		GroupChat *struct {
			ChatID  string `json:"chat_id"`
			Wording string `json:"wording"`
		} `json:"groupchat"`
	}](c)
	if err != nil {
		return nil, err
	}
	a, _, err := s.kfConvOf(c, in.kfConvParams)
	if err != nil {
		return nil, err
	}
	contains := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	switch {
	case in.Type == 1 && in.Member != nil && in.Member.UserID != "":
		if !contains(s.kf.upgrade.userIDs, in.Member.UserID) {
			return nil, errc(client.CodeUpgradeNotConfigured, "member not configured for upgrade service")
		}
		a.recommend[in.ExternalUserID] = J{"type": 1, "userid": in.Member.UserID, "wording": in.Member.Wording}
	case in.Type == 2 && in.GroupChat != nil && in.GroupChat.ChatID != "":
		if !contains(s.kf.upgrade.chatIDs, in.GroupChat.ChatID) {
			return nil, errc(client.CodeUpgradeNotConfigured, "group chat not configured for upgrade service")
		}
		a.recommend[in.ExternalUserID] = J{"type": 2, "chat_id": in.GroupChat.ChatID, "wording": in.GroupChat.Wording}
	default:
		return nil, errc(client.CodeInvalidParameter, "invalid type or missing member/groupchat")
	}
	return J{}, nil
}

func (s *Server) kfCancelUpgrade(c *Call) (any, error) {
	in, err := decode[kfConvParams](c)
	if err != nil {
		return nil, err
	}
	a, _, err := s.kfConvOf(c, in)
	if err != nil {
		return nil, err
	}
	delete(a.recommend, in.ExternalUserID)
	return J{}, nil
}
