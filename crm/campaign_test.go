package crm_test

import (
	"slices"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

// campMarketing adds Gao Mei of the marketing department (Shenyang) to the
// Apply world.
func campMarketing(w *apWorld) *crm.User {
	w.t.Helper()
	u := &crm.User{Name: "Gao Mei", Phones: []string{"13800000009"}, Email: "gao.mei@dealer.cn", Role: crm.RoleMarketing,
		Locale: "en", Base: crm.Base{Branch: "shenyang", Dept: "marketing"}}
	w.apCreate(func(tx *crm.Tx) error { return tx.SaveUser(u) })
	return u
}

// campWithResponses creates campaign "Quarry Days" owned by owner, as the
// system, with three responses: Zhao Gang (phone, note), a contact of ACME
// Mining, and Qian Li at ACME Transport.
func campWithResponses(w *apWorld, owner *crm.User) int64 {
	w.t.Helper()
	var id int64
	w.apCreate(func(tx *crm.Tx) error {
		c := &crm.Campaign{Base: crm.Base{Owner: owner.ID}, Name: "Quarry Days"}
		if err := tx.Save(c); err != nil {
			return err
		}
		id = c.ID
		for _, r := range []crm.Response{
			{Person: "Zhao Gang", Phone: "13912345678", Note: "wants 2x 320D"},
			{Contact: w.zhangWei},
			{Person: "Qian Li", Account: w.acmeTransport, Note: "brochure"},
		} {
			if _, _, err := tx.AddResponse(id, r); err != nil {
				return err
			}
		}
		return nil
	})
	return id
}

func campGet(w *apWorld, id int64) *crm.Campaign {
	w.t.Helper()
	return apGet[*crm.Campaign](w, crm.KindCampaign, id)
}

func TestResponseToLead(t *testing.T) {
	w := apNewWorld(t)
	mkt := campMarketing(w)
	id := campWithResponses(w, mkt)

	// response 1: no account, the campaign's owner (the actor) gets it
	var l1 *crm.Lead
	cs := mustUpdate(t, w.s, mkt, func(tx *crm.Tx) error {
		var err error
		l1, err = tx.ResponseToLead(id, 1, 0)
		return err
	})
	got := apGet[*crm.Lead](w, crm.KindLead, l1.ID)
	if got.Source != crm.SrcCampaign || got.Campaign != id || got.Person != "Zhao Gang" || got.Phone != "+8613912345678" ||
		got.Needs != "wants 2x 320D" || got.Company != "" || got.Subject != "Zhao Gang (Quarry Days)" || got.Owner != mkt.ID || got.Status != crm.LeadNew {
		t.Errorf("lead from response 1: %+v", got)
	}
	if c := campGet(w, id); c.Responses[0].Lead != l1.ID || c.Responses[1].Lead != 0 {
		t.Errorf("responses after lead: %+v", c.Responses)
	}
	if e := findEvent(cs, crm.EvLeadCreated); e == nil || !containsID(e.To, mkt.ID) {
		t.Errorf("lead created event: %+v", e)
	}

	// response 2: a known contact; the lead takes his name, phone and account, and goes to the account's owner
	var l2 *crm.Lead
	cs = mustUpdate(t, w.s, mkt, func(tx *crm.Tx) error {
		var err error
		l2, err = tx.ResponseToLead(id, 2, 0)
		return err
	})
	got = apGet[*crm.Lead](w, crm.KindLead, l2.ID)
	if got.Company != "ACME Mining Co." || got.Person != "Zhang Wei" || got.Phone != "+8613901234567" || got.Owner != w.wang.ID {
		t.Errorf("lead from response 2: %+v", got)
	}
	if e := findEvent(cs, crm.EvLeadCreated); e == nil || !containsID(e.To, w.wang.ID) {
		t.Errorf("lead created event for Wang: %+v", e)
	}

	// response 3 given to Li explicitly
	var l3 *crm.Lead
	mustUpdate(t, w.s, mkt, func(tx *crm.Tx) error {
		var err error
		l3, err = tx.ResponseToLead(id, 3, w.li.ID)
		return err
	})
	got = apGet[*crm.Lead](w, crm.KindLead, l3.ID)
	if got.Company != "ACME Transport Ltd" || got.Person != "Qian Li" || got.Owner != w.li.ID || got.Needs != "brochure" {
		t.Errorf("lead from response 3: %+v", got)
	}

	// refusals change nothing
	for _, tc := range []struct {
		name    string
		actor   *crm.User
		n       int
		owner   int64
		code    string
		message string
	}{
		{"unknown number", mkt, 4, 0, crm.ENOTFOUND, "no response #4"},
		{"number 0", mkt, 0, 0, crm.ENOTFOUND, "no response #0"},
		{"already a lead", mkt, 1, 0, crm.ECONFLICT, "already lead #" + crm.FormatID(l1.ID)},
		{"a salesman", w.wang, 1, 0, crm.EFORBIDDEN, "marketing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := countAll(t, w.s)
			_, err := update(w.s, tc.actor, func(tx *crm.Tx) error {
				_, err := tx.ResponseToLead(id, tc.n, tc.owner)
				return err
			})
			wantErr(t, err, tc.code, tc.message)
			unchanged(t, w.s, before)
		})
	}
}

