package wecomtest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
)

// Customer moments (客户朋友圈). add_moment_task submits an asynchronous job: its result (polled
// with get_moment_task_result) answers status 1, then 2 while "running", then 3 with the
// moment_id and the senders and tags that were invalid. The moment then has a task per
// executing member, unpublished until the member publishes it ([Server.PublishMoment]); a
// published member's copy has the customers who may see it and the comments and likes a test
// adds ([Server.AddMomentComment], [Server.AddMomentLike]). Members' own moments (个人发表)
// come from [Server.PostMemberMoment]. Senders are checked against the address book once the
// corp has members, as message recipients are; before that every userid is taken as valid and
// a task without senders goes to the members who follow customers.

// Errcodes of customer moments that have no client constant: the global errcode page lists
// them, the spec's errcode tables do not.
const (
	codeMissingMomentID    = client.CodeMissingMomentID      // 缺少moment_id参数
	codeInvalidMomentID    = client.CodeInvalidMomentID      // 不合法的moment_id参数
	codeMomentNotByUser    = client.CodeMomentNotByUser      // 当前朋友圈并非此用户发表
	codeMomentNotPublished = client.CodeMomentNotPublished   // 企业创建的朋友圈尚未被成员userid发表
	codeMomentWrongType    = client.CodeMomentIDTypeMismatch // 朋友圈moment_id类型错误
	codeMomentEmpty        = client.CodeEmptyMoment          // 朋友圈附件与内容不能同时为empty
	codeMomentMonthlyLimit = client.CodeMomentMonthlyLimit   // 企业创建的朋友圈数量不能超过10w/月
)

// Documented limits of customer moments.
const (
	momentTasksPerMinute = 10     // add_moment_task calls a corp may make a minute
	momentTasksPerMonth  = 100000 // moments a corp may create through the API a month
	maxMomentSenders     = 100000 // sender_list.user_list entries
	momentJobTTL         = 24 * time.Hour
	maxMomentListRange   = 30 * 24 * 3600 // get_moment_list: "no more than 30 days"
)

// Wire values of customer moments.
const (
	momentJobType           = "add_moment_task"
	momentCreatedByCorp     = 0
	momentCreatedByMember   = 1
	momentVisiblePartially  = 0
	momentVisibleToAll      = 1
	momentJobStarted        = 1
	momentJobRunning        = 2
	momentJobFinished       = 3
	momentUnpublishedStatus = 0
	momentPublishedStatus   = 1
	momentThumbPrefix       = "thumb-" // the simulator's video cover media ids
)

// momentState is one corp's customer moments and, since both are tasks members carry out for
// the corp, its mass-message records ([massState]). The zero value is usable: maps are made on
// first use.
type momentState struct {
	moments map[string]*simMoment
	order   []string // moment ids in creation order (sorted: newID pads its counter)
	jobs    map[string]*simMomentJob
	mass    massState

	now         func() time.Time // the simulator's clock for this corp; nil: time.Now
	minute      time.Time        // start of the add_moment_task minute window
	inMinute    int              // add_moment_task calls in it
	month       string           // the month monthCount belongs to
	monthCount  int              // moments created through the API that month
	initialized bool
}

func (m *momentState) init() {
	if !m.initialized {
		m.moments = map[string]*simMoment{}
		m.jobs = map[string]*simMomentJob{}
		m.initialized = true
	}
}

func (m *momentState) clock() time.Time {
	if m.now != nil {
		return m.now()
	}
	return time.Now()
}

func (m *momentState) massState() *massState {
	m.mass.init()
	return &m.mass
}

type simMoment struct {
	id          string
	creator     string // member-created moments only: API moments answer no creator
	createType  int
	createTime  int64
	visibleType int
	content     J        // text, image, video, link, location as get_moment_list answers them
	tags        []string // the customer tags that may see it (corp moments); nil: all customers
	tasks       map[string]*simMomentTask
	cancelled   bool
}

// simMomentTask is one member's copy of a moment.
type simMomentTask struct {
	userID    string
	published bool
	customers []string // the customers it was published to, sorted; set when published
	comments  []J
	likes     []J
}

type simMomentJob struct {
	created time.Time
	polls   int // status answers given so far
	pending int // "running" answers left before the job finishes
	moment  *simMoment
	result  J // set when the job finishes
	failure *Error
	invalid J // invalid_sender_list and invalid_external_contact_list
}

