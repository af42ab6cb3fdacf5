package client

// Part is one call of a fan-out helper (the …InParts methods, such as messages'
// SendInParts): the slice of the input it carried (In), WeCom's answer (Out, nil when the call
// failed) and its error (Err).
//
// Every fan-out helper has the same failure policy. It makes its calls one after another and
// stops at the first call that fails, returning the parts made so far (the last one carrying the
// error) and that error as "wecom: call i of n: …", which errors.Is and errors.As still match
// against the cause. The calls before it went through, so nothing done is lost. An answer that
// reports outcomes per item (invalid recipients, per-member errcodes) is a call that went
// through: its part has Out set and the fan-out goes on. A call that WeCom refuses because
// every item of that call was rejected (81013 on message/send, where the helper says so) is a
// part with Err set, and the fan-out goes on too; when every call ended so, the last one's error
// is returned.
type Part[In, Out any] struct {
	In  In
	Out *Out
	Err error
}
