package contacts

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/fanout"
	"github.com/wecom-connector/wecom/internal/pager"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Gender is a person's gender (性别): a member's, as the address book sends it (the string "1"),
// or a customer's (the number 1). It decodes both and encodes as the address book's string.
type Gender = wire.Gender

// Genders.
const (
	GenderUndefined = wire.GenderUndefined // 未定义: not set, or the caller may not read it
	GenderMale      = wire.GenderMale      // 男性
	GenderFemale    = wire.GenderFemale    // 女性
)

// UserStatus is a member's activation status.
// 激活状态
type UserStatus int

// Member statuses.
const (
	UserActive      UserStatus = 1 // 已激活
	UserDisabled    UserStatus = 2 // 已禁用
	UserNotActive   UserStatus = 4 // 未激活
	UserLeftCompany UserStatus = 5 // 退出企业
)

// AttrType is the kind of a custom attribute (extattr / external_attr item).
type AttrType int

// Attribute kinds.
const (
	AttrText        AttrType = 0
	AttrWeb         AttrType = 1
	AttrMiniprogram AttrType = 2 // external_attr only
)

// ExtAttr holds a member's custom fields defined in the admin console.
// 自定义字段
type ExtAttr struct {
	Attrs []Attr `json:"attrs"`
}

// Attr is one custom field: a text value, a web link or (in external profiles) a mini program.
type Attr struct {
	Type        AttrType  `json:"type"`
	Name        string    `json:"name"`
	Text        *TextAttr `json:"text,omitempty"`
	Web         *WebAttr  `json:"web,omitempty"`
	Miniprogram *MiniAttr `json:"miniprogram,omitempty"`
	Value       string    `json:"value,omitempty"` // flat value some linked-corp answers carry
}

// TextAttr is a text attribute value.
type TextAttr struct {
	Value string `json:"value"`
}

// WebAttr is a web-link attribute.
type WebAttr struct {
	URL   string `json:"url"`
	Title string `json:"title"`
}

// MiniAttr is a mini-program attribute of an external profile.
type MiniAttr struct {
	AppID    string `json:"appid"`
	PagePath string `json:"pagepath"`
	Title    string `json:"title"`
}

// ExternalProfile is the public profile a member shows to customers.
// 成员对外属性
type ExternalProfile struct {
	ExternalCorpName *string         `json:"external_corp_name,omitempty"` // pointer: "" resets it
	WechatChannels   *WechatChannels `json:"wechat_channels,omitempty"`
	ExternalAttr     []Attr          `json:"external_attr,omitempty"`
}

// WechatChannels is the video channel (视频号) shown on a profile.
type WechatChannels struct {
	Nickname string `json:"nickname,omitempty"`
	Status   int    `json:"status,omitempty"` // answers only: 0 usable, 1 awaiting confirmation
}

// BizMailAlias lists corporate-mailbox aliases (at most 5); an empty Item clears them.
type BizMailAlias struct {
	Item []string `json:"item"`
}

// MarshalJSON sends a nil Item as [], the documented way to clear the aliases, not null.
func (a BizMailAlias) MarshalJSON() ([]byte, error) {
	if a.Item == nil {
		a.Item = []string{}
	}
	type plain BizMailAlias
	return json.Marshal(plain(a))
}

// User is a member (成员) as user/get and user/list return it. Sensitive fields (mobile, e-mail,
// avatar, …) are empty when the app may not read them.
type User struct {
	UserID           string           `json:"userid"`
	OpenUserID       string           `json:"open_userid,omitempty"`
	Name             string           `json:"name"`
	Alias            string           `json:"alias,omitempty"`
	Mobile           string           `json:"mobile,omitempty"`
	Department       []int            `json:"department"`
	Order            []uint32         `json:"order,omitempty"`
	Position         string           `json:"position,omitempty"`
	Gender           Gender           `json:"gender,omitempty"`
	Email            string           `json:"email,omitempty"`
	BizMail          string           `json:"biz_mail,omitempty"`
	Telephone        string           `json:"telephone,omitempty"`
	IsLeaderInDept   []int            `json:"is_leader_in_dept,omitempty"`
	DirectLeader     []string         `json:"direct_leader,omitempty"`
	Avatar           string           `json:"avatar,omitempty"`
	ThumbAvatar      string           `json:"thumb_avatar,omitempty"`
	QRCode           string           `json:"qr_code,omitempty"`
	Status           UserStatus       `json:"status,omitempty"`
	ExtAttr          *ExtAttr         `json:"extattr,omitempty"`
	ExternalProfile  *ExternalProfile `json:"external_profile,omitempty"`
	ExternalPosition string           `json:"external_position,omitempty"`
	Address          string           `json:"address,omitempty"`
	MainDepartment   int              `json:"main_department,omitempty"`
}

