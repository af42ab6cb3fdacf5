// Package broadcast sends one message to many targets (a brand's dealers and stores, an ISV's
// customer corps, the members of a network) as a resumable job whose progress lives in a
// [store.Store]: a run that is cancelled or killed at any point and started again finishes the
// broadcast with no target missed and none messaged twice.
// 可恢复的群发任务
//
// A [Job] names its targets and a [SendFunc] that reaches one of them (typically one
// messages.Service.Send through that target's own client). Run sends to every target that is
// not done yet, a few at a time, and records each target's progress in the store:
//
//   - Before a send, the target gets a short in-flight lease (SetNX with a TTL, renewed while
//     the send runs) so that two runners sharing the store never work on it at once, and an
//     "attempted" mark, so that a later run knows an earlier attempt may have reached WeCom.
//   - After the send returned success, and only then, the target's "done" mark replaces the
//     attempted mark. A run never writes done for what it has not delivered.
//   - A run that starts again skips done targets. A target whose runner died mid-send keeps its
//     attempted mark: once the dead runner's lease has expired it is sent again with
//     [Target.Resend] set, using the same [Target.Key].
//
// That resend is where the message's own idempotency takes over: the SendFunc must make a
// second delivery of the same message impossible. For app messages that is two layers, both
// keyed by Target.Key: message/send's duplicate check (enable_duplicate_check, the default of
// messages.Service.Send: an identical request within duplicate_check_interval, up to 4 hours,
// is answered with the first request's answer and delivered nothing) and, for template cards,
// a task_id derived from the key (unique per app forever, so a resend after the window is
// refused with 42014 instead of delivered; the SendFunc then reports success). The request
// body must therefore be the same bytes on every attempt: build it from the job and the target
// only, never from the clock or a counter.
//
// The store is what makes the job resumable: store.NewMemory for a job inside one process
// (cancellation, retries of failed targets), a shared store such as the redisstore module's for
// a fleet or for a process that may be killed and restarted. Keys live under
// "wecom:v1:bcast:<job ID>:" for [Job.Keep] (7 days by default).
package broadcast

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
)

// Defaults of the [Job] settings.
const (
	DefaultWorkers = 16
	// DefaultLease is how long a target's in-flight lease lasts without renewal: how long a
	// run started after a crash waits for the targets the dead runner had in flight.
	DefaultLease = 10 * time.Second
	// DefaultKeep is how long the job's records stay in the store: a run started later than
	// that after the last one begins the job again (and relies on the messages' idempotency).
	DefaultKeep = 7 * 24 * time.Hour
)

// KeyPrefix starts every store key of a job: KeyPrefix + job ID + ":" + kind.
const KeyPrefix = "wecom:v1:bcast:"

// Errors of [Job.Run].
var (
	// ErrIncomplete is matched (errors.Is) by Run's error when some targets failed: they are
	// listed in the [Result], and a later Run of the same job tries them again.
	ErrIncomplete = errors.New("broadcast: some targets failed")
	// ErrJobChanged is returned when a job's records in the store were written for another
	// list of targets: a job ID names one broadcast.
	ErrJobChanged = errors.New("broadcast: the job ID was used for other targets")
)

// SendFunc delivers the job's message to one target. It returns nil once the message is
// delivered, or known to have been delivered by an earlier attempt (a duplicate the message's
// idempotency refused). An error leaves the target not done: the run counts it as failed and a
// later Run tries it again. ctx ends when Run's does or when the target's lease was lost.
type SendFunc func(ctx context.Context, t Target) error

// Target is one send of a job.
type Target struct {
	// ID is the target as listed in [Job.Targets].
	ID string
	// Key is the target's idempotency key: the same on every attempt of this job for this
	// target, different for every other job or target. It is 32 lower-case hex digits, valid
	// as a template card task_id and as a kf msgid.
	Key string
	// Resend reports that an earlier attempt may have reached WeCom (it failed without a
	// clear answer, or its runner was cancelled or died before recording the outcome): the
	// SendFunc must rely on the message's idempotency, and treat "already used" answers for
	// Key as delivered (see AlreadySent).
	Resend bool
}

