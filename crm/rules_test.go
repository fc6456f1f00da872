package crm_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// Every rule is checked through Store.Update: a refused request must leave
// nothing behind.

func TestAccountNeedsContact(t *testing.T) {
	w := newWorld(t)

	t.Run("ErrNoContactOnCreate", func(t *testing.T) {
		before := countAll(t, w.s)
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			return tx.CreateAccount(&crm.Account{Name: "Huaxin Mining"})
		})
		wantErr(t, err, crm.EINVALID, "Huaxin Mining", "needs at least one contact", "lead")
		unchanged(t, w.s, before)
	})

	t.Run("ErrBareAccountSave", func(t *testing.T) {
		before := countAll(t, w.s)
		saved := false
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			// Save itself accepts it: the rule is checked at the end of the request
			if err := tx.Save(&crm.Account{Name: "Bare Account Ltd"}); err != nil {
				return err
			}
			saved = true
			return nil
		})
		if !saved {
			t.Fatal("Save of a bare account was refused at once; want it refused at the end of the request")
		}
		wantErr(t, err, crm.EINVALID, "Bare Account Ltd", "needs at least one contact")
		unchanged(t, w.s, before)
		if ids := lookupIDs(t, w.s, w.s1, crm.KindAccount, "bare account"); len(ids) != 0 {
			t.Errorf("refused account is found by lookup: %v", ids)
		}
	})

	t.Run("OKContactLaterInSameRequest", func(t *testing.T) {
		var acct int64
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			a := &crm.Account{Name: "Later Contact Co"}
			if err := tx.Save(a); err != nil {
				return err
			}
			acct = a.ID
			return tx.CreateContact(&crm.Contact{Account: a.ID, Name: "Gao Feng"})
		})
		if got := getAsSystem[*crm.Account](t, w.s, crm.KindAccount, acct); got.Owner != w.s1.ID || got.Branch != "shenyang" {
			t.Errorf("account owner/branch = %d/%q, want %d/shenyang", got.Owner, got.Branch, w.s1.ID)
		}
	})

	t.Run("OK", func(t *testing.T) {
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			return tx.CreateAccount(&crm.Account{Name: "ACME Mining Co."}, &crm.Contact{Name: "Zhang Wei", Mobile: "139 0139 5136"})
		})
		ev := findEvent(cs, crm.EvAccountCreated)
		if ev == nil || !containsID(ev.To, w.s1.ID) || !containsID(ev.To, w.mgrS.ID) {
			t.Errorf("account_created event = %+v, want it to tell owner %d and manager %d", ev, w.s1.ID, w.mgrS.ID)
		}
		ids := lookupIDs(t, w.s, w.s1, crm.KindContact, "zhang wei")
		if len(ids) != 1 {
			t.Fatalf("contact lookup = %v", ids)
		}
		c := getAsSystem[*crm.Contact](t, w.s, crm.KindContact, ids[0])
		if c.Mobile != "+8613901395136" {
			t.Errorf("mobile = %q, want it normalised", c.Mobile)
		}
	})

	t.Run("ErrContactWithoutAccount", func(t *testing.T) {
		before := countAll(t, w.s)
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			return tx.CreateContact(&crm.Contact{Name: "Orphan Chen"})
		})
		wantErr(t, err, crm.EINVALID, "Orphan Chen", "must belong to an account")
		unchanged(t, w.s, before)
	})

	t.Run("ErrContactOfMissingAccount", func(t *testing.T) {
		before := countAll(t, w.s)
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			return tx.CreateContact(&crm.Contact{Name: "Ghost Chen", Account: 999})
		})
		wantErr(t, err, crm.EINVALID, "#999", "does not exist")
		unchanged(t, w.s, before)
	})

	t.Run("ErrContactMovesAccount", func(t *testing.T) {
		a1, c1 := w.account(t, w.s1, "Move From Ltd", "")
		a2, _ := w.account(t, w.s1, "Move To Ltd", "")
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateContact(c1, func(c *crm.Contact) error { c.Account = a2; return nil })
			return err
		})
		wantErr(t, err, crm.EINVALID, "cannot move to another account")
		if got := getAsSystem[*crm.Contact](t, w.s, crm.KindContact, c1); got.Account != a1 {
			t.Errorf("contact moved to #%d", got.Account)
		}
	})
}

func TestAccountPhoneChange(t *testing.T) {
	w := newWorld(t)
	acct, _ := w.account(t, w.s1, "ACME Mining Co.", "024-12345678")

	w.clk.Advance(3 * time.Hour)
	changedAt := w.clk.Now()
	cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
		_, err := tx.UpdateAccount(acct, func(a *crm.Account) error {
			a.Phones = []string{"13912345678"}
			a.PhoneHistory = nil // a caller cannot erase the history
			return nil
		})
		return err
	})

	t.Run("OKHistoryKept", func(t *testing.T) {
		a := getAsSystem[*crm.Account](t, w.s, crm.KindAccount, acct)
		if len(a.Phones) != 1 || a.Phones[0] != "+8613912345678" {
			t.Errorf("phones = %v", a.Phones)
		}
		if len(a.PhoneHistory) != 1 {
			t.Fatalf("phone history = %+v, want one change", a.PhoneHistory)
		}
		h := a.PhoneHistory[0]
		if h.Old != "+862412345678" || h.New != "+8613912345678" || !h.At.Equal(changedAt) || h.By != w.s1.ID {
			t.Errorf("phone change = %+v, want old +862412345678, new +8613912345678 at %v by %d", h, changedAt, w.s1.ID)
		}
	})

	t.Run("OKOwnerAndManagerTold", func(t *testing.T) {
		ev := findEvent(cs, crm.EvAccountPhone)
		if ev == nil {
			t.Fatalf("no %s event in %+v", crm.EvAccountPhone, cs.Events)
		}
		if ev.ID != acct || !containsID(ev.To, w.s1.ID) || !containsID(ev.To, w.mgrS.ID) {
			t.Errorf("event = %+v, want account #%d told to %d and %d", ev, acct, w.s1.ID, w.mgrS.ID)
		}
		if ev.Detail == "" || !strings.Contains(ev.Detail, "+862412345678") {
			t.Errorf("event detail %q does not name the old number", ev.Detail)
		}
	})

	t.Run("OKSecondChangeAppends", func(t *testing.T) {
		w.clk.Advance(time.Hour)
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateAccount(acct, func(a *crm.Account) error { a.Phones = []string{"13912349999"}; return nil })
			return err
		})
		a := getAsSystem[*crm.Account](t, w.s, crm.KindAccount, acct)
		if len(a.PhoneHistory) != 2 || a.PhoneHistory[1].Old != "+8613912345678" || !a.PhoneHistory[1].At.Equal(w.clk.Now()) {
			t.Errorf("phone history = %+v", a.PhoneHistory)
		}
	})

	t.Run("OKNoPhoneChangeNoEvent", func(t *testing.T) {
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateAccount(acct, func(a *crm.Account) error { a.Industry = "quarry"; return nil })
			return err
		})
		if ev := findEvent(cs, crm.EvAccountPhone); ev != nil {
			t.Errorf("phone event without a phone change: %+v", ev)
		}
	})

	t.Run("ErrBadPhone", func(t *testing.T) {
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateAccount(acct, func(a *crm.Account) error { a.Phones = []string{"call me"}; return nil })
			return err
		})
		wantErr(t, err, crm.EINVALID, "not a phone number")
	})
}

