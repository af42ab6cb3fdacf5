package contacts

import (
	"bufio"
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wecom-connector/wecom/internal/check"
)

// DecryptExport returns the plaintext of an encrypted export file read from r, streaming: the
// JSON document of the 数据格式 section of 获取导出结果 ({"userlist": […]}, {"department": […]}
// or the tag's {"tagname", "userlist", "partylist"}). encodingAESKey is the key the export was
// started with. The file is AES-256-CBC with the first 16 bytes of the key as IV and PKCS#7
// padding to a multiple of 32 bytes, as the export pages document; a Base64 text of the
// ciphertext is accepted too. The padding is checked when r ends: a wrong key or a cut file
// is an error there. Use it for files you download yourself; [Service.ReadExportedUsers] and
// its siblings download, decrypt and decode in one go.
func DecryptExport(r io.Reader, encodingAESKey string) (io.Reader, error) {
	key, err := exportKey(encodingAESKey)
	if err != nil {
		return nil, err
	}
	return newDecrypter(r, key), nil
}

// exportKey decodes an encoding_aeskey: 43 letters and digits, Base64 of 32 bytes without "=".
// Errors never show the key.
func exportKey(s string) ([]byte, error) {
	if len(s) != 43 {
		return nil, check.Invalid("encoding_aeskey", "%d characters, want 43", len(s))
	}
	for i := range len(s) {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return nil, check.Invalid("encoding_aeskey", "want letters and digits only (a-z, A-Z, 0-9)")
		}
	}
	key, err := base64.StdEncoding.DecodeString(s + "=")
	if err != nil || len(key) != 32 {
		return nil, check.Invalid("encoding_aeskey", "not the Base64 of a 32-byte key")
	}
	return key, nil
}

// errStop ends a file walk because the caller stopped the iteration.
var errStop = errors.New("stop")

type jsonDecoder = *json.Decoder

// exportFile is one export file being read: the download, its decryption and a JSON decoder.
type exportFile struct {
	dl  *download
	dec *json.Decoder
}

func openExportFile(ctx context.Context, hc *http.Client, f ExportFile, key []byte) (*exportFile, error) {
	dl := &download{ctx: ctx, hc: hc, url: f.URL, size: f.Size, sum: strings.ToLower(f.MD5), md5: md5.New()}
	if f.URL == "" {
		return nil, errors.New("the result gives no URL")
	}
	if err := dl.open(); err != nil {
		return nil, err
	}
	return &exportFile{dl: dl, dec: json.NewDecoder(newDecrypter(dl, key))}, nil
}

// Close releases the download.
func (f *exportFile) Close() error {
	if f.dl.body != nil {
		return f.dl.body.Close()
	}
	return nil
}

// each streams the array named key of the file's object through elem, one element per call.
func (f *exportFile) each(key string, elem func(dec jsonDecoder) error) error {
	return f.walk(map[string]func(jsonDecoder) error{key: elem}, func(_ string, dec jsonDecoder) error { return skipValue(dec) })
}

// walk reads the file's top-level object: the members named in arrays element by element
// through their functions, every other member through other. It then reads to the end of the
// file, so the padding, size and MD5 checks run before it returns.
func (f *exportFile) walk(arrays map[string]func(jsonDecoder) error, other func(key string, dec jsonDecoder) error) error {
	dec := f.dec
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		elem, ok := arrays[key]
		if !ok {
			if err := other(key, dec); err != nil {
				return err
			}
			continue
		}
		if err := expectDelim(dec, '['); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		for dec.More() {
			if err := elem(dec); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // ]
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return err
	}
	if tok, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("data after the JSON object: %v", tok)
		}
		return err
	}
	return nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("decrypted file: want %q, got %v", want, tok)
	}
	return nil
}

func skipValue(dec *json.Decoder) error {
	var v json.RawMessage
	return dec.Decode(&v)
}

// maxResumes bounds how often a broken download is resumed with a Range request.
const maxResumes = 3

// download streams one file, resuming with Range after a broken connection, and checks the
// announced size and MD5 when it ends. Its errors never show the URL, which may carry a
// signature.
type download struct {
	ctx   context.Context
	hc    *http.Client
	url   string
	size  int64  // announced size; 0: unknown
	sum   string // announced hex MD5; "": unknown
	off   int64  // bytes read so far
	body  io.ReadCloser
	md5   hash.Hash
	tries int
	done  bool
}

func (d *download) Read(p []byte) (int, error) {
	for {
		if d.done {
			return 0, io.EOF
		}
		if d.body == nil {
			if err := d.open(); err != nil {
				return 0, err
			}
		}
		n, err := d.body.Read(p)
		d.off += int64(n)
		d.md5.Write(p[:n])
		if d.size > 0 && d.off > d.size {
			return n, fmt.Errorf("file longer than the %d bytes announced", d.size)
		}
		switch {
		case err == nil:
			return n, nil
		case err == io.EOF && (d.size <= 0 || d.off == d.size), d.size > 0 && d.off == d.size:
			// The end, or a connection that broke after the last byte.
			d.done = true
			if err := d.verify(); err != nil {
				return n, err
			}
			return n, nil // io.EOF on the next call
		}
		// Cut short: resume where it broke off.
		d.body.Close()
		d.body = nil
		if err := d.retry(err); err != nil {
			return n, err
		}
		if n > 0 {
			return n, nil
		}
	}
}

