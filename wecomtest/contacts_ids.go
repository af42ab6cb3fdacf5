package wecomtest

import (
	"encoding/base64"
	"strings"

	"github.com/wecom-connector/wecom/client"
)

func (s *Server) idRoutes() []route {
	return []route{
		{post, "/cgi-bin/user/convert_to_openid", TokenCorp, s.userToOpenID},
		{post, "/cgi-bin/user/convert_to_userid", TokenCorp, s.openIDToUser},
		{post, "/cgi-bin/user/getuserid", TokenCorp, s.userIDByMobile},
		{post, "/cgi-bin/user/get_userid_by_email", TokenCorp, s.userIDByEmail},
	}
}

// The openid of a member is derived from its userid, so it needs no storage.
const openIDPrefix = "oSim"

func (s *Server) userToOpenID(c *Call) (any, error) {
	in, err := decode[struct {
		UserID string `json:"userid"`
	}](c)
	if err != nil {
		return nil, err
	}
	u, err := s.callBook(c).user(in.UserID)
	if err != nil {
		return nil, err
	}
	if u.Status != 1 {
		return nil, errc(client.CodeUserNotBoundToWeChat, "user not bound to wechat")
	}
	return J{"openid": openIDPrefix + base64.RawURLEncoding.EncodeToString([]byte(strings.ToLower(u.ID)))}, nil
}

func (s *Server) openIDToUser(c *Call) (any, error) {
	in, err := decode[struct {
		OpenID string `json:"openid"`
	}](c)
	if err != nil {
		return nil, err
	}
	rest, ok := strings.CutPrefix(in.OpenID, openIDPrefix)
	id, err := base64.RawURLEncoding.DecodeString(rest)
	if !ok || err != nil {
		return nil, errc(client.CodeInvalidOpenID, "invalid openid")
	}
	u := s.callBook(c).users[string(id)]
	if u == nil {
		return nil, errc(client.CodeUserNotFound, "user not found")
	}
	return J{"userid": u.ID}, nil
}

func (s *Server) userIDByMobile(c *Call) (any, error) {
	in, err := decode[struct {
		Mobile string `json:"mobile"`
	}](c)
	if err != nil {
		return nil, err
	}
	return s.findUser(c, "mobile", in.Mobile, client.CodeUserNotFound, func(u *simUser) bool { return u.Mobile == in.Mobile })
}

func (s *Server) userIDByEmail(c *Call) (any, error) {
	in, err := decode[struct {
		Email string `json:"email"`
	}](c)
	if err != nil {
		return nil, err
	}
	// 60147 has no client constant: the spec lists it in prose, not in an errcode table.
	return s.findUser(c, "email", in.Email, 60147, func(u *simUser) bool { return u.Email == in.Email || u.BizMail == in.Email })
}

// findUser answers the first member match accepts, or notFound.
func (s *Server) findUser(c *Call, field, v string, notFound int, match func(*simUser) bool) (any, error) {
	if v == "" {
		return nil, errc(client.CodeInvalidParameter, field+" missing")
	}
	for _, u := range s.callBook(c).sortedUsers() {
		if match(u) {
			return J{"userid": u.ID}, nil
		}
	}
	return nil, errc(notFound, field+" not found")
}
