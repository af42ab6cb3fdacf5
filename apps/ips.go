package apps

import (
	"context"
	"net/http"
)

// GetCallbackIPs lists the addresses (IPv4 or CIDR ranges) WeCom sends callbacks from.
// 获取企业微信回调IP段
//
// Use it for an optional allow-list on the callback receiver; it changes over time, so refresh
// it daily. The signature check stays the real authentication.
//
// https://developer.work.weixin.qq.com/document/path/90930
//
//wecom:api GET /cgi-bin/getcallbackip
func (s *Service) GetCallbackIPs(ctx context.Context) ([]string, error) {
	return s.ipList(ctx, "/cgi-bin/getcallbackip")
}

// GetAPIDomainIPs lists the addresses behind the API domain, for outbound firewall rules.
// 获取企业微信接口IP段
//
// https://developer.work.weixin.qq.com/document/path/92520
//
//wecom:api GET /cgi-bin/get_api_domain_ip
func (s *Service) GetAPIDomainIPs(ctx context.Context) ([]string, error) {
	return s.ipList(ctx, "/cgi-bin/get_api_domain_ip")
}

func (s *Service) ipList(ctx context.Context, path string) ([]string, error) {
	var out struct {
		IPList []string `json:"ip_list"`
	}
	if err := s.c.Do(ctx, http.MethodGet, path, nil, nil, &out); err != nil {
		return nil, err
	}
	return out.IPList, nil
}
