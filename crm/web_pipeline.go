package crm

import (
	"slices"
	"strings"
)

// The web console's pipeline (web/pipeline.go, web/opp.go): whose
// opportunities a user's pipeline covers, and whether he may move one.

// PipelineScope is whose opportunities a user's pipeline shows.
type PipelineScope struct {
	// All: every opportunity the actor may read (an A-level reader:
	// director, administrator); Users then lists the people who own one.
	All bool
	// Users are the owners covered, the actor first, then by name. For a
	// member-level reader (a salesman) only himself.
	Users []*User
}

// Has reports whether user id is one of the scope's owners.
func (p PipelineScope) Has(id int64) bool {
	return slices.ContainsFunc(p.Users, func(u *User) bool { return u.ID == id })
}

// PipelineScope says whose opportunities the actor's pipeline covers, by
// his read level on opportunities: M (a salesman) his own; D (a manager)
// his own and those of the people he manages, directly or through the
// managers under him, that he may see — or, when no one reports to him, of
// the salesmen and CSRs of his branch and department he may see (as TEAM
// answers); A (a director, an administrator) every one. Users who left
// (disabled) are kept when they still own opportunities: their deals do not
// vanish from the manager's figures.
func (tx *Tx) PipelineScope() PipelineScope {
	me := tx.meta.Actor
	lv := tx.s.policy.levels(me, KindOpp).Read
	sc := PipelineScope{Users: []*User{me}}
	switch lv {
	case LevelA:
		sc.All = true
		sc.Users = append(sc.Users, tx.usersWhere(func(u *User) bool { return tx.ownsAny(KindOpp, u.ID) })...)
	case LevelD:
		managed := tx.managedBy(me.ID)
		if len(managed) == 0 {
			managed = tx.usersWhere(func(u *User) bool {
				return !u.Disabled && (u.Role == RoleSalesman || u.Role == RoleCSR) && tx.canRead(u)
			})
		}
		sc.Users = append(sc.Users, managed...)
	}
	if me == System { // the command line: not a person with a pipeline of his own
		sc.Users = sc.Users[1:]
	}
	return sc
}

// managedBy lists the users under mgr in the management tree (directly or
// through the managers under him) that the actor may see, by name.
func (tx *Tx) managedBy(mgr int64) []*User {
	under := map[int64][]*User{}
	tx.eachUser(func(u *User) {
		if u.Manager != 0 && u.ID != u.Manager {
			under[u.Manager] = append(under[u.Manager], u)
		}
	})
	var out []*User
	seen := map[int64]bool{mgr: true}
	queue := []int64{mgr}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		for _, u := range under[m] {
			if seen[u.ID] {
				continue
			}
			seen[u.ID] = true
			queue = append(queue, u.ID)
			if tx.canRead(u) && (!u.Disabled || tx.ownsAny(KindOpp, u.ID)) {
				out = append(out, u)
			}
		}
	}
	sortUsers(out)
	return out
}

// usersWhere lists the users (not the actor) for whom keep is true, by name.
func (tx *Tx) usersWhere(keep func(*User) bool) []*User {
	var out []*User
	tx.eachUser(func(u *User) {
		if u.ID != tx.meta.Actor.ID && keep(u) {
			out = append(out, u)
		}
	})
	sortUsers(out)
	return out
}

// eachUser calls fn for every user, without an access check (the callers
// check what they keep).
func (tx *Tx) eachUser(fn func(*User)) {
	tx.etx.Scan(KindUser, func(id int64, v []byte) bool {
		if r, err := tx.decode(KindUser, id, v); err == nil {
			fn(r.(*User))
		}
		return true
	})
}

func sortUsers(us []*User) {
	slices.SortFunc(us, func(a, b *User) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
}

// ownsAny reports whether owner owns any record of kind k (the owner index).
func (tx *Tx) ownsAny(k Kind, owner int64) bool {
	found := false
	tx.etx.OwnedBy(k, owner, func(int64) bool { found = true; return false })
	return found
}

// OppWritable reports whether the actor may change (move) opportunity o:
// the same check the OPP command's stage move makes.
func (tx *Tx) OppWritable(o *Opportunity) bool { return tx.canWrite(o) }
