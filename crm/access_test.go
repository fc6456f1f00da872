package crm_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// accessKinds are the owned kinds whose levels the access matrix sets.
var accessKinds = []crm.Kind{crm.KindAccount, crm.KindContact, crm.KindEquipment, crm.KindLead, crm.KindOpp, crm.KindActivity}

// accessRecords creates (as the system, so that any policy allows it), for
// each owner, one record of every access kind and returns their ids by owner
// and kind.
func accessRecords(t *testing.T, w *world, owners ...*crm.User) map[int64]map[crm.Kind]int64 {
	t.Helper()
	out := map[int64]map[crm.Kind]int64{}
	for i, u := range owners {
		m := map[crm.Kind]int64{}
		own := crm.Base{Owner: u.ID}
		mustUpdate(t, w.s, crm.System, func(tx *crm.Tx) error {
			a := &crm.Account{Base: own, Name: fmt.Sprintf("Access Account %d", i)}
			c := &crm.Contact{Name: fmt.Sprintf("Access Contact %d", i)}
			if err := tx.CreateAccount(a, c); err != nil {
				return err
			}
			e := &crm.Equipment{Base: own, Account: a.ID, Brand: "CAT", Model: "320D", Serial: fmt.Sprintf("ACC%d", i)}
			if err := tx.SaveEquipment(e); err != nil {
				return err
			}
			l := &crm.Lead{Base: own, Company: fmt.Sprintf("Access Lead %d", i)}
			if err := tx.CreateLead(l); err != nil {
				return err
			}
			o := &crm.Opportunity{Base: own, Account: a.ID, Name: fmt.Sprintf("Access Opp %d", i)}
			if err := tx.CreateOpp(o); err != nil {
				return err
			}
			ac := &crm.Activity{Base: own, Type: "visit", Account: a.ID}
			if err := tx.CreateActivity(ac); err != nil {
				return err
			}
			m[crm.KindAccount], m[crm.KindContact], m[crm.KindEquipment] = a.ID, c.ID, e.ID
			m[crm.KindLead], m[crm.KindOpp], m[crm.KindActivity] = l.ID, o.ID, ac.ID
			return nil
		})
		out[u.ID] = m
	}
	return out
}

// touch makes a harmless change to a record of kind k.
func touch(r crm.Record, n int) {
	note := fmt.Sprintf("touched %d", n)
	switch v := r.(type) {
	case *crm.Account:
		v.Address = note
	case *crm.Contact:
		v.Title = note
	case *crm.Equipment:
		v.Location = note
	case *crm.Lead:
		v.Needs = note
	case *crm.Opportunity:
		v.Needs = note
	case *crm.Activity:
		v.Notes = note
	}
}

// canReadWrite reports what actor may do with record (k, id): read through
// Get, and change through Save (the record handed to him as the system reads
// it, so that the write check does not depend on the read check).
func canReadWrite(t *testing.T, w *world, actor *crm.User, k crm.Kind, id int64, n int) (read, write bool) {
	t.Helper()
	err := w.s.View(actor, func(tx *crm.Tx) error { _, err := tx.Get(k, id); return err })
	switch crm.ErrorCode(err) {
	case "":
		read = true
	case crm.ENOTFOUND:
	default:
		t.Fatalf("Get %s #%d as %s: %v", k, id, actor.Name, err)
	}
	var r crm.Record
	mustView(t, w.s, crm.System, func(tx *crm.Tx) error { var err error; r, err = tx.Get(k, id); return err })
	touch(r, n)
	_, err = update(w.s, actor, func(tx *crm.Tx) error { return tx.Save(r) })
	switch crm.ErrorCode(err) {
	case "":
		write = true
	case crm.EFORBIDDEN:
		if !strings.Contains(crm.ErrorMessage(err), "not yours") {
			t.Errorf("write refusal says %q", crm.ErrorMessage(err))
		}
	default:
		t.Fatalf("Save %s #%d as %s: %v", k, id, actor.Name, err)
	}
	return read, write
}

// mayChangeAccount reports whether u is responsible for account id: his own,
// or any of his branch's as a manager (a salesman changes only his own
// customers' contacts and machines).
func mayChangeAccount(tx *crm.Tx, u *crm.User, id int64) bool {
	a, err := tx.Account(id)
	return err == nil && (a.Owner == u.ID || u.Role.IsManager())
}

func rw(read, write bool) string {
	s := []byte("--")
	if read {
		s[0] = 'R'
	}
	if write {
		s[1] = 'W'
	}
	return string(s)
}

