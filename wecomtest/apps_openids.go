package wecomtest

// openIDState is filled in by the work on this area; its zero value must be usable.
type openIDState struct{}

func (s *Server) openIDRoutes() []route { return nil }
