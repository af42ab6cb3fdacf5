package wecomtest

import (
	"slices"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// Welcome messages (欢迎语) sent with the code of a new customer relationship.

type simWelcome struct {
	userID, externalUserID string
	expires                time.Time
	used                   bool
}

// WelcomeCode issues a welcome code for a new relationship, as the add_external_contact
// callback carries: valid once, for 20 seconds.
func (s *Server) WelcomeCode(corpID, userID, externalUserID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := s.newID("wc")
	s.book(corpID).external.codes[code] = &simWelcome{userID: userID, externalUserID: externalUserID, expires: time.Now().Add(20 * time.Second)}
	return code
}

// WelcomeMessages returns the bodies of the welcome messages corpID sent, oldest first, each
// with the userid and external_userid it went to added.
func (s *Server) WelcomeMessages(corpID string) []J {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.book(corpID).external.welcomes)
}

func (s *Server) welcomeRoutes() []route {
	return []route{{post, "/cgi-bin/externalcontact/send_welcome_msg", TokenCorp, s.welcomeSend}}
}

func (s *Server) welcomeSend(c *Call) (any, error) {
	in, err := decode[struct {
		Code        string `json:"welcome_code"`
		Text        *J     `json:"text"`
		Attachments []J    `json:"attachments"`
	}](c)
	if err != nil {
		return nil, err
	}
	e := &s.callBook(c).external
	w := e.codes[in.Code]
	switch {
	case in.Code == "":
		return nil, errc(client.CodeMissingWelcomeCode, "missing welcome_code")
	case w == nil || time.Now().After(w.expires):
		return nil, errc(client.CodeInvalidWelcomeCode, "invalid or expired welcome_code")
	case w.used:
		return nil, errc(client.CodeCustomerAlreadyChatting, "welcome message already sent")
	case in.Text == nil && len(in.Attachments) == 0:
		return nil, errc(client.CodeInvalidParameter, "text and attachments are both empty")
	case len(in.Attachments) > 9:
		return nil, errc(client.CodeTooManyAttachments, "too many attachments")
	}
	for _, a := range in.Attachments {
		if mt, _ := a["msgtype"].(string); !slices.Contains([]string{"image", "link", "miniprogram", "video", "file"}, mt) {
			return nil, errc(client.CodeInvalidAttachmentType, "invalid attachment type")
		}
	}
	w.used = true
	body, _ := decode[J](c)
	body["userid"], body["external_userid"] = w.userID, w.externalUserID
	e.welcomes = append(e.welcomes, body)
	return J{}, nil
}