func TestAccountInactive(t *testing.T) {
	w := newWorld(t)
	acct, _ := w.account(t, w.s1, "Dormant Quarry", "")

	t.Run("ErrReasonRequired", func(t *testing.T) {
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateAccount(acct, func(a *crm.Account) error { a.Status = crm.AccountInactive; a.InactiveReason = "  "; return nil })
			return err
		})
		wantErr(t, err, crm.EINVALID, "inactive needs a reason")
		if a := getAsSystem[*crm.Account](t, w.s, crm.KindAccount, acct); a.Status != crm.AccountActive {
			t.Errorf("status = %q after a refused change", a.Status)
		}
	})

	t.Run("ErrUnknownStatus", func(t *testing.T) {
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateAccount(acct, func(a *crm.Account) error { a.Status = "asleep"; return nil })
			return err
		})
		wantErr(t, err, crm.EINVALID, "active or inactive")
	})

	t.Run("OK", func(t *testing.T) {
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateAccount(acct, func(a *crm.Account) error {
				a.Status, a.InactiveReason = crm.AccountInactive, "went bankrupt"
				return nil
			})
			return err
		})
		a := getAsSystem[*crm.Account](t, w.s, crm.KindAccount, acct)
		if a.Status != crm.AccountInactive || a.InactiveReason != "went bankrupt" {
			t.Errorf("account = %s/%q", a.Status, a.InactiveReason)
		}
		ev := findEvent(cs, crm.EvAccountInactive)
		if ev == nil {
			t.Fatalf("no %s event", crm.EvAccountInactive)
		}
		if !containsID(ev.To, w.mgrS.ID) || !containsID(ev.To, w.credit.ID) || ev.Detail != "went bankrupt" || ev.ID != acct {
			t.Errorf("event = %+v, want manager %d and credit %d told the reason", ev, w.mgrS.ID, w.credit.ID)
		}
	})

	t.Run("OKReactivateClearsReason", func(t *testing.T) {
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateAccount(acct, func(a *crm.Account) error { a.Status = crm.AccountActive; return nil })
			return err
		})
		if findEvent(cs, crm.EvAccountInactive) != nil {
			t.Error("reactivating emitted an inactive event")
		}
		if a := getAsSystem[*crm.Account](t, w.s, crm.KindAccount, acct); a.InactiveReason != "" {
			t.Errorf("reason kept: %q", a.InactiveReason)
		}
	})
}