func (s *Server) momentRoutes() []route {
	return []route{
		{post, "/cgi-bin/externalcontact/add_moment_task", TokenCorp, s.momentAdd},
		{get, "/cgi-bin/externalcontact/get_moment_task_result", TokenCorp, s.momentJobResult},
		{post, "/cgi-bin/externalcontact/cancel_moment_task", TokenCorp, s.momentCancel},
		{post, "/cgi-bin/externalcontact/get_moment_list", TokenCorp, s.momentList},
		{post, "/cgi-bin/externalcontact/get_moment_task", TokenCorp, s.momentTasks},
		{post, "/cgi-bin/externalcontact/get_moment_customer_list", TokenCorp, s.momentCustomers},
		{post, "/cgi-bin/externalcontact/get_moment_send_result", TokenCorp, s.momentSendResult},
		{post, "/cgi-bin/externalcontact/get_moment_comments", TokenCorp, s.momentComments},
	}
}

func (s *Server) callMoments(c *Call) *momentState {
	m := &s.callBook(c).moments
	m.init()
	return m
}

type momentAttachment struct {
	MsgType string `json:"msgtype"`
	Image   *struct {
		MediaID string `json:"media_id"`
	} `json:"image"`
	Video *struct {
		MediaID string `json:"media_id"`
	} `json:"video"`
	Link *struct {
		Title   string `json:"title"`
		URL     string `json:"url"`
		MediaID string `json:"media_id"`
	} `json:"link"`
}

// momentContent checks the text and attachments of add_moment_task as WeCom does (the errmsgs
// are the documented ones) and returns them as get_moment_list answers them.
func momentContent(text *struct {
	Content string `json:"content"`
}, atts []momentAttachment) (J, error) {
	out := J{}
	if text != nil && text.Content != "" {
		if len(text.Content) > 4000 {
			return nil, errc(client.CodeInvalidParameter, "invalid text size")
		}
		out["text"] = J{"content": text.Content}
	}
	if len(out) == 0 && len(atts) == 0 {
		return nil, errc(codeMomentEmpty, "text and attachments are both empty")
	}
	var images []J
	for _, a := range atts {
		if a.MsgType != atts[0].MsgType {
			return nil, errc(client.CodeInvalidAttachmentType, "invalid attachments msgtype")
		}
		switch a.MsgType {
		case "image":
			if a.Image == nil || a.Image.MediaID == "" {
				return nil, errc(client.CodeMissingMediaID, "image.media_id missing")
			}
			images = append(images, J{"media_id": a.Image.MediaID})
		case "video":
			if a.Video == nil || a.Video.MediaID == "" {
				return nil, errc(client.CodeInvalidParameter, "invalid msg")
			}
			out["video"] = J{"media_id": a.Video.MediaID, "thumb_media_id": momentThumbPrefix + a.Video.MediaID}
		case "link":
			switch {
			case a.Link == nil || a.Link.URL == "":
				return nil, errc(client.CodeInvalidParameter, "link.url missing")
			case a.Link.MediaID == "":
				return nil, errc(client.CodeMissingMediaID, "link.media_id missing")
			case utf8.RuneCountInString(a.Link.Title) > 64 || len(a.Link.Title) > 128:
				return nil, errc(client.CodeInvalidParameter, "link.title too long")
			}
			out["link"] = J{"title": a.Link.Title, "url": a.Link.URL}
		default:
			return nil, errc(client.CodeInvalidAttachmentType, "invalid attachments msgtype")
		}
	}
	if n := len(atts); n > 0 && ((atts[0].MsgType == "image" && n > 9) || (atts[0].MsgType != "image" && n > 1)) {
		return nil, errc(client.CodeTooManyAttachments, "invalid attachments size")
	}
	if images != nil {
		out["image"] = images
	}
	return out, nil
}

