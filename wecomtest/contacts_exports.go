package wecomtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Rules of the asynchronous export (异步导出接口) as WeCom documents them.
const (
	exportMinBlock = 10_000
	exportMaxBlock = 1_000_000
	exportFileTTL  = 2 * time.Hour      // a data_list URL works 2 hours
	joinQRCodeTTL  = 7 * 24 * time.Hour // a join QR code link works 7 days
	exportFilePath = "/wecomtest/export/file"
)

// exportState is one corp's export jobs and their files, the corp's join QR code, and its
// two-factor authentication (二次验证) codes (contacts_tfa.go): the address-book extras whose
// state lives beside the address book. Its zero value is usable.
type exportState struct {
	jobs      map[string]*simExport
	polls     int // new jobs answer "running" to this many get_result calls at least; 0 means 1
	failNext  int // the next jobs end in status 3
	cut       int // the next file downloads break off halfway
	join      string
	joinUntil time.Time
	tfa       tfaState
}

// simExport is an export job. It is built in the background from a snapshot of the address
// book taken when it started; get_result answers "running" until the files are ready.
type simExport struct {
	typ    string // export_simple_user, export_user, export_department, export_taguser
	app    string // the secret of the app that started it: only it may read the result
	polls  int
	ready  bool
	failed bool
	files  []*simExportFile
	until  time.Time // the file URLs expire then
}

type simExportFile struct {
	data []byte
	md5  string
	sign string // the URL's signature
}

func (s *Server) exportRoutes() []route {
	return []route{
		{post, "/cgi-bin/export/simple_user", TokenCorp, s.exportSimpleUser},
		{post, "/cgi-bin/export/user", TokenCorp, s.exportUser},
		{post, "/cgi-bin/export/department", TokenCorp, s.exportDepartment},
		{post, "/cgi-bin/export/taguser", TokenCorp, s.exportTagUser},
		{get, "/cgi-bin/export/get_result", TokenCorp, s.exportResult},
		{get, exportFilePath, TokenNone, s.exportFile},
		{get, "/cgi-bin/corp/get_join_qrcode", TokenCorp, s.joinQRCode},
		{post, "/cgi-bin/auth/get_tfa_info", TokenCorp, s.tfaInfo},
		{post, "/cgi-bin/user/tfa_succ", TokenCorp, s.tfaSucc},
		{get, "/cgi-bin/user/authsucc", TokenCorp, s.authSucc},
	}
}

// exportIn is the body of the export calls.
type exportIn struct {
	Key       string    `json:"encoding_aeskey"`
	BlockSize *wire.Int `json:"block_size"`
	TagID     *wire.Int `json:"tagid"`
}

