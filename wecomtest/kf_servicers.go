package wecomtest

import "github.com/wecom-connector/wecom/client"

func (s *Server) kfServicerRoutes() []route {
	return []route{
		{post, "/cgi-bin/kf/servicer/add", TokenCorp, s.kfServicerAdd},
		{post, "/cgi-bin/kf/servicer/del", TokenCorp, s.kfServicerDel},
		{get, "/cgi-bin/kf/servicer/list", TokenCorp, s.kfServicerList},
	}
}

func (s *Server) kfServicerAdd(c *Call) (any, error) { return s.kfServicers(c, true) }

func (s *Server) kfServicerDel(c *Call) (any, error) { return s.kfServicers(c, false) }

func (s *Server) kfServicers(c *Call, add bool) (any, error) {
	in, err := decode[struct {
		OpenKfID string   `json:"open_kfid"`
		UserIDs  []string `json:"userid_list"`
		Depts    []uint32 `json:"department_id_list"`
	}](c)
	if err != nil {
		return nil, err
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	maxDepts := 100
	if add {
		maxDepts = kfMaxDepts
	}
	switch {
	case len(in.UserIDs)+len(in.Depts) == 0:
		return nil, errc(client.CodeInvalidParameter, "userid_list and department_id_list are empty")
	case len(in.UserIDs) > 100 || len(in.Depts) > maxDepts:
		return nil, errc(client.CodeInvalidParameter, "too many userids or departments")
	case add && (len(a.servicers)+len(in.UserIDs) > kfMaxServicers || len(a.departments)+len(in.Depts) > kfMaxDepts):
		return nil, errc(client.CodeServicerLimit, "servicer count exceed limit")
	}
	res := []J{}
	for _, u := range in.UserIDs {
		r := J{"userid": u, "errcode": 0, "errmsg": "success"}
		switch {
		case u == "":
			r["errcode"], r["errmsg"] = client.CodeInvalidUserID, "invalid userid"
		case add && !a.addServicer(u):
			r["errmsg"] = "ignored"
		case !add && a.servicers[u] == nil:
			r["errcode"], r["errmsg"] = client.CodeNotServicer, "not a servicer"
		case !add:
			delete(a.servicers, u)
			for i, v := range a.servicerOrder {
				if v == u {
					a.servicerOrder = append(a.servicerOrder[:i:i], a.servicerOrder[i+1:]...)
					break
				}
			}
		}
		res = append(res, r)
	}
	for _, d := range in.Depts {
		i := indexOf(a.departments, d)
		switch {
		case add && i < 0:
			a.departments = append(a.departments, d)
		case !add && i >= 0:
			a.departments = append(a.departments[:i:i], a.departments[i+1:]...)
		}
		res = append(res, J{"department_id": d, "errcode": 0, "errmsg": "success"})
	}
	return J{"result_list": res}, nil
}

func indexOf(list []uint32, v uint32) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

func (s *Server) kfServicerList(c *Call) (any, error) {
	a, err := s.kfAccountOf(c, c.Query("open_kfid"))
	if err != nil {
		return nil, err
	}
	list := []J{}
	for _, u := range a.servicerOrder {
		sv := a.servicers[u]
		e := J{"userid": u, "status": sv.status}
		if sv.status == 1 {
			e["stop_type"] = sv.stopType
		}
		list = append(list, e)
	}
	for _, d := range a.departments {
		list = append(list, J{"department_id": d})
	}
	return J{"servicer_list": list}, nil
}
