// Package customerservice drives WeChat Customer Service (微信客服, "kf"): a corp's kf accounts
// talk to WeChat users who arrive from links, QR codes, mini programs or Channels, and the app
// decides who answers: its own program (the "smart assistant"), the pending queue, or a human
// servicer (接待人员) in the WeCom client.
//
// The flow of a conversation:
//
//   - WeCom posts a kf_msg_or_event callback (see [Service.HandleKfCallbacks], which wires a
//     webhook.Handler); it carries no content, only the account and a 10-minute token.
//     [Service.SafetyPull] pulls every few minutes too, for callbacks lost or acknowledged by a
//     process that died.
//   - [Service.Pull] pulls every new message and event of the account with that token and hands
//     each over as a [Claim]: the caller acts, then marks it done (or releases it on failure).
//     The cursor, the claims, the done marks and the account's pull lock live in the client's
//     store, so a restarted process resumes where it stopped and processes sharing a store
//     share the work: every message is handled at least once, and once when no process dies
//     mid-action. [Service.Sync] is the same stream without claims.
//   - The app answers with [Service.Send] (at most 5 messages per customer message, within 48
//     hours), or with [Service.SendOnEvent] using a one-shot code (welcome, queue prompt, ending).
//   - [Service.Trans] moves the session between the smart assistant, the queue, a servicer and
//     the end; given the current state, moves the platform does not allow are refused before
//     any request is sent ([ServiceState.CanTransition]).
//
// Every call goes through the [client.Client] it was built with; errcodes come back as
// [*client.APIError], matched with errors.Is against this package's sentinels ([ErrSendQuota],
// [ErrSendWindow], [ErrInvalidSyncToken], …). Bad input is refused before sending with a
// [*client.ValidationError] (errors.Is matches [client.ErrInvalidParams]).
//
// Each endpoint method makes exactly one API call; the List… iterators and Sync page through
// their endpoint. The helpers that make several calls say so in their names and docs:
// [Service.Transition] reads the state before moving the session, and the …InParts helpers
// split long ID lists into calls of 100, returning one [client.Part] per call.
package customerservice

import (
	"fmt"
	"io"

	"github.com/wecom-connector/wecom/client"
)

// Service is the WeChat Customer Service API (微信客服) of one client. It holds only the client
// (and the corp it names, for store keys) and is safe for concurrent use.
type Service struct {
	c    *client.Client
	corp string
}

// Format prints the service and its client's credential tag whatever the verb: fmt would
// otherwise dump the unexported *client.Client field, secret included, for %s and %q.
func (s *Service) Format(f fmt.State, _ rune) {
	io.WriteString(f, "customerservice.Service("+s.c.String()+")")
}

// New returns the customer service API on c. c's token must come from a secret allowed to call
// the kf API (an app listed under 微信客服 → 可调用接口的应用). On a client of another token kind
// (suite, provider, robot) every call fails with [client.ErrWrongKind] before anything is sent.
func New(c *client.Client) *Service {
	c, _ = c.Require(client.KindCorp) // the error comes back from every call
	return &Service{c: c, corp: c.CorpID()}
}

func codeErr(code int, msg string) *client.APIError {
	return &client.APIError{Code: code, Message: msg, Path: "/cgi-bin/kf"}
}

// Sentinels for errors.Is. Each is an [*client.APIError] with only a Code, so it matches any
// answer with that errcode (client.APIError.Is compares codes). Client-side checks return
// errors that match them too (a refused transition matches [ErrTransitionNotAllowed]).
var (
	// ErrSendQuota: the 5 messages allowed per customer message are used up (95001).
	ErrSendQuota error = codeErr(client.CodeSendQuotaExceeded, "send quota exceeded")
	// ErrSendWindow: the customer's latest message is more than 48 hours old (95002).
	ErrSendWindow error = codeErr(client.CodeSendWindowExceeded, "send window exceeded")
	// ErrSessionStateNoSend: the session is queued, with a human or ended (95018).
	ErrSessionStateNoSend error = codeErr(client.CodeSessionStateNoSend, "session state does not allow sending")
	// ErrInvalidSyncToken: the callback token given to sync_msg is invalid or expired (95007).
	ErrInvalidSyncToken error = codeErr(client.CodeInvalidSyncToken, "kf msg token invalid or expired")
	// ErrTransitionNotAllowed: the session cannot move to the requested state (95016).
	ErrTransitionNotAllowed error = codeErr(client.CodeTransitionNotAllowed, "service state transition not allowed")
	// ErrDuplicateMsgID: the msgid was used before on this account (95033).
	ErrDuplicateMsgID error = codeErr(client.CodeDuplicateMsgID, "duplicate msgid")
	// ErrNotServicer: the member is not a servicer of the account (95014).
	ErrNotServicer error = codeErr(client.CodeNotServicer, "not a servicer")
	// ErrServicerNotReceiving: the servicer stopped receiving or is suspended (95019).
	ErrServicerNotReceiving error = codeErr(client.CodeServicerNotReceiving, "servicer not receiving")
	// ErrAccountNotFound: the open_kfid does not exist (95004).
	ErrAccountNotFound error = codeErr(client.CodeAccountNotFound, "kf account not found")
)