// Job is one broadcast: the same message to every target, once. Its ID keys its progress in
// Store; running a Job with the same ID and targets again resumes it.
type Job struct {
	// ID names the broadcast: 1 to 64 letters, digits, '-', '_' or '.'.
	ID string
	// Targets are who to reach, each once: non-empty, distinct strings (corp IDs, UserIDs,
	// "corp/user" pairs). Targets are started in this order.
	Targets []string
	// Send delivers the message to one target.
	Send SendFunc
	// Store keeps the job's progress. Required.
	Store store.Store
	// Workers is how many sends run at once (default DefaultWorkers).
	Workers int
	// Lease is the in-flight lease of a target (default DefaultLease), renewed every third of
	// it while the send runs. A shorter lease lets a restarted run take over a dead runner's
	// targets sooner.
	Lease time.Duration
	// Keep is how long the job's records stay in the store (default DefaultKeep).
	Keep time.Duration
	// OnProgress, when set, is called after each target's outcome, one call at a time; keep
	// it short, sends wait for it.
	OnProgress func(Progress)
}

// Counts are a run's tallies.
type Counts struct {
	Total       int // targets in the job
	Sent        int // delivered by this run
	Resent      int // of Sent, those sent again after an earlier attempt may have reached WeCom
	AlreadyDone int // found done: delivered by an earlier run or by another runner
	Failed      int // their send failed in this run
}

// Done is how many targets have been delivered so far, by this run or before it.
func (c Counts) Done() int { return c.Sent + c.AlreadyDone }

// Outcome is what became of one target in a run.
type Outcome int

// Outcomes of a target.
const (
	OutcomeSent        Outcome = iota + 1 // delivered by this run
	OutcomeResent                         // delivered by this run after an interrupted attempt (see Target.Resend)
	OutcomeAlreadyDone                    // found done: delivered by an earlier run or another runner
	OutcomeFailed                         // the send failed; a later Run tries again
)

// Progress is reported after each target's outcome.
type Progress struct {
	Counts
	Target  string  // the target just finished
	Outcome Outcome // what became of it
	Err     error   // its send's error; nil unless it failed
}

// Result is what a run did.
type Result struct {
	Counts
	Errors  []TargetError // the failed targets, in the order they failed
	Elapsed time.Duration
}

// TargetError is a failed send.
type TargetError struct {
	Target string
	Err    error
}

// Error names the target and its error.
func (e TargetError) Error() string { return "broadcast: target " + e.Target + ": " + e.Err.Error() }

// Unwrap returns the send's error.
func (e TargetError) Unwrap() error { return e.Err }

// jobRecord is the job's own record: which targets it was made for and whether it finished.
type jobRecord struct {
	Version     int    `json:"v"`
	Targets     int    `json:"targets"`
	Fingerprint string `json:"fingerprint"` // sha256 of the sorted targets
	Completed   int64  `json:"completed,omitempty"`
}

// Per-target state values; absent means never attempted.
const (
	stateAttempted = "attempted"
	stateDone      = "done"
)

// Key returns the idempotency key of target in the job named jobID (see [Target.Key]).
func Key(jobID, target string) string {
	sum := sha256.Sum256([]byte(jobID + "\x00" + target))
	return hex.EncodeToString(sum[:16])
}

// Run sends the message to every target of the job that is not done yet and returns what it
// did. Its error is nil when every target is done; it matches [ErrIncomplete] when some sends
// failed (Result.Errors lists them; run again to retry them), and is ctx's error when ctx
// ended first or a store error when the store failed. In the last two cases the sends in flight
// are let finish or abandoned with ctx, and a later Run resumes the job.
//
// Several runs of one job may go on at once, in one process or many sharing the store: each
// target is worked on by one of them at a time, and a run waits for the targets that another
// holds until they are done or their lease expires.
func (j *Job) Run(ctx context.Context) (*Result, error) {
	r, err := j.newRun()
	if err != nil {
		return nil, err
	}
	res, err := r.run(ctx)
	res.Elapsed = time.Since(r.start)
	return res, err
}

