package customerservice

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/wecom-connector/wecom/internal/wire"
)

// MsgType is a kf message type (msgtype), received or sent.
type MsgType string

// Message types of sync_msg (and, where noted in send.go, of send_msg).
const (
	MsgText                MsgType = "text"
	MsgImage               MsgType = "image"
	MsgVoice               MsgType = "voice"
	MsgVideo               MsgType = "video"
	MsgFile                MsgType = "file"
	MsgLocation            MsgType = "location"
	MsgLink                MsgType = "link"
	MsgBusinessCard        MsgType = "business_card"
	MsgMiniProgram         MsgType = "miniprogram"
	MsgMenu                MsgType = "msgmenu"
	MsgChannelsShopProduct MsgType = "channels_shop_product"
	MsgChannelsShopOrder   MsgType = "channels_shop_order"
	MsgMerged              MsgType = "merged_msg"
	MsgChannels            MsgType = "channels"
	MsgMeeting             MsgType = "meeting"
	MsgCalendar            MsgType = "calendar"
	MsgNote                MsgType = "note"
	MsgCALink              MsgType = "ca_link"
	MsgEvent               MsgType = "event"
)

// Origin says who produced a synced message.
type Origin uint32

// Origins of sync_msg elements.
const (
	FromCustomer Origin = 3 // sent by the WeChat customer (微信客户发送)
	FromSystem   Origin = 4 // an event pushed by the system (系统推送的事件)
	FromServicer Origin = 5 // sent by a servicer from the WeCom client (接待人员在企业微信客户端发送)
)

// Message is one element of a sync_msg msg_list: a pointer to one of the *…Message types, one
// of the *…Event types (msgtype "event"), *UnknownMessage or *UnknownEvent. Type-switch on it.
// 消息与事件
type Message interface {
	// Header returns the fields every element shares.
	Header() *MessageHeader
	// Raw returns the element's JSON as received.
	Raw() json.RawMessage
}

// MessageHeader holds the fields every msg_list element shares. For events, OpenKfID and
// ExternalUserID (and ServicerUserID where present) are taken from the event object.
type MessageHeader struct {
	MsgID          string  `json:"msgid"`
	OpenKfID       string  `json:"open_kfid"`
	ExternalUserID string  `json:"external_userid"`
	SendTime       int64   `json:"send_time"` // Unix seconds
	Origin         Origin  `json:"origin"`
	ServicerUserID string  `json:"servicer_userid"` // origin 5 only
	MsgType        MsgType `json:"msgtype"`

	raw json.RawMessage
}

// Header returns h.
func (h *MessageHeader) Header() *MessageHeader { return h }

// Raw returns the element's JSON as received.
func (h *MessageHeader) Raw() json.RawMessage { return h.raw }

// TextMessage is a text (文本); MenuID is set when the customer clicked a click menu item.
type TextMessage struct {
	MessageHeader
	Text struct {
		Content string `json:"content"`
		MenuID  string `json:"menu_id"`
	} `json:"text"`
}

// MediaBody is the body of image, voice, video and file messages: a temporary media ID valid
// 3 days (download it with media/get).
type MediaBody struct {
	MediaID string `json:"media_id"`
}

// ImageMessage is a picture (图片).
type ImageMessage struct {
	MessageHeader
	Image MediaBody `json:"image"`
}

// VoiceMessage is a voice message (语音), AMR or SILK per the sync's VoiceFormat.
type VoiceMessage struct {
	MessageHeader
	Voice MediaBody `json:"voice"`
}

// VideoMessage is a video (视频).
type VideoMessage struct {
	MessageHeader
	Video MediaBody `json:"video"`
}

// FileMessage is a file (文件).
type FileMessage struct {
	MessageHeader
	File MediaBody `json:"file"`
}

// LocationBody is a place, as received and as sent.
type LocationBody struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// LocationMessage is a location (位置).
type LocationMessage struct {
	MessageHeader
	Location LocationBody `json:"location"`
}

// LinkMessage is a link (链接).
type LinkMessage struct {
	MessageHeader
	Link struct {
		Title  string `json:"title"`
		Desc   string `json:"desc"`
		URL    string `json:"url"`
		PicURL string `json:"pic_url"`
	} `json:"link"`
}

// BusinessCardMessage is a member's business card (名片).
type BusinessCardMessage struct {
	MessageHeader
	BusinessCard struct {
		UserID string `json:"userid"`
	} `json:"business_card"`
}

// MiniProgramMessage is a mini program card (小程序).
type MiniProgramMessage struct {
	MessageHeader
	MiniProgram struct {
		Title        string `json:"title"`
		AppID        string `json:"appid"`
		PagePath     string `json:"pagepath"`
		ThumbMediaID string `json:"thumb_media_id"`
	} `json:"miniprogram"`
}

// MenuMessage is a menu (菜单) seen in the stream, e.g. sent by a servicer.
type MenuMessage struct {
	MessageHeader
	Menu Menu `json:"msgmenu"`
}

// ChannelsShopProductMessage is a WeChat Channels shop product the customer shared (视频号商品).
type ChannelsShopProductMessage struct {
	MessageHeader
	Product ChannelsShopProduct `json:"channels_shop_product"`
}

