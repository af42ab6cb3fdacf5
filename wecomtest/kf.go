package wecomtest

// kfState holds WeChat Customer Service accounts, servicers and conversations.
type kfState struct{}

func (s *Server) registerKf() {}
