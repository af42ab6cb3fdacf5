package wecomtest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// RobotPost is one message a group robot posted.
type RobotPost struct {
	MsgType string
	Content json.RawMessage
	Time    time.Time
}

type msgRobotState struct {
	posts []RobotPost
	times []time.Time // accepted posts inside the current window
}

func (s *Server) robotRoutes() []route {
	return []route{
		{post, "/cgi-bin/webhook/send", TokenNone, s.msgRobotSend},
		{post, "/cgi-bin/webhook/upload_media", TokenNone, s.msgRobotUpload},
	}
}

// WithRobotWindow sets the window of the robot limit of 20 posts (default one minute), so
// tests of the limit run fast.
func WithRobotWindow(d time.Duration) Option { return func(s *Server) { s.messages.robotWindow = d } }

// AddRobot registers a group robot key that webhook/send accepts; unknown keys answer 93000.
func (s *Server) AddRobot(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.messages.robots[key] == nil {
		s.messages.robots[key] = &msgRobotState{}
	}
}

// RobotPosts returns what the robot of key posted, oldest first.
func (s *Server) RobotPosts(key string) []RobotPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.messages.robots[key]; r != nil {
		return slices.Clone(r.posts)
	}
	return nil
}

func (s *Server) msgRobot(c *Call) (*msgRobotState, string, error) {
	key := c.Query("key")
	r := s.messages.robots[key]
	if key == "" || r == nil {
		return nil, "", errc(client.CodeRobotInvalidWebhook, "invalid webhook url")
	}
	return r, key, nil
}

var msgRobotTypes = []string{"text", "markdown", "markdown_v2", "image", "news", "file", "voice", "template_card"}

func (s *Server) msgRobotSend(c *Call) (any, error) {
	r, key, err := s.msgRobot(c)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(c.Body)) == 0 {
		return nil, errc(client.CodeRobotEmptyContent, "request content is empty")
	}
	req, err := decode[struct {
		MsgType string `json:"msgtype"`
	}](c)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	r.times = slices.DeleteFunc(r.times, func(t time.Time) bool { return now.Sub(t) >= s.messages.robotWindow })
	if len(r.times) >= s.messages.robotLimit {
		return nil, errc(client.CodeFrequencyLimit, "api freq out of limit")
	}
	if !slices.Contains(msgRobotTypes, req.MsgType) {
		return nil, errc(client.CodeInvalidMsgType, "invalid message type")
	}
	raw := msgBodies(c)
	body := raw[req.MsgType]
	max := 2048
	if req.MsgType != "text" {
		max = 4096
	}
	if err := s.msgCheckBody(req.MsgType, body, max, key); err != nil {
		return nil, err
	}
	switch req.MsgType {
	case "image":
		if err := msgCheckRobotImage(body); err != nil {
			return nil, err
		}
	case "template_card":
		var card struct {
			CardType string `json:"card_type"`
		}
		_ = json.Unmarshal(body, &card)
		if card.CardType != "text_notice" && card.CardType != "news_notice" {
			return nil, errc(client.CodeInvalidCardType, "invalid card_type")
		}
	}
	r.times = append(r.times, now)
	r.posts = append(r.posts, RobotPost{MsgType: req.MsgType, Content: bytes.Clone(body), Time: now})
	return J{}, nil
}

func msgCheckRobotImage(body json.RawMessage) error {
	var img struct {
		Base64 string `json:"base64"`
		MD5    string `json:"md5"`
	}
	if err := json.Unmarshal(body, &img); err != nil {
		return errc(client.CodeInvalidParameter, "invalid image")
	}
	data, err := base64.StdEncoding.DecodeString(img.Base64)
	if err != nil || len(data) == 0 {
		return errc(client.CodeInvalidParameter, "invalid image base64")
	}
	if len(data) > 2<<20 {
		return errc(client.CodeRobotImageTooLarge, "image size exceeds limit")
	}
	sum := md5.Sum(data)
	if !strings.EqualFold(hex.EncodeToString(sum[:]), img.MD5) {
		return errc(client.CodeInvalidParameter, "image md5 mismatch")
	}
	return nil
}

func (s *Server) msgRobotUpload(c *Call) (any, error) {
	_, key, err := s.msgRobot(c)
	if err != nil {
		return nil, err
	}
	typ := c.Query("type")
	if typ != "file" && typ != "voice" {
		return nil, errc(client.CodeInvalidMediaTypeParam, "invalid media type")
	}
	return s.msgUpload(c, typ, key)
}
