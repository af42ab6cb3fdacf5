package client

// Ptr returns a pointer to v, for the few optional request fields where zero must be told apart
// from absent (for example IsLeader on a user update).
func Ptr[T any](v T) *T { return &v }
