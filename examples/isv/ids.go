package main

import (
	"context"
	"fmt"

	"github.com/wecom-connector/wecom/apps"
)

// convertIDs turns the corp's ID and its members' userids into the provider's encrypted IDs
// (服务商主体): the open corp ID with the provider's credential, the open_userids with the
// corp's client. Converting them back takes the corp's own internal app (自建应用), which the
// provider does not hold: on the simulator the corp's ERP app does it, and every ID must come
// back as it went.
func (f *flow) convertIDs(ctx context.Context, c customer) error {
	corp, err := f.fleet.Corp(ctx, c.corpID)
	if err != nil {
		return err
	}
	converted := 0
	corpPart := "corp ID skipped (set WECOM_PROVIDER_CORP_ID and WECOM_PROVIDER_SECRET)"
	var openCorpID string
	if f.provider != nil {
		if openCorpID, err = f.provider.CorpIDToOpenCorpID(ctx, c.corpID); err != nil {
			return fmt.Errorf("open corp ID: %w", err)
		}
		converted++
		corpPart = "corp ID → " + openCorpID
	}
	var open apps.OpenUserIDResult
	if users := c.users(); len(users) > 0 {
		res, err := apps.New(corp).UserIDsToOpenUserIDs(ctx, users)
		if err != nil {
			return fmt.Errorf("open_userids: %w", err)
		}
		open = *res
	}
	converted += len(open.Items)
	userPart := fmt.Sprintf("%d userids → open_userids", len(open.Items))
	if len(open.Invalid) > 0 {
		userPart += fmt.Sprintf(" (%d not convertible: %v)", len(open.Invalid), open.Invalid)
	}

	if f.sim == nil {
		f.converted += converted
		fmt.Printf("ids: %s: %s, %s; converting back needs the corp's own internal app: skipped\n", c.name, corpPart, userPart)
		return nil
	}

	// The simulator plays the corp's own ERP app, which maps the IDs the ISV hands it back to
	// its own; source_agentid names the ISV's app, which got them.
	if len(open.Invalid) > 0 {
		return fmt.Errorf("userids the app should see were not converted: %v", open.Invalid)
	}
	erp, err := f.sim.erp(c.corpID)
	if err != nil {
		return err
	}
	back, err := erp.OpenCorpIDToCorpID(ctx, openCorpID, c.agentID)
	if err != nil {
		return fmt.Errorf("corp ID back: %w", err)
	}
	if back != c.corpID {
		return fmt.Errorf("open corp ID %s came back as %s, want %s", openCorpID, back, c.corpID)
	}
	if len(open.Items) > 0 {
		openIDs := make([]string, len(open.Items))
		want := make(map[string]string, len(open.Items)) // open_userid → userid
		for i, it := range open.Items {
			openIDs[i], want[it.OpenUserID] = it.OpenUserID, it.UserID
		}
		res, err := erp.OpenUserIDsToUserIDs(ctx, apps.OpenUserIDsParams{OpenUserIDs: openIDs, SourceAgentID: c.agentID})
		if err != nil {
			return fmt.Errorf("userids back: %w", err)
		}
		if len(res.Invalid) > 0 || len(res.Items) != len(openIDs) {
			return fmt.Errorf("%d of %d open_userids came back (invalid: %v)", len(res.Items), len(openIDs), res.Invalid)
		}
		for _, it := range res.Items {
			if want[it.OpenUserID] != it.UserID {
				return fmt.Errorf("open_userid %s came back as %s, want %s", it.OpenUserID, it.UserID, want[it.OpenUserID])
			}
		}
		userPart += fmt.Sprintf(" (%s → %s)", open.Items[0].UserID, open.Items[0].OpenUserID)
	}
	f.converted += converted
	fmt.Printf("ids: %s: %s, %s; all %d converted back by the corp's own ERP app\n", c.name, corpPart, userPart, converted)
	return nil
}