func TestRemoveContact(t *testing.T) {
	w := newWorld(t)
	var acct, c1, c2, c3 int64
	mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
		a := &crm.Account{Name: "Anshan Steel"}
		cs := []*crm.Contact{{Name: "Li Wei", Mobile: "13911112222"}, {Name: "Chen Bo", Mobile: "13933334444"}, {Name: "Ma Lin"}}
		if err := tx.CreateAccount(a, cs...); err != nil {
			return err
		}
		acct, c1, c2, c3 = a.ID, cs[0].ID, cs[1].ID, cs[2].ID
		return nil
	})
	var req int64

	t.Run("ErrReasonRequired", func(t *testing.T) {
		before := countAll(t, w.s)
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.RemoveContact(c1, " "); return err })
		wantErr(t, err, crm.EINVALID, "needs a reason")
		unchanged(t, w.s, before)
	})

	t.Run("ErrDirectRemove", func(t *testing.T) {
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateContact(c1, func(c *crm.Contact) error { c.Removed = true; return nil })
			return err
		})
		wantErr(t, err, crm.EFORBIDDEN, "manager's approval")
	})

	t.Run("OKSalesmanRequests", func(t *testing.T) {
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			r, err := tx.RemoveContact(c1, "retired")
			if err != nil {
				return err
			}
			if r.Status != crm.ReqPending {
				t.Errorf("request status = %q, want pending", r.Status)
			}
			req = r.ID
			return nil
		})
		if c := getAsSystem[*crm.Contact](t, w.s, crm.KindContact, c1); c.Removed {
			t.Error("contact removed before approval")
		}
		ev := findEvent(cs, crm.EvApprovalRequested)
		if ev == nil || ev.ID != req || !containsID(ev.To, w.mgrS.ID) {
			t.Errorf("approval event = %+v, want request #%d to manager %d", ev, req, w.mgrS.ID)
		}
		mustView(t, w.s, w.mgrS, func(tx *crm.Tx) error {
			p, err := tx.PendingRequests()
			if len(p) != 1 || p[0].ID != req {
				t.Errorf("manager's pending requests = %v, want #%d", p, req)
			}
			return err
		})
		mustView(t, w.s, w.mgrD, func(tx *crm.Tx) error {
			p, err := tx.PendingRequests()
			if len(p) != 0 {
				t.Errorf("the other branch's manager sees pending requests %v", p)
			}
			return err
		})
	})

	t.Run("ErrSalesmanCannotApprove", func(t *testing.T) {
		for _, u := range []*crm.User{w.s1, w.s2} {
			_, err := update(w.s, u, func(tx *crm.Tx) error { _, err := tx.DecideRequest(req, true, ""); return err })
			if u == w.s1 {
				wantErr(t, err, crm.EFORBIDDEN, "only a manager")
			} else {
				wantErr(t, err, crm.ENOTFOUND) // another salesman does not even see it
			}
		}
		if c := getAsSystem[*crm.Contact](t, w.s, crm.KindContact, c1); c.Removed {
			t.Error("contact removed by a salesman's approval")
		}
	})

	t.Run("ErrOtherBranchManagerCannotApprove", func(t *testing.T) {
		_, err := update(w.s, w.mgrD, func(tx *crm.Tx) error { _, err := tx.DecideRequest(req, true, ""); return err })
		wantErr(t, err, crm.ENOTFOUND)
	})

	t.Run("OKManagerApproves", func(t *testing.T) {
		cs := mustUpdate(t, w.s, w.mgrS, func(tx *crm.Tx) error {
			r, err := tx.DecideRequest(req, true, "ok")
			if err == nil && (r.Status != crm.ReqApproved || r.DecidedBy != w.mgrS.ID) {
				t.Errorf("request = %+v", r)
			}
			return err
		})
		c := getAsSystem[*crm.Contact](t, w.s, crm.KindContact, c1)
		if !c.Removed || c.RemovedReason != "retired" || !c.RemovedAt.Equal(w.clk.Now()) {
			t.Errorf("contact = removed %v reason %q at %v", c.Removed, c.RemovedReason, c.RemovedAt)
		}
		ev := findEvent(cs, crm.EvRequestDecided)
		if ev == nil || !containsID(ev.To, w.s1.ID) || ev.Detail != crm.ReqApproved {
			t.Errorf("decision event = %+v, want requester %d told", ev, w.s1.ID)
		}
		for _, q := range []string{"li wei", "1111 2222", "13911112222"} {
			if ids := lookupIDs(t, w.s, w.s1, crm.KindContact, q); containsID(ids, c1) {
				t.Errorf("removed contact is still found by %q", q)
			}
		}
		mustView(t, w.s, w.s1, func(tx *crm.Tx) error {
			cs, err := tx.ContactsOf(acct)
			for _, c := range cs {
				if c.ID == c1 {
					t.Error("ContactsOf lists the removed contact")
				}
			}
			if len(cs) != 2 {
				t.Errorf("ContactsOf = %d contacts, want 2", len(cs))
			}
			return err
		})
	})

	t.Run("ErrDecideTwice", func(t *testing.T) {
		_, err := update(w.s, w.mgrS, func(tx *crm.Tx) error { _, err := tx.DecideRequest(req, false, ""); return err })
		wantErr(t, err, crm.ECONFLICT, "already approved")
	})

	t.Run("ErrRemoveTwice", func(t *testing.T) {
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.RemoveContact(c1, "left"); return err })
		wantErr(t, err, crm.ECONFLICT, "already removed")
	})

	t.Run("OKManagerRefuses", func(t *testing.T) {
		var r2 int64
		// Li Gang may not ask to remove a contact of Wang's customer
		_, err := update(w.s, w.s2, func(tx *crm.Tx) error { _, err := tx.RemoveContact(c2, "left the company"); return err })
		wantErr(t, err, crm.EFORBIDDEN, "Anshan Steel is Wang Jun's customer")
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			r, err := tx.RemoveContact(c2, "left the company")
			if r != nil {
				r2 = r.ID
			}
			return err
		})
		cs := mustUpdate(t, w.s, w.mgrS, func(tx *crm.Tx) error { _, err := tx.DecideRequest(r2, false, "still there"); return err })
		if c := getAsSystem[*crm.Contact](t, w.s, crm.KindContact, c2); c.Removed {
			t.Error("refused removal removed the contact")
		}
		r := getAsSystem[*crm.Request](t, w.s, crm.KindRequest, r2)
		if r.Status != crm.ReqRefused || r.Note != "still there" {
			t.Errorf("request = %s %q", r.Status, r.Note)
		}
		if ev := findEvent(cs, crm.EvRequestDecided); ev == nil || !containsID(ev.To, w.s1.ID) || ev.Detail != crm.ReqRefused {
			t.Errorf("decision event = %+v, want requester %d told of the refusal", ev, w.s1.ID)
		}
		if ids := lookupIDs(t, w.s, w.s1, crm.KindContact, "chen bo"); !containsID(ids, c2) {
			t.Error("contact whose removal was refused is no longer found")
		}
	})

	t.Run("OKManagerRemovesAtOnce", func(t *testing.T) {
		mustUpdate(t, w.s, w.mgrS, func(tx *crm.Tx) error {
			r, err := tx.RemoveContact(c3, "deceased")
			if err == nil && r.Status != crm.ReqApproved {
				t.Errorf("manager's request status = %q, want approved", r.Status)
			}
			return err
		})
		if c := getAsSystem[*crm.Contact](t, w.s, crm.KindContact, c3); !c.Removed {
			t.Error("manager's removal did not take effect")
		}
		mustView(t, w.s, w.mgrS, func(tx *crm.Tx) error {
			p, err := tx.PendingRequests()
			if len(p) != 0 {
				t.Errorf("pending requests left: %v", p)
			}
			return err
		})
	})

	t.Run("ErrOtherBranchManagerCannotRemove", func(t *testing.T) {
		_, err := update(w.s, w.mgrD, func(tx *crm.Tx) error { _, err := tx.RemoveContact(c2, "left"); return err })
		wantErr(t, err, crm.ENOTFOUND)
	})
}

