package wecomtest

import (
	"strings"

	"github.com/wecom-connector/wecom/client"
)

type simJob struct {
	Type   string
	Polls  int // getresult answers "running" until it was polled this often
	Total  int
	Result []J
	Extra  J // fields of a corpgroup job result
}

func (s *Server) batchRoutes() []route {
	return []route{
		{post, "/cgi-bin/batch/invite", TokenCorp, s.batchInvite},
		{post, "/cgi-bin/batch/syncuser", TokenCorp, s.batchSyncUser},
		{post, "/cgi-bin/batch/replaceuser", TokenCorp, s.batchReplaceUser},
		{post, "/cgi-bin/batch/replaceparty", TokenCorp, s.batchReplaceParty},
		{get, "/cgi-bin/batch/getresult", TokenCorp, s.batchResult},
	}
}

func (s *Server) batchInvite(c *Call) (any, error) {
	in, err := decode[struct {
		Users []string `json:"user"`
		Party []int    `json:"party"`
		Tag   []int    `json:"tag"`
	}](c)
	if err != nil {
		return nil, err
	}
	switch {
	case len(in.Users)+len(in.Party)+len(in.Tag) == 0:
		return nil, errc(client.CodeEmptyParameter, "user, party and tag are all empty")
	case len(in.Users) > 1000 || len(in.Party) > 100 || len(in.Tag) > 100:
		return nil, errc(client.CodeInvalidParameter, "too many invitees")
	}
	b := s.callBook(c)
	bu, bp, bt := []string{}, []int{}, []int{}
	for _, u := range in.Users {
		if b.users[strings.ToLower(u)] == nil {
			bu = append(bu, u)
		}
	}
	for _, p := range in.Party {
		if b.depts[p] == nil {
			bp = append(bp, p)
		}
	}
	for _, t := range in.Tag {
		if b.tags[t] == nil {
			bt = append(bt, t)
		}
	}
	return J{"invaliduser": bu, "invalidparty": bp, "invalidtag": bt}, nil
}

func (s *Server) batchSyncUser(c *Call) (any, error) { return s.startImport(c, "sync_user") }

func (s *Server) batchReplaceUser(c *Call) (any, error) { return s.startImport(c, "replace_user") }

func (s *Server) batchReplaceParty(c *Call) (any, error) { return s.startImport(c, "replace_party") }

// startImport starts a CSV import job of typ; only one runs at a time per corp.
func (s *Server) startImport(c *Call, typ string) (any, error) {
	in, err := decode[struct {
		MediaID string `json:"media_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.MediaID == "" {
		return nil, errc(client.CodeEmptyParameter, "media_id missing")
	}
	b := s.callBook(c)
	for _, j := range b.jobs {
		if j.Polls > 0 && j.Extra == nil {
			return nil, errc(302008, "another import job is running") // no client constant: the spec lists 302008 in prose, not in an errcode table
		}
	}
	id := s.newID("simjob")
	b.jobs[id] = &simJob{Type: typ, Polls: 1, Result: []J{}}
	return J{"jobid": id}, nil
}

func (s *Server) batchResult(c *Call) (any, error) {
	j := s.callBook(c).jobs[c.Query("jobid")]
	if j == nil || j.Extra != nil {
		return nil, errc(client.CodeJobIDNotFound, "invalid jobid")
	}
	if j.Polls > 0 {
		j.Polls--
		return J{"status": 2, "type": j.Type, "total": j.Total, "percentage": 50}, nil
	}
	return J{"status": 3, "type": j.Type, "total": j.Total, "percentage": 100, "result": j.Result}, nil
}

// SetJobPolls makes every job of corpID that has not finished (batch and chain import) answer
// "running" to the next n result queries, for tests of job polling. New jobs answer "running"
// once.
func (s *Server) SetJobPolls(corpID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.book(corpID).jobs {
		if j.Polls > 0 {
			j.Polls = n
		}
	}
}
