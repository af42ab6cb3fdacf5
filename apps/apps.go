// Package apps manages WeCom (企业微信) apps (应用管理): agents, menus and the workbench tile, the
// platform's IP lists, apps shared with downstream corps (上下游共享应用), third-party (ISV,
// 第三方应用 / 代开发) authorisation, and member OAuth login (网页授权 / 扫码登录).
//
// Each kind of token has its own service, so a call cannot reach WeCom with the wrong one:
//
//   - [New] on a corp client (client.CorpApp, Client.Downstream, Client.AuthCorp): agents, menus,
//     workbench, IP lists, shared-app lists, the app's admins, auth/getuserinfo;
//   - [NewSuite] on a client.Suite client: pre-auth codes, install links, permanent codes, auth
//     info, getuserinfo3rd;
//   - [NewProvider] on a client.Provider client: provider-level calls such as
//     [ProviderService.CorpIDToOpenCorpID] and [ProviderService.GetLoginInfo].
//
// NewSuite and NewProvider refuse a client of another kind with an error matching
// client.ErrWrongKind; a [Service] built on one fails every call with that error before sending.
//
// Browser URLs (OAuth authorize, web login, app install) are built here too, with a state value
// generated, remembered in the client's store and checked once on the way back.
package apps

import (
	"fmt"
	"io"

	"github.com/wecom-connector/wecom/client"
)

// Service calls the apps APIs that take a corp access_token.
type Service struct{ c *client.Client }

// New returns the apps service on c, a corp client. On a suite, provider or robot client every
// call fails with client.ErrWrongKind before anything is sent.
func New(c *client.Client) *Service {
	c, _ = c.Require(client.KindCorp)
	return &Service{c: c}
}

// Format prints the service and its client's credential tag whatever the verb: fmt would
// otherwise dump the unexported *client.Client field, secret included, for %s and %q.
func (s *Service) Format(f fmt.State, _ rune) { io.WriteString(f, "apps.Service("+s.c.String()+")") }
