package webhook

// Upstream/downstream (上下游) change events.

func init() {
	route[ChainChange]("event", "change_chain", "")
}

// ChangeType values of ChainChange.
const (
	ChainCreateChain = "create_chain"
	ChainUpdateChain = "update_chain"
	ChainDeleteChain = "delete_chain"
	ChainCreateGroup = "create_group"
	ChainUpdateGroup = "update_group"
	ChainDeleteGroup = "delete_group"
	ChainCorpJoin    = "corp_join"
	ChainUpdateCorp  = "update_corp"
	ChainRemoveCorp  = "remove_corp"
)

// ChainChange reports a change in an upstream/downstream chain (Event change_chain). One type
// serves every ChangeType (Header.ChangeType, a Chain… constant; unknown values are kept) since
// they share their fields.
// 上下游变更回调
type ChainChange struct {
	Header
	// ChainID is the chain.
	ChainID string `wecom:"ChainId" xml:"ChainId"`
	// GroupIDs are the groups concerned (group changes).
	GroupIDs []int `wecom:"GroupIds>GroupId" xml:"GroupIds>GroupId"`
	// CorpIDs are the corps concerned (corp_join, update_corp, remove_corp).
	CorpIDs []string `wecom:"CorpIds>CorpId" xml:"CorpIds>CorpId"`
}