// CreateUserParams is the body of user/create. UserID and Name are required, and Mobile or
// Email. Order and IsLeaderInDept, when set, have one entry per Department.
type CreateUserParams struct {
	UserID           string           `json:"userid"`
	Name             string           `json:"name"`
	Alias            string           `json:"alias,omitempty"`
	Mobile           string           `json:"mobile,omitempty"`
	Department       []int            `json:"department,omitempty"`
	Order            []uint32         `json:"order,omitempty"`
	Position         string           `json:"position,omitempty"`
	Gender           Gender           `json:"gender,omitempty"`
	Email            string           `json:"email,omitempty"`
	BizMail          string           `json:"biz_mail,omitempty"`
	Telephone        string           `json:"telephone,omitempty"`
	IsLeaderInDept   []int            `json:"is_leader_in_dept,omitempty"`
	DirectLeader     []string         `json:"direct_leader,omitempty"`
	AvatarMediaID    string           `json:"avatar_mediaid,omitempty"`
	Enable           *int             `json:"enable,omitempty"` // 1 enabled, 0 disabled
	ExtAttr          *ExtAttr         `json:"extattr,omitempty"`
	ToInvite         *bool            `json:"to_invite,omitempty"` // WeCom's default is true
	ExternalProfile  *ExternalProfile `json:"external_profile,omitempty"`
	ExternalPosition string           `json:"external_position,omitempty"`
	Nickname         string           `json:"nickname,omitempty"`
	Address          string           `json:"address,omitempty"`
	MainDepartment   int              `json:"main_department,omitempty"`
}

func (p *CreateUserParams) validate() error {
	if err := checkUserID("userid", p.UserID); err != nil {
		return err
	}
	if err := checkChars("name", p.Name, 1, 64); err != nil {
		return err
	}
	if p.Mobile == "" && p.Email == "" {
		return check.Invalid("mobile", "mobile and email may not both be empty")
	}
	return checkUserLists(p.Department, len(p.Order), len(p.IsLeaderInDept), p.DirectLeader)
}

// UpdateUserParams is the body of user/update: UserID plus the fields to change; absent fields
// stay as they are. Send Order and IsLeaderInDept together with Department. The free-text
// fields are pointers so they can be cleared: client.Ptr("") sends "" (WeCom overwrites with
// what is present), nil leaves the field alone.
type UpdateUserParams struct {
	UserID           string           `json:"userid"`
	NewUserID        string           `json:"new_userid,omitempty"`
	Name             string           `json:"name,omitempty"`
	Alias            *string          `json:"alias,omitempty"`
	Mobile           string           `json:"mobile,omitempty"`
	Department       []int            `json:"department,omitempty"`
	Order            []uint32         `json:"order,omitempty"`
	Position         *string          `json:"position,omitempty"`
	Gender           Gender           `json:"gender,omitempty"`
	Email            string           `json:"email,omitempty"`
	BizMail          string           `json:"biz_mail,omitempty"`
	BizMailAlias     *BizMailAlias    `json:"biz_mail_alias,omitempty"`
	Telephone        *string          `json:"telephone,omitempty"`
	IsLeaderInDept   []int            `json:"is_leader_in_dept,omitempty"`
	DirectLeader     []string         `json:"direct_leader,omitempty"`
	AvatarMediaID    string           `json:"avatar_mediaid,omitempty"`
	Enable           *int             `json:"enable,omitempty"` // 1 enable, 0 disable
	ExtAttr          *ExtAttr         `json:"extattr,omitempty"`
	ExternalProfile  *ExternalProfile `json:"external_profile,omitempty"`
	ExternalPosition *string          `json:"external_position,omitempty"`
	Nickname         *string          `json:"nickname,omitempty"`
	Address          *string          `json:"address,omitempty"`
	MainDepartment   int              `json:"main_department,omitempty"`
}