func TestLeadRules(t *testing.T) {
	w := newWorld(t)

	t.Run("ErrReferrerRequired", func(t *testing.T) {
		before := countAll(t, w.s)
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			return tx.CreateLead(&crm.Lead{Company: "Huaxin Mining", Source: "referral"})
		})
		wantErr(t, err, crm.EINVALID, "referral lead needs the referrer")
		unchanged(t, w.s, before)
	})

	t.Run("ErrUnknownSource", func(t *testing.T) {
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			return tx.CreateLead(&crm.Lead{Company: "Huaxin Mining", Source: "carrier pigeon"})
		})
		wantErr(t, err, crm.EINVALID, "unknown lead source")
	})

	t.Run("ErrNoSubject", func(t *testing.T) {
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error { return tx.CreateLead(&crm.Lead{Person: "Li Gang"}) })
		wantErr(t, err, crm.EINVALID, "needs a company or a subject")
	})

	t.Run("OKReferral", func(t *testing.T) {
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			return tx.CreateLead(&crm.Lead{Company: "Huaxin Mining", Source: "介绍", Referrer: "Wang Jun (operator)"})
		})
		ev := findEvent(cs, crm.EvLeadCreated)
		if ev == nil || !containsID(ev.To, w.s1.ID) || ev.ID == 0 || ev.ID == -1 {
			t.Errorf("lead event = %+v", ev)
		}
		l := getAsSystem[*crm.Lead](t, w.s, crm.KindLead, ev.ID)
		if l.Source != crm.SrcReferral || l.Status != crm.LeadNew {
			t.Errorf("lead = %s/%s", l.Source, l.Status)
		}
	})

	mkLead := func(t *testing.T, l *crm.Lead) int64 {
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error { return tx.CreateLead(l) })
		return l.ID
	}

	t.Run("ErrConvertIncomplete", func(t *testing.T) {
		id := mkLead(t, &crm.Lead{Company: "Fushun Coal", Person: "Li Gang", Phone: "13901234567"})
		before := countAll(t, w.s)
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			_, _, _, err := tx.ConvertLead(id, crm.Conversion{})
			return err
		})
		wantErr(t, err, crm.EINVALID, "cannot be converted", "missing address or city, industry")
		if msg := crm.ErrorMessage(err); strings.Contains(msg, "contact name") || strings.Contains(msg, "company") {
			t.Errorf("message %q names what is not missing", msg)
		}
		unchanged(t, w.s, before)

		bare := mkLead(t, &crm.Lead{Subject: "someone wants a loader"})
		_, err = update(w.s, w.s1, func(tx *crm.Tx) error {
			_, _, _, err := tx.ConvertLead(bare, crm.Conversion{City: "Fushun"})
			return err
		})
		wantErr(t, err, crm.EINVALID, "company", "phone", "industry", "contact name", "contact phone")
		if strings.Contains(crm.ErrorMessage(err), "address or city") {
			t.Errorf("message %q says the city is missing", crm.ErrorMessage(err))
		}
	})

	t.Run("OKConvert", func(t *testing.T) {
		id := mkLead(t, &crm.Lead{Company: "Tieling Quarry", Person: "Zhao Min", Phone: "13907654321", Needs: "2 loaders", Source: "web"})
		before := countAll(t, w.s)
		var a *crm.Account
		var c *crm.Contact
		var o *crm.Opportunity
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			var err error
			a, c, o, err = tx.ConvertLead(id, crm.Conversion{City: "Tieling", Industry: "quarry", Amount: 120_000_000})
			return err
		})
		after := countAll(t, w.s)
		for _, k := range []crm.Kind{crm.KindAccount, crm.KindContact, crm.KindOpp} {
			if after[k] != before[k]+1 {
				t.Errorf("%s: %d → %d, want one more", k, before[k], after[k])
			}
		}
		l := getAsSystem[*crm.Lead](t, w.s, crm.KindLead, id)
		if l.Status != crm.LeadConverted || l.ConvAccount != a.ID || l.ConvContact != c.ID || l.ConvOpp != o.ID || l.ConvertedAt.IsZero() {
			t.Errorf("lead = %+v, want converted to account #%d contact #%d opp #%d", l, a.ID, c.ID, o.ID)
		}
		sa := getAsSystem[*crm.Account](t, w.s, crm.KindAccount, a.ID)
		if sa.Lead != id || sa.Name != "Tieling Quarry" || sa.City != "Tieling" || sa.Industry != "quarry" || len(sa.Phones) != 1 || sa.Owner != w.s1.ID {
			t.Errorf("account = %+v", sa)
		}
		sc := getAsSystem[*crm.Contact](t, w.s, crm.KindContact, c.ID)
		if sc.Account != a.ID || sc.Name != "Zhao Min" || sc.Mobile != "+8613907654321" {
			t.Errorf("contact = %+v", sc)
		}
		so := getAsSystem[*crm.Opportunity](t, w.s, crm.KindOpp, o.ID)
		if so.Lead != id || so.Account != a.ID || so.Stage != crm.StageIdentification || so.Amount != 120_000_000 || so.Needs != "2 loaders" {
			t.Errorf("opp = %+v", so)
		}

		t.Run("ErrConvertAgain", func(t *testing.T) {
			before := countAll(t, w.s)
			_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
				_, _, _, err := tx.ConvertLead(id, crm.Conversion{City: "Tieling", Industry: "quarry"})
				return err
			})
			wantErr(t, err, crm.ECONFLICT, "already converted")
			unchanged(t, w.s, before)
		})
		t.Run("ErrEditConverted", func(t *testing.T) {
			_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
				_, err := tx.UpdateLead(id, func(l *crm.Lead) error { l.Needs = "3 loaders"; return nil })
				return err
			})
			wantErr(t, err, crm.ECONFLICT, "converted", "cannot change")
		})
	})

	t.Run("ErrConvertByStatus", func(t *testing.T) {
		id := mkLead(t, &crm.Lead{Company: "Shortcut Ltd"})
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateLead(id, func(l *crm.Lead) error { l.Status = crm.LeadConverted; return nil })
			return err
		})
		wantErr(t, err, crm.EINVALID, "CONVERT")
	})

	t.Run("ErrConvertDisqualified", func(t *testing.T) {
		id := mkLead(t, &crm.Lead{Company: "No Money Ltd", Person: "Xu", Phone: "13901112222"})
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateLead(id, func(l *crm.Lead) error { l.Status = crm.LeadDisqualified; return nil })
			return err
		})
		wantErr(t, err, crm.EINVALID, "disqualifying a lead needs a reason")
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateLead(id, func(l *crm.Lead) error { l.Status, l.Reason = crm.LeadDisqualified, "no budget"; return nil })
			return err
		})
		_, err = update(w.s, w.s1, func(tx *crm.Tx) error {
			_, _, _, err := tx.ConvertLead(id, crm.Conversion{City: "x", Industry: "y"})
			return err
		})
		wantErr(t, err, crm.ECONFLICT, "disqualified")
	})
}

