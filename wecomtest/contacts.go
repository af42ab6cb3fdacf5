package wecomtest

// contactsState is the address book: departments, users, tags, chains, external contacts.
type contactsState struct{}

func (s *Server) registerContacts() {}
