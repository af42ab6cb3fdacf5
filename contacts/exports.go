package contacts

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/ctxtime"
)

// ExportStatus is the state of an asynchronous address-book export (异步导出任务).
type ExportStatus int

// Export states (任务状态).
const (
	ExportPending ExportStatus = 0 // 未处理
	ExportRunning ExportStatus = 1 // 处理中
	ExportDone    ExportStatus = 2 // 完成
	ExportFailed  ExportStatus = 3 // 异常失败
)

// Block sizes of an export: each file holds at most this many entries (members, departments, or
// members plus departments of a tag). 0 sends nothing and WeCom uses the maximum.
const (
	MinExportBlockSize = 10_000
	MaxExportBlockSize = 1_000_000
)

// ExportParams is the body of export/simple_user, export/user and export/department.
//
// EncodingAESKey is the key WeCom encrypts the exported files with (AES-256-CBC): 43 letters
// and digits, the Base64 of the 32-byte AES key without its "=" ([NewExportKey] makes one).
// Keep it secret like a password: anyone with the key and a file URL reads the address book.
// BlockSize is the number of entries per file, 10^4 to 10^6; 0 leaves WeCom's default (10^6).
type ExportParams struct {
	EncodingAESKey string `json:"encoding_aeskey"`
	BlockSize      int    `json:"block_size,omitempty"`
}

// ExportTagUsersParams is the body of export/taguser: the tag, and the key and block size as in
// [ExportParams] (a block counts members and departments together).
type ExportTagUsersParams struct {
	TagID          int    `json:"tagid"`
	EncodingAESKey string `json:"encoding_aeskey"`
	BlockSize      int    `json:"block_size,omitempty"`
}

// Format prints the params without the key, whatever the verb.
func (p ExportParams) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "contacts.ExportParams{EncodingAESKey:REDACTED BlockSize:%d}", p.BlockSize)
}

// Format prints the params without the key, whatever the verb.
func (p ExportTagUsersParams) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "contacts.ExportTagUsersParams{TagID:%d EncodingAESKey:REDACTED BlockSize:%d}", p.TagID, p.BlockSize)
}

// NewExportKey returns a fresh random encoding_aeskey for an export: 43 letters and digits
// from crypto/rand.
func NewExportKey() string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var b [43]byte
	for i := 0; i < len(b); {
		var r [64]byte
		_, _ = rand.Read(r[:]) // never fails: crypto/rand crashes the program instead
		for _, c := range r {
			if c < 248 && i < len(b) { // 248 = 4×62: no bias
				b[i] = chars[int(c)%len(chars)]
				i++
			}
		}
	}
	return string(b[:])
}

func checkExport(key string, blockSize int) error {
	if _, err := exportKey(key); err != nil {
		return err
	}
	if blockSize != 0 && (blockSize < MinExportBlockSize || blockSize > MaxExportBlockSize) {
		return check.Invalid("block_size", "%d, want %d–%d (or 0 for the default)", blockSize, MinExportBlockSize, MaxExportBlockSize)
	}
	return nil
}

// ExportSimpleUsers starts an export of the members the app may see, with their ids, names and
// departments, and returns the job id. Wait for it with [Service.WaitExport] and read it with
// [Service.ReadExportedSimpleUsers].
// 导出成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94849
//
//wecom:api POST /cgi-bin/export/simple_user
func (s *Service) ExportSimpleUsers(ctx context.Context, p ExportParams) (string, error) {
	return s.startExport(ctx, "/cgi-bin/export/simple_user", p.EncodingAESKey, p.BlockSize, p)
}

// ExportUsers starts an export of the members the app may see with their details (as
// user/list answers them; apps made after June 2022 get no mobile, e-mail, avatar, …), and
// returns the job id. Read it with [Service.ReadExportedUsers].
// 导出成员详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94851
//
//wecom:api POST /cgi-bin/export/user
func (s *Service) ExportUsers(ctx context.Context, p ExportParams) (string, error) {
	return s.startExport(ctx, "/cgi-bin/export/user", p.EncodingAESKey, p.BlockSize, p)
}

// ExportDepartments starts an export of the departments the app may see and returns the job
// id. Read it with [Service.ReadExportedDepartments].
// 导出部门
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94852
//
//wecom:api POST /cgi-bin/export/department
func (s *Service) ExportDepartments(ctx context.Context, p ExportParams) (string, error) {
	return s.startExport(ctx, "/cgi-bin/export/department", p.EncodingAESKey, p.BlockSize, p)
}