func TestOppStages(t *testing.T) {
	w := newWorld(t)
	acct, _ := w.account(t, w.s1, "ACME Mining Co.", "")
	newOpp := func(t *testing.T) int64 { return w.opp(t, w.s1, acct, "2x 320D") }

	// move runs SetOppStage as s1 and returns the error
	move := func(id int64, mv crm.StageMove) error {
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.SetOppStage(id, mv); return err })
		return err
	}
	get := func(t *testing.T, id int64) *crm.Opportunity {
		return getAsSystem[*crm.Opportunity](t, w.s, crm.KindOpp, id)
	}
	mustMove := func(t *testing.T, id int64, mv crm.StageMove, prob int) {
		t.Helper()
		if err := move(id, mv); err != nil {
			t.Fatalf("move to %s: %v", mv.To, err)
		}
		if o := get(t, id); o.Stage != mv.To || o.Probability != prob {
			t.Fatalf("after move to %s: stage %s probability %d, want %d", mv.To, o.Stage, o.Probability, prob)
		}
	}

	t.Run("OKDefaultProbabilities", func(t *testing.T) {
		want := map[crm.Stage]int{1: 10, 2: 25, 3: 50, 4: 75, 5: 100, 6: 0, 7: 0}
		for s, p := range want {
			if got := s.DefaultProbability(); got != p {
				t.Errorf("%s: default probability %d, want %d", s, got, p)
			}
		}
	})

	t.Run("OKForwardOneAtATime", func(t *testing.T) {
		id := newOpp(t)
		if o := get(t, id); o.Stage != crm.StageIdentification || o.Probability != 10 {
			t.Fatalf("new opp: stage %s probability %d", o.Stage, o.Probability)
		}
		w.clk.Advance(time.Hour)
		mustMove(t, id, crm.StageMove{To: crm.StageQualification}, 25)
		mustMove(t, id, crm.StageMove{To: crm.StageDevelopment}, 50)
		mustMove(t, id, crm.StageMove{To: crm.StageProposal}, 75)
		mustMove(t, id, crm.StageMove{To: crm.StageWon, Amount: 250_000_000}, 100)
		o := get(t, id)
		if o.Amount != 250_000_000 || !o.ClosedAt.Equal(w.clk.Now()) {
			t.Errorf("won: amount %v closed %v", o.Amount, o.ClosedAt)
		}
		if len(o.StageHistory) != 4 {
			t.Fatalf("stage history = %+v, want 4 moves", o.StageHistory)
		}
		for i, h := range o.StageHistory {
			if h.From != crm.Stage(i+1) || h.To != crm.Stage(i+2) || h.By != w.s1.ID || !h.At.Equal(w.clk.Now()) {
				t.Errorf("move %d = %+v", i, h)
			}
		}
	})

	t.Run("OKSkipStageRecordsEachMove", func(t *testing.T) {
		id := newOpp(t)
		mustMove(t, id, crm.StageMove{To: crm.StageQualification}, 25)
		mustMove(t, id, crm.StageMove{To: crm.StageProposal}, 75)
		o := get(t, id)
		if o.Stage != crm.StageProposal || len(o.StageHistory) != 3 || o.StageHistory[1] != (crm.StageChange{From: crm.StageQualification, To: crm.StageDevelopment, At: o.StageHistory[1].At, By: w.s1.ID}) ||
			o.StageHistory[2].From != crm.StageDevelopment || o.StageHistory[2].To != crm.StageProposal {
			t.Errorf("after the jump: stage %s, moves %+v", o.Stage, o.StageHistory)
		}
	})

	t.Run("ErrSameStage", func(t *testing.T) {
		id := newOpp(t)
		wantErr(t, move(id, crm.StageMove{To: crm.StageIdentification}), crm.ECONFLICT, "already at identification")
	})

	t.Run("ErrUnknownStage", func(t *testing.T) {
		id := newOpp(t)
		wantErr(t, move(id, crm.StageMove{To: 9}), crm.EINVALID, "unknown stage")
	})

	t.Run("ErrDemotionNeedsReason", func(t *testing.T) {
		id := newOpp(t)
		mustMove(t, id, crm.StageMove{To: 2}, 25)
		mustMove(t, id, crm.StageMove{To: 3}, 50)
		wantErr(t, move(id, crm.StageMove{To: 1}), crm.EINVALID, "from development to identification needs a reason")
		if o := get(t, id); o.Stage != 3 {
			t.Errorf("stage %s after refused demotion", o.Stage)
		}
		mustMove(t, id, crm.StageMove{To: 1, Reason: "budget frozen"}, 10)
		o := get(t, id)
		if h := o.StageHistory[len(o.StageHistory)-1]; h.From != 3 || h.To != 1 || h.Reason != "budget frozen" {
			t.Errorf("demotion recorded as %+v", h)
		}
	})

	t.Run("OKAnyOpenToClosed", func(t *testing.T) {
		for _, from := range []crm.Stage{1, 2, 3, 4} {
			for _, mv := range []crm.StageMove{{To: crm.StageWon}, {To: crm.StageLost, Competitor: "Komatsu", Reason: "price"}, {To: crm.StageNoDeal, Reason: "project cancelled"}} {
				id := newOpp(t)
				for s := crm.Stage(2); s <= from; s++ {
					mustMove(t, id, crm.StageMove{To: s}, s.DefaultProbability())
				}
				mustMove(t, id, mv, mv.To.DefaultProbability())
			}
		}
	})

	t.Run("ErrNoDealNeedsReason", func(t *testing.T) {
		id := newOpp(t)
		wantErr(t, move(id, crm.StageMove{To: crm.StageNoDeal}), crm.EINVALID, "no deal needs a reason")
		if o := get(t, id); o.Stage != 1 {
			t.Errorf("stage %s after refused no deal", o.Stage)
		}
	})

	t.Run("ErrLostNeedsCompetitorAndReason", func(t *testing.T) {
		id := newOpp(t)
		wantErr(t, move(id, crm.StageMove{To: crm.StageLost, Reason: "price"}), crm.EINVALID, "to whom and why")
		wantErr(t, move(id, crm.StageMove{To: crm.StageLost, Competitor: "Komatsu"}), crm.EINVALID, "to whom and why")
		if o := get(t, id); o.Stage != 1 || o.LostTo != "" {
			t.Errorf("after refused loss: stage %s lost to %q", o.Stage, o.LostTo)
		}
		mustMove(t, id, crm.StageMove{To: crm.StageLost, Competitor: "Komatsu", Reason: "price 8% lower"}, 0)
		o := get(t, id)
		if o.LostTo != "Komatsu" || o.LostReason != "price 8% lower" || len(o.Competitors) != 1 || o.Competitors[0] != "Komatsu" || o.ClosedAt.IsZero() {
			t.Errorf("lost opp = to %q why %q competitors %v closed %v", o.LostTo, o.LostReason, o.Competitors, o.ClosedAt)
		}

		t.Run("ErrClosedToClosed", func(t *testing.T) {
			wantErr(t, move(id, crm.StageMove{To: crm.StageWon}), crm.ECONFLICT, "closed", "reopen")
			wantErr(t, move(id, crm.StageMove{To: crm.StageNoDeal, Reason: "x"}), crm.ECONFLICT, "closed")
		})
		t.Run("ErrEditClosed", func(t *testing.T) {
			_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
				_, err := tx.UpdateOpp(id, func(o *crm.Opportunity) error { o.Amount = 1; return nil })
				return err
			})
			wantErr(t, err, crm.ECONFLICT, "is closed")
		})
		t.Run("ErrReopenNeedsReason", func(t *testing.T) {
			wantErr(t, move(id, crm.StageMove{To: crm.StageDevelopment}), crm.EINVALID, "reopening", "needs a reason")
		})
		t.Run("OKReopen", func(t *testing.T) {
			mustMove(t, id, crm.StageMove{To: crm.StageDevelopment, Reason: "Komatsu could not deliver"}, 50)
			o := get(t, id)
			if o.LostTo != "" || o.LostReason != "" || !o.ClosedAt.IsZero() {
				t.Errorf("reopened opp keeps lost to %q why %q closed %v", o.LostTo, o.LostReason, o.ClosedAt)
			}
			if len(o.StageHistory) != 2 || o.StageHistory[1].From != crm.StageLost || o.StageHistory[1].Reason != "Komatsu could not deliver" {
				t.Errorf("stage history = %+v", o.StageHistory)
			}
		})
	})

	t.Run("ErrStageThroughUpdateOpp", func(t *testing.T) {
		id := newOpp(t)
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateOpp(id, func(o *crm.Opportunity) error { o.Stage = crm.StageWon; return nil })
			return err
		})
		wantErr(t, err, crm.EINVALID, "stage command")
		if o := get(t, id); o.Stage != 1 {
			t.Errorf("stage %s after refused edit", o.Stage)
		}
	})

	t.Run("ErrOpp", func(t *testing.T) {
		before := countAll(t, w.s)
		for _, c := range []struct {
			o    *crm.Opportunity
			frag string
		}{
			{&crm.Opportunity{Name: "x"}, "needs an account"},
			{&crm.Opportunity{Name: "x", Account: 999}, "#999 does not exist"},
			{&crm.Opportunity{Name: "x", Account: acct, Amount: -1}, "cannot be negative"},
			{&crm.Opportunity{Name: "x", Account: acct, Probability: 101}, "0 to 100"},
			{&crm.Opportunity{Name: "x", Account: acct, Products: []crm.ProductLine{{Model: "320D"}}}, "quantity"},
			{&crm.Opportunity{Name: "x", Account: acct, Stage: crm.StageLost}, "to whom and why"},
		} {
			_, err := update(w.s, w.s1, func(tx *crm.Tx) error { return tx.CreateOpp(c.o) })
			wantErr(t, err, crm.EINVALID, c.frag)
		}
		unchanged(t, w.s, before)
	})
}

