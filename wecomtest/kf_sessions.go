package wecomtest

import (
	"fmt"
	"time"

	"github.com/wecom-connector/wecom/client"
)

func (s *Server) kfSessionRoutes() []route {
	return []route{
		{post, "/cgi-bin/kf/service_state/get", TokenCorp, s.kfStateGet},
		{post, "/cgi-bin/kf/service_state/trans", TokenCorp, s.kfStateTrans},
	}
}

type kfConvParams struct {
	OpenKfID       string `json:"open_kfid"`
	ExternalUserID string `json:"external_userid"`
}

func (s *Server) kfConvOf(c *Call, in kfConvParams) (*kfAccount, *kfConv, error) {
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, nil, err
	}
	if in.ExternalUserID == "" {
		return nil, nil, errc(client.CodeInvalidParameter, "external_userid missing")
	}
	return a, a.conv(in.ExternalUserID), nil
}

func (s *Server) kfStateGet(c *Call) (any, error) {
	in, err := decode[kfConvParams](c)
	if err != nil {
		return nil, err
	}
	_, conv, err := s.kfConvOf(c, in)
	if err != nil {
		return nil, err
	}
	out := J{"service_state": conv.state}
	if conv.state == 3 {
		out["servicer_userid"] = conv.servicer
	}
	return out, nil
}

func (s *Server) kfStateTrans(c *Call) (any, error) {
	in, err := decode[struct {
		kfConvParams
		State    *int   `json:"service_state"`
		Servicer string `json:"servicer_userid"`
	}](c)
	if err != nil {
		return nil, err
	}
	a, conv, err := s.kfConvOf(c, in.kfConvParams)
	if err != nil {
		return nil, err
	}
	if in.State == nil || *in.State < 0 || *in.State > 4 {
		return nil, errc(client.CodeInvalidParameter, "invalid service_state")
	}
	to := *in.State
	if !s.kf.allowed[[2]int{conv.state, to}] {
		return nil, errc(client.CodeTransitionNotAllowed, fmt.Sprintf("service state transition %d -> %d not allowed", conv.state, to))
	}
	if to == 3 {
		if in.Servicer == "" {
			return nil, errc(client.CodeInvalidParameter, "servicer_userid missing")
		}
		sv := a.servicers[in.Servicer]
		if sv == nil {
			return nil, errc(client.CodeNotServicer, "user is not servicer")
		}
		if sv.status != 0 {
			return nil, errc(client.CodeServicerNotReceiving, "servicer stopped or suspended")
		}
	}
	now := s.kf.now()
	var code string
	issue := func(ttl time.Duration) {
		code = s.kf.next("MSGCODE_")
		s.kf.codes[code] = &kfCode{openKfID: a.openKfID, ext: in.ExternalUserID, state: to, expiry: now.Add(ttl)}
	}
	switch {
	case to == 2 && conv.state != 2 && !conv.queuedCode:
		conv.queuedCode = true
		issue(kfPromptTTL)
	case to == 3 && conv.state != 3 && !conv.humanCode:
		conv.humanCode = true
		issue(kfPromptTTL)
	case to == 4:
		issue(kfEndTTL)
	}
	conv.state = to
	conv.servicer = ""
	if to == 3 {
		conv.servicer = in.Servicer
	}
	out := J{}
	if code != "" {
		out["msg_code"] = code
	}
	return out, nil
}