// ExportTagUsers starts an export of a tag's members and departments (the app must be able to
// read the tag) and returns the job id. Read it with [Service.ReadExportedTagUsers].
// 导出标签成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94853
//
//wecom:api POST /cgi-bin/export/taguser
func (s *Service) ExportTagUsers(ctx context.Context, p ExportTagUsersParams) (string, error) {
	if p.TagID < 0 {
		return "", check.Invalid("tagid", "%d, want a tag id", p.TagID)
	}
	return s.startExport(ctx, "/cgi-bin/export/taguser", p.EncodingAESKey, p.BlockSize, p)
}

// startExport checks the key and block size and starts the job. An export only reads, so a
// busy answer is retried like a read: a second job is harmless.
func (s *Service) startExport(ctx context.Context, path, key string, blockSize int, body any) (string, error) {
	if err := checkExport(key, blockSize); err != nil {
		return "", err
	}
	var out struct {
		JobID string `json:"jobid"`
	}
	if err := s.c.Do(ctx, http.MethodPost, path, nil, client.Idempotent(body), &out); err != nil {
		return "", err
	}
	return out.JobID, nil
}

// ExportResult is the state of an export job and, once done, its encrypted files in order.
type ExportResult struct {
	Status ExportStatus `json:"status"`
	Files  []ExportFile `json:"data_list"`
}

// ExportFile is one encrypted file of an export (数据文件).
type ExportFile struct {
	// URL downloads the file for 2 hours after the job finished; it takes Range requests.
	URL  string `json:"url"`
	Size int64  `json:"size"` // the encrypted file's size in bytes
	MD5  string `json:"md5"`  // hex MD5 of the encrypted file
}

// GetExportResult reads the state of an export job; the caller must be the app that started it.
// 获取导出结果
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94854
//
//wecom:api GET /cgi-bin/export/get_result
func (s *Service) GetExportResult(ctx context.Context, jobID string) (*ExportResult, error) {
	if err := check.Required("jobid", jobID); err != nil {
		return nil, err
	}
	var out ExportResult
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/export/get_result", url.Values{"jobid": {jobID}}, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ErrExportFailed is what [Service.WaitExport] returns, with the result, for a job WeCom ended
// in status 3 (异常失败). Start a new export.
var ErrExportFailed = errors.New("wecom: contacts: export job failed")

// WaitExport polls an export job with backoff (100 ms doubling to 5 s) until it is done, it
// failed ([ErrExportFailed]), an error occurs or ctx ends. WeCom also posts a batch_job_result
// event (JobType export_user, export_simple_user, export_department, export_taguser) when the
// job ends; a service that receives it can call [Service.GetExportResult] once instead.
func (s *Service) WaitExport(ctx context.Context, jobID string) (*ExportResult, error) {
	r, err := ctxtime.Poll(ctx, func(ctx context.Context) (*ExportResult, bool, error) {
		r, err := s.GetExportResult(ctx, jobID)
		return r, err == nil && (r.Status == ExportDone || r.Status == ExportFailed), err
	})
	if err == nil && r.Status == ExportFailed {
		return r, fmt.Errorf("%w: job %s", ErrExportFailed, jobID)
	}
	return r, err
}

// ExportReadParams says how to read the files of a finished export.
type ExportReadParams struct {
	// EncodingAESKey is the key the export was started with.
	EncodingAESKey string
	// HTTPClient downloads the files (from WeCom's file servers, not the API host). nil uses
	// the service's client's HTTP client (client.WithHTTPClient, or its own), with its proxy and
	// tracing. Broken downloads are resumed with Range requests, a few times.
	HTTPClient *http.Client
}

// Format prints the params without the key, whatever the verb.
func (p ExportReadParams) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "contacts.ExportReadParams{EncodingAESKey:REDACTED HTTPClient:%t}", p.HTTPClient != nil)
}

// TagExportEntry is one entry of a tag export: a member (User set) or a department of the tag
// (DepartmentID set). TagName is the tag's name (tagname) as the file gives it before the
// entry.
type TagExportEntry struct {
	TagName      string
	User         *TagMember
	DepartmentID int
}