// exportKey checks an encoding_aeskey as WeCom documents it: 43 of a-z, A-Z, 0-9, the Base64
// of 32 bytes.
func exportKey(k string) ([]byte, error) {
	if k == "" {
		return nil, errc(client.CodeEmptyParameter, "encoding_aeskey missing")
	}
	ok := len(k) == 43
	for i := 0; ok && i < len(k); i++ {
		c := k[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	key, err := base64.StdEncoding.DecodeString(k + "=")
	if !ok || err != nil || len(key) != 32 {
		return nil, errc(client.CodeInvalidParameter, "invalid encoding_aeskey")
	}
	return key, nil
}

func (s *Server) exportSimpleUser(c *Call) (any, error) {
	return s.startExport(c, "export_simple_user", func(b *addressBook, _ *exportIn) ([]J, []int, string, error) {
		var rows []J
		for _, u := range b.sortedUsers() {
			rows = append(rows, J{"userid": u.ID, "name": u.Name, "department": u.Depts})
		}
		return rows, nil, "", nil
	})
}

func (s *Server) exportUser(c *Call) (any, error) {
	return s.startExport(c, "export_user", func(b *addressBook, _ *exportIn) ([]J, []int, string, error) {
		var rows []J
		for _, u := range b.sortedUsers() {
			rows = append(rows, u.json())
		}
		return rows, nil, "", nil
	})
}

func (s *Server) exportDepartment(c *Call) (any, error) {
	return s.startExport(c, "export_department", func(b *addressBook, _ *exportIn) ([]J, []int, string, error) {
		var rows []J
		for _, d := range b.sortedDepts() {
			rows = append(rows, J{"id": d.ID, "name": d.Name, "name_en": d.NameEn, "parentid": d.ParentID, "order": d.Order})
		}
		return rows, nil, "", nil
	})
}

func (s *Server) exportTagUser(c *Call) (any, error) {
	return s.startExport(c, "export_taguser", func(b *addressBook, in *exportIn) ([]J, []int, string, error) {
		if in.TagID == nil {
			return nil, nil, "", errc(client.CodeMissingTagID, "tagid missing")
		}
		t := b.tags[int(*in.TagID)]
		if t == nil {
			return nil, nil, "", errc(client.CodeInvalidTagID, "invalid tagid")
		}
		var users []J
		var parties []int
		for _, u := range b.sortedUsers() {
			if t.Users[strings.ToLower(u.ID)] {
				users = append(users, J{"userid": u.ID, "name": u.Name})
			}
		}
		for _, d := range b.sortedDepts() {
			if t.Parties[d.ID] {
				parties = append(parties, d.ID)
			}
		}
		return users, parties, t.Name, nil
	})
}

// startExport checks the body, takes the rows from the address book now and builds the
// encrypted files in the background. rows yields the entries (and, for a tag, its departments
// and name).
func (s *Server) startExport(c *Call, typ string, rows func(b *addressBook, in *exportIn) (users []J, parties []int, tag string, err error)) (any, error) {
	in, err := decode[exportIn](c)
	if err != nil {
		return nil, err
	}
	key, err := exportKey(in.Key)
	if err != nil {
		return nil, err
	}
	block := exportMaxBlock
	if in.BlockSize != nil {
		block = int(*in.BlockSize)
		if block < exportMinBlock || block > exportMaxBlock {
			return nil, errc(client.CodeInvalidParameter, "invalid block_size, want 10000-1000000")
		}
	}
	b := s.callBook(c)
	users, parties, tag, err := rows(b, &in)
	if err != nil {
		return nil, err
	}
	// The rows go out as JSON now: the address book may change while the files are built.
	raw := make([]json.RawMessage, len(users))
	for i, u := range users {
		if raw[i], err = json.Marshal(u); err != nil {
			return nil, err
		}
	}
	st := &b.exports
	if st.jobs == nil {
		st.jobs = make(map[string]*simExport)
	}
	id := "jobid_" + s.newID("simexport")
	j := &simExport{typ: typ, app: c.Token.Secret, polls: max(st.polls, 1)}
	if st.failNext > 0 {
		st.failNext--
		j.failed = true
	}
	st.jobs[id] = j
	corp := c.Token.CorpID
	go func() {
		files := buildExportFiles(typ, raw, parties, tag, block, key)
		for i, f := range files {
			f.sign = fmt.Sprintf("%x", md5.Sum([]byte(fmt.Sprintf("%s|%s|%d|%d", corp, id, i, time.Now().UnixNano()))))
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		j.files, j.ready, j.until = files, true, time.Now().Add(exportFileTTL)
	}()
	return J{"jobid": id}, nil
}

// buildExportFiles splits the entries into blocks of block entries (a tag's members first,
// then its departments) and encrypts each block's JSON document.
func buildExportFiles(typ string, users []json.RawMessage, parties []int, tag string, block int, key []byte) []*simExportFile {
	list := "userlist"
	if typ == "export_department" {
		list = "department"
	}
	var files []*simExportFile
	all := len(users) + len(parties)
	for start := 0; start < all || (start == 0 && all == 0); start += block {
		end := min(start+block, all)
		var doc any
		if typ == "export_taguser" {
			us, ps := []json.RawMessage{}, []int{}
			for i := start; i < end; i++ {
				if i < len(users) {
					us = append(us, users[i])
				} else {
					ps = append(ps, parties[i-len(users)])
				}
			}
			// In the documented order: readers see the name before the entries.
			doc = struct {
				TagName   string            `json:"tagname"`
				UserList  []json.RawMessage `json:"userlist"`
				PartyList []int             `json:"partylist"`
			}{tag, us, ps}
		} else {
			part := users[start:end]
			if part == nil {
				part = []json.RawMessage{}
			}
			doc = J{list: part}
		}
		plain, _ := json.Marshal(doc)
		data := encryptExport(plain, key)
		sum := md5.Sum(data)
		files = append(files, &simExportFile{data: data, md5: hex.EncodeToString(sum[:])})
	}
	return files
}

// encryptExport is the export files' encryption: AES-256-CBC, IV the key's first 16 bytes,
// PKCS#7 padding to a multiple of 32 bytes.
func encryptExport(plain, key []byte) []byte {
	pad := 32 - len(plain)%32
	buf := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, _ := aes.NewCipher(key)
	cipher.NewCBCEncrypter(block, key[:aes.BlockSize]).CryptBlocks(buf, buf)
	return buf
}

func (s *Server) exportResult(c *Call) (any, error) {
	id := c.Query("jobid")
	if id == "" {
		return nil, errc(client.CodeEmptyParameter, "jobid missing")
	}
	st := &s.callBook(c).exports
	j := st.jobs[id]
	if j == nil || j.app != c.Token.Secret {
		// Only the app that started the job may read it.
		return nil, errc(client.CodeJobIDNotFound, "invalid jobid")
	}
	if !j.ready || j.polls > 0 {
		j.polls = max(j.polls-1, 0)
		return J{"status": 1, "data_list": []J{}}, nil
	}
	if j.failed {
		return J{"status": 3, "data_list": []J{}}, nil
	}
	list := []J{}
	for i, f := range j.files {
		q := url.Values{"corp": {c.Token.CorpID}, "jobid": {id}, "part": {strconv.Itoa(i)}, "sign": {f.sign}}
		list = append(list, J{"url": s.ts.URL + exportFilePath + "?" + q.Encode(), "size": len(f.data), "md5": f.md5})
	}
	return J{"status": 2, "data_list": list}, nil
}

// exportFile serves an export file as WeCom's file servers do: no token, a signed URL valid 2
// hours, Range requests.
func (s *Server) exportFile(c *Call) (any, error) {
	text := func(status int, msg string) (any, error) {
		return Raw{Status: status, Header: http.Header{"Content-Type": {"text/plain"}}, Body: []byte(msg)}, nil
	}
	b := s.contacts.books[c.Query("corp")] // no token here: never create a book for a stranger
	if b == nil {
		return text(http.StatusNotFound, "no such file")
	}
	st := &b.exports
	j := st.jobs[c.Query("jobid")]
	part, err := strconv.Atoi(c.Query("part"))
	if j == nil || !j.ready || err != nil || part < 0 || part >= len(j.files) || j.files[part].sign != c.Query("sign") {
		return text(http.StatusNotFound, "no such file")
	}
	if !time.Now().Before(j.until) {
		return text(http.StatusForbidden, "link expired")
	}
	data := j.files[part].data
	h := http.Header{"Content-Type": {"application/octet-stream"}, "Accept-Ranges": {"bytes"}}
	status, body := http.StatusOK, data
	if rg := c.R.Header.Get("Range"); rg != "" {
		lo, hi, ok := parseRange(rg, len(data))
		if !ok {
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", len(data)))
			return Raw{Status: http.StatusRequestedRangeNotSatisfiable, Header: h}, nil
		}
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", lo, hi, len(data)))
		status, body = http.StatusPartialContent, data[lo:hi+1]
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if st.cut > 0 && len(body) > 1 {
		// Announce the whole length, send half: the connection breaks off mid-file.
		st.cut--
		body = body[:len(body)/2]
	}
	return Raw{Status: status, Header: h, Body: bytes.Clone(body)}, nil
}

// parseRange reads "bytes=lo-hi" or "bytes=lo-" against a file of n bytes.
func parseRange(rg string, n int) (lo, hi int, ok bool) {
	spec, found := strings.CutPrefix(rg, "bytes=")
	from, to, dash := strings.Cut(spec, "-")
	if !found || !dash {
		return 0, 0, false
	}
	lo, err := strconv.Atoi(from)
	if err != nil || lo < 0 || lo >= n {
		return 0, 0, false
	}
	hi = n - 1
	if to != "" {
		if hi, err = strconv.Atoi(to); err != nil || hi < lo {
			return 0, 0, false
		}
		hi = min(hi, n-1)
	}
	return lo, hi, true
}

// SetExportPolls makes every export job of corpID, and the next ones, answer "running" to at
// least n get_result calls, for tests of polling. By default a job answers "running" once.
func (s *Server) SetExportPolls(corpID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.book(corpID).exports
	st.polls = n
	for _, j := range st.jobs {
		j.polls = n
	}
}

// FailNextExports makes the next n export jobs of corpID end in status 3 (异常失败).
func (s *Server) FailNextExports(corpID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.book(corpID).exports.failNext = n
}

// CutExportDownloads makes the next n export file downloads of corpID break off halfway (the
// whole length announced, half of it sent), for tests of resumed downloads.
func (s *Server) CutExportDownloads(corpID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.book(corpID).exports.cut = n
}

// ---- corp/get_join_qrcode ----

// joinQRCode answers the corp's join QR code link (加入企业二维码) in the requested size: size_type
// 1 (171 px), 2 (399 px), 3 (741 px) or 4 (2052 px). The link's code stays the same for 7
// days.
func (s *Server) joinQRCode(c *Call) (any, error) {
	size := 0
	if v := c.Query("size_type"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 4 {
			return nil, errc(client.CodeInvalidParameter, "invalid size_type, want 1-4")
		}
		size = n
	}
	st := &s.callBook(c).exports
	if now := time.Now(); st.join == "" || !now.Before(st.joinUntil) {
		sum := md5.Sum([]byte(fmt.Sprintf("%s|%d", c.Token.CorpID, now.UnixNano())))
		st.join, st.joinUntil = hex.EncodeToString(sum[:])[:29], now.Add(joinQRCodeTTL)
	}
	link := "https://work.weixin.qq.com/wework_admin/genqrcode?action=join&vcode=" + st.join + "&r=hb_share_api_mjoin"
	if size != 0 {
		link += "&qr_size=" + strconv.Itoa(size)
	}
	return J{"join_qrcode": link}, nil
}
