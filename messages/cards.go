package messages

import (
	"regexp"
	"slices"

	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/wire"
)

// CardType is the card_type of a [TemplateCard] (模板卡片类型). It is the same type as the card
// type of the webhook package's template_card_event, so a callback's card type compares
// directly with the constants below.
type CardType = wire.CardType

// The five template card types.
const (
	CardTextNotice          = wire.CardTextNotice          // 文本通知型
	CardNewsNotice          = wire.CardNewsNotice          // 图文展示型
	CardButtonInteraction   = wire.CardButtonInteraction   // 按钮交互型
	CardVoteInteraction     = wire.CardVoteInteraction     // 投票选择型
	CardMultipleInteraction = wire.CardMultipleInteraction // 多项选择型
)

// LinkType is what a tap on a card area does (the type field of card_action, jump_list,
// quote_area and image_text_area).
type LinkType int

// Link types; LinkNone may be omitted.
const (
	LinkNone        LinkType = 0 // no action
	LinkURL         LinkType = 1 // open URL
	LinkMiniProgram LinkType = 2 // open a mini program linked to the app
)

// HorizontalType is the type of a [HorizontalContent] row.
type HorizontalType int

// Horizontal row types.
const (
	HorizontalText       HorizontalType = 0 // plain text
	HorizontalURL        HorizontalType = 1 // open URL
	HorizontalAttachment HorizontalType = 2 // download the attachment MediaID; Value is the file name
	HorizontalMember     HorizontalType = 3 // open the member profile of UserID
)

// ButtonType is the type of a [Button].
type ButtonType int

// Button types.
const (
	ButtonCallback ButtonType = 0 // sends a template_card_event callback with the button's Key
	ButtonOpenURL  ButtonType = 1 // opens URL
)

// DescColor is the colour of [CardSource].Desc.
type DescColor int

// Source text colours.
const (
	DescGrey  DescColor = 0
	DescBlack DescColor = 1
	DescRed   DescColor = 2
	DescGreen DescColor = 3
)

// TemplateCard is a template card message (模板卡片消息) of one of five [CardType]s. Which fields
// each type takes is checked before sending (see the table in the WeCom docs): for example
// text_notice needs CardAction and MainTitle.Title or SubTitleText; button_interaction needs
// TaskID and ButtonList. Cards that call back (button, vote, multiple, or any with ActionMenu)
// answer a response code for [Service.UpdateTemplateCard].
//
// ReplaceText and the Disable flags are for updates only; TaskID is for sends only.
type TemplateCard struct {
	CardType              CardType            `json:"card_type"`
	Source                *CardSource         `json:"source,omitempty"`
	ActionMenu            *ActionMenu         `json:"action_menu,omitempty"`
	TaskID                string              `json:"task_id,omitempty"`
	MainTitle             *MainTitle          `json:"main_title,omitempty"`
	QuoteArea             *QuoteArea          `json:"quote_area,omitempty"`
	EmphasisContent       *EmphasisContent    `json:"emphasis_content,omitempty"`
	SubTitleText          string              `json:"sub_title_text,omitempty"`
	ImageTextArea         *ImageTextArea      `json:"image_text_area,omitempty"`
	CardImage             *CardImage          `json:"card_image,omitempty"`
	VerticalContentList   []VerticalContent   `json:"vertical_content_list,omitempty"`
	HorizontalContentList []HorizontalContent `json:"horizontal_content_list,omitempty"`
	JumpList              []Jump              `json:"jump_list,omitempty"`
	CardAction            *CardAction         `json:"card_action,omitempty"`
	ButtonSelection       *ButtonSelection    `json:"button_selection,omitempty"`
	ButtonList            []Button            `json:"button_list,omitempty"`
	Checkbox              *Checkbox           `json:"checkbox,omitempty"`
	SelectList            []Selector          `json:"select_list,omitempty"`
	SubmitButton          *SubmitButton       `json:"submit_button,omitempty"`
	ReplaceText           string              `json:"replace_text,omitempty"`
}