// ChannelsShopProduct is a Channels shop product. SalesPrice is in fen.
type ChannelsShopProduct struct {
	ProductID     string      `json:"product_id"`
	HeadImage     string      `json:"head_image"`
	Title         string      `json:"title"`
	SalesPrice    wire.String `json:"sales_price"`
	ShopNickname  string      `json:"shop_nickname"`
	ShopHeadImage string      `json:"shop_head_image"`
}

// UnmarshalJSON also accepts the head_img / shop_head_img spellings some sources use (field
// aliases only: SalesPrice's leniency is wire.String's).
func (p *ChannelsShopProduct) UnmarshalJSON(b []byte) error {
	type plain ChannelsShopProduct
	var v struct {
		plain
		HeadImg     string `json:"head_img"`
		ShopHeadImg string `json:"shop_head_img"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = ChannelsShopProduct(v.plain)
	if p.HeadImage == "" {
		p.HeadImage = v.HeadImg
	}
	if p.ShopHeadImage == "" {
		p.ShopHeadImage = v.ShopHeadImg
	}
	return nil
}

// ChannelsShopOrderMessage is a Channels shop order (视频号订单).
type ChannelsShopOrderMessage struct {
	MessageHeader
	Order struct {
		OrderID       string `json:"order_id"`
		ProductTitles string `json:"product_titles"`
		PriceWording  string `json:"price_wording"`
		State         string `json:"state"`
		ImageURL      string `json:"image_url"`
		ShopNickname  string `json:"shop_nickname"`
	} `json:"channels_shop_order"`
}

// MergedMessage is a forwarded chat history (聊天记录).
type MergedMessage struct {
	MessageHeader
	Merged struct {
		Title string       `json:"title"`
		Items []MergedItem `json:"item"`
	} `json:"merged_msg"`
}

// MergedItem is one message of a forwarded chat history. MsgContent is the message as a JSON
// string; Decode turns it into a Message.
type MergedItem struct {
	SendTime   int64       `json:"send_time"`
	MsgType    wire.String `json:"msgtype"`
	SenderName wire.String `json:"sender_name"`
	MsgContent string      `json:"msg_content"`
}

// Decode parses MsgContent with the same rules as sync_msg elements (an unknown type comes
// back as *UnknownMessage). The result has no msgid, account or customer.
func (it MergedItem) Decode() (Message, error) { return DecodeMessage([]byte(it.MsgContent)) }

// ChannelsMessage is Channels content the customer shared (视频号): SubType 1 post, 2 live
// stream, 3 profile card. Every field may be missing.
type ChannelsMessage struct {
	MessageHeader
	Channels struct {
		SubType  uint32 `json:"sub_type"`
		Nickname string `json:"nickname"`
		Title    string `json:"title"`
	} `json:"channels"`
}

// NoContentMessage is a documented type whose content the platform does not return: note
// (笔记), meeting (会议) and calendar (日程). MsgType tells which.
type NoContentMessage struct {
	MessageHeader
}

// UnknownMessage is a msgtype this package does not know; Raw holds all of it.
type UnknownMessage struct {
	MessageHeader
}

var messageTypes = map[MsgType]func() Message{
	MsgText:                func() Message { return new(TextMessage) },
	MsgImage:               func() Message { return new(ImageMessage) },
	MsgVoice:               func() Message { return new(VoiceMessage) },
	MsgVideo:               func() Message { return new(VideoMessage) },
	MsgFile:                func() Message { return new(FileMessage) },
	MsgLocation:            func() Message { return new(LocationMessage) },
	MsgLink:                func() Message { return new(LinkMessage) },
	MsgBusinessCard:        func() Message { return new(BusinessCardMessage) },
	MsgMiniProgram:         func() Message { return new(MiniProgramMessage) },
	MsgMenu:                func() Message { return new(MenuMessage) },
	MsgChannelsShopProduct: func() Message { return new(ChannelsShopProductMessage) },
	MsgChannelsShopOrder:   func() Message { return new(ChannelsShopOrderMessage) },
	MsgMerged:              func() Message { return new(MergedMessage) },
	MsgChannels:            func() Message { return new(ChannelsMessage) },
	MsgNote:                func() Message { return new(NoContentMessage) },
	MsgMeeting:             func() Message { return new(NoContentMessage) },
	MsgCalendar:            func() Message { return new(NoContentMessage) },
}

// DecodeMessage decodes one msg_list element into its typed Message. An unknown msgtype or
// event_type is not an error: it comes back as *UnknownMessage or *UnknownEvent with the raw
// JSON. An error means the element is not a JSON object or a known body has the wrong shape;
// the error then still comes with an *UnknownMessage holding the raw element, so nothing is lost.
func DecodeMessage(raw []byte) (Message, error) {
	raw = bytes.Clone(raw)
	var h MessageHeader
	if err := json.Unmarshal(raw, &h); err != nil {
		return &UnknownMessage{MessageHeader{raw: raw}}, fmt.Errorf("wecom: decode kf message: %w", err)
	}
	h.raw = raw
	if h.MsgType == MsgEvent {
		return decodeEvent(h)
	}
	mk, ok := messageTypes[h.MsgType]
	if !ok {
		return &UnknownMessage{h}, nil
	}
	m := mk()
	if err := json.Unmarshal(raw, m); err != nil {
		return &UnknownMessage{h}, fmt.Errorf("wecom: decode kf %s message %s: %w", h.MsgType, h.MsgID, err)
	}
	m.Header().raw = raw
	return m, nil
}