func TestAccessDefaultPolicy(t *testing.T) {
	w := newWorld(t)
	recs := accessRecords(t, w, w.s1, w.s2, w.d1)
	actors := map[string]*crm.User{"s1": w.s1, "mgrS": w.mgrS, "dir": w.dir, "d1": w.d1, "credit": w.credit, "mgrD": w.mgrD}

	// Records owned by s1 (shenyang salesman), by s2 (his colleague) and by
	// d1 (dalian salesman): what each actor may read (R) and write (W).
	table := []struct {
		actor            string
		kinds            []crm.Kind
		byS1, byS2, byD1 string
	}{
		{"s1", []crm.Kind{crm.KindAccount, crm.KindContact, crm.KindEquipment}, "RW", "R-", "--"},
		{"s1", []crm.Kind{crm.KindLead, crm.KindOpp, crm.KindActivity}, "RW", "--", "--"},
		{"mgrS", accessKinds, "RW", "RW", "--"},
		{"dir", accessKinds, "RW", "RW", "RW"},
		{"d1", []crm.Kind{crm.KindAccount, crm.KindContact, crm.KindEquipment}, "--", "--", "RW"},
		{"d1", []crm.Kind{crm.KindLead, crm.KindOpp, crm.KindActivity}, "--", "--", "RW"},
		{"mgrD", accessKinds, "--", "--", "RW"},
		{"credit", accessKinds, "R-", "R-", "R-"},
	}
	n := 0
	for _, row := range table {
		for _, k := range row.kinds {
			for _, col := range []struct {
				owner *crm.User
				want  string
			}{{w.s1, row.byS1}, {w.s2, row.byS2}, {w.d1, row.byD1}} {
				name := fmt.Sprintf("%s/%s/of_%s", row.actor, k, col.owner.Name)
				t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
					n++
					got := rw(canReadWrite(t, w, actors[row.actor], k, recs[col.owner.ID][k], n))
					if got != col.want {
						t.Errorf("%s on %s of %s: %s, want %s", row.actor, k, col.owner.Name, got, col.want)
					}
				})
			}
		}
	}

	t.Run("ErrSalesmanCreatesForPeer", func(t *testing.T) {
		before := countAll(t, w.s)
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			return tx.CreateAccount(&crm.Account{Base: crm.Base{Owner: w.s2.ID}, Name: "Not Mine Ltd"}, &crm.Contact{Name: "X"})
		})
		wantErr(t, err, crm.EFORBIDDEN, "outside your team")
		unchanged(t, w.s, before)
	})

	t.Run("ErrSalesmanGivesAwayToOtherBranch", func(t *testing.T) {
		acct := recs[w.s1.ID][crm.KindAccount]
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateAccount(acct, func(a *crm.Account) error { a.Owner = w.d1.ID; return nil })
			return err
		})
		wantErr(t, err, crm.EFORBIDDEN)
		if a := getAsSystem[*crm.Account](t, w.s, crm.KindAccount, acct); a.Owner != w.s1.ID || a.Branch != "shenyang" {
			t.Errorf("account now %d/%s", a.Owner, a.Branch)
		}
	})

	t.Run("ErrBranchCannotBeForged", func(t *testing.T) {
		acct := recs[w.s1.ID][crm.KindAccount]
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			_, err := tx.UpdateAccount(acct, func(a *crm.Account) error { a.Branch, a.Dept = "dalian", "machines"; return nil })
			return err
		})
		if a := getAsSystem[*crm.Account](t, w.s, crm.KindAccount, acct); a.Branch != "shenyang" {
			t.Errorf("a salesman moved his account to branch %q by editing the field", a.Branch)
		}
	})

	t.Run("OKManagerReassignsInBranch", func(t *testing.T) {
		acct := recs[w.s1.ID][crm.KindAccount]
		cs := mustUpdate(t, w.s, w.mgrS, func(tx *crm.Tx) error {
			_, err := tx.UpdateAccount(acct, func(a *crm.Account) error { a.Owner = w.s2.ID; return nil })
			return err
		})
		if ev := findEvent(cs, crm.EvAssigned); ev == nil || ev.ID != acct || !containsID(ev.To, w.s2.ID) {
			t.Errorf("assigned event = %+v", ev)
		}
		r, wr := canReadWrite(t, w, w.s1, crm.KindAccount, acct, 1000)
		if got := rw(r, wr); got != "R-" {
			t.Errorf("s1 on the account given to s2: %s, want R-", got)
		}
	})

	t.Run("OKUsers", func(t *testing.T) {
		mustView(t, w.s, w.s1, func(tx *crm.Tx) error {
			var names []string
			err := tx.Each(crm.KindUser, func(r crm.Record) bool { names = append(names, r.(*crm.User).Name); return true })
			want := "Liu Manager,Wang Jun,Li Gang"
			if strings.Join(names, ",") != want {
				t.Errorf("s1 sees users %v, want %s", names, want)
			}
			return err
		})
	})
}

