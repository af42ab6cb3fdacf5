package wecomtest

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
)

// The kf account list is POST with a JSON body today; very old revisions of the doc described a
// GET, which clients still send, so both forms are accepted (offset and limit in the query).
func (s *Server) kfAccountRoutes() []route {
	return []route{
		{post, "/cgi-bin/kf/account/add", TokenCorp, s.kfAccountAdd},
		{post, "/cgi-bin/kf/account/del", TokenCorp, s.kfAccountDel},
		{post, "/cgi-bin/kf/account/update", TokenCorp, s.kfAccountUpdate},
		{"", "/cgi-bin/kf/account/list", TokenCorp, s.kfAccountList},
		{post, "/cgi-bin/kf/add_contact_way", TokenCorp, s.kfContactWay},
	}
}

func (s *Server) kfAccountAdd(c *Call) (any, error) {
	in, err := decode[struct {
		Name    string `json:"name"`
		MediaID string `json:"media_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 16 {
		return nil, errc(client.CodeInvalidAccountName, "invalid kf name")
	}
	if in.MediaID == "" {
		return nil, errc(client.CodeInvalidMediaID, "invalid media_id")
	}
	return J{"open_kfid": s.kfNewAccount(c.Token.CorpID, in.Name, in.MediaID).openKfID}, nil
}

func (s *Server) kfAccountDel(c *Call) (any, error) {
	in, err := decode[struct {
		OpenKfID string `json:"open_kfid"`
	}](c)
	if err != nil {
		return nil, err
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	delete(s.kf.accounts, a.openKfID)
	for i, id := range s.kf.order {
		if id == a.openKfID {
			s.kf.order = append(s.kf.order[:i:i], s.kf.order[i+1:]...)
			break
		}
	}
	return J{}, nil
}

func (s *Server) kfAccountUpdate(c *Call) (any, error) {
	in, err := decode[struct {
		OpenKfID string  `json:"open_kfid"`
		Name     *string `json:"name"`
		MediaID  *string `json:"media_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	if in.Name != nil {
		if *in.Name == "" || utf8.RuneCountInString(*in.Name) > 16 {
			return nil, errc(client.CodeInvalidAccountName, "invalid kf name")
		}
		a.name = *in.Name
	}
	if in.MediaID != nil {
		if *in.MediaID == "" {
			return nil, errc(client.CodeInvalidMediaID, "invalid media_id")
		}
		a.mediaID = *in.MediaID
	}
	return J{}, nil
}

func (s *Server) kfAccountList(c *Call) (any, error) {
	var in struct {
		Offset int `json:"offset"`
		Limit  int `json:"limit"`
	}
	switch {
	case c.R.Method == http.MethodGet:
		off, errO := strconv.Atoi(cmp.Or(c.Query("offset"), "0"))
		lim, errL := strconv.Atoi(cmp.Or(c.Query("limit"), "0"))
		if errO != nil || errL != nil {
			return nil, errc(client.CodeInvalidParameter, "invalid offset or limit")
		}
		in.Offset, in.Limit = off, lim
	case len(bytes.TrimSpace(c.Body)) > 0:
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
	}
	if in.Limit == 0 {
		in.Limit = 100
	}
	if in.Limit < 0 || in.Limit > 100 || in.Offset < 0 {
		return nil, errc(client.CodeInvalidParameter, "invalid offset or limit")
	}
	list := []J{}
	n := 0
	for _, id := range s.kf.order {
		a := s.kf.accounts[id]
		if a.corpID != c.Token.CorpID {
			continue
		}
		if n >= in.Offset && len(list) < in.Limit {
			list = append(list, J{"open_kfid": id, "name": a.name, "avatar": "https://wework.qpic.cn/wwhead/sim/" + a.mediaID, "manage_privilege": true})
		}
		n++
	}
	return J{"account_list": list}, nil
}

var kfSceneRe = regexp.MustCompile(`^[0-9a-zA-Z_-]{1,32}$`)

func (s *Server) kfContactWay(c *Call) (any, error) {
	in, err := decode[struct {
		OpenKfID string `json:"open_kfid"`
		Scene    string `json:"scene"`
	}](c)
	if err != nil {
		return nil, err
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	if in.Scene != "" && !kfSceneRe.MatchString(in.Scene) {
		return nil, errc(client.CodeInvalidParameter, "invalid scene")
	}
	u := "https://work.weixin.qq.com/kf/kfc" + strings.TrimPrefix(a.openKfID, "wkSIM")
	if in.Scene != "" {
		u += "?enc_scene=ENC" + base64.RawURLEncoding.EncodeToString([]byte(in.Scene))
	}
	return J{"url": u}, nil
}
