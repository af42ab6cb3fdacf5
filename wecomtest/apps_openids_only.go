package wecomtest

import (
	"bytes"
	"encoding/json"
	"strings"
)

// A third-party app sees only its provider's IDs (企业微信账号ID安全性全面升级): the corp token
// issued through a third-party suite (service/get_corp_token) sends and receives encrypted corp
// IDs (密文corpid), open_userids (密文userid) and the provider's external_userids (服务商主体).
// The handlers keep working on the corps' own IDs: [Server.run] translates a call of such a
// token on the way in (open → real) and its answer on the way out (real → open), by field name.
// 代开发 templates (Customized) keep the corps' own IDs here: their upgrade is per app and the
// migration calls (apps_openids_migration.go) model it. The ID-conversion and migration routes
// (openIDRoutes) are left alone: they take and answer both forms themselves.
//
// Inbound, an ID that is not one of the subject's open IDs of that corp passes as sent: an
// unknown or foreign open ID gets the handler's usual errcode, and a plain ID is (leniently)
// still understood. The answer echoes such IDs as sent (invaliduser "ghost" stays "ghost").

// openIDFields (with fieldOf) names the JSON fields, in request bodies, query parameters and
// answers at any depth, that hold IDs a third-party app sees encrypted, and their kind. A field
// holds one ID, a list of IDs, or ("|" lists) IDs joined by "|". A group chat member of type 2
// (a customer) has an external_userid in its userid. Customer tag IDs and kf IDs (open_kfid)
// are not translated: the simulator keeps them the same for every app.
var openIDFields = map[string]openIDField{
	// userids (→ open_userid)
	"userid":         {kind: oidUser},
	"userids":        {kind: oidUser},
	"userid_list":    {kind: oidUser},
	"user_list":      {kind: oidUser},
	"touser":         {kind: oidUser, pipe: true},
	"invaliduser":    {kind: oidUser, pipe: true},
	"unlicenseduser": {kind: oidUser, pipe: true},
	"owner":          {kind: oidUser},
	"sender":         {kind: oidUser},
	"creator":        {kind: oidUser},
	"leader":         {kind: oidUser},
	"admin_list":     {kind: oidUser},
	// corp IDs (→ 密文corpid)
	"corpid":      {kind: oidCorp},
	"auth_corpid": {kind: oidCorp},
	// customers (→ the provider's external_userid)
	"external_userid":      {kind: oidExternal},
	"external_userid_list": {kind: oidExternal},
}

// fieldOf is the entry of openIDFields for key k, or, for the many userid fields WeCom names
// "<role>_userid" or "<role>_userid_list" (oper_userid, buyer_userid, unlicensed_userid_list,
// …), a userid entry; open_userid (already open), external and pending IDs excepted.
func fieldOf(k string) (openIDField, bool) {
	if f, ok := openIDFields[k]; ok {
		return f, true
	}
	if (strings.HasSuffix(k, "_userid") || strings.HasSuffix(k, "_userid_list")) &&
		!strings.Contains(k, "open_userid") && !strings.Contains(k, "external") && !strings.Contains(k, "pending") {
		return openIDField{kind: oidUser}, true
	}
	return openIDField{}, false
}

type openIDField struct {
	kind string
	pipe bool // several IDs joined by "|"
}

// openOnlyCaller returns the open-ID subject of a corp token issued through a third-party
// suite, or "" when the token sees the corps' own IDs.
func (s *Server) openOnlyCaller(c *Call) string {
	t := c.Token
	if t == nil || t.Kind != TokenCorp {
		return ""
	}
	suite, ok := strings.CutPrefix(t.Secret, authSecret(""))
	if !ok || s.customizedSuite(suite) {
		return ""
	}
	return s.subjectOf(suite)
}

// openIDExempt are the routes that take and answer open IDs themselves.
func (s *Server) openIDExempt(path string) bool {
	o := s.oid()
	if o.exempt == nil {
		o.exempt = make(map[string]bool)
		for _, rt := range s.openIDRoutes() {
			o.exempt[rt.path] = true
		}
	}
	return o.exempt[path]
}

// idTranslator turns IDs between a corp's own and a subject's encrypted forms.
type idTranslator struct {
	s       *Server
	subject string
	corp    string
	toOpen  bool
	// sent holds the IDs the call sent that are not open IDs (unknown, or leniently plain):
	// the answer echoes them as sent (an invaliduser "ghost" stays "ghost").
	sent map[string]bool
}

