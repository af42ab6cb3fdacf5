package webhook

// Contacts change events (通讯录回调, Event change_contact; InfoType change_contact for ISVs).
// Since 2022-08-15 contacts-sync URLs receive only the key fields; every other field is
// optional and zero when absent.

import "github.com/wecom-connector/wecom/internal/wire"

// Gender is a member's gender (性别), the type every package of the SDK uses for it.
type Gender = wire.Gender

// Genders.
const (
	GenderUndefined = wire.GenderUndefined // 未定义
	GenderMale      = wire.GenderMale      // 男性
	GenderFemale    = wire.GenderFemale    // 女性
)

func init() {
	route[UserCreated]("event", "change_contact", "create_user")
	route[UserUpdated]("event", "change_contact", "update_user")
	route[UserDeleted]("event", "change_contact", "delete_user")
	route[DepartmentCreated]("event", "change_contact", "create_party")
	route[DepartmentUpdated]("event", "change_contact", "update_party")
	route[DepartmentDeleted]("event", "change_contact", "delete_party")
	route[TagUpdated]("event", "change_contact", "update_tag")
}

// UserChange holds the member fields of create_user and update_user. For update_user only
// UserID and the changed fields are present.
type UserChange struct {
	// UserID is the member (for update_user: the old UserID). ISVs get an opaque userid.
	UserID string `wecom:"UserID" xml:"UserID"`
	// NewUserID is the new UserID when update_user changed it.
	NewUserID string `wecom:"NewUserID" xml:"NewUserID"`
	// OpenUserID is the provider-scoped open userid (ISV form).
	OpenUserID string `wecom:"OpenUserID" xml:"OpenUserID"`
	// Name is the member's name.
	Name string `wecom:"Name" xml:"Name"`
	// Department lists the department ids the receiver may see (parsed from "1,2,3"; the raw
	// text is Lookup("Department")).
	Department []int `wecom:"Department,comma" xml:"-"`
	// MainDepartment is the main department id.
	MainDepartment int `wecom:"MainDepartment" xml:"MainDepartment"`
	// IsLeaderInDept holds 0/1 flags aligned with Department (1 = department head).
	IsLeaderInDept []int `wecom:"IsLeaderInDept,comma" xml:"-"`
	// DirectLeader lists the UserIDs of direct superiors.
	DirectLeader []string `wecom:"DirectLeader,comma" xml:"-"`
	// Position is the job title.
	Position string `wecom:"Position" xml:"Position"`
	// Mobile is the mobile number.
	Mobile string `wecom:"Mobile" xml:"Mobile"`
	// Gender is GenderUndefined, GenderMale or GenderFemale.
	Gender Gender `wecom:"Gender" xml:"Gender"`
	// Email is the email address.
	Email string `wecom:"Email" xml:"Email"`
	// BizMail is the corporate mailbox.
	BizMail string `wecom:"BizMail" xml:"BizMail"`
	// Status is 1 active, 2 disabled, 4 not activated, 5 left the corp.
	Status int `wecom:"Status" xml:"Status"`
	// Avatar is the avatar URL; replace the trailing /0 by /100 for a thumbnail.
	Avatar string `wecom:"Avatar" xml:"Avatar"`
	// Alias is the member's alias.
	Alias string `wecom:"Alias" xml:"Alias"`
	// Telephone is the landline.
	Telephone string `wecom:"Telephone" xml:"Telephone"`
	// Address is the address.
	Address string `wecom:"Address" xml:"Address"`
	// EnglishName is a legacy field still sent to old configurations.
	EnglishName string `wecom:"EnglishName" xml:"EnglishName"`
	// IsLeader is a legacy flag (1 = leader).
	IsLeader int `wecom:"IsLeader" xml:"IsLeader"`
	// ExtAttr holds the custom fields.
	ExtAttr []ExtAttrItem `wecom:"ExtAttr>Item" xml:"ExtAttr>Item"`
}

// ExtAttrItem is one custom member field (扩展属性), in the current or the legacy form.
type ExtAttrItem struct {
	// Name is the field's name.
	Name string `wecom:"Name" xml:"Name"`
	// Type is 0 text, 1 web.
	Type int `wecom:"Type" xml:"Type"`
	// Value is the text value: Text/Value, or Value in the legacy form.
	Value string `wecom:"Text>Value|Value" xml:"Text>Value"`
	// WebTitle and WebURL are the link of a web field.
	WebTitle string `wecom:"Web>Title" xml:"Web>Title"`
	WebURL   string `wecom:"Web>Url" xml:"Web>Url"` // WebURL is the web field's URL.
}

// UserCreated reports a new member (ChangeType create_user).
// 新增成员事件
type UserCreated struct {
	Header
	UserChange
}

// UserUpdated reports changed member fields (ChangeType update_user).
// 更新成员事件
type UserUpdated struct {
	Header
	UserChange
}

// UserDeleted reports a deleted member (ChangeType delete_user).
// 删除成员事件
type UserDeleted struct {
	Header
	// UserID is the deleted member.
	UserID string `wecom:"UserID" xml:"UserID"`
	// OpenUserID is the provider-scoped open userid (ISV form).
	OpenUserID string `wecom:"OpenUserID" xml:"OpenUserID"`
}

// DepartmentChange holds the department fields of the party events.
type DepartmentChange struct {
	// ID is the department id.
	ID int `wecom:"Id" xml:"Id"`
	// Name is the department name (create, or update when changed).
	Name string `wecom:"Name" xml:"Name"`
	// ParentID is the parent department id.
	ParentID int `wecom:"ParentId" xml:"ParentId"`
	// Order is the sort value (create).
	Order uint32 `wecom:"Order" xml:"Order"`
}

// DepartmentCreated reports a new department (ChangeType create_party).
// 新增部门事件
type DepartmentCreated struct {
	Header
	DepartmentChange
}

// DepartmentUpdated reports a changed department (ChangeType update_party).
// 更新部门事件
type DepartmentUpdated struct {
	Header
	DepartmentChange
}

// DepartmentDeleted reports a deleted department (ChangeType delete_party).
// 删除部门事件
type DepartmentDeleted struct {
	Header
	// ID is the deleted department id.
	ID int `wecom:"Id" xml:"Id"`
}

// TagUpdated reports members or departments added to or removed from a tag (ChangeType
// update_tag). Re-read the tag when exact membership matters: ordering with member events is
// not guaranteed.
// 标签成员变更事件
type TagUpdated struct {
	Header
	TagID         int      `wecom:"TagId" xml:"TagId"`           // TagID is the tag.
	AddUserItems  []string `wecom:"AddUserItems,comma" xml:"-"`  // AddUserItems are UserIDs added.
	DelUserItems  []string `wecom:"DelUserItems,comma" xml:"-"`  // DelUserItems are UserIDs removed.
	AddPartyItems []int    `wecom:"AddPartyItems,comma" xml:"-"` // AddPartyItems are department ids added.
	DelPartyItems []int    `wecom:"DelPartyItems,comma" xml:"-"` // DelPartyItems are department ids removed.
}