// CardSource is the card's source line (卡片来源样式).
type CardSource struct {
	IconURL   string    `json:"icon_url,omitempty"`
	Desc      string    `json:"desc,omitempty"`
	DescColor DescColor `json:"desc_color,omitempty"`
}

// ActionMenu is the top-right "more" menu (卡片右上角更多操作按钮); it makes TaskID required and
// the card interactive.
type ActionMenu struct {
	Desc       string       `json:"desc,omitempty"`
	ActionList []MenuAction `json:"action_list"`
}

// MenuAction is one menu entry; Key comes back as EventKey of template_card_menu_event.
type MenuAction struct {
	Text string `json:"text"`
	Key  string `json:"key"`
}

// MainTitle is the card's main title (一级标题) and its auxiliary text.
type MainTitle struct {
	Title string `json:"title,omitempty"`
	Desc  string `json:"desc,omitempty"`
}

// QuoteArea is a quoted block (引用文献样式).
type QuoteArea struct {
	Type      LinkType `json:"type,omitempty"`
	URL       string   `json:"url,omitempty"`
	AppID     string   `json:"appid,omitempty"`
	PagePath  string   `json:"pagepath,omitempty"`
	Title     string   `json:"title,omitempty"`
	QuoteText string   `json:"quote_text,omitempty"`
}

// EmphasisContent is a key figure with its caption (关键数据样式), text_notice only.
type EmphasisContent struct {
	Title string `json:"title,omitempty"`
	Desc  string `json:"desc,omitempty"`
}

// ImageTextArea is a left image with text on the right (左图右文样式), news_notice only.
type ImageTextArea struct {
	Type     LinkType `json:"type,omitempty"`
	URL      string   `json:"url,omitempty"`
	AppID    string   `json:"appid,omitempty"`
	PagePath string   `json:"pagepath,omitempty"`
	Title    string   `json:"title,omitempty"`
	Desc     string   `json:"desc,omitempty"`
	ImageURL string   `json:"image_url"`
}

// CardImage is a large image (图片样式), news_notice only; AspectRatio lies in 1.3–2.25.
type CardImage struct {
	URL         string  `json:"url"`
	AspectRatio float64 `json:"aspect_ratio,omitempty"`
}

// VerticalContent is a secondary title and text (卡片二级垂直内容), news_notice only.
type VerticalContent struct {
	Title string `json:"title"`
	Desc  string `json:"desc,omitempty"`
}

// HorizontalContent is a label/value row (二级标题+文本列表); see [HorizontalType].
type HorizontalContent struct {
	Type    HorizontalType `json:"type,omitempty"`
	KeyName string         `json:"keyname"`
	Value   string         `json:"value,omitempty"`
	URL     string         `json:"url,omitempty"`
	MediaID string         `json:"media_id,omitempty"`
	UserID  string         `json:"userid,omitempty"`
}

// Jump is a link line (跳转指引样式).
type Jump struct {
	Type     LinkType `json:"type,omitempty"`
	Title    string   `json:"title"`
	URL      string   `json:"url,omitempty"`
	AppID    string   `json:"appid,omitempty"`
	PagePath string   `json:"pagepath,omitempty"`
}

// CardAction is what a tap on the whole card does (整体卡片的点击跳转事件).
type CardAction struct {
	Type     LinkType `json:"type,omitempty"`
	URL      string   `json:"url,omitempty"`
	AppID    string   `json:"appid,omitempty"`
	PagePath string   `json:"pagepath,omitempty"`
}

// ButtonSelection is the drop-down of a button_interaction card (按钮型卡片的下拉框样式).
type ButtonSelection struct {
	QuestionKey string   `json:"question_key"`
	Title       string   `json:"title,omitempty"`
	OptionList  []Option `json:"option_list"`
	SelectedID  string   `json:"selected_id,omitempty"`
}