func (s *Server) momentAdd(c *Call) (any, error) {
	in, err := decode[struct {
		Text *struct {
			Content string `json:"content"`
		} `json:"text"`
		Attachments  []momentAttachment `json:"attachments"`
		VisibleRange *struct {
			Senders *struct {
				UserIDs []string `json:"user_list"`
				Depts   []int    `json:"department_list"`
			} `json:"sender_list"`
			Customers *struct {
				TagIDs []string `json:"tag_list"`
			} `json:"external_contact_list"`
		} `json:"visible_range"`
	}](c)
	if err != nil {
		return nil, err
	}
	content, err := momentContent(in.Text, in.Attachments)
	if err != nil {
		return nil, err
	}
	var users, tags []string
	var depts []int
	if r := in.VisibleRange; r != nil {
		if r.Senders != nil {
			users, depts = r.Senders.UserIDs, r.Senders.Depts
		}
		if r.Customers != nil {
			tags = r.Customers.TagIDs
		}
	}
	if len(users) > maxMomentSenders {
		return nil, errc(client.CodeInvalidParameter, "sender_list.user_list: at most 100000 members")
	}
	b := s.callBook(c)
	m := s.callMoments(c)
	now := m.clock()
	if w := now.Truncate(time.Minute); !w.Equal(m.minute) {
		m.minute, m.inMinute = w, 0
	}
	if month := now.In(massMonthZone).Format("2006-01"); month != m.month {
		m.month, m.monthCount = month, 0
	}
	switch {
	case m.inMinute >= momentTasksPerMinute:
		return nil, errc(client.CodeFrequencyLimit, "api freq out of limit: 10 moment tasks a minute")
	case m.monthCount >= momentTasksPerMonth:
		return nil, errc(codeMomentMonthlyLimit, "moments created by the corp exceed 100000 this month")
	}
	m.inMinute++

	// Resolve the executors now: the job reports what it could not use.
	e := &b.external
	badUsers, badDepts, badTags := []string{}, []int{}, []string{}
	var goodTags []string
	for _, id := range tags {
		if _, t := e.tagByID(id); t != nil {
			goodTags = append(goodTags, id)
		} else {
			badTags = append(badTags, id)
		}
	}
	candidates := map[string]string{} // lower-case userid → userid
	if len(users)+len(depts) > 0 {
		for _, u := range users {
			if su := b.users[strings.ToLower(u)]; su != nil {
				candidates[strings.ToLower(su.ID)] = su.ID
			} else if b.open() {
				candidates[strings.ToLower(u)] = u
			} else {
				badUsers = append(badUsers, u)
			}
		}
		for _, d := range depts {
			if b.depts[d] == nil {
				badDepts = append(badDepts, d)
				continue
			}
			for _, u := range b.deptMembers(d) {
				candidates[strings.ToLower(u.ID)] = u.ID
			}
		}
	} else if !b.open() {
		for _, u := range b.users {
			candidates[strings.ToLower(u.ID)] = u.ID
		}
	} else {
		// No address book: the members are whoever follows customers.
		for _, x := range e.contacts {
			for k, f := range x.follows {
				candidates[k] = f.UserID
			}
		}
	}
	mo := &simMoment{createType: momentCreatedByCorp, createTime: now.Unix(), visibleType: momentVisibleToAll,
		content: content, tasks: map[string]*simMomentTask{}}
	if len(tags) > 0 {
		mo.visibleType, mo.tags = momentVisiblePartially, append([]string{}, goodTags...)
	}
	for k, u := range candidates {
		if len(tags) == 0 || len(b.momentAudience(u, mo.tags)) > 0 {
			mo.tasks[k] = &simMomentTask{userID: u}
		}
	}
	job := &simMomentJob{created: now, pending: 1, invalid: J{
		"invalid_sender_list":           J{"user_list": badUsers, "department_list": badDepts},
		"invalid_external_contact_list": J{"tag_list": badTags},
	}}
	if len(mo.tasks) == 0 {
		job.failure = &Error{Code: client.CodeNoCustomersToSend, Msg: "no valid sender with customers to see the moment"}
	} else {
		mo.id = s.newID("momSIM")
		job.moment = mo
		m.monthCount++
	}
	id := s.newID("jobSIMMOMENT")
	m.jobs[id] = job
	return J{"jobid": id}, nil
}

// momentAudience returns the customers of member userID that may see a moment limited to tags
// (nil: all their customers), sorted.
func (b *addressBook) momentAudience(userID string, tags []string) []string {
	e := &b.external
	k := strings.ToLower(userID)
	var out []string
	for _, id := range e.order() {
		if f := e.contacts[id].follows[k]; f != nil && (tags == nil || slices.ContainsFunc(tags, func(t string) bool { return slices.Contains(f.TagIDs, t) })) {
			out = append(out, id)
		}
	}
	return out
}

