package webhook

// User messages (普通消息): what a member sends in an app's chat. MsgID (in Header) is unique
// per message and AgentID is the app.

func init() {
	route[TextMessage]("msg", "text", "")
	route[ImageMessage]("msg", "image", "")
	route[VoiceMessage]("msg", "voice", "")
	route[VideoMessage]("msg", "video", "")
	route[LocationMessage]("msg", "location", "")
	route[LinkMessage]("msg", "link", "")
}

// TextMessage is a text message from a member (MsgType text).
// 文本消息
type TextMessage struct {
	Header
	// Content is the text exactly as sent (not trimmed).
	Content string `wecom:"Content,raw" xml:"Content"`
}

// ImageMessage is an image from a member (MsgType image).
// 图片消息
type ImageMessage struct {
	Header
	// PicURL is the image URL.
	PicURL string `wecom:"PicUrl" xml:"PicUrl"`
	// MediaID downloads the image with media/get for 3 days.
	MediaID string `wecom:"MediaId" xml:"MediaId"`
}

// VoiceMessage is a voice message from a member (MsgType voice).
// 语音消息
type VoiceMessage struct {
	Header
	// MediaID downloads the audio with media/get for 3 days.
	MediaID string `wecom:"MediaId" xml:"MediaId"`
	// Format is the audio format: "amr", "speex", ….
	Format string `wecom:"Format" xml:"Format"`
}

// VideoMessage is a video from a member (MsgType video).
// 视频消息
type VideoMessage struct {
	Header
	// MediaID downloads the video with media/get for 3 days.
	MediaID string `wecom:"MediaId" xml:"MediaId"`
	// ThumbMediaID downloads the thumbnail.
	ThumbMediaID string `wecom:"ThumbMediaId" xml:"ThumbMediaId"`
}

// LocationMessage is a location shared by a member (MsgType location).
// 位置消息
type LocationMessage struct {
	Header
	// Latitude is Location_X.
	Latitude float64 `wecom:"Location_X" xml:"Location_X"`
	// Longitude is Location_Y.
	Longitude float64 `wecom:"Location_Y" xml:"Location_Y"`
	// Scale is the map zoom level.
	Scale int `wecom:"Scale" xml:"Scale"`
	// Label is the address text.
	Label string `wecom:"Label,raw" xml:"Label"`
	// AppType is "wxwork" when sent from the WeCom client, empty from WeChat.
	AppType string `wecom:"AppType" xml:"AppType"`
}

// LinkMessage is a link shared by a member (MsgType link).
// 链接消息
type LinkMessage struct {
	Header
	Title       string `wecom:"Title,raw" xml:"Title"`             // Title is the link's title.
	Description string `wecom:"Description,raw" xml:"Description"` // Description is the link's summary.
	URL         string `wecom:"Url" xml:"Url"`                     // URL is the link target.
	PicURL      string `wecom:"PicUrl" xml:"PicUrl"`               // PicURL is the cover thumbnail.
}