// ReadExportedSimpleUsers downloads, decrypts and decodes the files of a finished
// export/simple_user job, yielding one member at a time: memory stays bounded by one member,
// whatever the size of the address book. Each file's size and MD5 are checked when it ends; a
// mismatch ends the walk with an error after the members read so far.
func (s *Service) ReadExportedSimpleUsers(ctx context.Context, r *ExportResult, p ExportReadParams) iter.Seq2[UserSummary, error] {
	return readExport(ctx, s.c, r, p, func(f *exportFile, yield func(UserSummary, error) bool) error {
		return f.each("userlist", func(dec jsonDecoder) error { return yieldNext(dec, yield) })
	})
}

// ReadExportedUsers reads the members of a finished export/user job like
// [Service.ReadExportedSimpleUsers], with their details.
func (s *Service) ReadExportedUsers(ctx context.Context, r *ExportResult, p ExportReadParams) iter.Seq2[User, error] {
	return readExport(ctx, s.c, r, p, func(f *exportFile, yield func(User, error) bool) error {
		return f.each("userlist", func(dec jsonDecoder) error { return yieldNext(dec, yield) })
	})
}

// ReadExportedDepartments reads the departments of a finished export/department job like
// [Service.ReadExportedSimpleUsers].
func (s *Service) ReadExportedDepartments(ctx context.Context, r *ExportResult, p ExportReadParams) iter.Seq2[Department, error] {
	return readExport(ctx, s.c, r, p, func(f *exportFile, yield func(Department, error) bool) error {
		return f.each("department", func(dec jsonDecoder) error { return yieldNext(dec, yield) })
	})
}

// ReadExportedTagUsers reads the members and departments of a finished export/taguser job like
// [Service.ReadExportedSimpleUsers], in the order of the files.
func (s *Service) ReadExportedTagUsers(ctx context.Context, r *ExportResult, p ExportReadParams) iter.Seq2[TagExportEntry, error] {
	return readExport(ctx, s.c, r, p, func(f *exportFile, yield func(TagExportEntry, error) bool) error {
		var name string
		return f.walk(map[string]func(dec jsonDecoder) error{
			"userlist": func(dec jsonDecoder) error {
				var m TagMember
				if err := dec.Decode(&m); err != nil {
					return err
				}
				if !yield(TagExportEntry{TagName: name, User: &m}, nil) {
					return errStop
				}
				return nil
			},
			"partylist": func(dec jsonDecoder) error {
				var id int
				if err := dec.Decode(&id); err != nil {
					return err
				}
				if !yield(TagExportEntry{TagName: name, DepartmentID: id}, nil) {
					return errStop
				}
				return nil
			},
		}, func(key string, dec jsonDecoder) error {
			if key == "tagname" {
				return dec.Decode(&name)
			}
			return skipValue(dec)
		})
	})
}

// yieldNext decodes the next array element into a T and yields it.
func yieldNext[T any](dec jsonDecoder, yield func(T, error) bool) error {
	var v T
	if err := dec.Decode(&v); err != nil {
		return err
	}
	if !yield(v, nil) {
		return errStop
	}
	return nil
}

// readExport walks the files of r in order: each is downloaded, decrypted and handed to read,
// which yields its entries; the first error is yielded once and ends the walk.
func readExport[T any](ctx context.Context, c *client.Client, r *ExportResult, p ExportReadParams, read func(f *exportFile, yield func(T, error) bool) error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		switch {
		case r == nil:
			yield(zero, errors.New("wecom: contacts: no export result"))
			return
		case r.Status != ExportDone:
			yield(zero, fmt.Errorf("wecom: contacts: export not done (status %d): wait for it with WaitExport", r.Status))
			return
		}
		key, err := exportKey(p.EncodingAESKey)
		if err != nil {
			yield(zero, err)
			return
		}
		hc := p.HTTPClient
		if hc == nil {
			hc = c.HTTPClient()
		}
		for i, file := range r.Files {
			f, err := openExportFile(ctx, hc, file, key)
			if err == nil {
				err = read(f, yield)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			switch {
			case errors.Is(err, errStop):
				return
			case err != nil:
				yield(zero, fmt.Errorf("wecom: contacts: export file %d of %d: %w", i+1, len(r.Files), err))
				return
			}
		}
	}
}
