package wecomtest

// momentState is filled in by the work on this area; its zero value must be usable.
type momentState struct{}

func (s *Server) momentRoutes() []route { return nil }
