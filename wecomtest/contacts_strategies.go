package wecomtest

// strategyState is filled in by the work on this area; its zero value must be usable.
type strategyState struct{}

func (s *Server) strategyRoutes() []route { return nil }
