// Package webhook receives WeCom (企业微信) callbacks (回调): it verifies and decrypts them,
// answers URL verification, decodes the XML into typed events, encrypts passive replies, and
// offers an http.Handler that routes events to typed functions.
//
// The pieces work alone, from any HTTP framework:
//
//   - [Crypto] (NewCrypto with the console's Token, EncodingAESKey and the receive ID):
//     VerifyURL for the verification GET, Decrypt for a POSTed envelope, EncryptReply for a
//     passive reply. Signatures are compared in constant time; padding, the length field and
//     the receive ID are checked; every failure is an *Error matching a sentinel (ErrSignature,
//     ErrDecryptAES, …) with the official library's code.
//   - [Parse] turns plaintext into one Go type per MsgType / Event / ChangeType / InfoType
//     (TextMessage, MenuClick, UserCreated, ExternalContactAdded, TemplateCardEvent,
//     KfMsgOrEvent, SuiteTicket, CreateAuth, …). Callbacks without a type come back as
//     *Unknown; Raw and Lookup keep every element of every event. The event structs also
//     carry xml tags for the fields encoding/xml reads the same way, so xml.Unmarshal into
//     them works too (it leaves the comma-separated lists and alternative spellings out).
//   - Reply values (TextReply, NewsReply, UpdateButtonReply, …) render the plaintext reply.
//
// [Handler] composes them: GET answers verification; POST is verified, decrypted, parsed,
// de-duplicated through a store.Store (WeCom redelivers when it gets no answer in 5 s) and
// dispatched to the function registered with [On] for the event's type. A callback is
// acknowledged when its function succeeded, or when the function is still running at the end
// of the acknowledgement budget; meanwhile its dedupe key holds a short, renewed lease, so a
// redelivery waits for the outcome or, if the process died, takes over. A function that fails
// releases the key for WeCom's redelivery; one that fails after the acknowledgement goes to the
// [WithDeadLetter] hook. Panics are recovered and logged. Signed timestamps older than
// [DefaultTimestampTolerance] are refused as replays.
//
// [WithQueue] turns the Handler into a durable intake: callbacks are acknowledged once a
// [Queue] (in memory, or Redis Streams in redisstore) holds them, and [Handler.Consume] runs
// the functions in workers, at least once, dead-lettering an entry that keeps failing.
//
//	c, err := webhook.NewCrypto(token, encodingAESKey, corpID)
//	h := webhook.NewHandler(c)
//	webhook.On(h, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
//		return webhook.TextReply{Content: "收到"}, nil
//	})
//	http.Handle("/wecom/callback", h)
//
// An ISV's command callback URL (suite_ticket, create_auth, …) receives callbacks for its suite
// and, on the data callback URL, for every authorizing corp: accept several receive IDs with
// WithReceiveIDs or WithReceiveIDFunc. Those callbacks are answered "success".
//
// The package imports nothing of the SDK but store (and internal helpers), so a program that
// only receives callbacks can use it alone. The wecomtest simulator delivers signed, encrypted callbacks to a Handler
// in tests, retrying like the platform.
package webhook
