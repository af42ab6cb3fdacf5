package client

import "errors"

// ErrInvalidParams matches every [*ValidationError] with errors.Is: a request the SDK refused
// before sending anything.
var ErrInvalidParams = errors.New("wecom: invalid parameters")

// ErrTooLong matches a [*ValidationError] for content over a documented size limit (text bytes,
// image size, …); split texts before sending.
var ErrTooLong = errors.New("wecom: content too long")

// ValidationError is a request refused before sending because it breaks a documented WeCom rule
// (required field, length, charset, list size, field not allowed here). Every service package
// returns it; Field is the wire name of the offending field.
type ValidationError struct {
	Field   string
	Reason  string
	TooLong bool // the value is over a size limit: also matches ErrTooLong
}

// Error names the field and why it was refused.
func (e *ValidationError) Error() string { return "wecom: invalid " + e.Field + ": " + e.Reason }

// Is makes errors.Is(err, ErrInvalidParams) true, and errors.Is(err, ErrTooLong) for sizes.
func (e *ValidationError) Is(target error) bool {
	return target == ErrInvalidParams || (e.TooLong && target == ErrTooLong)
}
