package webhook

import "encoding/xml"

// UpdateTemplateCardReply replaces the clicking user's whole template card (MsgType
// update_template_card). The docs list template_card_menu_event as the event that honours it;
// for template_card_event use message/update_template_card with the ResponseCode.
// 更新点击用户的整张卡片
type UpdateTemplateCardReply struct {
	Card TemplateCard
}

// MarshalReply renders r; see Reply.
func (r UpdateTemplateCardReply) MarshalReply(toUser, fromCorp string, createTime int64) ([]byte, error) {
	return marshalReply(struct {
		replyHeader
		Card TemplateCard `xml:"TemplateCard"`
	}{hdr(toUser, fromCorp, createTime, "update_template_card"), r.Card})
}

// TemplateCard is the XML form of a template card (模板卡片) in an update_template_card reply: the
// JSON card of message/send with PascalCase element names; lists repeat their element. Which
// elements each card type needs is as for message/send (CardType: a Card… constant).
type TemplateCard struct {
	XMLName               xml.Name                `xml:"TemplateCard"`
	CardType              CardType                `xml:"CardType"`
	Source                *CardSource             `xml:"Source,omitempty"`
	ActionMenu            *CardActionMenu         `xml:"ActionMenu,omitempty"`
	MainTitle             *CardTitle              `xml:"MainTitle,omitempty"`
	QuoteArea             *CardQuoteArea          `xml:"QuoteArea,omitempty"`
	EmphasisContent       *CardTitle              `xml:"EmphasisContent,omitempty"`
	SubTitleText          string                  `xml:"SubTitleText,omitempty"`
	HorizontalContentList []CardHorizontalContent `xml:"HorizontalContentList,omitempty"`
	JumpList              []CardJump              `xml:"JumpList,omitempty"`
	CardAction            *CardAction             `xml:"CardAction,omitempty"`
	ImageTextArea         *CardImageTextArea      `xml:"ImageTextArea,omitempty"`
	CardImage             *CardImage              `xml:"CardImage,omitempty"`
	VerticalContentList   []CardTitle             `xml:"VerticalContentList,omitempty"`
	ButtonSelection       *CardSelection          `xml:"ButtonSelection,omitempty"`
	ButtonList            []CardButton            `xml:"ButtonList,omitempty"`
	CheckBox              *CardCheckBox           `xml:"CheckBox,omitempty"`
	SelectList            []CardSelection         `xml:"SelectList,omitempty"`
	SubmitButton          *CardButton             `xml:"SubmitButton,omitempty"`
	ReplaceText           string                  `xml:"ReplaceText,omitempty"`
}

// CardSource is the card's source line: icon, text and its colour (0 grey, 1 black, 2 red,
// 3 green).
type CardSource struct {
	IconURL   string `xml:"IconUrl,omitempty"`
	Desc      string `xml:"Desc,omitempty"`
	DescColor int    `xml:"DescColor,omitempty"`
}

// CardActionMenu is the top-right menu; each entry's Key comes back in
// template_card_menu_event.
type CardActionMenu struct {
	Desc       string           `xml:"Desc,omitempty"`
	ActionList []CardMenuAction `xml:"ActionList"`
}

// CardMenuAction is one entry of CardActionMenu.
type CardMenuAction struct {
	Text string `xml:"Text"`
	Key  string `xml:"Key"`
}

// CardTitle is a title and description pair (MainTitle, EmphasisContent, VerticalContentList).
type CardTitle struct {
	Title string `xml:"Title,omitempty"`
	Desc  string `xml:"Desc,omitempty"`
}

// CardQuoteArea is the quoted block (Type 0 none, 1 URL, 2 mini program). Note the docs'
// spelling Appid here.
type CardQuoteArea struct {
	Type      int    `xml:"Type,omitempty"`
	URL       string `xml:"Url,omitempty"`
	AppID     string `xml:"Appid,omitempty"`
	PagePath  string `xml:"PagePath,omitempty"`
	Title     string `xml:"Title,omitempty"`
	QuoteText string `xml:"QuoteText,omitempty"`
}

// CardHorizontalContent is one key/value line (Type 0 text, 1 URL, 2 media, 3 member).
type CardHorizontalContent struct {
	Type    int    `xml:"Type,omitempty"`
	KeyName string `xml:"KeyName"`
	Value   string `xml:"Value,omitempty"`
	URL     string `xml:"Url,omitempty"`
	MediaID string `xml:"MediaId,omitempty"`
	UserID  string `xml:"UserId,omitempty"`
}

// CardJump is one link under the card (Type 1 URL, 2 mini program).
type CardJump struct {
	Type     int    `xml:"Type,omitempty"`
	Title    string `xml:"Title"`
	URL      string `xml:"Url,omitempty"`
	AppID    string `xml:"AppId,omitempty"`
	PagePath string `xml:"PagePath,omitempty"`
}

// CardAction is what tapping the card does (Type 1 URL, 2 mini program).
type CardAction struct {
	Type     int    `xml:"Type"`
	URL      string `xml:"Url,omitempty"`
	AppID    string `xml:"AppId,omitempty"`
	PagePath string `xml:"PagePath,omitempty"`
}

// CardImageTextArea is the left-image text block of news_notice cards.
type CardImageTextArea struct {
	Type     int    `xml:"Type,omitempty"`
	URL      string `xml:"Url,omitempty"`
	AppID    string `xml:"Appid,omitempty"`
	PagePath string `xml:"PagePath,omitempty"`
	Title    string `xml:"Title,omitempty"`
	Desc     string `xml:"Desc,omitempty"`
	ImageURL string `xml:"ImageUrl"`
}

// CardImage is the large picture of news_notice cards.
type CardImage struct {
	URL         string  `xml:"Url"`
	AspectRatio float64 `xml:"AspectRatio,omitempty"`
}

// CardSelection is a drop-down question (ButtonSelection, SelectList).
type CardSelection struct {
	QuestionKey string       `xml:"QuestionKey"`
	Title       string       `xml:"Title,omitempty"`
	OptionList  []CardOption `xml:"OptionList"`
	SelectedID  string       `xml:"SelectedId,omitempty"`
	Disable     bool         `xml:"Disable,omitempty"`
}

// CardOption is one choice of a selection or check box.
type CardOption struct {
	ID        string `xml:"Id"`
	Text      string `xml:"Text"`
	IsChecked bool   `xml:"IsChecked,omitempty"`
}

// CardButton is a button (ButtonList: Style 1–4; SubmitButton: Text and Key only).
type CardButton struct {
	Text  string `xml:"Text"`
	Style int    `xml:"Style,omitempty"`
	Key   string `xml:"Key,omitempty"`
}

// CardCheckBox is the choice list of vote_interaction cards (Mode 0 single, 1 multiple).
type CardCheckBox struct {
	QuestionKey string       `xml:"QuestionKey"`
	OptionList  []CardOption `xml:"OptionList"`
	Disable     bool         `xml:"Disable,omitempty"`
	Mode        int          `xml:"Mode,omitempty"`
}