func (p *UpdateUserParams) validate() error {
	if err := checkUserID("userid", p.UserID); err != nil {
		return err
	}
	if p.NewUserID != "" {
		if err := checkUserID("new_userid", p.NewUserID); err != nil {
			return err
		}
	}
	if p.Name != "" {
		if err := checkChars("name", p.Name, 1, 64); err != nil {
			return err
		}
	}
	if p.BizMailAlias != nil && len(p.BizMailAlias.Item) > 5 {
		return check.Invalid("biz_mail_alias.item", "%d aliases, at most 5", len(p.BizMailAlias.Item))
	}
	return checkUserLists(p.Department, len(p.Order), len(p.IsLeaderInDept), p.DirectLeader)
}

func checkUserLists(dept []int, orders, leaders int, direct []string) error {
	switch {
	case len(dept) > 100:
		return check.Invalid("department", "%d departments, at most 100", len(dept))
	case orders > 0 && orders != len(dept):
		return check.Invalid("order", "%d entries for %d departments", orders, len(dept))
	case leaders > 0 && leaders != len(dept):
		return check.Invalid("is_leader_in_dept", "%d entries for %d departments", leaders, len(dept))
	case len(direct) > 1:
		return check.Invalid("direct_leader", "%d entries, at most 1", len(direct))
	}
	return nil
}

// checkUserID checks a plaintext userid: 1–64 bytes of [0-9A-Za-z_-@.], first char alphanumeric.
func checkUserID(field, id string) error {
	if id == "" {
		return check.Invalid(field, "required")
	}
	if len(id) > 64 {
		return check.Invalid(field, "%d bytes, at most 64", len(id))
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if i == 0 && !alnum {
			return check.Invalid(field, "must start with a letter or digit")
		}
		if !alnum && c != '_' && c != '-' && c != '@' && c != '.' {
			return check.Invalid(field, "character %q not allowed (only letters, digits, _ - @ .)", c)
		}
	}
	return nil
}

// checkChars checks a length in UTF-8 characters.
func checkChars(field, s string, lo, hi int) error {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && lo > 0:
		return check.Invalid(field, "required")
	case n < lo || n > hi:
		return check.Invalid(field, "%d characters, want %d–%d", n, lo, hi)
	}
	return nil
}

// CreatedDepartment is a department user/create made because the member named an unknown id.
type CreatedDepartment struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// CreateUserResult is the answer of user/create.
type CreateUserResult struct {
	CreatedDepartments []CreatedDepartment
}

