package wecomtest

// callbackState records callbacks delivered to users' URLs.
type callbackState struct{}

func (s *Server) registerCallbacks() {}