type run struct {
	j       *Job
	st      store.Store
	workers int
	lease   time.Duration
	keep    time.Duration
	owner   string // this run's lease value prefix
	prefix  string // KeyPrefix + ID + ":"
	start   time.Time

	mu     sync.Mutex
	counts Counts
	errs   []TargetError
	seq    uint64
	fatal  error // the first store error: it ends the run
}

func (j *Job) newRun() (*run, error) {
	if err := checkID(j.ID); err != nil {
		return nil, err
	}
	switch {
	case j.Store == nil:
		return nil, errors.New("broadcast: the job has no Store")
	case j.Send == nil:
		return nil, errors.New("broadcast: the job has no Send function")
	case j.Workers < 0, j.Lease < 0, j.Keep < 0:
		return nil, errors.New("broadcast: Workers, Lease and Keep must not be negative")
	}
	seen := make(map[string]bool, len(j.Targets))
	for _, t := range j.Targets {
		if t == "" {
			return nil, errors.New("broadcast: an empty target")
		}
		if seen[t] {
			return nil, fmt.Errorf("broadcast: target %q is listed twice", t)
		}
		seen[t] = true
	}
	var tag [8]byte
	_, _ = rand.Read(tag[:])
	r := &run{
		j: j, st: j.Store, workers: j.Workers, lease: j.Lease, keep: j.Keep,
		owner: hex.EncodeToString(tag[:]), prefix: KeyPrefix + j.ID + ":", start: time.Now(),
	}
	if r.workers == 0 {
		r.workers = DefaultWorkers
	}
	if r.lease == 0 {
		r.lease = DefaultLease
	}
	if r.keep == 0 {
		r.keep = DefaultKeep
	}
	if r.keep < r.lease {
		return nil, errors.New("broadcast: Keep must be at least the Lease")
	}
	r.counts.Total = len(j.Targets)
	return r, nil
}

func checkID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("broadcast: job ID %q: want 1 to 64 characters", id)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("broadcast: job ID %q: only letters, digits, '-', '_' and '.'", id)
		}
	}
	return nil
}

func (r *run) stateKey(target string) string { return r.prefix + "t:" + target }
func (r *run) leaseKey(target string) string { return r.prefix + "l:" + target }
func (r *run) jobKey() string                { return r.prefix + "job" }