func (s *Server) momentJobResult(c *Call) (any, error) {
	id := c.Query("jobid")
	if id == "" {
		return nil, errc(client.CodeEmptyParameter, "jobid missing")
	}
	m := s.callMoments(c)
	job := m.jobs[id]
	if job == nil || m.clock().Sub(job.created) >= momentJobTTL {
		return nil, errc(client.CodeJobIDNotFound, "invalid jobid")
	}
	job.polls++
	if job.pending > 0 {
		job.pending--
		status := momentJobRunning
		if job.polls == 1 {
			status = momentJobStarted
		}
		return J{"status": status, "type": momentJobType}, nil
	}
	if job.result == nil {
		job.result = maps.Clone(job.invalid)
		if job.failure != nil {
			job.result["errcode"], job.result["errmsg"] = job.failure.Code, job.failure.Msg
		} else {
			job.result["errcode"], job.result["errmsg"], job.result["moment_id"] = 0, "ok", job.moment.id
			m.moments[job.moment.id] = job.moment
			m.order = append(m.order, job.moment.id)
		}
	}
	return J{"status": momentJobFinished, "type": momentJobType, "result": job.result}, nil
}

// SetMomentJobPolls makes every unfinished add_moment_task job of corpID answer "started" or
// "running" to the next n result queries, for tests of job polling. New jobs answer "started"
// once and finish on the second query; a job's moment exists from then on.
func (s *Server) SetMomentJobPolls(corpID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := &s.book(corpID).moments
	m.init()
	for _, j := range m.jobs {
		if j.result == nil {
			j.pending = n
		}
	}
}

// moment finds the moment a request names.
func (s *Server) moment(c *Call, id string) (*simMoment, error) {
	if id == "" {
		return nil, errc(codeMissingMomentID, "missing moment_id")
	}
	mo := s.callMoments(c).moments[id]
	if mo == nil {
		return nil, errc(codeInvalidMomentID, "invalid moment_id")
	}
	return mo, nil
}

// momentTask finds a member's published copy of a moment for the per-member reads.
func (s *Server) momentTask(c *Call, momentID, userID string) (*simMomentTask, error) {
	mo, err := s.moment(c, momentID)
	if err != nil {
		return nil, err
	}
	if userID == "" {
		return nil, errc(client.CodeMissingUserID, "missing userid")
	}
	t := mo.tasks[strings.ToLower(userID)]
	switch {
	case t == nil:
		return nil, errc(codeMomentNotByUser, "the moment was not published by this userid")
	case !t.published:
		return nil, errc(codeMomentNotPublished, "the corp moment has not been published by this userid")
	}
	return t, nil
}