// retry counts a resume after err and says whether one is left.
func (d *download) retry(cause error) error {
	if err := d.ctx.Err(); err != nil {
		return err
	}
	if d.tries >= maxResumes {
		return fmt.Errorf("download broke off at byte %d of %d: %w", d.off, d.size, cause)
	}
	d.tries++
	return nil
}

func (d *download) verify() error {
	if d.sum != "" {
		if got := hex.EncodeToString(d.md5.Sum(nil)); got != d.sum {
			return fmt.Errorf("MD5 %s, the result announced %s", got, d.sum)
		}
	}
	return nil
}

// open sends the GET (from d.off on with a Range), retrying network errors and 5xx answers.
func (d *download) open() error {
	for {
		resp, err := d.get()
		if err == nil {
			d.body = resp
			return nil
		}
		var perm permanentErr
		if errors.As(err, &perm) {
			return perm.error
		}
		if err := d.retry(err); err != nil {
			return err
		}
	}
}

type permanentErr struct{ error }

func (d *download) get() (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(d.ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return nil, permanentErr{errors.New("bad file URL")}
	}
	if d.off > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(d.off, 10)+"-")
	}
	resp, err := d.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may carry a signature: keep it out of errors
		}
		if d.ctx.Err() != nil {
			return nil, permanentErr{d.ctx.Err()}
		}
		return nil, fmt.Errorf("download: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		if d.off > 0 { // the server ignored the Range: skip what was read already
			if _, err := io.CopyN(io.Discard, resp.Body, d.off); err != nil {
				resp.Body.Close()
				return nil, fmt.Errorf("download: skip to byte %d: %w", d.off, err)
			}
		}
		return resp.Body, nil
	case resp.StatusCode == http.StatusPartialContent && strings.HasPrefix(resp.Header.Get("Content-Range"), "bytes "+strconv.FormatInt(d.off, 10)+"-"):
		return resp.Body, nil
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 160))
	resp.Body.Close()
	err = fmt.Errorf("download: HTTP %d: %q", resp.StatusCode, strings.ToValidUTF8(string(snippet), "?"))
	if resp.StatusCode >= 500 {
		return nil, err
	}
	return nil, permanentErr{err} // expired link (after 2 hours), wrong range, …
}

// decrypter streams AES-256-CBC plaintext, holding back the last 32 bytes until the end, where
// the PKCS#7 padding (1–32 bytes) is checked and dropped.
type decrypter struct {
	src  io.Reader
	mode cipher.BlockMode
	in   []byte // ciphertext read, not yet decrypted (less than a block at a time)
	buf  []byte // scratch for reads
	out  []byte // plaintext ready to return
	held []byte // the last decrypted bytes, which may be padding
	done bool
	err  error
}

const (
	padTo     = 32       // WeCom pads to a multiple of 32 bytes
	readChunk = 32 << 10 // ciphertext read per fill
)

func newDecrypter(r io.Reader, key []byte) *decrypter {
	block, _ := aes.NewCipher(key) // 32 bytes: checked by exportKey
	return &decrypter{src: sniffBase64(r), mode: cipher.NewCBCDecrypter(block, key[:aes.BlockSize]), buf: make([]byte, readChunk)}
}

func (d *decrypter) Read(p []byte) (int, error) {
	for len(d.out) == 0 {
		if d.err != nil {
			return 0, d.err
		}
		if d.done {
			return 0, io.EOF
		}
		d.fill()
	}
	n := copy(p, d.out)
	d.out = d.out[n:]
	return n, nil
}

// fill reads one chunk of ciphertext and decrypts its whole blocks.
func (d *decrypter) fill() {
	n, err := io.ReadFull(d.src, d.buf)
	d.in = append(d.in, d.buf[:n]...)
	eof := err == io.EOF || err == io.ErrUnexpectedEOF
	if err != nil && !eof {
		d.err = err
		return
	}
	whole := len(d.in) - len(d.in)%aes.BlockSize
	plain := append(d.held, d.in[:whole]...)
	d.mode.CryptBlocks(plain[len(d.held):], plain[len(d.held):])
	d.in = append(d.in[:0], d.in[whole:]...)
	if !eof {
		keep := min(len(plain), padTo)
		d.out = plain[:len(plain)-keep]
		d.held = append([]byte(nil), plain[len(plain)-keep:]...)
		return
	}
	d.done = true
	switch pad := 0; {
	case len(d.in) != 0:
		d.err = errors.New("decrypt: the file is not a whole number of AES blocks (cut short?)")
	case len(plain) == 0:
		d.err = errors.New("decrypt: empty file")
	default:
		pad = int(plain[len(plain)-1])
		if pad < 1 || pad > padTo || pad > len(plain) || !bytes.Equal(plain[len(plain)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
			d.err = errors.New("decrypt: bad padding (wrong encoding_aeskey?)")
			return
		}
		d.out = plain[:len(plain)-pad]
	}
}

// sniffBase64 returns r, decoding Base64 when the file starts as Base64 text: raw ciphertext
// is binary, and 64 random bytes are all Base64 characters with a chance of about 1e-38.
func sniffBase64(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(64)
	if len(head) < 16 {
		return br
	}
	for _, c := range head {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' || c == '\r' || c == '\n') {
			return br
		}
	}
	return base64.NewDecoder(base64.StdEncoding, br)
}