func fingerprint(targets []string) string {
	sorted := slices.Clone(targets)
	slices.Sort(sorted)
	h := sha256.New()
	for _, t := range sorted {
		h.Write([]byte(t))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// open writes the job's record, or checks the one a previous run wrote, and reports whether
// the job was already completed.
func (r *run) open(ctx context.Context) (bool, error) {
	rec := jobRecord{Version: 1, Targets: len(r.j.Targets), Fingerprint: fingerprint(r.j.Targets)}
	b, _ := json.Marshal(rec)
	ok, err := r.st.SetNX(ctx, r.jobKey(), b, r.keep)
	if err != nil || ok {
		return false, storeErr("write the job record", err)
	}
	cur, err := r.st.Get(ctx, r.jobKey())
	if errors.Is(err, store.ErrNotFound) {
		return false, nil // expired between the two calls: a fresh job
	}
	if err != nil {
		return false, storeErr("read the job record", err)
	}
	var old jobRecord
	if err := json.Unmarshal(cur, &old); err != nil || old.Fingerprint != rec.Fingerprint {
		return false, ErrJobChanged
	}
	return old.Completed != 0, nil
}

// complete marks the job's record completed, so that a later run returns at once.
func (r *run) complete(ctx context.Context) error {
	rec := jobRecord{Version: 1, Targets: len(r.j.Targets), Fingerprint: fingerprint(r.j.Targets), Completed: time.Now().Unix()}
	b, _ := json.Marshal(rec)
	return storeErr("write the job record", r.st.Set(ctx, r.jobKey(), b, r.keep))
}

func storeErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("broadcast: %s: %w", what, err)
}

// outcome of one target in one pass.
type outcome int

const (
	outSent outcome = iota
	outAlreadyDone
	outFailed
	outBusy // another runner holds its lease: look again later
)

func (r *run) run(ctx context.Context) (*Result, error) {
	completed, err := r.open(ctx)
	if err != nil {
		return &Result{Counts: r.counts}, err
	}
	if completed {
		r.counts.AlreadyDone = r.counts.Total
		return &Result{Counts: r.counts}, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	pending := r.j.Targets
	poll := min(max(r.lease/8, 5*time.Millisecond), time.Second)
	for {
		pending = r.pass(ctx, cancel, pending)
		if len(pending) == 0 || ctx.Err() != nil {
			break
		}
		t := time.NewTimer(poll) // another runner holds them: look again soon
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
	}
	r.mu.Lock()
	res, fatal := &Result{Counts: r.counts, Errors: r.errs}, r.fatal
	r.mu.Unlock()
	if fatal != nil {
		return res, fatal // a target may be delivered without its done mark: not complete
	}
	if len(pending) > 0 {
		return res, context.Cause(ctx)
	}
	if res.Failed > 0 {
		return res, fmt.Errorf("%w: %d of %d (first: %w)", ErrIncomplete, res.Failed, res.Total, res.Errors[0])
	}
	// Every target is done, even if ctx ended as the last one finished.
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer wcancel()
	return res, r.complete(wctx)
}

// pass starts every target of pending on the workers and returns those it could not finish:
// held by another runner, or not started or abandoned because ctx ended. A store error ends
// the run through cancel.
func (r *run) pass(ctx context.Context, cancel context.CancelCauseFunc, pending []string) []string {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		busy []string
		next = make(chan string)
	)
	for range min(r.workers, len(pending)) {
		wg.Go(func() {
			for t := range next {
				out, err := r.one(ctx, t)
				if err != nil {
					r.mu.Lock()
					if r.fatal == nil && (ctx.Err() == nil || !errors.Is(err, ctx.Err())) {
						r.fatal = err
					}
					r.mu.Unlock()
					cancel(err)
					continue
				}
				if out == outBusy {
					mu.Lock()
					busy = append(busy, t)
					mu.Unlock()
				}
			}
		})
	}
	fed := 0
feed:
	for _, t := range pending {
		select {
		case next <- t:
			fed++
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	busy = append(busy, pending[fed:]...)
	// Keep the job's order among the busy targets.
	order := make(map[string]int, len(busy))
	for i, t := range pending {
		order[t] = i
	}
	slices.SortFunc(busy, func(a, b string) int { return order[a] - order[b] })
	return busy
}

// one works on one target; a non-nil error is the store's and ends the run.
func (r *run) one(ctx context.Context, target string) (outcome, error) {
	if ctx.Err() != nil {
		return outBusy, nil
	}
	sk, lk := r.stateKey(target), r.leaseKey(target)
	state, err := r.state(ctx, sk)
	if err != nil {
		return outBusy, err
	}
	if state == stateDone {
		return r.report(target, outAlreadyDone, false, nil), nil
	}
	r.mu.Lock()
	r.seq++
	token := []byte(fmt.Sprintf("%s:%d", r.owner, r.seq))
	r.mu.Unlock()
	ok, err := r.st.SetNX(ctx, lk, token, r.lease)
	if err != nil {
		return outBusy, storeErr("take a lease", err)
	}
	if !ok {
		return outBusy, nil
	}
	release := func() {
		// A lease left behind (the store failed, ctx ended) expires by itself.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_, _ = store.CompareAndDelete(rctx, r.st, lk, token)
	}
	// Read again under the lease: another runner may have finished it since.
	if state, err = r.state(ctx, sk); err != nil || state == stateDone {
		release()
		if err != nil {
			return outBusy, err
		}
		return r.report(target, outAlreadyDone, false, nil), nil
	}
	resend := state == stateAttempted
	if !resend {
		if err := r.st.Set(ctx, sk, []byte(stateAttempted), r.keep); err != nil {
			release()
			return outBusy, storeErr("mark an attempt", err)
		}
	}
	lost, sendErr := r.send(ctx, Target{ID: target, Key: Key(r.j.ID, target), Resend: resend}, lk, token)
	if sendErr != nil {
		release()
		if ctx.Err() != nil || lost {
			// Abandoned with the run, or taken over by another runner: not a failure of
			// the target. The state stays "attempted", so whoever sends it next resends.
			return outBusy, nil
		}
		return r.report(target, outFailed, resend, sendErr), nil
	}
	// Delivered: only now the done mark. Written without ctx's cancellation, so that a run
	// cancelled while this send finished still records it.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := r.st.Set(wctx, sk, []byte(stateDone), r.keep); err != nil {
		r.report(target, outSent, resend, nil)
		return outSent, storeErr("mark a target done", err)
	}
	release()
	return r.report(target, outSent, resend, nil), nil
}

func (r *run) state(ctx context.Context, key string) (string, error) {
	b, err := r.st.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", storeErr("read a target's state", err)
	}
	return string(b), nil
}

// send runs the SendFunc while renewing the lease every third of its life. A lease found lost
// (it expired while this runner stalled) ends the send's ctx, and lost reports it.
func (r *run) send(ctx context.Context, t Target, lk string, token []byte) (lost bool, err error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	var lostLease atomic.Bool
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		tick := time.NewTicker(r.lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-sctx.Done():
				return
			case <-tick.C:
			}
			// Store has no compare-and-set: read, then extend. Another runner can take the
			// lease only after it expired, a third of its life after the last renewal.
			cur, err := r.st.Get(sctx, lk)
			if err == nil && string(cur) == string(token) {
				err = r.st.Set(sctx, lk, token, r.lease)
			}
			if err != nil && sctx.Err() == nil && !errors.Is(err, store.ErrNotFound) {
				continue // the store failed: try again at the next tick; the lease may lapse
			}
			if err != nil || string(cur) != string(token) {
				lostLease.Store(true)
				cancel()
				return
			}
		}
	}()
	err = r.j.Send(sctx, t)
	close(done)
	<-renewed
	return lostLease.Load(), err
}

