package main

import (
	"context"
	"fmt"

	"github.com/wecom-connector/wecom/apps"
)

// convertIDs checks the IDs the app holds. Since WeCom's account ID upgrade (账号ID安全性全面升级)
// a third-party app sees only the provider's encrypted IDs (服务商主体): the corp ID from
// get_permanent_code is the open corp ID, and the members' userids are open_userids. The
// conversion calls answer an ID already the provider's unchanged: the open corp ID with the
// provider's credential, the open_userids with the corp's client. Converting them back into
// the corp's own IDs takes the corp's own internal app (自建应用), which the provider does not
// hold: on the simulator the corp's ERP app does it, and every ID must come back to the member
// it stands for.
func (f *flow) convertIDs(ctx context.Context, c customer) error {
	corp, err := f.fleet.Corp(ctx, c.corpID)
	if err != nil {
		return err
	}
	converted := 0
	corpPart := "corp ID not checked (set WECOM_PROVIDER_CORP_ID and WECOM_PROVIDER_SECRET)"
	openCorpID := c.corpID
	if f.provider != nil {
		if openCorpID, err = f.provider.CorpIDToOpenCorpID(ctx, c.corpID); err != nil {
			return fmt.Errorf("open corp ID: %w", err)
		}
		if openCorpID != c.corpID {
			return fmt.Errorf("open corp ID of %s: %s; the app should hold the open one", c.corpID, openCorpID)
		}
		converted++
		corpPart = "corp ID " + openCorpID + " is the open one"
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
	userPart := fmt.Sprintf("%d userids are open_userids", len(open.Items))
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
	for _, it := range open.Items {
		if it.OpenUserID != it.UserID {
			return fmt.Errorf("the app's userid %s converted to %s; it should be the open_userid already", it.UserID, it.OpenUserID)
		}
	}
	real := f.sim.realCorp(c.corpID)
	erp, err := f.sim.erp(real)
	if err != nil {
		return err
	}
	back, err := erp.OpenCorpIDToCorpID(ctx, openCorpID, c.agentID)
	if err != nil {
		return fmt.Errorf("corp ID back: %w", err)
	}
	if back != real {
		return fmt.Errorf("open corp ID %s came back as %s, want %s", openCorpID, back, real)
	}
	if len(open.Items) > 0 {
		openIDs := make([]string, len(open.Items))
		for i, it := range open.Items {
			openIDs[i] = it.OpenUserID
		}
		res, err := erp.OpenUserIDsToUserIDs(ctx, apps.OpenUserIDsParams{OpenUserIDs: openIDs, SourceAgentID: c.agentID})
		if err != nil {
			return fmt.Errorf("userids back: %w", err)
		}
		if len(res.Invalid) > 0 || len(res.Items) != len(openIDs) {
			return fmt.Errorf("%d of %d open_userids came back (invalid: %v)", len(res.Items), len(openIDs), res.Invalid)
		}
		for _, it := range res.Items {
			if want := f.sim.srv.OpenUserID(simProviderCorpID, real, it.UserID); want != it.OpenUserID {
				return fmt.Errorf("open_userid %s came back as %s, whose open_userid is %s", it.OpenUserID, it.UserID, want)
			}
		}
		userPart += fmt.Sprintf(" (%s ← %s)", res.Items[0].OpenUserID, res.Items[0].UserID)
	}
	f.converted += converted
	fmt.Printf("ids: %s: %s, %s; all %d converted back by the corp's own ERP app (corp ID %s)\n", c.name, corpPart, userPart, converted, real)
	return nil
}
