package wecomtest

// licenseState is filled in by the work on this area; its zero value must be usable.
type licenseState struct{}

func (s *Server) licenseRoutes() []route { return nil }
