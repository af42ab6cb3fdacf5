package wire

import "strconv"

// Gender is a person's gender (性别) as WeCom reports it for members, OAuth users, customers and
// kf customers: 0 undefined, 1 male, 2 female. The address book sends it as a string ("1"),
// customer contact and kf as a number; Gender decodes both and encodes as the address book's
// string, the form its create and update calls document.
type Gender int

// Genders.
const (
	GenderUndefined Gender = 0 // 未定义 (or not consented)
	GenderMale      Gender = 1 // 男性
	GenderFemale    Gender = 2 // 女性
)

// MarshalJSON encodes the gender as the address book's string ("1"); zero encodes as "0".
func (g Gender) MarshalJSON() ([]byte, error) {
	return []byte(`"` + strconv.Itoa(int(g)) + `"`), nil
}

// UnmarshalJSON accepts 1, "1", "" and null.
func (g *Gender) UnmarshalJSON(b []byte) error {
	v, err := parseInt(b, 8)
	*g = Gender(v)
	return err
}

// String names the gender.
func (g Gender) String() string {
	switch g {
	case GenderMale:
		return "male"
	case GenderFemale:
		return "female"
	}
	return "undefined"
}

// CardType is the card_type of a template card (模板卡片类型), both in the card a program sends
// and in the template_card_event callback a click produces.
type CardType string

// Card types.
const (
	CardTextNotice          CardType = "text_notice"          // 文本通知型
	CardNewsNotice          CardType = "news_notice"          // 图文展示型
	CardButtonInteraction   CardType = "button_interaction"   // 按钮交互型
	CardVoteInteraction     CardType = "vote_interaction"     // 投票选择型
	CardMultipleInteraction CardType = "multiple_interaction" // 多项选择型
)
