package wecomtest

// The IP endpoints answer loopback addresses: the simulator is only ever reached locally.

func (s *Server) ipRoutes() []route {
	return []route{
		{get, "/cgi-bin/getcallbackip", TokenCorp, s.callbackIPs},
		{get, "/cgi-bin/get_api_domain_ip", TokenCorp, s.callbackIPs},
		{get, "/cgi-bin/security/get_server_domain_ip", TokenCorp, s.serverDomainIPs},
	}
}

func (s *Server) callbackIPs(*Call) (any, error) {
	return J{"ip_list": []string{"127.0.0.1", "127.0.0.2"}}, nil
}

func (s *Server) serverDomainIPs(*Call) (any, error) {
	return J{
		"domain_list": []J{{"domain": "work.weixin.qq.com", "universal_domian": "*.work.weixin.qq.com", "protocol": "TCP", "port": []int{443}, "is_necessary": 1, "description": "WeCom client"}},
		"ip_list":     []J{{"ip": "127.0.0.1", "protocol": "TCP", "port": []int{443, 8080}, "is_necessary": 1, "description": "loopback"}},
	}, nil
}