// Option is a choice of a drop-down or selector; ID comes back in the callback's OptionIds.
type Option struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Button is a button of a button_interaction card (按钮); Style 1–4.
type Button struct {
	Type  ButtonType `json:"type,omitempty"`
	Text  string     `json:"text"`
	Style int        `json:"style,omitempty"`
	Key   string     `json:"key,omitempty"`
	URL   string     `json:"url,omitempty"`
}

// Checkbox is the question of a vote_interaction card (选择题样式). Disable (update only) makes
// it read-only.
type Checkbox struct {
	QuestionKey string           `json:"question_key"`
	Mode        CheckboxMode     `json:"mode,omitempty"`
	OptionList  []CheckboxOption `json:"option_list"`
	Disable     bool             `json:"disable,omitempty"`
}

// CheckboxMode is single or multiple choice.
type CheckboxMode int

// Checkbox modes.
const (
	CheckboxSingle   CheckboxMode = 0
	CheckboxMultiple CheckboxMode = 1
)

// CheckboxOption is a vote option; IsChecked is always sent, false included.
type CheckboxOption struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	IsChecked bool   `json:"is_checked"`
}

// Selector is one drop-down of a multiple_interaction card (下拉式的选择器). Disable (update
// only) makes it read-only.
type Selector struct {
	QuestionKey string   `json:"question_key"`
	Title       string   `json:"title,omitempty"`
	SelectedID  string   `json:"selected_id,omitempty"`
	OptionList  []Option `json:"option_list"`
	Disable     bool     `json:"disable,omitempty"`
}

// SubmitButton is the submit button of vote and multiple cards (提交按钮样式).
type SubmitButton struct {
	Text string `json:"text"`
	Key  string `json:"key"`
}

// MsgType is "template_card".
func (TemplateCard) MsgType() MsgType { return MsgTemplateCard }

// Interactive reports whether the card calls back and so answers a response code: button,
// vote and multiple cards, and notice cards with an ActionMenu.
func (m TemplateCard) Interactive() bool {
	switch m.CardType {
	case CardButtonInteraction, CardVoteInteraction, CardMultipleInteraction:
		return true
	}
	return m.ActionMenu != nil
}

type cardMode int

const (
	cardSend cardMode = iota
	cardUpdate
	cardRobot
)

func (m TemplateCard) check(t target) error {
	if t != toApp {
		return unsupported(MsgTemplateCard, t)
	}
	return m.validate(cardSend)
}

func (m TemplateCard) checkRobot() error { return m.validate(cardRobot) }

// cardFields lists the optional top-level fields each card type accepts (besides card_type,
// source, main_title and task_id, which all take).
var cardFields = map[CardType][]string{
	CardTextNotice:          {"action_menu", "quote_area", "emphasis_content", "sub_title_text", "horizontal_content_list", "jump_list", "card_action"},
	CardNewsNotice:          {"action_menu", "quote_area", "image_text_area", "card_image", "vertical_content_list", "horizontal_content_list", "jump_list", "card_action"},
	CardButtonInteraction:   {"action_menu", "quote_area", "sub_title_text", "horizontal_content_list", "card_action", "button_selection", "button_list", "replace_text"},
	CardVoteInteraction:     {"checkbox", "submit_button", "replace_text"},
	CardMultipleInteraction: {"select_list", "submit_button", "replace_text"},
}

// present names the card's non-empty optional fields.
func (m TemplateCard) present() []string {
	var p []string
	add := func(name string, set bool) {
		if set {
			p = append(p, name)
		}
	}
	add("action_menu", m.ActionMenu != nil)
	add("quote_area", m.QuoteArea != nil)
	add("emphasis_content", m.EmphasisContent != nil)
	add("sub_title_text", m.SubTitleText != "")
	add("image_text_area", m.ImageTextArea != nil)
	add("card_image", m.CardImage != nil)
	add("vertical_content_list", len(m.VerticalContentList) > 0)
	add("horizontal_content_list", len(m.HorizontalContentList) > 0)
	add("jump_list", len(m.JumpList) > 0)
	add("card_action", m.CardAction != nil)
	add("button_selection", m.ButtonSelection != nil)
	add("button_list", len(m.ButtonList) > 0)
	add("checkbox", m.Checkbox != nil)
	add("select_list", len(m.SelectList) > 0)
	add("submit_button", m.SubmitButton != nil)
	add("replace_text", m.ReplaceText != "")
	return p
}

