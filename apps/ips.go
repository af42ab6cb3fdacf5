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

// ServerDomains are the domains and IPs the WeCom client needs to reach, for client-side
// network allow-lists: only self-built apps configured for it may call this.
type ServerDomains struct {
	Domains []ServerDomain `json:"domain_list"`
	IPs     []ServerIP     `json:"ip_list"`
}

// ServerDomain is one domain the WeCom client uses.
type ServerDomain struct {
	Domain          string `json:"domain"`
	UniversalDomain string `json:"universal_domian"` // sic: WeCom's spelling on the wire
	Protocol        string `json:"protocol"`
	Ports           []int  `json:"port"`
	Necessary       int    `json:"is_necessary"` // 1: required
	Description     string `json:"description"`
}

// ServerIP is one IP the WeCom client uses.
type ServerIP struct {
	IP          string `json:"ip"`
	Protocol    string `json:"protocol"`
	Ports       []int  `json:"port"`
	Necessary   int    `json:"is_necessary"` // 1: required
	Description string `json:"description"`
}

// GetServerDomainIPs lists the domains and IPs the WeCom client reaches, for a corp network's
// allow-list (企业微信域名IP信息).
// 获取企业微信域名IP信息
//
// Its doc page number is not in the spec this SDK follows; search the WeCom docs for the title.
//
//wecom:api GET /cgi-bin/security/get_server_domain_ip
func (s *Service) GetServerDomainIPs(ctx context.Context) (*ServerDomains, error) {
	var out ServerDomains
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/security/get_server_domain_ip", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