func TestAccessUserMovesBranch(t *testing.T) {
	w := newWorld(t)
	recs := accessRecords(t, w, w.s2)
	mustUpdate(t, w.s, crm.System, func(tx *crm.Tx) error {
		u, err := tx.User(w.s2.ID)
		if err != nil {
			return err
		}
		u.Branch, u.Manager = "dalian", w.mgrD.ID
		return tx.SaveUser(u)
	})
	if u := getAsSystem[*crm.User](t, w.s, crm.KindUser, w.s2.ID); u.Branch != "dalian" {
		t.Fatalf("SaveUser kept branch %q, want dalian", u.Branch)
	}
	for k, id := range recs[w.s2.ID] {
		if r := getAsSystem[crm.Record](t, w.s, k, id); recordBranch(r) != "dalian" {
			t.Errorf("%s #%d stayed in %q when its owner moved to dalian", k, id, recordBranch(r))
		}
		mustView(t, w.s, w.mgrS, func(tx *crm.Tx) error {
			if _, err := tx.Get(k, id); crm.ErrorCode(err) != crm.ENOTFOUND {
				t.Errorf("old manager still sees %s #%d: %v", k, id, err)
			}
			return nil
		})
		mustView(t, w.s, w.mgrD, func(tx *crm.Tx) error {
			if _, err := tx.Get(k, id); err != nil {
				t.Errorf("new manager does not see %s #%d: %v", k, id, err)
			}
			return nil
		})
	}
}

