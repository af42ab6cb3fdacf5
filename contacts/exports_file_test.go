package contacts

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// encryptWriter is the export files' encryption written independently of the simulator, for
// streaming fixtures: AES-256-CBC, IV = key[:16], PKCS#7 padding to a multiple of 32 at Close.
type encryptWriter struct {
	w    io.Writer
	mode cipher.BlockMode
	buf  []byte
	n    int64 // plaintext bytes written
}

func newEncryptWriter(w io.Writer, encodingAESKey string) *encryptWriter {
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil {
		panic(err)
	}
	block, _ := aes.NewCipher(key)
	return &encryptWriter{w: w, mode: cipher.NewCBCEncrypter(block, key[:16])}
}

func (e *encryptWriter) Write(p []byte) (int, error) {
	e.n += int64(len(p))
	e.buf = append(e.buf, p...)
	whole := len(e.buf) - len(e.buf)%aes.BlockSize
	if whole >= 64<<10 {
		e.mode.CryptBlocks(e.buf[:whole], e.buf[:whole])
		if _, err := e.w.Write(e.buf[:whole]); err != nil {
			return 0, err
		}
		e.buf = append(e.buf[:0], e.buf[whole:]...)
	}
	return len(p), nil
}

func (e *encryptWriter) Close() error {
	pad := 32 - int(e.n%32)
	e.buf = append(e.buf, bytes.Repeat([]byte{byte(pad)}, pad)...)
	e.mode.CryptBlocks(e.buf, e.buf)
	_, err := e.w.Write(e.buf)
	return err
}

func encrypt(plain []byte, key string) []byte {
	var b bytes.Buffer
	w := newEncryptWriter(&b, key)
	_, _ = w.Write(plain)
	_ = w.Close()
	return b.Bytes()
}

func TestDecryptExport(t *testing.T) {
	t.Parallel()
	key := NewExportKey()
	for _, n := range []int{0, 1, 15, 16, 31, 32, 33, 64, 100_000} {
		plain := bytes.Repeat([]byte("通讯录{}"), n/10+1)[:n]
		ct := encrypt(plain, key)
		if len(ct)%32 != 0 || len(ct) <= n {
			t.Fatalf("%d bytes: fixture of %d", n, len(ct))
		}
		for name, src := range map[string][]byte{"binary": ct, "base64": []byte(base64.StdEncoding.EncodeToString(ct))} {
			if name == "base64" && len(ct) < 48 {
				continue // too short to tell Base64 from binary: only real files (≥ 1 row) matter
			}
			r, err := DecryptExport(iotestHalfReader(src), key)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("%s %d bytes: got %d bytes, %v", name, n, len(got), err)
			}
		}
	}
	ct := encrypt([]byte(`{"userlist":[]}`), key)
	for name, src := range map[string][]byte{
		"cut":       ct[:len(ct)-5],
		"empty":     nil,
		"wrong key": encrypt([]byte(`{"userlist":[]}`), NewExportKey()),
	} {
		r, _ := DecryptExport(bytes.NewReader(src), key)
		if _, err := io.ReadAll(r); err == nil {
			t.Errorf("%s: decrypted without an error", name)
		}
	}
	if _, err := DecryptExport(bytes.NewReader(ct), "too-short"); err == nil {
		t.Error("a bad key was accepted")
	}
}

// iotestHalfReader returns at most half the requested bytes per Read, to cross block edges.
func iotestHalfReader(b []byte) io.Reader { return &halfReader{b} }

type halfReader struct{ b []byte }

func (h *halfReader) Read(p []byte) (int, error) {
	if len(h.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:max(1, len(p)/2)], h.b)
	h.b = h.b[n:]
	return n, nil
}

// Reading an export holds one member at a time: a file of over 10 MB, generated and encrypted
// on the fly, is read with the live heap growing by far less than its size.
func TestExportReadConstantMemory(t *testing.T) {
	// Not parallel: the heap is measured.
	const rows = 80_000
	key := NewExportKey()
	var plainBytes atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e := newEncryptWriter(w, key)
		io.WriteString(e, `{"userlist":[`)
		for i := range rows {
			if i > 0 {
				io.WriteString(e, ",")
			}
			fmt.Fprintf(e, `{"userid":"u%08d","name":"成员 %d","department":[%d,%d],"open_userid":"wo%032d"}`, i, i, 1+i%7, 100+i%13, i)
		}
		io.WriteString(e, `]}`)
		_ = e.Close()
		plainBytes.Store(e.n)
	}))
	defer srv.Close()
	s, _ := mockService(t)
	res := &ExportResult{Status: ExportDone, Files: []ExportFile{{URL: srv.URL + "/file"}}}

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base, peak := heap(), uint64(0)
	n := 0
	for u, err := range s.ReadExportedSimpleUsers(context.Background(), res, ExportReadParams{EncodingAESKey: key, HTTPClient: srv.Client()}) {
		if err != nil {
			t.Fatal(err)
		}
		if u.UserID != fmt.Sprintf("u%08d", n) || len(u.Department) != 2 {
			t.Fatalf("row %d: %+v", n, u)
		}
		n++
		if n%25_000 == 0 {
			peak = max(peak, heap())
		}
	}
	if n != rows {
		t.Fatalf("%d rows, want %d", n, rows)
	}
	size := plainBytes.Load()
	if size < 6<<20 {
		t.Fatalf("fixture of %d bytes is too small to show anything", size)
	}
	growth := int64(peak) - int64(base)
	t.Logf("%d MB of JSON read with the live heap %+d KB", size>>20, growth>>10)
	if growth > 2<<20 {
		t.Fatalf("live heap grew by %d KB while reading a %d MB export: the reader holds the file", growth>>10, size>>20)
	}
	if strings.Contains(fmt.Sprint(res), key) {
		t.Fatal("key printed")
	}
}