func TestActivityRules(t *testing.T) {
	w := newWorld(t)
	acct, _ := w.account(t, w.s1, "ACME Mining Co.", "")

	t.Run("OKAssignedByManager", func(t *testing.T) {
		id := w.activity(t, w.mgrS, w.s1, acct, "visit acme")
		a := getAsSystem[*crm.Activity](t, w.s, crm.KindActivity, id)
		if a.AssignedBy != w.mgrS.ID || a.Owner != w.s1.ID || a.Status != crm.StatusOpen || a.Priority != crm.PriorityNormal {
			t.Errorf("activity = %+v", a)
		}
	})

	t.Run("ErrRejectNeedsReason", func(t *testing.T) {
		id := w.activity(t, w.mgrS, w.s1, acct, "visit acme")
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.RejectActivity(id, "  "); return err })
		wantErr(t, err, crm.EINVALID, "needs a reason")
		if a := getAsSystem[*crm.Activity](t, w.s, crm.KindActivity, id); a.Status != crm.StatusOpen {
			t.Errorf("status %q after refused reject", a.Status)
		}
	})

	t.Run("OKRejectTellsAssigner", func(t *testing.T) {
		id := w.activity(t, w.mgrS, w.s1, acct, "visit acme")
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.RejectActivity(id, "need pricing approval"); return err })
		ev := findEvent(cs, crm.EvActivityRejected)
		if ev == nil || ev.ID != id || !containsID(ev.To, w.mgrS.ID) || ev.Detail != "need pricing approval" {
			t.Errorf("reject event = %+v, want assigner %d told", ev, w.mgrS.ID)
		}
		a := getAsSystem[*crm.Activity](t, w.s, crm.KindActivity, id)
		if a.Status != crm.StatusRejected || a.Outcome != "need pricing approval" {
			t.Errorf("activity = %s %q", a.Status, a.Outcome)
		}
		// the director assigned this one: the director is told, not the manager
		id2 := w.activity(t, w.dir, w.s1, acct, "call acme")
		cs = mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.RejectActivity(id2, "on leave"); return err })
		if ev := findEvent(cs, crm.EvActivityRejected); ev == nil || !containsID(ev.To, w.dir.ID) {
			t.Errorf("reject event = %+v, want the director %d told", ev, w.dir.ID)
		}
	})

	finished := func(t *testing.T, id int64) {
		t.Helper()
		before := getAsSystem[*crm.Activity](t, w.s, crm.KindActivity, id)
		for name, fn := range map[string]func(tx *crm.Tx) error{
			"UpdateActivity": func(tx *crm.Tx) error {
				_, err := tx.UpdateActivity(id, func(a *crm.Activity) error { a.Notes = "edited"; return nil })
				return err
			},
			"CompleteActivity": func(tx *crm.Tx) error { _, err := tx.CompleteActivity(id, "done after all"); return err },
			"RejectActivity":   func(tx *crm.Tx) error { _, err := tx.RejectActivity(id, "no"); return err },
			"Save": func(tx *crm.Tx) error {
				r, err := tx.Get(crm.KindActivity, id)
				if err != nil {
					return err
				}
				r.(*crm.Activity).Status = crm.StatusOpen
				return tx.Save(r)
			},
		} {
			_, err := update(w.s, w.s1, fn)
			if crm.ErrorCode(err) != crm.ECONFLICT || !strings.Contains(crm.ErrorMessage(err), "finished") {
				t.Errorf("%s on a %s activity: %v, want conflict saying it is finished", name, before.Status, err)
			}
		}
		after := getAsSystem[*crm.Activity](t, w.s, crm.KindActivity, id)
		if after.Status != before.Status || after.Notes != before.Notes || after.Outcome != before.Outcome {
			t.Errorf("finished activity changed: %+v → %+v", before, after)
		}
	}

	t.Run("ErrEditDone", func(t *testing.T) {
		id := w.activity(t, w.s1, w.s1, acct, "visit acme")
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.CompleteActivity(id, "met purchasing"); return err })
		a := getAsSystem[*crm.Activity](t, w.s, crm.KindActivity, id)
		if a.Status != crm.StatusDone || a.Outcome != "met purchasing" || !a.DoneAt.Equal(w.clk.Now()) {
			t.Errorf("done activity = %+v", a)
		}
		finished(t, id)
	})

	t.Run("ErrEditRejected", func(t *testing.T) {
		id := w.activity(t, w.mgrS, w.s1, acct, "visit acme")
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.RejectActivity(id, "no time"); return err })
		finished(t, id)
	})

	t.Run("OKAssign", func(t *testing.T) {
		id := w.activity(t, w.mgrS, w.s1, acct, "demo at acme")
		var n *crm.Activity
		cs := mustUpdate(t, w.s, w.mgrS, func(tx *crm.Tx) error {
			var err error
			n, err = tx.AssignActivity(id, w.s2.ID)
			return err
		})
		old := getAsSystem[*crm.Activity](t, w.s, crm.KindActivity, id)
		nw := getAsSystem[*crm.Activity](t, w.s, crm.KindActivity, n.ID)
		if n.ID == id || nw.Owner != w.s2.ID || nw.Status != crm.StatusOpen || nw.ReassignedOf != id || nw.AssignedBy != w.mgrS.ID || nw.Subject != "demo at acme" {
			t.Errorf("new activity = %+v", nw)
		}
		if old.Status != crm.StatusReassigned || old.ReassignedTo != n.ID || old.Owner != w.s1.ID {
			t.Errorf("old activity = %+v", old)
		}
		if ev := findEvent(cs, crm.EvAssigned); ev == nil || ev.ID != n.ID || !containsID(ev.To, w.s2.ID) {
			t.Errorf("assigned event = %+v, want #%d to %d", ev, n.ID, w.s2.ID)
		}
		finished(t, id)
		_, err := update(w.s, w.mgrS, func(tx *crm.Tx) error { _, err := tx.AssignActivity(id, w.s1.ID); return err })
		wantErr(t, err, crm.ECONFLICT, "already reassigned")
	})

	t.Run("OKAssignRejected", func(t *testing.T) {
		id := w.activity(t, w.mgrS, w.s1, acct, "quote acme")
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.RejectActivity(id, "no time"); return err })
		var n *crm.Activity
		mustUpdate(t, w.s, w.mgrS, func(tx *crm.Tx) error {
			var err error
			n, err = tx.AssignActivity(id, w.s2.ID)
			return err
		})
		if old := getAsSystem[*crm.Activity](t, w.s, crm.KindActivity, id); old.Status != crm.StatusRejected {
			t.Errorf("rejected activity became %s", old.Status)
		}
		if nw := getAsSystem[*crm.Activity](t, w.s, crm.KindActivity, n.ID); nw.Owner != w.s2.ID || nw.Status != crm.StatusOpen || nw.Outcome != "" {
			t.Errorf("new activity = %+v", nw)
		}
	})

	t.Run("ErrAssignDone", func(t *testing.T) {
		id := w.activity(t, w.s1, w.s1, acct, "call")
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.CompleteActivity(id, "ok"); return err })
		_, err := update(w.s, w.mgrS, func(tx *crm.Tx) error { _, err := tx.AssignActivity(id, w.s2.ID); return err })
		wantErr(t, err, crm.ECONFLICT, "is done")
	})

	t.Run("ErrSalesmanAssignsToPeer", func(t *testing.T) {
		id := w.activity(t, w.s1, w.s1, acct, "call")
		before := countAll(t, w.s)
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.AssignActivity(id, w.s2.ID); return err })
		wantErr(t, err, crm.EFORBIDDEN, "outside your team")
		unchanged(t, w.s, before)
	})

	t.Run("ErrManagerAssignsToOtherBranch", func(t *testing.T) {
		id := w.activity(t, w.mgrS, w.s1, acct, "call")
		before := countAll(t, w.s)
		_, err := update(w.s, w.mgrS, func(tx *crm.Tx) error { _, err := tx.AssignActivity(id, w.d1.ID); return err })
		wantErr(t, err, crm.EFORBIDDEN)
		unchanged(t, w.s, before)
	})

	t.Run("ErrReassignedByStatus", func(t *testing.T) {
		id := w.activity(t, w.s1, w.s1, acct, "call")
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateActivity(id, func(a *crm.Activity) error { a.Status = crm.StatusReassigned; return nil })
			return err
		})
		wantErr(t, err, crm.EINVALID, "ASSIGN")
	})

	t.Run("ErrActivity", func(t *testing.T) {
		before := countAll(t, w.s)
		for _, c := range []struct {
			a    *crm.Activity
			frag string
		}{
			{&crm.Activity{Type: "dance"}, "unknown activity type"},
			{&crm.Activity{Type: "visit", Priority: "asap"}, "urgent or normal"},
			{&crm.Activity{Type: "visit", Account: 999}, "account #999 does not exist"},
			{&crm.Activity{Type: "visit", Status: crm.StatusRejected}, "needs a reason"},
		} {
			_, err := update(w.s, w.s1, func(tx *crm.Tx) error { return tx.CreateActivity(c.a) })
			wantErr(t, err, crm.EINVALID, c.frag)
		}
		unchanged(t, w.s, before)
	})
}