// An owner outside the actor's write level for leads is refused.
func TestResponseToLeadOwnerOutsideTeam(t *testing.T) {
	p := crm.DefaultPolicy()
	p[crm.RoleMarketing][crm.KindLead] = crm.Levels{Read: crm.LevelA, Write: crm.LevelD}
	w := newWorldWithPolicy(t, p)
	mkt := &crm.User{Name: "Gao Mei", Phones: []string{"13800000009"}, Role: crm.RoleMarketing, Base: crm.Base{Branch: "shenyang", Dept: "marketing"}}
	var id int64
	mustUpdate(t, w.s, crm.System, func(tx *crm.Tx) error {
		if err := tx.SaveUser(mkt); err != nil {
			return err
		}
		c := &crm.Campaign{Base: crm.Base{Owner: mkt.ID}, Name: "Expo 2026"}
		if err := tx.Save(c); err != nil {
			return err
		}
		id = c.ID
		_, _, err := tx.AddResponse(id, crm.Response{Person: "Zhao Gang", Phone: "13912345678"})
		return err
	})
	before := countAll(t, w.s)
	_, err := update(w.s, mkt, func(tx *crm.Tx) error {
		_, err := tx.ResponseToLead(id, 1, w.s1.ID)
		return err
	})
	wantErr(t, err, crm.EFORBIDDEN, "Wang Jun", "outside your team")
	unchanged(t, w.s, before)
	// without an owner it is the actor's
	var l *crm.Lead
	mustUpdate(t, w.s, mkt, func(tx *crm.Tx) error {
		var err error
		l, err = tx.ResponseToLead(id, 1, 0)
		return err
	})
	if l.Owner != mkt.ID {
		t.Errorf("lead owner #%d, want the actor #%d", l.Owner, mkt.ID)
	}
}

