package wecomtest

import (
	"strings"
	"testing"
	"time"
)

// TestAcquisitionStateZeroValue: a corp's acquisition state works from its zero value.
func TestAcquisitionStateZeroValue(t *testing.T) {
	t.Parallel()
	var a acquisitionState
	now := time.Now()
	if q := a.quotaOf(now); q.balance(now.Unix()) != DefaultAcquisitionQuota || q.total != DefaultAcquisitionQuota {
		t.Errorf("default quota %+v", q)
	}
	if ids := a.linkIDs(0); len(ids) != 0 {
		t.Errorf("links %v", ids)
	}
	a.init()
	if a.links == nil || a.adds == nil || a.chatKeys == nil {
		t.Error("init left a nil map")
	}
	var st groupStats
	if a.groupDay(&SeedGroupChat{ChatID: "wr", CreateTime: 10}, 0, &st); st.chats != 1 || st.newChat != 1 || st.msgs != 0 {
		t.Errorf("group day on empty state %+v", st)
	}
}

// TestChatKeysAndServedCursorsExpire ages a chat key past 30 minutes and a contact_list cursor
// past 4 hours.
func TestChatKeysAndServedCursorsExpire(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	s.mu.Lock()
	a := &s.book(CorpID).acquisition
	a.init()
	add := &simLinkAdd{linkID: "ca1", userID: "li.na", ext: "wm1"}
	a.chatKeys["CKlive"] = &simChatKey{add: add, received: 3, expires: time.Now().Add(time.Minute)}
	a.chatKeys["CKold"] = &simChatKey{add: add, received: 5, expires: time.Now().Add(-time.Second)}
	tok := s.issueToken(TokenCorp, CorpID, Secret, AgentID)
	s.mu.Unlock()
	// chatInfo runs the handler as the server does, under the lock.
	chatInfo := func(body string) (any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.acqChatInfo(&Call{Body: []byte(body), Token: tok})
	}
	if out, err := chatInfo(`{"chat_key":"CKlive"}`); err != nil || out.(J)["chat_info"].(J)["recv_msg_cnt"] != 3 {
		t.Errorf("live key: %v, %v", out, err)
	}
	if _, err := chatInfo(`{"chat_key":"CKold"}`); err == nil || err.(*Error).Code != codeInvalidChatKey {
		t.Errorf("expired key: %v, want 41201", err)
	}
	old := servedPos{salt: "walk1", issued: time.Now().Add(-servedCursorTTL - time.Minute).Unix(), last: "cwm1\x00li.na"}
	if _, err := parseServedCursor(old.cursor()); err == nil || err.(*Error).Code != 50100 {
		t.Errorf("cursor of 4 h ago: %v, want 50100", err)
	}
	fresh := servedPos{salt: "walk1", issued: time.Now().Unix(), last: "cwm1\x00li.na"}
	if p, err := parseServedCursor(fresh.cursor()); err != nil || p != fresh {
		t.Errorf("fresh cursor: %+v, %v", p, err)
	}
}

func TestCutBytesKeepsCharacters(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("渠", 22) // 66 bytes
	if got := cutBytes(s, 64); got != strings.Repeat("渠", 21) {
		t.Errorf("cut to %d bytes: %q", len(got), got)
	}
	if cutBytes("short", 64) != "short" {
		t.Error("short string changed")
	}
}
