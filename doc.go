// Package wecom is a Go SDK for building connectors on WeCom (企业微信): upstream/downstream
// partner networks (上下游), address books, app messages and group robots, apps shared with
// partner corps, third-party (ISV, 服务商) suites, WeChat Customer Service (微信客服) and the
// encrypted callbacks (回调) the platform sends back.
//
// This root package holds documentation only. The work is done by:
//
//	client           the one authenticated Client: tokens (cached, shared through a Store,
//	                 refreshed once), the single request path Do, typed errors, retries,
//	                 rate limiting, redacted logging, a Fleet of authorised corps, JS-SDK tickets
//	store            the Store interface (tokens, tickets, cursors, dedupe keys) + in-memory store
//	contacts         users, departments, tags, batch jobs, exports, upstream/downstream chains,
//	                 linked corps, and customer contact (客户联系): customers, contact and join
//	                 ways, acquisition links, mass messages, moments, handovers, rule groups,
//	                 statistics
//	messages         app messages of every msgtype and template cards, app chats, media,
//	                 group robots (群机器人)
//	apps             agents, menus, workbench, app sharing, OAuth login; ISV suite
//	                 authorisation, interface licences, open IDs, register codes
//	customerservice  微信客服: accounts, servicers, sessions, message sync and send, customers
//	jssdk            wx.config / wx.agentConfig signatures for H5 pages
//	broadcast        a resumable fan-out job (a notice to thousands of corps) whose progress
//	                 lives in the Store
//	webhook          callback crypto, URL verification, typed events, passive replies, Handler
//	wecomtest        a stateful fake WeCom server for tests and the examples
//	redisstore       store.Store on Redis for fleets of processes (its own module)
//
// Quick start:
//
//	c, err := client.New(client.CorpApp{CorpID: "ww…", Secret: os.Getenv("WECOM_SECRET")})
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer c.Close()
//	u, err := contacts.New(c).GetUser(ctx, "zhangsan")
//	var apiErr *client.APIError
//	switch {
//	case errors.As(err, &apiErr):
//		log.Printf("WeCom said %d on %s", apiErr.Code, apiErr.Path) // typed, e.g. 60111 no such member
//	case err != nil:
//		log.Fatal(err)
//	default:
//		log.Println(u.Name)
//	}
//
// Every endpoint has a typed method in its service package (contacts.New(c), messages.New(c),
// apps.New(c), customerservice.New(c); apps.NewSuite and apps.NewProvider for ISV tokens).
// client.(*Client).Do is the one request path beneath them, for an endpoint not wrapped yet.
package wecom
