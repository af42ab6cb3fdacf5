package wecomtest

// acquisitionState is filled in by the work on this area; its zero value must be usable.
type acquisitionState struct{}

func (s *Server) acquisitionRoutes() []route { return nil }
