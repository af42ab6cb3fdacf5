package wecomtest

// appsState holds agents, shared apps, suites and authorisations.
type appsState struct{}

func (s *Server) registerApps() {}