func TestEquipmentIdentity(t *testing.T) {
	w := newWorld(t)
	acct, _ := w.account(t, w.s1, "ACME Mining Co.", "")
	save := func(u *crm.User, e *crm.Equipment) error {
		_, err := update(w.s, u, func(tx *crm.Tx) error { return tx.SaveEquipment(e) })
		return err
	}
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

	var cat int64
	t.Run("OKCat", func(t *testing.T) {
		e := &crm.Equipment{Account: acct, Brand: "cat", Model: "320d", Serial: " cat0320dxyz ", SMU: 4520, Location: "Shenyang"}
		if err := save(w.s1, e); err != nil {
			t.Fatal(err)
		}
		cat = e.ID
		got := getAsSystem[*crm.Equipment](t, w.s, crm.KindEquipment, cat)
		if got.Brand != "CAT" || got.Serial != "CAT0320DXYZ" || got.SMU != 4520 || len(got.History) != 1 || got.History[0].SMU != 4520 {
			t.Errorf("equipment = %+v", got)
		}
	})

	t.Run("ErrCatSameSerial", func(t *testing.T) {
		before := countAll(t, w.s)
		// another salesman, another customer, another model: the serial alone is the identity
		acct2, _ := w.account(t, w.s2, "Anshan Steel", "")
		before = countAll(t, w.s)
		err := save(w.s2, &crm.Equipment{Account: acct2, Brand: "Caterpillar", Model: "336", Serial: "CAT0320DXYZ"})
		wantErr(t, err, crm.ECONFLICT, "CAT0320DXYZ", "already used", "#"+strconv.FormatInt(cat, 10))
		unchanged(t, w.s, before)
	})

	t.Run("ErrCatNoSerial", func(t *testing.T) {
		before := countAll(t, w.s)
		err := save(w.s1, &crm.Equipment{Account: acct, Brand: "CAT", Model: "950H", Bought: date(2020, 1, 1)})
		wantErr(t, err, crm.EINVALID, "serial number")
		unchanged(t, w.s, before)
	})

	t.Run("OKOtherBrand", func(t *testing.T) {
		if err := save(w.s1, &crm.Equipment{Account: acct, Brand: "Komatsu", Model: "PC200", Bought: date(2019, 5, 1)}); err != nil {
			t.Fatal(err)
		}
		if err := save(w.s1, &crm.Equipment{Account: acct, Brand: "Komatsu", Model: "PC200", Bought: date(2019, 6, 1)}); err != nil {
			t.Errorf("same model, other purchase date: %v", err)
		}
		if err := save(w.s1, &crm.Equipment{Account: acct, Brand: "Komatsu", Model: "PC300", Bought: date(2019, 5, 1)}); err != nil {
			t.Errorf("other model, same purchase date: %v", err)
		}
	})

	t.Run("ErrOtherBrandDuplicate", func(t *testing.T) {
		before := countAll(t, w.s)
		err := save(w.s1, &crm.Equipment{Account: acct, Brand: " komatsu", Model: "pc200 ", Bought: date(2019, 5, 1), Serial: "K-123"})
		wantErr(t, err, crm.ECONFLICT, "brand, model and purchase date", "already used")
		unchanged(t, w.s, before)
	})

	t.Run("ErrOtherBrandNoPurchaseDate", func(t *testing.T) {
		before := countAll(t, w.s)
		err := save(w.s1, &crm.Equipment{Account: acct, Brand: "Volvo", Model: "EC210", Serial: "V1"})
		wantErr(t, err, crm.EINVALID, "brand, model and purchase date")
		unchanged(t, w.s, before)
	})

	t.Run("ErrNoAccount", func(t *testing.T) {
		wantErr(t, save(w.s1, &crm.Equipment{Brand: "CAT", Model: "320D", Serial: "X1"}), crm.EINVALID, "must be at an account")
	})

	t.Run("ErrSMUDown", func(t *testing.T) {
		w.clk.Advance(time.Hour)
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			e, err := tx.Equipment(cat)
			if err != nil {
				return err
			}
			e.SMU = 4000
			return tx.SaveEquipment(e)
		})
		wantErr(t, err, crm.EINVALID, "SMU cannot go down", "4520", "4000", "note")
		if got := getAsSystem[*crm.Equipment](t, w.s, crm.KindEquipment, cat); got.SMU != 4520 || len(got.History) != 1 {
			t.Errorf("after refused SMU: smu %d, %d readings", got.SMU, len(got.History))
		}
	})

	t.Run("OKSMUDownWithNote", func(t *testing.T) {
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			e, err := tx.Equipment(cat)
			if err != nil {
				return err
			}
			e.SMU, e.Note = 12, "meter replaced"
			return tx.SaveEquipment(e)
		})
		got := getAsSystem[*crm.Equipment](t, w.s, crm.KindEquipment, cat)
		if got.SMU != 12 || !got.SMUAt.Equal(w.clk.Now()) {
			t.Errorf("smu %d at %v", got.SMU, got.SMUAt)
		}
		if len(got.History) != 2 {
			t.Fatalf("history = %+v, want 2 readings", got.History)
		}
		h := got.History[1]
		if h.SMU != 12 || h.Note != "meter replaced" || h.By != w.s1.ID || !h.At.Equal(w.clk.Now()) {
			t.Errorf("reading = %+v", h)
		}
		if got.History[0].SMU != 4520 {
			t.Errorf("first reading lost: %+v", got.History[0])
		}
	})

	t.Run("OKSMUUp", func(t *testing.T) {
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			e, err := tx.Equipment(cat)
			if err != nil {
				return err
			}
			e.SMU = 40
			return tx.SaveEquipment(e)
		})
		if got := getAsSystem[*crm.Equipment](t, w.s, crm.KindEquipment, cat); got.SMU != 40 || len(got.History) != 3 {
			t.Errorf("smu %d, %d readings", got.SMU, len(got.History))
		}
	})

	t.Run("OKRefusedDuplicateTellsNoOne", func(t *testing.T) {
		// a request that goes on after a refused save (find-or-create) must
		// not send notices about the record that was not saved
		cs := mustUpdate(t, w.s, w.mgrS, func(tx *crm.Tx) error {
			err := tx.SaveEquipment(&crm.Equipment{Base: crm.Base{Owner: w.s1.ID}, Account: acct, Brand: "CAT", Model: "320D", Serial: "CAT0320DXYZ"})
			if crm.ErrorCode(err) != crm.ECONFLICT {
				t.Errorf("duplicate serial: %v", err)
			}
			return tx.CreateActivity(&crm.Activity{Base: crm.Base{Owner: w.s2.ID}, Type: "visit", Account: acct})
		})
		var got []crm.Event
		for _, e := range cs.Events {
			if e.Type == crm.EvAssigned {
				got = append(got, e)
			}
		}
		if len(got) != 1 || got[0].Kind != crm.KindActivity || !containsID(got[0].To, w.s2.ID) {
			t.Errorf("assigned events = %+v, want one, for the activity, to %d", got, w.s2.ID)
		}
	})

	t.Run("OKFind", func(t *testing.T) {
		mustView(t, w.s, w.s2, func(tx *crm.Tx) error {
			e, err := tx.FindEquipment(0, "cat", "", "cat0320dxyz", time.Time{})
			if err != nil || e == nil || e.ID != cat {
				t.Errorf("FindEquipment by serial = %v, %v", e, err)
			}
			e, err = tx.FindEquipment(acct, "Komatsu", "PC200", "", date(2019, 5, 1))
			if err != nil || e == nil || e.Model != "PC200" {
				t.Errorf("FindEquipment by brand, model, date = %v, %v", e, err)
			}
			return nil
		})
	})
}

