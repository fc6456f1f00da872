package crm_test

import (
	"slices"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

func scopeOf(t *testing.T, w *world, u *crm.User) (all bool, names []string) {
	t.Helper()
	mustView(t, w.s, u, func(tx *crm.Tx) error {
		sc := tx.PipelineScope()
		all = sc.All
		for _, x := range sc.Users {
			names = append(names, x.Name)
		}
		return nil
	})
	return all, names
}

// The pipeline covers: a salesman's own; a manager's team (those he manages,
// and himself); what an A-level reader may read.
func TestPipelineScope(t *testing.T) {
	w := newWorld(t)
	a, _ := w.account(t, w.s1, "ACME Mining", "")
	w.opp(t, w.s1, a, "ACME 320D")
	d, _ := w.account(t, w.d1, "Dalian Dredging", "")
	w.opp(t, w.d1, d, "Dredging 336")

	t.Run("Salesman", func(t *testing.T) {
		all, names := scopeOf(t, w, w.s1)
		if all || !slices.Equal(names, []string{"Wang Jun"}) {
			t.Errorf("salesman's scope: all %v %v", all, names)
		}
	})
	t.Run("Manager", func(t *testing.T) {
		all, names := scopeOf(t, w, w.mgrS)
		if all || !slices.Equal(names, []string{"Liu Manager", "Li Gang", "Wang Jun"}) {
			t.Errorf("manager's scope: all %v %v", all, names)
		}
		all, names = scopeOf(t, w, w.mgrD)
		if all || !slices.Equal(names, []string{"Sun Manager", "Zhao Lei"}) {
			t.Errorf("Dalian manager's scope: all %v %v", all, names)
		}
	})
	t.Run("Director", func(t *testing.T) {
		// every opportunity; the people a filter may name are those who own one
		all, names := scopeOf(t, w, w.dir)
		if !all || !slices.Equal(names, []string{"Zhou Director", "Wang Jun", "Zhao Lei"}) {
			t.Errorf("director's scope: all %v %v", all, names)
		}
	})
	t.Run("ManagerWithoutReports", func(t *testing.T) {
		// a branch manager no one reports to: the salesmen of his branch and department
		bm := &crm.User{Name: "Gao Branch", Phones: []string{"13800000099"}, Role: crm.RoleBranchManager,
			Base: crm.Base{Branch: "shenyang", Dept: "machines"}}
		mustUpdate(t, w.s, crm.System, func(tx *crm.Tx) error { return tx.SaveUser(bm) })
		all, names := scopeOf(t, w, bm)
		if all || !slices.Equal(names, []string{"Gao Branch", "Li Gang", "Wang Jun"}) {
			t.Errorf("branch manager's scope: all %v %v", all, names)
		}
	})
	t.Run("ThroughManagers", func(t *testing.T) {
		// a branch manager above Liu: Liu's people are his too
		bm := &crm.User{Name: "Tang Branch", Phones: []string{"13800000098"}, Role: crm.RoleBranchManager,
			Base: crm.Base{Branch: "shenyang", Dept: "machines"}}
		mustUpdate(t, w.s, crm.System, func(tx *crm.Tx) error {
			if err := tx.SaveUser(bm); err != nil {
				return err
			}
			m, err := tx.User(w.mgrS.ID)
			if err != nil {
				return err
			}
			m.Manager = bm.ID
			return tx.SaveUser(m)
		})
		all, names := scopeOf(t, w, bm)
		if all || !slices.Equal(names, []string{"Tang Branch", "Li Gang", "Liu Manager", "Wang Jun"}) {
			t.Errorf("branch manager's scope: all %v %v", all, names)
		}
	})
	t.Run("LeftWithDeals", func(t *testing.T) {
		// Wang leaves: his open deal stays in Liu's pipeline; Li Gang, who
		// leaves with none, drops out of the list
		mustUpdate(t, w.s, crm.System, func(tx *crm.Tx) error {
			for _, id := range []int64{w.s1.ID, w.s2.ID} {
				u, err := tx.User(id)
				if err != nil {
					return err
				}
				u.Disabled = true
				if err := tx.SaveUser(u); err != nil {
					return err
				}
			}
			return nil
		})
		_, names := scopeOf(t, w, w.mgrS)
		if !slices.Equal(names, []string{"Liu Manager", "Wang Jun"}) {
			t.Errorf("manager's scope after two left: %v", names)
		}
	})
}