var taskIDChars = regexp.MustCompile(`^[0-9A-Za-z_\-@]+$`)

// validate applies the documented per-card-type rules for a send, an update or a robot post.
func (m TemplateCard) validate(mode cardMode) error {
	allowed, ok := cardFields[m.CardType]
	if !ok {
		return check.Invalid("template_card.card_type", "unknown card type %q", m.CardType)
	}
	if mode == cardRobot && m.CardType != CardTextNotice && m.CardType != CardNewsNotice {
		return check.Invalid("template_card.card_type", "robots send only text_notice and news_notice cards")
	}
	for _, f := range m.present() {
		switch {
		case !slices.Contains(allowed, f):
			return check.Invalid("template_card."+f, "not allowed for card_type %s", m.CardType)
		case f == "replace_text" && mode != cardUpdate:
			return check.Invalid("template_card.replace_text", "only for message/update_template_card")
		case f == "action_menu" && mode == cardRobot:
			return check.Invalid("template_card.action_menu", "robots cannot send interactive cards")
		}
	}
	if err := m.checkTask(mode); err != nil {
		return err
	}
	title := m.MainTitle != nil && m.MainTitle.Title != ""
	switch {
	case m.CardType == CardTextNotice && !title && m.SubTitleText == "":
		return check.Invalid("template_card.main_title.title", "main_title.title or sub_title_text is required")
	case m.CardType != CardTextNotice && !title:
		return check.Invalid("template_card.main_title.title", "required for %s", m.CardType)
	case mode == cardRobot && m.MainTitle == nil:
		return check.Invalid("template_card.main_title", "required for robot cards")
	}
	if m.ActionMenu != nil {
		if err := m.ActionMenu.check(); err != nil {
			return err
		}
	}
	if m.QuoteArea != nil {
		if err := checkLink("template_card.quote_area", m.QuoteArea.Type, m.QuoteArea.URL, m.QuoteArea.AppID); err != nil {
			return err
		}
	}
	if err := m.checkLists(); err != nil {
		return err
	}
	switch m.CardType {
	case CardTextNotice, CardNewsNotice:
		return m.checkNotice(mode)
	case CardButtonInteraction:
		return m.checkButtons(mode)
	case CardVoteInteraction:
		return m.checkVote(mode)
	default:
		return m.checkMultiple(mode)
	}
}

func (m TemplateCard) checkTask(mode cardMode) error {
	switch {
	case mode == cardUpdate && m.TaskID != "":
		return check.Invalid("template_card.task_id", "not sent on update: the original task continues")
	case mode == cardRobot && m.TaskID != "":
		return check.Invalid("template_card.task_id", "robot cards have no task_id")
	case mode == cardSend && m.Interactive() && m.TaskID == "":
		return check.Invalid("template_card.task_id", "required for %s cards and cards with action_menu", m.CardType)
	case m.TaskID == "":
		return nil
	case !taskIDChars.MatchString(m.TaskID):
		return check.Invalid("template_card.task_id", "only digits, letters and _-@")
	}
	return maxBytes("template_card.task_id", m.TaskID, 128)
}

func (a *ActionMenu) check() error {
	if err := countRange("template_card.action_menu.action_list", len(a.ActionList), 1, 3); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, e := range a.ActionList {
		if err := firstErr(check.Required("template_card.action_menu.action_list[].text", e.Text),
			check.Required("template_card.action_menu.action_list[].key", e.Key),
			maxBytes("template_card.action_menu.action_list[].key", e.Key, 1024)); err != nil {
			return err
		}
		if seen[e.Key] {
			return check.Invalid("template_card.action_menu.action_list[].key", "duplicate key %q", e.Key)
		}
		seen[e.Key] = true
	}
	return nil
}