func (s *Server) momentCancel(c *Call) (any, error) {
	in, err := decode[struct {
		MomentID string `json:"moment_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	mo, err := s.moment(c, in.MomentID)
	if err != nil {
		return nil, err
	}
	if mo.createType != momentCreatedByCorp {
		return nil, errc(codeMomentWrongType, "moment_id type error: not created by the corp")
	}
	mo.cancelled = true
	return J{}, nil
}

func (s *Server) momentList(c *Call) (any, error) {
	in, err := decode[struct {
		StartTime  int64  `json:"start_time"`
		EndTime    int64  `json:"end_time"`
		Creator    string `json:"creator"`
		FilterType *int   `json:"filter_type"`
		Cursor     string `json:"cursor"`
		Limit      int    `json:"limit"`
	}](c)
	if err != nil {
		return nil, err
	}
	filter := 2
	if in.FilterType != nil {
		filter = *in.FilterType
	}
	if filter < 0 || filter > 2 {
		return nil, errc(client.CodeInvalidParameter, "invalid filter_type")
	}
	if err := checkRange(in.StartTime, in.EndTime, maxMomentListRange); err != nil {
		return nil, err
	}
	m := s.callMoments(c)
	var keys []string
	for _, id := range m.order {
		mo := m.moments[id]
		// Only moments inside (start_time, end_time) are listed.
		if mo.createTime > in.StartTime && mo.createTime < in.EndTime &&
			(in.Creator == "" || strings.EqualFold(mo.creator, in.Creator)) && (filter == 2 || mo.createType == filter) {
			keys = append(keys, id)
		}
	}
	page, next, err := pageOf(keys, in.Cursor, listLimit(in.Limit, 20, 20))
	if err != nil {
		return nil, err
	}
	out := []J{}
	for _, id := range page {
		mo := m.moments[id]
		j := J{"moment_id": mo.id, "create_time": mo.createTime, "create_type": mo.createType, "visible_type": mo.visibleType}
		if mo.creator != "" {
			j["creator"] = mo.creator
		}
		maps.Copy(j, mo.content)
		out = append(out, j)
	}
	return J{"moment_list": out, "next_cursor": next}, nil
}

type momentPageBody struct {
	MomentID string `json:"moment_id"`
	UserID   string `json:"userid"`
	Cursor   string `json:"cursor"`
	Limit    int    `json:"limit"`
}

func (s *Server) momentTasks(c *Call) (any, error) {
	in, err := decode[momentPageBody](c)
	if err != nil {
		return nil, err
	}
	mo, err := s.moment(c, in.MomentID)
	if err != nil {
		return nil, err
	}
	if mo.createType != momentCreatedByCorp {
		return nil, errc(codeMomentWrongType, "moment_id type error: only moments created by the corp have tasks")
	}
	page, next, err := pageOf(slices.Sorted(maps.Keys(mo.tasks)), in.Cursor, listLimit(in.Limit, 500, 1000))
	if err != nil {
		return nil, err
	}
	out := []J{}
	for _, k := range page {
		t := mo.tasks[k]
		status := momentUnpublishedStatus
		if t.published {
			status = momentPublishedStatus
		}
		out = append(out, J{"userid": t.userID, "publish_status": status})
	}
	return J{"task_list": out, "next_cursor": next}, nil
}

func (s *Server) momentCustomers(c *Call) (any, error) {
	in, err := decode[momentPageBody](c)
	if err != nil {
		return nil, err
	}
	t, err := s.momentTask(c, in.MomentID, in.UserID)
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(t.customers, in.Cursor, listLimit(in.Limit, 500, 1000))
	if err != nil {
		return nil, err
	}
	out := make([]J, 0, len(page))
	for _, id := range page {
		out = append(out, J{"userid": t.userID, "external_userid": id})
	}
	return J{"customer_list": out, "next_cursor": next}, nil
}

// momentSendResult lists the customers who can see the member's moment now: those it was
// published to who are still the member's customers.
func (s *Server) momentSendResult(c *Call) (any, error) {
	in, err := decode[momentPageBody](c)
	if err != nil {
		return nil, err
	}
	t, err := s.momentTask(c, in.MomentID, in.UserID)
	if err != nil {
		return nil, err
	}
	e := &s.callBook(c).external
	k := strings.ToLower(t.userID)
	keys := make([]string, 0, len(t.customers))
	for _, id := range t.customers {
		if x := e.contacts[id]; x != nil && x.follows[k] != nil {
			keys = append(keys, id)
		}
	}
	page, next, err := pageOf(keys, in.Cursor, listLimit(in.Limit, 3000, 5000))
	if err != nil {
		return nil, err
	}
	out := make([]J, 0, len(page))
	for _, id := range page {
		out = append(out, J{"external_userid": id})
	}
	return J{"customer_list": out, "next_cursor": next}, nil
}

func (s *Server) momentComments(c *Call) (any, error) {
	in, err := decode[momentPageBody](c)
	if err != nil {
		return nil, err
	}
	t, err := s.momentTask(c, in.MomentID, in.UserID)
	if err != nil {
		return nil, err
	}
	return J{"comment_list": append([]J{}, t.comments...), "like_list": append([]J{}, t.likes...)}, nil
}

// PublishMoment makes member userID publish their copy of the corp's moment momentID, as the
// member does by confirming the task in the WeCom app: the task turns published and the moment
// becomes visible to the member's customers in its range (all of them, or those the moment's
// customer tags mark). It fails for an unknown moment or member, a member's own moment, a copy
// already published, and a moment stopped by cancel_moment_task.
func (s *Server) PublishMoment(corpID, momentID, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.book(corpID)
	b.moments.init()
	mo := b.moments.moments[momentID]
	switch {
	case mo == nil:
		return fmt.Errorf("wecomtest: corp %s has no moment %q (has its job finished?)", corpID, momentID)
	case mo.createType != momentCreatedByCorp:
		return fmt.Errorf("wecomtest: moment %q is a member's own, published when posted", momentID)
	case mo.cancelled:
		return fmt.Errorf("wecomtest: moment %q was cancelled", momentID)
	}
	t := mo.tasks[strings.ToLower(userID)]
	switch {
	case t == nil:
		return fmt.Errorf("wecomtest: %s has no task for moment %q", userID, momentID)
	case t.published:
		return fmt.Errorf("wecomtest: %s already published moment %q", userID, momentID)
	}
	t.published, t.customers = true, b.momentAudience(t.userID, mo.tags)
	return nil
}

// SeedLocation is the place a member's moment was posted from.
type SeedLocation struct {
	Latitude, Longitude, Name string
}

// SeedMoment is a moment a member posted themselves (个人发表), added by
// [Server.PostMemberMoment]. Set at most one kind of attachment.
type SeedMoment struct {
	Creator      string
	CreateTime   int64 // Unix seconds; 0 means now
	Text         string
	ImageIDs     []string // media ids of the images
	VideoMediaID string
	LinkTitle    string
	LinkURL      string
	Location     *SeedLocation
	VisibleTo    []string // the customers who may see it; nil: all the creator's customers (public)
}

// PostMemberMoment records a moment member m.Creator posted in the app, published at once to
// m.VisibleTo (or to all their customers), and returns its moment id. It has no tasks:
// get_moment_task answers 41067 for it, and cancel_moment_task cannot stop it.
func (s *Server) PostMemberMoment(corpID string, m SeedMoment) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.book(corpID)
	b.moments.init()
	created := m.CreateTime
	if created == 0 {
		created = b.moments.clock().Unix()
	}
	content := J{}
	if m.Text != "" {
		content["text"] = J{"content": m.Text}
	}
	if len(m.ImageIDs) > 0 {
		var images []J
		for _, id := range m.ImageIDs {
			images = append(images, J{"media_id": id})
		}
		content["image"] = images
	}
	if m.VideoMediaID != "" {
		content["video"] = J{"media_id": m.VideoMediaID, "thumb_media_id": momentThumbPrefix + m.VideoMediaID}
	}
	if m.LinkURL != "" {
		content["link"] = J{"title": m.LinkTitle, "url": m.LinkURL}
	}
	if l := m.Location; l != nil {
		content["location"] = J{"latitude": l.Latitude, "longitude": l.Longitude, "name": l.Name}
	}
	mo := &simMoment{id: s.newID("momSIM"), creator: m.Creator, createType: momentCreatedByMember, createTime: created,
		visibleType: momentVisibleToAll, content: content, tasks: map[string]*simMomentTask{}}
	t := &simMomentTask{userID: m.Creator, published: true}
	if m.VisibleTo != nil {
		mo.visibleType = momentVisiblePartially
		t.customers = slices.Compact(slices.Sorted(slices.Values(m.VisibleTo)))
	} else {
		t.customers = b.momentAudience(m.Creator, nil)
	}
	mo.tasks[strings.ToLower(m.Creator)] = t
	b.moments.moments[mo.id] = mo
	b.moments.order = append(b.moments.order, mo.id)
	return mo.id
}

// MomentInteraction is a comment or a like on a member's copy of a moment, by a customer
// (ExternalUserID) or by a member of the corp (UserID): set exactly one of the two.
type MomentInteraction struct {
	ExternalUserID string
	UserID         string
	CreateTime     int64 // Unix seconds; 0 means now
}

// AddMomentComment records a comment on publisher's copy of moment momentID, as
// get_moment_comments then lists it. A customer must be one the copy was published to; the
// copy must be published.
func (s *Server) AddMomentComment(corpID, momentID, publisher string, by MomentInteraction) error {
	return s.interact(corpID, momentID, publisher, by, false)
}

// AddMomentLike records a like on publisher's copy of moment momentID, with the same rules as
// [Server.AddMomentComment].
func (s *Server) AddMomentLike(corpID, momentID, publisher string, by MomentInteraction) error {
	return s.interact(corpID, momentID, publisher, by, true)
}

func (s *Server) interact(corpID, momentID, publisher string, by MomentInteraction, like bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.book(corpID)
	b.moments.init()
	mo := b.moments.moments[momentID]
	if mo == nil {
		return fmt.Errorf("wecomtest: corp %s has no moment %q", corpID, momentID)
	}
	t := mo.tasks[strings.ToLower(publisher)]
	if t == nil || !t.published {
		return fmt.Errorf("wecomtest: %s has not published moment %q", publisher, momentID)
	}
	j := J{}
	switch {
	case (by.ExternalUserID == "") == (by.UserID == ""):
		return fmt.Errorf("wecomtest: a moment interaction needs exactly one of ExternalUserID and UserID")
	case by.ExternalUserID != "":
		if _, ok := slices.BinarySearch(t.customers, by.ExternalUserID); !ok {
			return fmt.Errorf("wecomtest: customer %s cannot see %s's moment %q", by.ExternalUserID, publisher, momentID)
		}
		j["external_userid"] = by.ExternalUserID
	default:
		j["userid"] = by.UserID
	}
	j["create_time"] = by.CreateTime
	if by.CreateTime == 0 {
		j["create_time"] = b.moments.clock().Unix()
	}
	if like {
		t.likes = append(t.likes, j)
	} else {
		t.comments = append(t.comments, j)
	}
	return nil
}