func TestIDs(t *testing.T) {
	w := newWorld(t)
	create := func(t *testing.T, subject string) (int64, *crm.ChangeSet) {
		var id int64
		cs := mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			a := &crm.Activity{Type: "call", Subject: subject}
			if err := tx.CreateActivity(a); err != nil {
				return err
			}
			id = a.ID
			return nil
		})
		return id, cs
	}

	t.Run("OKPerKindFromOne", func(t *testing.T) {
		acct, contact := w.account(t, w.s1, "First Account", "")
		if acct != 1 || contact != 1 {
			t.Errorf("first account #%d, first contact #%d; want #1 each (users took 1–7)", acct, contact)
		}
		if w.d1.ID != 7 {
			t.Errorf("7th user is #%d", w.d1.ID)
		}
		if id, _ := create(t, "one"); id != 1 {
			t.Errorf("first activity #%d", id)
		}
	})

	t.Run("OKNotReusedAfterUndo", func(t *testing.T) {
		id2, cs := create(t, "two")
		if id2 != 2 {
			t.Fatalf("second activity #%d", id2)
		}
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error { _, err := tx.Undo(cs.ID); return err })
		if id3, _ := create(t, "three"); id3 != 3 {
			t.Errorf("after undoing #2 the next activity is #%d, want #3", id3)
		}
	})

	t.Run("OKNotReusedAfterRemoval", func(t *testing.T) {
		_, c := w.account(t, w.s1, "Second Account", "")
		mustUpdate(t, w.s, w.mgrS, func(tx *crm.Tx) error { _, err := tx.RemoveContact(c, "left"); return err })
		_, c2 := w.account(t, w.s1, "Third Account", "")
		if c2 != c+1 {
			t.Errorf("contact after #%d is #%d", c, c2)
		}
	})

	t.Run("OKFailedRequestLeavesNoRecord", func(t *testing.T) {
		errBoom := errors.New("boom")
		var failedID int64
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			a := &crm.Activity{Type: "call", Subject: "doomed"}
			if err := tx.CreateActivity(a); err != nil {
				return err
			}
			failedID = a.ID
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("err = %v, want the fn's own error", err)
		}
		mustView(t, w.s, crm.System, func(tx *crm.Tx) error {
			if _, err := tx.Get(crm.KindActivity, failedID); crm.ErrorCode(err) != crm.ENOTFOUND {
				t.Errorf("activity #%d of a failed request: %v", failedID, err)
			}
			return nil
		})
		// the failed request's id was never committed; the next one is unique
		id, _ := create(t, "after failure")
		if id <= 3 {
			t.Errorf("next activity #%d reuses a committed id", id)
		}
	})
}