// checkLink checks the url/appid a link type needs.
func checkLink(field string, t LinkType, url, appID string) error {
	switch t {
	case LinkNone:
		return nil
	case LinkURL:
		return checkURL(field+".url", url, true)
	case LinkMiniProgram:
		return check.Required(field+".appid", appID)
	}
	return check.Invalid(field+".type", "unknown link type %d", t)
}

func (m TemplateCard) checkLists() error {
	if err := firstErr(countRange("template_card.horizontal_content_list", len(m.HorizontalContentList), 0, 6),
		countRange("template_card.jump_list", len(m.JumpList), 0, 3),
		countRange("template_card.vertical_content_list", len(m.VerticalContentList), 0, 4)); err != nil {
		return err
	}
	for _, h := range m.HorizontalContentList {
		f := "template_card.horizontal_content_list[]"
		if err := check.Required(f+".keyname", h.KeyName); err != nil {
			return err
		}
		var err error
		switch h.Type {
		case HorizontalText:
		case HorizontalURL:
			err = checkURL(f+".url", h.URL, true)
		case HorizontalAttachment:
			err = check.Required(f+".media_id", h.MediaID)
		case HorizontalMember:
			err = check.Required(f+".userid", h.UserID)
		default:
			err = check.Invalid(f+".type", "unknown type %d", h.Type)
		}
		if err != nil {
			return err
		}
	}
	for _, j := range m.JumpList {
		if err := firstErr(check.Required("template_card.jump_list[].title", j.Title),
			checkLink("template_card.jump_list[]", j.Type, j.URL, j.AppID)); err != nil {
			return err
		}
	}
	for _, v := range m.VerticalContentList {
		if err := check.Required("template_card.vertical_content_list[].title", v.Title); err != nil {
			return err
		}
	}
	return nil
}

func (m TemplateCard) checkNotice(mode cardMode) error {
	if m.CardAction == nil || (m.CardAction.Type != LinkURL && m.CardAction.Type != LinkMiniProgram) {
		return check.Invalid("template_card.card_action", "required with type 1 (URL) or 2 (mini program) for %s", m.CardType)
	}
	if err := checkLink("template_card.card_action", m.CardAction.Type, m.CardAction.URL, m.CardAction.AppID); err != nil {
		return err
	}
	if m.CardType != CardNewsNotice {
		return nil
	}
	switch {
	case mode == cardRobot && m.CardImage == nil:
		return check.Invalid("template_card.card_image", "required for robot news_notice cards")
	case m.CardImage == nil && m.ImageTextArea == nil:
		return check.Invalid("template_card.card_image", "news_notice needs card_image or image_text_area")
	}
	if c := m.CardImage; c != nil {
		if err := checkURL("template_card.card_image.url", c.URL, true); err != nil {
			return err
		}
		if c.AspectRatio != 0 && (c.AspectRatio < 1.3 || c.AspectRatio > 2.25) {
			return check.Invalid("template_card.card_image.aspect_ratio", "%v not in 1.3–2.25", c.AspectRatio)
		}
	}
	if a := m.ImageTextArea; a != nil {
		return firstErr(check.Required("template_card.image_text_area.image_url", a.ImageURL),
			checkLink("template_card.image_text_area", a.Type, a.URL, a.AppID))
	}
	return nil
}

