package wecomtest

import (
	"encoding/json"
	"slices"

	"github.com/wecom-connector/wecom/client"
)

func (s *Server) menuRoutes() []route {
	return []route{
		{post, "/cgi-bin/menu/create", TokenCorp, s.menuCreate},
		{get, "/cgi-bin/menu/get", TokenCorp, s.menuGet},
		{get, "/cgi-bin/menu/delete", TokenCorp, s.menuDelete},
	}
}

type simButton struct {
	Type      string      `json:"type"`
	Name      string      `json:"name"`
	Key       string      `json:"key"`
	URL       string      `json:"url"`
	SubButton []simButton `json:"sub_button"`
}

var menuTypes = []string{"click", "view", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
	"pic_photo_or_album", "pic_weixin", "location_select", "view_miniprogram"}

// checkButton applies the menu/create limits (errcodes from doc 90231).
func checkButton(b simButton, sub bool) error {
	nameMax, typeErr, nameErr, keyErr, urlErr := 16, client.CodeInvalidMenuButtonType, client.CodeMenuButtonNameTooLong,
		client.CodeMenuButtonKeyTooLong, client.CodeMenuButtonURLTooLong
	if sub {
		// The sub-button codes have no client constants: the spec gives them only as a range.
		nameMax, typeErr, nameErr, keyErr, urlErr = 40, 40024, 40025, 40026, 40027
	}
	switch {
	case b.Name == "":
		return errc(client.CodeMissingMenuName, "menu name missing")
	case len(b.Name) > nameMax:
		return errc(nameErr, "invalid button name size")
	case len(b.Key) > 128:
		return errc(keyErr, "invalid button key size")
	case len(b.URL) > 1024:
		return errc(urlErr, "invalid button url size")
	case len(b.SubButton) > 0 && sub:
		return errc(client.CodeInvalidSubMenuDepth, "invalid sub button level")
	case len(b.SubButton) == 0 && !slices.Contains(menuTypes, b.Type):
		return errc(typeErr, "invalid button type")
	case len(b.SubButton) > 5:
		return errc(client.CodeInvalidSubMenuButtonCount, "invalid sub button size")
	}
	for _, sb := range b.SubButton {
		if err := checkButton(sb, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) menuCreate(c *Call) (any, error) {
	in, err := decode[struct {
		Button []simButton `json:"button"`
	}](c)
	if err != nil {
		return nil, err
	}
	a, err := s.tokenAgent(c, queryAgent(c))
	if err != nil {
		return nil, err
	}
	if a.thirdParty {
		return nil, errc(client.CodeAPIForbidden, "api forbidden for third-party apps")
	}
	if len(in.Button) < 1 || len(in.Button) > 3 {
		return nil, errc(client.CodeInvalidMenuButtonCount, "invalid button size")
	}
	for _, b := range in.Button {
		if err := checkButton(b, false); err != nil {
			return nil, err
		}
	}
	// The buttons are stored as sent: the checks above read every field in its documented type.
	raw, _ := decode[struct {
		Button json.RawMessage `json:"button"`
	}](c)
	a.menu = raw.Button
	return J{}, nil
}

func (s *Server) menuGet(c *Call) (any, error) {
	a, err := s.tokenAgent(c, queryAgent(c))
	if err != nil {
		return nil, err
	}
	if a.menu == nil {
		return nil, errc(client.CodeMenuNotSet, "menu no exist")
	}
	return J{"button": a.menu}, nil
}

func (s *Server) menuDelete(c *Call) (any, error) {
	a, err := s.tokenAgent(c, queryAgent(c))
	if err != nil {
		return nil, err
	}
	a.menu = nil
	return J{}, nil
}