func (x idTranslator) one(kind, id string) string {
	if id == "" || id == "@all" {
		return id
	}
	s := x.s
	if x.toOpen {
		if x.sent[strings.ToLower(id)] { // handlers may echo a userid lower-cased
			return id
		}
		if r, ok := s.oid().minted[id]; ok && r.kind == kind && r.subject == x.subject {
			return id // already open (a handler that answered it)
		}
		if kind == oidCorp {
			return s.openID(oidCorp, x.subject, id, id)
		}
		return s.openID(kind, x.subject, x.corp, id)
	}
	r, ok := s.oid().minted[id]
	if x.subject == "" { // any provider's: the lenient provider-token routes
		ok = ok && r.kind == kind
	} else {
		ok = ok && r.kind == kind && r.subject == x.subject && (kind == oidCorp || strings.EqualFold(r.corp, x.corp))
	}
	if !ok {
		x.sent[strings.ToLower(id)] = true
		return id // unknown: the handler answers its usual error
	}
	return r.real
}

func (x idTranslator) field(f openIDField, v any) (any, bool) {
	switch v := v.(type) {
	case string:
		var out string
		if f.pipe {
			parts := strings.Split(v, "|")
			for i, p := range parts {
				parts[i] = x.one(f.kind, p)
			}
			out = strings.Join(parts, "|")
		} else {
			out = x.one(f.kind, v)
		}
		return out, out != v
	case []any:
		changed := false
		for i, e := range v {
			if str, ok := e.(string); ok {
				if n := x.one(f.kind, str); n != str {
					v[i], changed = n, true
				}
			} else if n, ok := x.walk(e); ok {
				v[i], changed = n, true
			}
		}
		return v, changed
	}
	return x.walk(v)
}

// walk translates the named fields of a decoded JSON value in place.
func (x idTranslator) walk(v any) (any, bool) {
	changed := false
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			var n any
			var ok bool
			if f, named := fieldOf(k); named {
				if k == "userid" && groupCustomerMember(v) {
					f = openIDField{kind: oidExternal} // a group chat's customer member
				}
				n, ok = x.field(f, e)
			} else {
				n, ok = x.walk(e)
			}
			if ok {
				v[k], changed = n, true
			}
		}
	case []any:
		for i, e := range v {
			if n, ok := x.walk(e); ok {
				v[i], changed = n, true
			}
		}
	}
	return v, changed
}

// groupCustomerMember reports whether m is a group chat member of type 2 (a customer), whose
// userid is an external_userid.
func groupCustomerMember(m map[string]any) bool {
	n, ok := m["type"].(json.Number)
	_, chat := m["join_scene"]
	return ok && n == "2" && chat
}

func decodeNumbers(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

// providerOpenIDs reports whether a call is a provider-token call of the interface licences
// (接口调用许可), whose corpid and userid may be the encrypted ones the provider's apps got
// (激活码所属企业corpid, 加密userid): the simulator accepts those of any provider there, and
// answers the corps' own IDs.
func providerOpenIDs(c *Call) bool {
	return c.Token != nil && c.Token.Kind == TokenProvider && strings.HasPrefix(c.Path, "/cgi-bin/license/")
}

// realCorp turns an encrypted corp ID of any provider into the corp's own; other IDs pass. The
// exported test helpers taking a corp ID use it, so a test may pass the ID its app got.
func (s *Server) realCorp(id string) string {
	if r, ok := s.oid().minted[id]; ok && r.kind == oidCorp {
		return r.real
	}
	return id
}

// openIDsIn turns the open IDs of c's body and query into the corp's own (see openIDFields)
// and returns the IDs sent that were not open IDs.
func (s *Server) openIDsIn(c *Call, subject string) map[string]bool {
	x := idTranslator{s: s, subject: subject, corp: c.Token.CorpID, sent: map[string]bool{}}
	if v, err := decodeNumbers(c.Body); err == nil {
		if _, ok := v.(map[string]any); ok {
			if v, changed := x.walk(v); changed {
				if b, err := json.Marshal(v); err == nil {
					c.Body = b
				}
			}
		}
	}
	q := c.R.URL.Query()
	changed := false
	for k, vals := range q {
		f, named := fieldOf(k)
		if !named {
			continue
		}
		for i, v := range vals {
			if n, ok := x.field(f, v); ok {
				vals[i], changed = n.(string), true
			}
		}
	}
	if changed {
		r := c.R.Clone(c.R.Context())
		r.URL.RawQuery = q.Encode()
		c.R = r
	}
	return x.sent
}

// openIDsOut turns the corp's own IDs of an answer into subject's open IDs. Raw answers (tokens,
// files) pass untouched.
func (s *Server) openIDsOut(c *Call, subject string, sent map[string]bool, val any) (any, error) {
	if val == nil {
		return val, nil
	}
	if _, raw := val.(Raw); raw {
		return val, nil
	}
	b, err := json.Marshal(val)
	if err != nil {
		return nil, err
	}
	v, err := decodeNumbers(b)
	if err != nil {
		return nil, err
	}
	v, _ = idTranslator{s: s, subject: subject, corp: c.Token.CorpID, toOpen: true, sent: sent}.walk(v)
	return v, nil
}