// report counts a target's outcome and tells OnProgress.
func (r *run) report(target string, out outcome, resent bool, err error) outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch out {
	case outSent:
		r.counts.Sent++
		if resent {
			r.counts.Resent++
		}
	case outAlreadyDone:
		r.counts.AlreadyDone++
	case outFailed:
		r.counts.Failed++
		r.errs = append(r.errs, TargetError{Target: target, Err: err})
	}
	if r.j.OnProgress != nil {
		p := Progress{Counts: r.counts, Target: target, Err: err}
		switch {
		case out == outSent && resent:
			p.Outcome = OutcomeResent
		case out == outSent:
			p.Outcome = OutcomeSent
		case out == outAlreadyDone:
			p.Outcome = OutcomeAlreadyDone
		default:
			p.Outcome = OutcomeFailed
		}
		r.j.OnProgress(p)
	}
	return out
}

// AlreadySent reports whether err is WeCom refusing a resend of t because t.Key was already
// used: the task_id of a template card (42014: a task_id is unique per app, forever) or the
// msgid of a kf message (95033), when the SendFunc used t.Key as that value. It is false unless
// t.Resend is set: for a first attempt those errcodes mean a bug, not a delivery. A SendFunc
// returns nil in that case: the earlier attempt delivered the message.
func AlreadySent(t Target, err error) bool {
	var e *client.APIError
	return t.Resend && errors.As(err, &e) && (e.Code == client.CodeInvalidTaskID || e.Code == client.CodeDuplicateMsgID)
}