func TestApplyCampaign(t *testing.T) {
	w := apNewWorld(t)
	mkt := campMarketing(w)

	// create
	out := w.apOK(mkt, "CAMPAIGN Expo 2026; objective: 40 demo visitors; segment: quarries; products: 320D, 336; budget: 500k; start: 1/12; end: 31/12; task: book the hall", "ok_campaign")
	d := apData[crm.OKCampaignData](t, out)
	if d.Action != "create" || d.Name != "Expo 2026" || d.Budget != 50_000_000 || d.ID == 0 {
		t.Fatalf("create data %+v", d)
	}
	apSameTime(t, "start", d.Start, apAt(2026, 12, 1, 0, 0))
	apSameTime(t, "end", d.End, apAt(2026, 12, 31, 0, 0))
	id := d.ID
	c := campGet(w, id)
	if c.Name != "Expo 2026" || c.Objective != "40 demo visitors" || c.Segment != "quarries" || !slices.Equal(c.Products, []string{"320D", "336"}) ||
		c.Budget != 50_000_000 || c.Cost != 0 || !slices.Equal(c.Tasks, []string{"book the hall"}) || c.Owner != mkt.ID {
		t.Errorf("created campaign %+v", c)
	}
	apSameTime(t, "stored start", c.Start, apAt(2026, 12, 1, 0, 0))
	apSameTime(t, "stored end", c.End, apAt(2026, 12, 31, 0, 0))

	// the same name again (other case and spacing) is refused
	w.apRefused(mkt, "CAMPAIGN expo  2026; objective: again", crm.ECONFLICT, "already called Expo 2026")

	// update by fuzzy name: keys given replace, tasks are added
	out = w.apOK(mkt, "camp expo; end: 15/1; cost: 120k; task: send thank-you SMS", "ok_campaign")
	if d := apData[crm.OKCampaignData](t, out); d.Action != "update" || d.ID != id {
		t.Errorf("update data %+v", d)
	}
	c = campGet(w, id)
	if c.Cost != 12_000_000 || c.Budget != 50_000_000 || c.Objective != "40 demo visitors" ||
		!slices.Equal(c.Tasks, []string{"book the hall", "send thank-you SMS"}) {
		t.Errorf("after update by name %+v", c)
	}
	apSameTime(t, "end after update", c.End, apAt(2027, 1, 15, 0, 0))

	// update by id, in Chinese, products replaced
	w.apOK(mkt, "活动 #"+crm.FormatID(id)+" 预算 60万", "ok_campaign")
	w.apOK(mkt, "CAMPAIGN #"+crm.FormatID(id)+"; products: 950H; task: call 50 quarries; task: print brochures", "ok_campaign")
	c = campGet(w, id)
	if c.Budget != 60_000_000 || !slices.Equal(c.Products, []string{"950H"}) ||
		!slices.Equal(c.Tasks, []string{"book the hall", "send thank-you SMS", "call 50 quarries", "print brochures"}) {
		t.Errorf("after update by id %+v", c)
	}

	// an unknown name without an objective is not a new campaign
	w.apRefused(mkt, "CAMPAIGN Autumn Roadshow; budget: 100k", crm.ENOTFOUND, "Autumn Roadshow", "objective")
	// a key a campaign does not have
	w.apRefused(mkt, "CAMPAIGN #"+crm.FormatID(id)+"; venue: hall 3", crm.EINVALID, "venue")
	// end before start
	w.apRefused(mkt, "CAMPAIGN #"+crm.FormatID(id)+"; start: 1/12; end: 20/11", crm.EINVALID, "ends before it starts")

	// salesmen and managers may not create or change campaigns
	before := countAll(t, w.s)
	w.apRefused(w.wang, "CAMPAIGN Wang Days; objective: my own show", crm.EFORBIDDEN, "marketing")
	w.apRefused(w.liu, "CAMPAIGN expo; budget: 1m", crm.EFORBIDDEN, "marketing")
	unchanged(t, w.s, before)
	if c2 := campGet(w, id); c2.Budget != 60_000_000 {
		t.Errorf("budget changed by a refused command: %+v", c2)
	}

	// responses by SMS, then lead N
	w.apOK(w.wang, "RESP expo; Zhao Gang; 13912345678; wants 950H", "ok_resp")
	w.apOK(w.li, "RESP expo; Qian Li, Dongfang Quarry; 13698765432", "ok_resp")
	out = w.apOK(mkt, "CAMPAIGN expo lead 1 wang", "ok_campaign")
	d = apData[crm.OKCampaignData](t, out)
	if d.Action != "lead" || d.N != 1 || d.Lead == 0 || d.Owner != "Wang Jun" {
		t.Errorf("lead data %+v", d)
	}
	l := apGet[*crm.Lead](w, crm.KindLead, d.Lead)
	if l.Owner != w.wang.ID || l.Source != crm.SrcCampaign || l.Campaign != id || l.Person != "Zhao Gang" || l.Phone != "+8613912345678" || l.Needs != "wants 950H" {
		t.Errorf("lead %+v", l)
	}
	if c := campGet(w, id); c.Responses[0].Lead != l.ID || c.Responses[1].Lead != 0 {
		t.Errorf("responses %+v", c.Responses)
	}
	n := apOneNotice(t, out, "notice_lead", w.wang.ID)
	if nd, ok := n.Data.(crm.NoticeLeadData); !ok || nd.ID != l.ID || nd.By != "Gao Mei" {
		t.Errorf("notice_lead data %+v", n.Data)
	}
	if len(apNotices(out, "notice_assigned")) != 0 {
		t.Errorf("a new lead is told once: %+v", out.Notices)
	}

	// lead twice is refused, naming the lead
	w.apRefused(mkt, "CAMPAIGN expo lead 1", crm.ECONFLICT, "already lead #"+crm.FormatID(l.ID))
	// an unknown response
	w.apRefused(mkt, "CAMPAIGN expo lead 9", crm.ENOTFOUND, "no response #9")
	// a salesman may not turn responses into leads
	w.apRefused(w.wang, "CAMPAIGN expo lead 2", crm.EFORBIDDEN, "marketing")

	// lead for oneself: no notice
	out = w.apOK(mkt, "camp #"+crm.FormatID(id)+" lead 2", "ok_campaign")
	d = apData[crm.OKCampaignData](t, out)
	if d.Owner != "" || len(apNotices(out, "notice_lead")) != 0 {
		t.Errorf("lead for the sender: %+v, notices %+v", d, out.Notices)
	}
	if l := apGet[*crm.Lead](w, crm.KindLead, d.Lead); l.Owner != mkt.ID || l.Person != "Qian Li" || l.Needs != "Dongfang Quarry" {
		t.Errorf("second lead %+v", l)
	}
}

// UNDO takes back a lead made from a response (the response is free again)
// and a change of a campaign.
func TestApplyCampaignUndo(t *testing.T) {
	w := apNewWorld(t)
	mkt := campMarketing(w)
	id := apData[crm.OKCampaignData](t, w.apOK(mkt, "CAMPAIGN Expo 2026; objective: demo days; budget: 500k", "ok_campaign")).ID
	w.apOK(w.wang, "RESP expo; Zhao Gang; 13912345678", "ok_resp")
	w.apOK(mkt, "CAMPAIGN expo lead 1 wang", "ok_campaign")
	w.apOK(mkt, "UNDO", "ok_undo")
	if c := campGet(w, id); c.Responses[0].Lead != 0 || countKind(t, w.s, crm.KindLead) != 0 {
		t.Errorf("after UNDO of lead: responses %+v, %d leads", c.Responses, countKind(t, w.s, crm.KindLead))
	}
	w.apOK(mkt, "CAMPAIGN #"+crm.FormatID(id)+" budget 600k", "ok_campaign")
	w.apOK(mkt, "UNDO", "ok_undo")
	if c := campGet(w, id); c.Budget != 50_000_000 {
		t.Errorf("after UNDO of update: budget %v", c.Budget)
	}
	// the response can be turned into a lead again
	w.apOK(mkt, "CAMPAIGN expo lead 1", "ok_campaign")
}
