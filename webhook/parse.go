package webhook

import (
	"strings"

	"github.com/wecom-connector/wecom/internal/xmlscan"
)

// Parse decodes a plaintext callback into its typed event (a pointer to a struct);
// unknown kinds come back as *Unknown holding the raw XML, never an error.
// 解析回调明文
//
// Routing follows the docs: InfoType (ISV command callbacks), else Event when MsgType is
// "event", else MsgType; ChangeType selects the variant of change events. An error (wrapping
// ErrParseXML) means the plaintext is not well-formed XML (encoding/xml would refuse it too);
// no partial event is returned then.
func Parse(plaintext []byte) (Event, error) {
	s := string(plaintext)
	t, ok := xmlscan.Scan(plaintext, s)
	if !ok {
		return nil, wrap(ErrParseXML, "plaintext is not XML")
	}
	rk := routeKeyOf(&t)
	mk, ok := routes[rk]
	if !ok && rk.change != "" {
		rk.change = ""
		mk, ok = routes[rk]
	}
	var ev Event
	if ok {
		ev = mk()
	} else {
		ev = new(Unknown)
	}
	t.Decode(ev)
	ev.EventHeader().raw = &s
	return ev, nil
}

// routeKey selects an event type: family "msg", "event" or "info", then the name, then the
// ChangeType (empty when the type does not depend on it).
type routeKey struct {
	family, name, change string
}

func routeKeyOf(t *xmlscan.Tree) routeKey {
	get := func(name string) string {
		if n := t.Child(xmlscan.Root, name); n >= 0 {
			return strings.TrimSpace(t.Text(n))
		}
		return ""
	}
	if it := get("InfoType"); it != "" {
		return routeKey{"info", it, get("ChangeType")}
	}
	if mt := get("MsgType"); mt != "event" {
		return routeKey{"msg", mt, ""}
	}
	return routeKey{"event", get("Event"), get("ChangeType")}
}

// routes maps every typed callback to a constructor. ISV forms of the change events
// (InfoType=change_contact, …) reuse the corp forms' types.
var routes = map[routeKey]func() Event{}

func route[E any, P interface {
	*E
	Event
}](family, name, change string) {
	routes[routeKey{family, name, change}] = func() Event { return P(new(E)) }
	if family == "event" && change != "" && strings.HasPrefix(name, "change_") && name != "change_chain" {
		routes[routeKey{"info", name, change}] = routes[routeKey{family, name, change}]
	}
}
