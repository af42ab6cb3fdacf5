package webhook

import "fmt"

// Provider system events (服务商系统事件), sent to the provider's system event URL: interface
// licences (接口调用许可) and register codes (推广二维码). Header.ServiceCorpID is the provider.
// unlicensed_notify goes to the app's callback URL instead.

func init() {
	route[LicensePaySuccess]("info", "license_pay_success", "")
	route[LicenseRefund]("info", "license_refund", "")
	route[LicenseAutoActivated]("info", "auto_activate", "")
	route[UnlicensedNotify]("event", "unlicensed_notify", "")
	route[RegisterCorp]("info", "register_corp", "")
	route[EnterRegisterPackage]("info", "enter_register_package", "")
}

// LicensePaySuccess reports a paid licence order whose active codes are ready (InfoType
// license_pay_success); Header.AuthCorpID is the customer corp.
// 支付成功通知
type LicensePaySuccess struct {
	Header
	// OrderID is the order, or the sub-order of a multi-corp new order.
	OrderID     string `wecom:"OrderId" xml:"OrderId"`
	BuyerUserID string `wecom:"BuyerUserId" xml:"BuyerUserId"` // BuyerUserID is the provider member who ordered.
}

// OrderStatus values of LicenseRefund.
const (
	RefundSucceeded = 1 // 退款成功
	RefundRefused   = 2 // 退款被拒绝
)

// LicenseRefund reports the outcome of a refund request (InfoType license_refund).
// 退款结果通知
type LicenseRefund struct {
	Header
	OrderID     string `wecom:"OrderId" xml:"OrderId"`         // OrderID is the order.
	OrderStatus int    `wecom:"OrderStatus" xml:"OrderStatus"` // OrderStatus is RefundSucceeded or RefundRefused.
}

// AutoActivatedAccount is one account of LicenseAutoActivated.
type AutoActivatedAccount struct {
	ActiveCode string `wecom:"ActiveCode" xml:"ActiveCode"` // ActiveCode is the account's code.
	Type       int    `wecom:"Type" xml:"Type"`             // Type is 1 basic (基础许可), 2 interworking (互通许可).
	ExpireTime int64  `wecom:"ExpireTime" xml:"ExpireTime"` // ExpireTime is when it expires, Unix seconds.
	UserID     string `wecom:"UserId" xml:"UserId"`         // UserID is the member activated.
	// PreviousStatus was the member's licence: 1 none, 2 active with 7 days or less left,
	// 3 expired.
	PreviousStatus int `wecom:"PreviousStatus" xml:"PreviousStatus"`
	// PreviousActiveCode is the member's former code, for a member that had one.
	PreviousActiveCode string `wecom:"PreviousActiveCode" xml:"PreviousActiveCode"`
}

// LicenseAutoActivated reports members activated automatically (InfoType auto_activate).
// 自动激活回调通知
type LicenseAutoActivated struct {
	Header
	// Scene is what triggered it: 1 a member opened the app, 2 the provider sent a message,
	// 3 the provider called an interworking API.
	Scene    int                    `wecom:"Scene" xml:"Scene"`
	Accounts []AutoActivatedAccount `wecom:"AccountList" xml:"AccountList"` // Accounts are the accounts activated.
}

// UnlicensedNotify reports a member without an active licence account who opened the app
// (Event unlicensed_notify); Header.FromUserName is the member, Header.AgentID the app.
// 接口许可失效通知
type UnlicensedNotify struct {
	Header
}

// ContactSync is the address-book migration credential of RegisterCorp. The access token is a
// secret: it prints as [redacted].
type ContactSync struct {
	AccessToken string `wecom:"AccessToken" xml:"AccessToken"` // AccessToken reads and writes the whole address book.
	ExpiresIn   int    `wecom:"ExpiresIn" xml:"ExpiresIn"`     // ExpiresIn is its lifetime in seconds.
}

// Format prints c without its access token, whatever the verb.
func (c ContactSync) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "{AccessToken:[redacted] ExpiresIn:%d}", c.ExpiresIn)
}

// RegisterCorp reports a corp registered through a register code (InfoType register_corp);
// Header.AuthCorpID is the new corp.
// 注册完成回调事件
type RegisterCorp struct {
	Header
	RegisterCode string `wecom:"RegisterCode" xml:"RegisterCode"` // RegisterCode is the code used.
	// ContactSync is set when the register package enables address-book migration.
	ContactSync ContactSync `wecom:"ContactSync" xml:"ContactSync"`
	AdminUserID string      `wecom:"AuthUserInfo>UserId" xml:"AuthUserInfo>UserId"` // AdminUserID is the authorizing admin.
	State       string      `wecom:"State" xml:"State"`                             // State is the code's state, if set.
	TemplateID  string      `wecom:"TemplateId" xml:"TemplateId"`                   // TemplateID is the register package.
}

// EnterRegisterPackage reports a member of an already authorising corp who scanned a register
// QR code or opened its link (InfoType enter_register_package).
// 扫描推广二维码事件
type EnterRegisterPackage struct {
	Header
	UserID       string `wecom:"AuthUserInfo>UserId" xml:"AuthUserInfo>UserId"` // UserID is the member.
	RegisterCode string `wecom:"RegisterCode" xml:"RegisterCode"`               // RegisterCode is the code.
	State        string `wecom:"State" xml:"State"`                             // State is the code's state, if set.
	TemplateID   string `wecom:"TemplateId" xml:"TemplateId"`                   // TemplateID is the register package.
}