func TestAccessCustomPolicy(t *testing.T) {
	t.Run("OKSalesmanAccountsMemberOnly", func(t *testing.T) {
		p, err := crm.LoadPolicy(strings.NewReader(`{"Salesman": {"Account": "MM"}}`))
		if err != nil {
			t.Fatal(err)
		}
		w := newWorldWithPolicy(t, p)
		recs := accessRecords(t, w, w.s1, w.s2)
		if got := rw(canReadWrite(t, w, w.s1, crm.KindAccount, recs[w.s2.ID][crm.KindAccount], 1)); got != "--" {
			t.Errorf("s1 on s2's account under MM: %s, want --", got)
		}
		// kinds not named keep their defaults
		if got := rw(canReadWrite(t, w, w.s1, crm.KindContact, recs[w.s2.ID][crm.KindContact], 2)); got != "R-" {
			t.Errorf("s1 on s2's contact: %s, want default R-", got)
		}
		if ids := lookupIDs(t, w.s, w.s1, crm.KindAccount, "access account"); len(ids) != 1 || ids[0] != recs[w.s1.ID][crm.KindAccount] {
			t.Errorf("s1's account lookup under MM = %v", ids)
		}
	})

	t.Run("OKSalesmanReadsTeamOpps", func(t *testing.T) {
		p, err := crm.LoadPolicy(strings.NewReader(`{"salesman": {"opp": "DM", "lead": "D-"}}`))
		if err != nil {
			t.Fatal(err)
		}
		w := newWorldWithPolicy(t, p)
		recs := accessRecords(t, w, w.s1, w.s2, w.d1)
		for _, c := range []struct {
			k     crm.Kind
			owner *crm.User
			want  string
		}{
			{crm.KindOpp, w.s2, "R-"}, {crm.KindOpp, w.s1, "RW"}, {crm.KindOpp, w.d1, "--"},
			{crm.KindLead, w.s1, "R-"}, {crm.KindLead, w.s2, "R-"},
		} {
			if got := rw(canReadWrite(t, w, w.s1, c.k, recs[c.owner.ID][c.k], 3)); got != c.want {
				t.Errorf("s1 on %s of %s: %s, want %s", c.k, c.owner.Name, got, c.want)
			}
		}
	})

	t.Run("OKDirectorRestricted", func(t *testing.T) {
		p, err := crm.LoadPolicy(strings.NewReader(`{"director": {"activity": "A-"}}`))
		if err != nil {
			t.Fatal(err)
		}
		w := newWorldWithPolicy(t, p)
		recs := accessRecords(t, w, w.s1)
		if got := rw(canReadWrite(t, w, w.dir, crm.KindActivity, recs[w.s1.ID][crm.KindActivity], 4)); got != "R-" {
			t.Errorf("director on activity: %s, want R-", got)
		}
	})

	for _, c := range []struct {
		name, json string
		frags      []string
	}{
		{"ErrNotJSON", `{"salesman": `, []string{"access policy"}},
		{"ErrNotAnObject", `["salesman"]`, []string{"access policy"}},
		{"ErrLevelNotString", `{"salesman": {"account": 3}}`, []string{"access policy"}},
		{"ErrUnknownRole", `{"janitor": {"account": "DM"}}`, []string{"access policy", `unknown role "janitor"`, "salesman"}},
		{"ErrUnknownKind", `{"salesman": {"spaceship": "DM"}}`, []string{"access policy", `unknown kind "spaceship"`}},
		{"ErrBadLevel", `{"salesman": {"account": "DX"}}`, []string{"salesman/account", "M, D, A, -", `"DX"`}},
		{"ErrOneLevel", `{"salesman": {"account": "D"}}`, []string{"read then write"}},
		{"ErrLowerCaseLevel", `{"salesman": {"account": "dm"}}`, []string{`"dm"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := crm.LoadPolicy(strings.NewReader(c.json))
			if err == nil {
				t.Fatalf("LoadPolicy(%s) = %v, want an error", c.json, p)
			}
			for _, f := range c.frags {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not say %q", err, f)
				}
			}
		})
	}
}

// recordBranch is the branch a record belongs to.
func recordBranch(r crm.Record) string {
	switch v := r.(type) {
	case *crm.User:
		return v.Branch
	case *crm.Account:
		return v.Branch
	case *crm.Contact:
		return v.Branch
	case *crm.Lead:
		return v.Branch
	case *crm.Opportunity:
		return v.Branch
	case *crm.Activity:
		return v.Branch
	case *crm.Equipment:
		return v.Branch
	case *crm.Request:
		return v.Branch
	case *crm.Document:
		return v.Branch
	case *crm.Campaign:
		return v.Branch
	case *crm.Competitor:
		return v.Branch
	}
	panic(fmt.Sprintf("recordBranch: %T", r))
}

// TestAccessNoLeakAcrossBranches is the property test of issue 2: users in
// two branches, a random population of records owned by users of both, and
// every query a salesman can run must return nothing of the other branch.
func TestAccessNoLeakAcrossBranches(t *testing.T) {
	iterations := 30
	if testing.Short() {
		iterations = 5
	}
	base := uint64(time.Now().UnixNano())
	for i := 0; i < iterations; i++ {
		seed := base + uint64(i)
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			checkNoLeak(t, seed)
		})
	}
}

// leakWorld is the random population of one iteration.
type leakWorld struct {
	*world
	rng      *rand.Rand
	branchOf map[int64]string // user → branch
	byBranch map[string][]*crm.User
	accounts map[string][]int64 // branch → account ids
	names    map[string][]string
	phones   map[string][]string
	all      []*crm.User // every user, the director and credit included
	sys      map[crm.Kind]map[int64]crm.Record
}

var leakWords = []string{"ACME", "Huaxin", "Mining", "Steel", "Quarry", "Transport", "华鑫", "矿业", "钢铁", "重工", "Liaoning", "Heavy"}

func (lw *leakWorld) name() string {
	n := 1 + lw.rng.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = leakWords[lw.rng.IntN(len(leakWords))]
	}
	return strings.Join(parts, " ")
}

func (lw *leakWorld) phone() string { return fmt.Sprintf("139%08d", lw.rng.IntN(100_000_000)) }

func (lw *leakWorld) pick(us []*crm.User) *crm.User { return us[lw.rng.IntN(len(us))] }

func checkNoLeak(t *testing.T, seed uint64) {
	defer func() {
		if t.Failed() {
			t.Logf("reproduce with seed %d", seed)
		}
	}()
	w := newWorld(t)
	lw := &leakWorld{world: w, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		branchOf: map[int64]string{}, byBranch: map[string][]*crm.User{},
		accounts: map[string][]int64{}, names: map[string][]string{}, phones: map[string][]string{}}
	// a second salesman in dalian, created by the director
	d2 := &crm.User{Name: "Zhao Fang", Phones: []string{"13800000008"}, Role: crm.RoleSalesman, Manager: w.mgrD.ID,
		Base: crm.Base{Branch: "dalian", Dept: "machines"}}
	mustUpdate(t, w.s, w.dir, func(tx *crm.Tx) error { return tx.SaveUser(d2) })
	for _, u := range []*crm.User{w.mgrS, w.s1, w.s2, w.mgrD, w.d1, d2} {
		lw.branchOf[u.ID] = u.Branch
		lw.byBranch[u.Branch] = append(lw.byBranch[u.Branch], u)
	}
	salesmen := []*crm.User{w.s1, w.s2, w.d1, d2}
	lw.all = append(w.users(), d2)
	branches := []string{"shenyang", "dalian"}

	// populate: some requests by the owners themselves, some by the
	// director in one change set that spans both branches (an import)
	nAccounts := 4 + lw.rng.IntN(6)
	for i := 0; i < nAccounts; i++ {
		br := branches[lw.rng.IntN(2)]
		if i < 2 {
			br = branches[i] // at least one account in each branch
		}
		owner := lw.pick(lw.byBranch[br])
		actor := owner
		if lw.rng.IntN(3) == 0 {
			actor = w.dir
		}
		name, ph, cph := lw.name(), lw.phone(), lw.phone()
		mustUpdate(t, w.s, actor, func(tx *crm.Tx) error {
			a := &crm.Account{Base: crm.Base{Owner: owner.ID}, Name: name, Phones: []string{ph}}
			cs := []*crm.Contact{{Name: lw.name(), Mobile: cph}}
			if lw.rng.IntN(2) == 0 {
				cs = append(cs, &crm.Contact{Name: lw.name()})
			}
			if err := tx.CreateAccount(a, cs...); err != nil {
				return err
			}
			lw.accounts[br] = append(lw.accounts[br], a.ID)
			return nil
		})
		lw.names[br] = append(lw.names[br], name)
		lw.phones[br] = append(lw.phones[br], ph, cph)
	}

	// a director's bulk change over both branches: opps, activities, leads,
	// equipment for random owners
	mustUpdate(t, w.s, w.dir, func(tx *crm.Tx) error {
		for i := 0; i < 6+lw.rng.IntN(10); i++ {
			br := branches[lw.rng.IntN(2)]
			owner := lw.pick(lw.byBranch[br])
			acct := lw.accounts[br][lw.rng.IntN(len(lw.accounts[br]))]
			switch lw.rng.IntN(4) {
			case 0:
				if err := tx.CreateOpp(&crm.Opportunity{Base: crm.Base{Owner: owner.ID}, Account: acct, Name: lw.name()}); err != nil {
					return err
				}
			case 1:
				a := &crm.Activity{Base: crm.Base{Owner: owner.ID}, Type: "visit", Account: acct, Subject: lw.name()}
				if lw.rng.IntN(2) == 0 {
					a.Due = tx.Now().Add(time.Duration(lw.rng.IntN(96)-48) * time.Hour)
				}
				if err := tx.CreateActivity(a); err != nil {
					return err
				}
			case 2:
				ph := lw.phone()
				lw.phones[br] = append(lw.phones[br], ph)
				if err := tx.CreateLead(&crm.Lead{Base: crm.Base{Owner: owner.ID}, Company: lw.name(), Person: lw.name(), Phone: ph}); err != nil {
					return err
				}
			case 3:
				e := &crm.Equipment{Base: crm.Base{Owner: owner.ID}, Account: acct, Brand: "Komatsu", Model: fmt.Sprintf("PC%d", 100+i),
					Bought: time.Date(2015+lw.rng.IntN(10), 1, 1, 0, 0, 0, 0, time.UTC)}
				if err := tx.SaveEquipment(e); err != nil {
					return err
				}
			}
		}
		return nil
	})

	// each branch user's own work: leads, opps, activities (some due),
	// equipment, removal requests, stage moves
	for i := 0; i < 10+lw.rng.IntN(15); i++ {
		br := branches[lw.rng.IntN(2)]
		u := lw.pick(lw.byBranch[br])
		acct := lw.accounts[br][lw.rng.IntN(len(lw.accounts[br]))]
		mustUpdate(t, w.s, u, func(tx *crm.Tx) error {
			switch lw.rng.IntN(6) {
			case 0:
				ph := lw.phone()
				lw.phones[br] = append(lw.phones[br], ph)
				return tx.CreateLead(&crm.Lead{Company: lw.name(), Person: lw.name(), Phone: ph, Source: "referral", Referrer: lw.name()})
			case 1:
				o := &crm.Opportunity{Account: acct, Name: lw.name()}
				if err := tx.CreateOpp(o); err != nil {
					return err
				}
				if lw.rng.IntN(2) == 0 {
					_, err := tx.SetOppStage(o.ID, crm.StageMove{To: crm.StageQualification})
					return err
				}
				if lw.rng.IntN(2) == 0 {
					_, err := tx.SetOppStage(o.ID, crm.StageMove{To: crm.StageLost, Competitor: "Komatsu", Reason: "price"})
					return err
				}
			case 2, 3:
				a := &crm.Activity{Type: "call", Subject: lw.name()}
				if lw.rng.IntN(3) > 0 {
					a.Due = tx.Now().Add(time.Duration(lw.rng.IntN(96)-48) * time.Hour)
				}
				if u.Role.IsManager() && lw.rng.IntN(2) == 0 {
					a.Owner = lw.pick(lw.byBranch[br]).ID // assignment
				}
				return tx.CreateActivity(a)
			case 4:
				if u.Role.IsManager() || !mayChangeAccount(tx, u, acct) {
					return nil
				}
				cs, err := tx.ContactsOf(acct)
				if err != nil || len(cs) == 0 {
					return err
				}
				_, err = tx.RemoveContact(cs[0].ID, "left")
				return err
			case 5:
				if !mayChangeAccount(tx, u, acct) {
					return nil
				}
				return tx.SaveEquipment(&crm.Equipment{Account: acct, Brand: "CAT", Model: "320D", Serial: fmt.Sprintf("S%d-%d", seed%1000, i)})
			}
			return nil
		})
	}

	// the system's view of every record, to judge what a query returned by id
	lw.sys = map[crm.Kind]map[int64]crm.Record{}
	mustView(t, w.s, crm.System, func(stx *crm.Tx) error {
		for _, k := range crm.Kinds {
			lw.sys[k] = map[int64]crm.Record{}
			if err := stx.Each(k, func(r crm.Record) bool { lw.sys[k][r.RecordID()] = r; return true }); err != nil {
				return err
			}
		}
		return nil
	})

	// every salesman runs every query
	for _, sm := range salesmen {
		other := "dalian"
		if sm.Branch == "dalian" {
			other = "shenyang"
		}
		mustView(t, w.s, sm, func(tx *crm.Tx) error {
			lw.queries(t, tx, sm, other, salesmen)
			return nil
		})
	}
}

// queries runs every query the Tx offers as salesman sm and checks that none
// returns a record of branch other.
func (lw *leakWorld) queries(t *testing.T, tx *crm.Tx, sm *crm.User, other string, salesmen []*crm.User) {
	t.Helper()
	bad := func(what string, r crm.Record) {
		t.Helper()
		if r != nil && recordBranch(r) == other {
			t.Errorf("%s: %s gets %s #%d of %s", what, sm.Name, r.RecordKind(), r.RecordID(), other)
		}
	}
	sys := lw.sys
	maxID := map[crm.Kind]int64{}
	for k, m := range sys {
		for id := range m {
			maxID[k] = max(maxID[k], id)
		}
	}
	seen := 0

	for _, k := range crm.Kinds {
		for id := int64(1); id <= maxID[k]+1; id++ {
			r, err := tx.Get(k, id)
			if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
				t.Fatalf("Get %s #%d: %v", k, id, err)
			}
			bad(fmt.Sprintf("Get(%s, %d)", k, id), r)
			if r != nil {
				seen++
			}
		}
		if err := tx.Each(k, func(r crm.Record) bool { bad("Each("+string(k)+")", r); return true }); err != nil {
			t.Fatal(err)
		}
		for _, u := range lw.all {
			if err := tx.OwnedBy(k, u.ID, func(r crm.Record) bool { bad(fmt.Sprintf("OwnedBy(%s, %d)", k, u.ID), r); return true }); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range []int64{1, maxID[k]} {
			hs, err := tx.History(k, id)
			if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
				t.Fatalf("History(%s, %d): %v", k, id, err)
			}
			for _, cs := range hs {
				lw.badChangeSet(t, fmt.Sprintf("History(%s, %d)", k, id), cs, sm, other, sys)
			}
		}
	}
	for k := range sys {
		for id := range sys[k] {
			hs, err := tx.History(k, id)
			if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
				t.Fatalf("History(%s, %d): %v", k, id, err)
			}
			for _, cs := range hs {
				lw.badChangeSet(t, fmt.Sprintf("History(%s, %d)", k, id), cs, sm, other, sys)
			}
		}
	}

	// lookups by name fragments and phone fragments of both branches
	var queries []string
	for _, br := range []string{"shenyang", "dalian"} {
		for _, n := range lw.names[br] {
			f := strings.Fields(n)
			queries = append(queries, n, f[0], strings.ToLower(f[len(f)-1]))
			if r := []rune(f[0]); len(r) > 2 {
				queries = append(queries, string(r[:2]))
			}
		}
		for _, p := range lw.phones[br] {
			queries = append(queries, p, p[len(p)-4:], p[len(p)-6:], p[3:7])
		}
	}
	queries = append(queries, "a", "#1", "#2", "#3", "Komatsu", "CAT")
	slices.Sort(queries)
	queries = slices.Compact(queries)
	// a random sample keeps the test fast; the iterations cover the rest
	lw.rng.Shuffle(len(queries), func(i, j int) { queries[i], queries[j] = queries[j], queries[i] })
	queries = queries[:min(len(queries), 60)]
	for _, k := range crm.Kinds {
		for _, q := range queries {
			cands, err := tx.Lookup(k, q, 20)
			if err != nil {
				t.Fatalf("Lookup(%s, %q): %v", k, q, err)
			}
			for _, c := range cands {
				r := sys[k][c.ID]
				if r == nil {
					t.Errorf("Lookup(%s, %q) returned missing #%d", k, q, c.ID)
					continue
				}
				bad(fmt.Sprintf("Lookup(%s, %q)", k, q), r)
			}
		}
	}

	for _, u := range lw.all {
		ag, err := tx.AgendaOf(u.ID, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range append(ag.Overdue, ag.Today...) {
			bad(fmt.Sprintf("AgendaOf(%d)", u.ID), a)
		}
		if u.Branch == other && ag.Later > 0 {
			t.Errorf("AgendaOf(%s): %s learns %d later activities of %s", u.Name, sm.Name, ag.Later, other)
		}
	}
	for s := crm.Stage(0); s <= 8; s++ {
		if err := tx.OppsByStage(s, func(o *crm.Opportunity) bool { bad(fmt.Sprintf("OppsByStage(%d)", s), o); return true }); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.OpenDue(tx.Now().Add(365*24*time.Hour), func(a *crm.Activity) bool { bad("OpenDue", a); return true }); err != nil {
		t.Fatal(err)
	}
	for id := range sys[crm.KindAccount] {
		for _, k := range crm.Kinds {
			rs, err := tx.LinkedTo(id, k)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				bad(fmt.Sprintf("LinkedTo(%d, %s)", id, k), r)
			}
		}
		cs, err := tx.ContactsOf(id)
		if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Fatal(err)
		}
		for _, c := range cs {
			bad(fmt.Sprintf("ContactsOf(%d)", id), c)
		}
		es, err := tx.EquipmentOf(id)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			bad(fmt.Sprintf("EquipmentOf(%d)", id), e)
		}
	}
	for _, e := range sys[crm.KindEquipment] {
		eq := e.(*crm.Equipment)
		found, err := tx.FindEquipment(eq.Account, eq.Brand, eq.Model, eq.Serial, eq.Bought)
		if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Fatal(err)
		}
		if found != nil {
			bad("FindEquipment", found)
		}
	}
	reqs, err := tx.PendingRequests()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		bad("PendingRequests", r)
	}
	for _, u := range lw.all {
		if r, err := tx.User(u.ID); err == nil {
			bad("User", r)
		}
	}
	if cs, err := tx.LastChangeSet(); err != nil {
		t.Fatal(err)
	} else if cs != nil {
		lw.badChangeSet(t, "LastChangeSet", cs, sm, other, sys)
	}
	for id := int64(1); id < 200; id++ {
		cs, err := tx.ChangeSetByID(id)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		} else if err != nil {
			t.Fatalf("ChangeSetByID(%d): %v", id, err)
		}
		lw.badChangeSet(t, fmt.Sprintf("ChangeSetByID(%d)", id), cs, sm, other, sys)
	}
	if seen == 0 {
		t.Errorf("%s sees nothing at all: the test proves nothing", sm.Name)
	}
}

// badChangeSet reports a change set that shows salesman sm a record of branch
// other: in a change's before or after value, or in an event about it.
func (lw *leakWorld) badChangeSet(t *testing.T, what string, cs *crm.ChangeSet, sm *crm.User, other string, sys map[crm.Kind]map[int64]crm.Record) {
	t.Helper()
	for _, c := range cs.Changes {
		for _, raw := range [][]byte{c.Before, c.After} {
			if raw == nil {
				continue
			}
			var b struct {
				Branch string `json:"branch"`
			}
			if err := json.Unmarshal(raw, &b); err != nil {
				t.Fatalf("%s: change of %s #%d: %v", what, c.Kind, c.ID, err)
			}
			if b.Branch == other {
				t.Errorf("%s: %s sees change set #%d with %s #%d of %s", what, sm.Name, cs.ID, c.Kind, c.ID, other)
			}
		}
	}
	for _, e := range cs.Events {
		if r := sys[e.Kind][e.ID]; r != nil && recordBranch(r) == other {
			t.Errorf("%s: %s sees change set #%d with an event about %s #%d of %s", what, sm.Name, cs.ID, e.Kind, e.ID, other)
		}
	}
}

func TestAccessUserRoles(t *testing.T) {
	w := newWorld(t)
	setRole := func(actor *crm.User, id int64, role crm.Role) error {
		_, err := update(w.s, actor, func(tx *crm.Tx) error {
			u, err := tx.User(id)
			if err != nil {
				return err
			}
			u.Role = role
			return tx.SaveUser(u)
		})
		return err
	}
	roleOf := func(id int64) crm.Role { return getAsSystem[*crm.User](t, w.s, crm.KindUser, id).Role }

	t.Run("ErrManagerPromotesHimself", func(t *testing.T) {
		wantErr(t, setRole(w.mgrS, w.mgrS.ID, crm.RoleAdmin), crm.EFORBIDDEN, "admin")
		if r := roleOf(w.mgrS.ID); r != crm.RoleSalesManager {
			t.Errorf("manager's role is now %s", r)
		}
	})
	t.Run("ErrManagerPromotesSalesman", func(t *testing.T) {
		wantErr(t, setRole(w.mgrS, w.s1.ID, crm.RoleDirector), crm.EFORBIDDEN, "director")
		if r := roleOf(w.s1.ID); r != crm.RoleSalesman {
			t.Errorf("salesman's role is now %s", r)
		}
	})
	t.Run("ErrManagerCreatesDataAdmin", func(t *testing.T) {
		before := countKind(t, w.s, crm.KindUser)
		_, err := update(w.s, w.mgrS, func(tx *crm.Tx) error {
			return tx.SaveUser(&crm.User{Name: "Sock Puppet", Email: "puppet@dealer.cn", Role: crm.RoleDataAdmin,
				Base: crm.Base{Branch: "shenyang", Dept: "machines"}})
		})
		wantErr(t, err, crm.EFORBIDDEN, "data_admin")
		if n := countKind(t, w.s, crm.KindUser); n != before {
			t.Errorf("users: %d → %d", before, n)
		}
	})
	t.Run("ErrSalesmanEditsUsers", func(t *testing.T) {
		wantErr(t, setRole(w.s1, w.s1.ID, crm.RoleSalesManager), crm.EFORBIDDEN)
	})
	t.Run("OKManagerAddsSalesman", func(t *testing.T) {
		mustUpdate(t, w.s, w.mgrS, func(tx *crm.Tx) error {
			return tx.SaveUser(&crm.User{Name: "New Hire", Phones: []string{"13800000099"}, Role: crm.RoleSalesman,
				Manager: w.mgrS.ID, Base: crm.Base{Branch: "shenyang", Dept: "machines"}})
		})
	})
	t.Run("ErrManagerAddsToOtherBranch", func(t *testing.T) {
		_, err := update(w.s, w.mgrS, func(tx *crm.Tx) error {
			return tx.SaveUser(&crm.User{Name: "Mole", Phones: []string{"13800000098"}, Role: crm.RoleSalesman,
				Base: crm.Base{Branch: "dalian", Dept: "machines"}})
		})
		wantErr(t, err, crm.EFORBIDDEN)
	})
	t.Run("OKDirectorPromotes", func(t *testing.T) {
		if err := setRole(w.dir, w.s2.ID, crm.RoleSalesManager); err != nil {
			t.Fatal(err)
		}
		if r := roleOf(w.s2.ID); r != crm.RoleSalesManager {
			t.Errorf("role = %s", r)
		}
	})
	t.Run("OKRoleNormalised", func(t *testing.T) {
		u := &crm.User{Name: "Branch Boss", Phones: []string{"13800000097"}, Role: "Branch Manager",
			Base: crm.Base{Branch: "dalian", Dept: "machines"}}
		mustUpdate(t, w.s, crm.System, func(tx *crm.Tx) error { return tx.SaveUser(u) })
		if r := roleOf(u.ID); r != crm.RoleBranchManager {
			t.Fatalf("role stored as %q, want %q", r, crm.RoleBranchManager)
		}
		boss := getAsSystem[*crm.User](t, w.s, crm.KindUser, u.ID)
		mustView(t, w.s, boss, func(tx *crm.Tx) error {
			if _, err := tx.User(w.d1.ID); err != nil {
				t.Errorf("a branch manager entered as %q cannot see his salesman: %v", "Branch Manager", err)
			}
			return nil
		})
	})
}
