// Package apps manages WeCom (企业微信) apps (应用管理): agents, menus and the workbench tile, the
// platform's IP lists, apps shared with downstream corps (上下游共享应用), third-party (ISV,
// 第三方应用 / 代开发) authorisation, and member OAuth login (网页授权 / 扫码登录).
//
// Which credential the [client.Client] given to [New] holds decides which calls make sense:
//
//   - a corp app (client.CorpApp), a downstream corp (Client.Downstream) or an authorised
//     corp of a suite (Client.AuthCorp): agents, menus, workbench, IP lists, shared-app
//     lists, auth/getuserinfo;
//   - a suite (client.Suite): pre-auth codes, permanent codes, auth info, getuserinfo3rd;
//   - a provider (client.Provider): provider-level calls such as [Service.CorpIDToOpenCorpID].
//
// Browser URLs (OAuth authorize, web login, app install) are built here too, with a state value
// generated, remembered in the client's store and checked once on the way back.
package apps

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// Service calls the apps APIs through one client.
type Service struct{ c *client.Client }

// Format prints the service and its client's credential tag whatever the verb: fmt would
// otherwise dump the unexported *client.Client field, secret included, for %s and %q.
func (s *Service) Format(f fmt.State, _ rune) { io.WriteString(f, "apps.Service("+s.c.String()+")") }

// New returns the apps service on c.
func New(c *client.Client) *Service { return &Service{c: c} }

// ValidationError is a request refused before sending because it breaks a documented WeCom
// limit (menu sizes, workbench items, page sizes, OAuth state, redirect URI).
type ValidationError = client.ValidationError

// ErrInvalidParams matches every [*ValidationError] with errors.Is.
var ErrInvalidParams = client.ErrInvalidParams

var invalid = check.Invalid

// Flag is a WeCom 0/1 switch. It decodes 0/1, "0"/"1" and true/false alike, since the platform
// uses all three for the same fields, and encodes as 0/1.
type Flag bool

// MarshalJSON encodes the flag as 0 or 1.
func (f Flag) MarshalJSON() ([]byte, error) {
	if f {
		return []byte("1"), nil
	}
	return []byte("0"), nil
}

// UnmarshalJSON accepts 0, 1, "0", "1", true, false and null.
func (f *Flag) UnmarshalJSON(b []byte) error {
	switch string(bytes.Trim(b, `"`)) {
	case "1", "true":
		*f = true
	case "0", "false", "null", "":
		*f = false
	default:
		return fmt.Errorf("apps: flag %s is not 0/1 or a boolean", b)
	}
	return nil
}

// flexInt decodes an integer sent as a JSON number or a string.
type flexInt int

// UnmarshalJSON accepts 7 and "7"; empty and null are 0.
func (n *flexInt) UnmarshalJSON(b []byte) error {
	t := string(bytes.Trim(b, `"`))
	if t == "" || t == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.Atoi(t)
	if err != nil {
		return fmt.Errorf("apps: %s is not an integer", b)
	}
	*n = flexInt(v)
	return nil
}
