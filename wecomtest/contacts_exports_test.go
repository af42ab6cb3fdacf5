package wecomtest_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

const docKey = "IJUiXNpvGbODwKEBSEsAeOAPAhkqHqNCF6g19t9wfg2" // the export pages' example key

// decryptExport undoes the documented encryption: AES-256-CBC, IV = key[:16], PKCS#7 to 32.
func decryptExport(t *testing.T, data []byte) []byte {
	t.Helper()
	key, _ := base64.StdEncoding.DecodeString(docKey + "=")
	block, _ := aes.NewCipher(key)
	if len(data) == 0 || len(data)%32 != 0 {
		t.Fatalf("ciphertext of %d bytes, want a multiple of 32", len(data))
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	if pad < 1 || pad > 32 {
		t.Fatalf("padding %d", pad)
	}
	return out[:len(out)-pad]
}

// An export answers a jobid, then "running", then its files: served from the simulator's URL
// without a token, with the announced size and MD5, Range requests, and the documented JSON
// once decrypted.
func TestExportJobAndFiles(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜", Department: []int{2}},
		wecomtest.SeedUser{UserID: "zhao.lei", Name: "赵磊"})
	tok := corpToken(t, srv)
	start := call(t, "POST", srv.URL()+"/cgi-bin/export/simple_user?access_token="+tok, `{"encoding_aeskey":"`+docKey+`","block_size":10000}`)
	job, _ := start["jobid"].(string)
	if code(start) != 0 || !strings.HasPrefix(job, "jobid_") {
		t.Fatalf("start: %v", start)
	}
	res := call(t, "GET", srv.URL()+"/cgi-bin/export/get_result?jobid="+job+"&access_token="+tok, "")
	if res["status"] != 1.0 {
		t.Fatalf("first result %v, want status 1", res)
	}
	for res["status"] != 2.0 {
		time.Sleep(5 * time.Millisecond) // the job builds its files in the background
		res = call(t, "GET", srv.URL()+"/cgi-bin/export/get_result?jobid="+job+"&access_token="+tok, "")
	}
	files, _ := res["data_list"].([]any)
	if len(files) != 1 {
		t.Fatalf("result %v", res)
	}
	f := files[0].(map[string]any)
	link, _ := f["url"].(string)
	if !strings.HasPrefix(link, srv.URL()+"/") || strings.Contains(link, tok) {
		t.Fatalf("url %q", link)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sum := md5.Sum(data)
	if resp.StatusCode != 200 || float64(len(data)) != f["size"] || hex.EncodeToString(sum[:]) != f["md5"] {
		t.Fatalf("file: HTTP %d, %d bytes, md5 %x; announced %v", resp.StatusCode, len(data), sum, f)
	}
	var doc struct {
		UserList []struct {
			UserID     string `json:"userid"`
			Name       string `json:"name"`
			Department []int  `json:"department"`
		} `json:"userlist"`
	}
	if err := json.Unmarshal(decryptExport(t, data), &doc); err != nil || len(doc.UserList) != 2 || doc.UserList[0].UserID != "li.na" || doc.UserList[1].Department[0] != 1 {
		t.Fatalf("decrypted %+v, %v", doc, err)
	}
	req, _ := http.NewRequest("GET", link, nil)
	req.Header.Set("Range", "bytes=16-")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(part) != string(data[16:]) {
		t.Fatalf("range: HTTP %d, %d bytes", resp.StatusCode, len(part))
	}
	resp, err = http.Get(strings.Replace(link, "sign=", "sign=x", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("forged link: HTTP %d", resp.StatusCode)
	}
}

func TestExportErrcodes(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	tok := corpToken(t, srv)
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"simple_user", `{}`, client.CodeEmptyParameter},
		{"user", `{"encoding_aeskey":"short"}`, client.CodeInvalidParameter},
		{"department", `{"encoding_aeskey":"` + docKey[:42] + `/"}`, client.CodeInvalidParameter},
		{"simple_user", `{"encoding_aeskey":"` + docKey + `","block_size":9999}`, client.CodeInvalidParameter},
		{"simple_user", `{"encoding_aeskey":"` + docKey + `","block_size":1000001}`, client.CodeInvalidParameter},
		{"taguser", `{"encoding_aeskey":"` + docKey + `"}`, client.CodeMissingTagID},
		{"taguser", `{"tagid":9,"encoding_aeskey":"` + docKey + `"}`, client.CodeInvalidTagID},
		{"simple_user", `{"encoding_aeskey":"` + docKey + `","block_size":"10000"}`, 0}, // a number as a string is accepted
	} {
		if got := code(call(t, "POST", srv.URL()+"/cgi-bin/export/"+tc.path+"?access_token="+tok, tc.body)); got != tc.want {
			t.Errorf("%s %s: errcode %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
	if got := code(call(t, "GET", srv.URL()+"/cgi-bin/export/get_result?access_token="+tok, "")); got != client.CodeEmptyParameter {
		t.Errorf("get_result without jobid: errcode %d", got)
	}
	for q, want := range map[string]int{"size_type=0": client.CodeInvalidParameter, "size_type=5": client.CodeInvalidParameter, "size_type=x": client.CodeInvalidParameter, "size_type=4": 0, "": 0} {
		a := call(t, "GET", srv.URL()+"/cgi-bin/corp/get_join_qrcode?"+q+"&access_token="+tok, "")
		if code(a) != want {
			t.Errorf("get_join_qrcode?%s: %v, want errcode %d", q, a, want)
		}
	}
}
