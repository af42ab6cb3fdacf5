package wecomtest

// jsapiState is filled in by the work on this area; its zero value must be usable.
type jsapiState struct{}

func (s *Server) jsapiRoutes() []route { return nil }
