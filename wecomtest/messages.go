package wecomtest

// messagesState records app messages, app chats, robot posts and media.
type messagesState struct{}

func (s *Server) registerMessages() {}