// CreateUser adds a member to the address book.
// 创建成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90195
//
//wecom:api POST /cgi-bin/user/create
func (s *Service) CreateUser(ctx context.Context, p CreateUserParams) (*CreateUserResult, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var out struct {
		Created struct {
			Info []CreatedDepartment `json:"department_info"`
		} `json:"created_department_list"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/user/create", nil, p, &out); err != nil {
		return nil, err
	}
	return &CreateUserResult{CreatedDepartments: out.Created.Info}, nil
}

// GetUser reads a member's details.
// 读取成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90196
//
//wecom:api GET /cgi-bin/user/get
func (s *Service) GetUser(ctx context.Context, userID string) (*User, error) {
	if err := check.Required("userid", userID); err != nil {
		return nil, err
	}
	var u User
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/user/get", url.Values{"userid": {userID}}, nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// UpdateUser changes the fields of a member that p sets.
// 更新成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90197
//
//wecom:api POST /cgi-bin/user/update
func (s *Service) UpdateUser(ctx context.Context, p UpdateUserParams) error {
	if err := p.validate(); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/user/update", nil, p, nil)
}

// DeleteUser removes a member.
// 删除成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90198
//
//wecom:api GET /cgi-bin/user/delete
func (s *Service) DeleteUser(ctx context.Context, userID string) error {
	if err := check.Required("userid", userID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodGet, "/cgi-bin/user/delete", url.Values{"userid": {userID}}, nil, nil)
}

// maxBatchDelete is user/batchdelete's per-call limit.
const maxBatchDelete = 200

// DeleteUsers removes 1–200 members in one call; one invalid userid fails the call and deletes
// nobody. [Service.DeleteUsersInParts] takes longer lists.
// 批量删除成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90199
//
//wecom:api POST /cgi-bin/user/batchdelete
func (s *Service) DeleteUsers(ctx context.Context, userIDs []string) error {
	if n := len(userIDs); n == 0 || n > maxBatchDelete {
		return check.Invalid("useridlist", "%d userids, want 1–200 (DeleteUsersInParts takes more)", n)
	}
	body := struct {
		UserIDs []string `json:"useridlist"`
	}{userIDs}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/user/batchdelete", nil, body, nil)
}

// DeleteUsersInParts removes any number of members, one [Service.DeleteUsers] call per 200,
// and returns one part per call made: the UserIDs it carried, and Out (an empty struct) set
// when the call went through. It stops at the first failing call ([client.Part]): that call
// deletes nobody, so its members and those of the calls after it are still there.
func (s *Service) DeleteUsersInParts(ctx context.Context, userIDs []string) ([]client.Part[[]string, struct{}], error) {
	if len(userIDs) == 0 {
		return nil, check.Invalid("useridlist", "required")
	}
	return fanout.Run(ctx, slices.Collect(slices.Chunk(userIDs, maxBatchDelete)), func(ctx context.Context, ids []string) (*struct{}, error) {
		return &struct{}{}, s.DeleteUsers(ctx, ids)
	}, nil)
}

// UserSummary is a member as user/simplelist returns it.
type UserSummary struct {
	UserID     string `json:"userid"`
	OpenUserID string `json:"open_userid,omitempty"`
	Name       string `json:"name"`
	Department []int  `json:"department"`
}

// ListUsersSimple lists the members directly in a department: ids, names and departments.
// 获取部门成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90200
//
//wecom:api GET /cgi-bin/user/simplelist
func (s *Service) ListUsersSimple(ctx context.Context, departmentID int) ([]UserSummary, error) {
	var out struct {
		Users []UserSummary `json:"userlist"`
	}
	q := url.Values{"department_id": {strconv.Itoa(departmentID)}}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/user/simplelist", q, nil, &out); err != nil {
		return nil, err
	}
	return out.Users, nil
}

// ListUsers lists the members directly in a department with their details (walk
// sub-departments yourself; fetch_child is not sent).
// 获取部门成员详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90201
//
//wecom:api GET /cgi-bin/user/list
func (s *Service) ListUsers(ctx context.Context, departmentID int) ([]User, error) {
	var out struct {
		Users []User `json:"userlist"`
	}
	q := url.Values{"department_id": {strconv.Itoa(departmentID)}}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/user/list", q, nil, &out); err != nil {
		return nil, err
	}
	return out.Users, nil
}

// ListUserIDsParams pages user/list_id. Limit is 1–10000; 0 sends 1000.
type ListUserIDsParams struct {
	Cursor string `json:"cursor,omitempty"`
	Limit  int    `json:"limit"`
}

// DeptUser is one (member, department) pair of user/list_id.
type DeptUser struct {
	UserID     string `json:"userid,omitempty"`
	OpenUserID string `json:"open_userid,omitempty"`
	Department int    `json:"department"`
}

// UserIDPage is one page of user/list_id.
type UserIDPage struct {
	Users      []DeptUser `json:"dept_user"`
	NextCursor string     `json:"next_cursor"`
}

// ListUserIDsPage reads one page of (member, department) pairs; a member in three departments
// appears three times. Only the contacts-sync secret may call it.
// 获取成员ID列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/96067
//
//wecom:api POST /cgi-bin/user/list_id
func (s *Service) ListUserIDsPage(ctx context.Context, p ListUserIDsParams) (*UserIDPage, error) {
	if p.Limit == 0 {
		p.Limit = 1000
	}
	if p.Limit < 1 || p.Limit > 10000 {
		return nil, check.Invalid("limit", "%d, want 1–10000", p.Limit)
	}
	var out UserIDPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/user/list_id", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListUserIDs walks every (member, department) pair of the corp, page by page from p.Cursor.
func (s *Service) ListUserIDs(ctx context.Context, p ListUserIDsParams) iter.Seq2[DeptUser, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]DeptUser, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListUserIDsPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Users, pg.NextCursor, pg.NextCursor != "", nil
	})
}
