package wecomtest

// transferState is filled in by the work on this area; its zero value must be usable.
type transferState struct{}

func (s *Server) transferRoutes() []route { return nil }