func (m TemplateCard) checkButtons(mode cardMode) error {
	if m.CardAction != nil {
		if err := checkLink("template_card.card_action", m.CardAction.Type, m.CardAction.URL, m.CardAction.AppID); err != nil {
			return err
		}
	}
	if s := m.ButtonSelection; s != nil {
		if err := firstErr(check.Required("template_card.button_selection.question_key", s.QuestionKey),
			maxBytes("template_card.button_selection.question_key", s.QuestionKey, 1024),
			checkOptions("template_card.button_selection.option_list", s.OptionList, 10)); err != nil {
			return err
		}
	}
	lo := 1
	if mode == cardUpdate {
		lo = 0
	}
	if err := countRange("template_card.button_list", len(m.ButtonList), lo, 6); err != nil {
		return err
	}
	keys := map[string]bool{}
	for _, b := range m.ButtonList {
		f := "template_card.button_list[]"
		if err := check.Required(f+".text", b.Text); err != nil {
			return err
		}
		switch b.Type {
		case ButtonCallback:
			if err := firstErr(check.Required(f+".key", b.Key), maxBytes(f+".key", b.Key, 1024)); err != nil {
				return err
			}
			if keys[b.Key] {
				return check.Invalid(f+".key", "duplicate key %q", b.Key)
			}
			keys[b.Key] = true
		case ButtonOpenURL:
			if err := checkURL(f+".url", b.URL, true); err != nil {
				return err
			}
		default:
			return check.Invalid(f+".type", "unknown type %d", b.Type)
		}
	}
	return nil
}

func (m TemplateCard) checkVote(mode cardMode) error {
	c := m.Checkbox
	if c == nil {
		return check.Invalid("template_card.checkbox", "required for vote_interaction")
	}
	if c.Disable && mode != cardUpdate {
		return check.Invalid("template_card.checkbox.disable", "only for message/update_template_card")
	}
	if err := firstErr(check.Required("template_card.checkbox.question_key", c.QuestionKey),
		maxBytes("template_card.checkbox.question_key", c.QuestionKey, 1024),
		countRange("template_card.checkbox.option_list", len(c.OptionList), 1, 20)); err != nil {
		return err
	}
	opts := make([]Option, len(c.OptionList))
	for i, o := range c.OptionList {
		opts[i] = Option{ID: o.ID, Text: o.Text}
	}
	if err := checkOptions("template_card.checkbox.option_list", opts, 20); err != nil {
		return err
	}
	return m.checkSubmit(mode)
}

func (m TemplateCard) checkMultiple(mode cardMode) error {
	if err := countRange("template_card.select_list", len(m.SelectList), 1, 3); err != nil {
		return err
	}
	keys := map[string]bool{}
	for _, s := range m.SelectList {
		if s.Disable && mode != cardUpdate {
			return check.Invalid("template_card.select_list[].disable", "only for message/update_template_card")
		}
		if err := firstErr(check.Required("template_card.select_list[].question_key", s.QuestionKey),
			maxBytes("template_card.select_list[].question_key", s.QuestionKey, 1024),
			checkOptions("template_card.select_list[].option_list", s.OptionList, 10)); err != nil {
			return err
		}
		if keys[s.QuestionKey] {
			return check.Invalid("template_card.select_list[].question_key", "duplicate key %q", s.QuestionKey)
		}
		keys[s.QuestionKey] = true
	}
	return m.checkSubmit(mode)
}

func (m TemplateCard) checkSubmit(mode cardMode) error {
	s := m.SubmitButton
	if s == nil {
		if mode == cardUpdate {
			return nil
		}
		return check.Invalid("template_card.submit_button", "required for %s", m.CardType)
	}
	return firstErr(check.Required("template_card.submit_button.text", s.Text), check.Required("template_card.submit_button.key", s.Key),
		maxBytes("template_card.submit_button.key", s.Key, 1024))
}

// checkOptions wants 1..hi options with unique IDs of at most 128 bytes and a text.
func checkOptions(field string, opts []Option, hi int) error {
	if err := countRange(field, len(opts), 1, hi); err != nil {
		return err
	}
	ids := map[string]bool{}
	for _, o := range opts {
		if err := firstErr(check.Required(field+"[].id", o.ID), maxBytes(field+"[].id", o.ID, 128), check.Required(field+"[].text", o.Text)); err != nil {
			return err
		}
		if ids[o.ID] {
			return check.Invalid(field+"[].id", "duplicate id %q", o.ID)
		}
		ids[o.ID] = true
	}
	return nil
}
