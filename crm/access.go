package crm

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Level is an access level from the dealer's access-right matrix.
type Level byte

const (
	LevelNone Level = 0
	LevelM    Level = 'M' // member: own records only
	LevelD    Level = 'D' // department/branch: records owned by anyone in the actor's branch (and department, when the actor has one)
	LevelA    Level = 'A' // all records
)

func (l Level) String() string {
	if l == LevelNone {
		return "-"
	}
	return string(rune(l))
}

// Levels are what a role may read and what it may change of one kind.
type Levels struct {
	Read  Level
	Write Level
}

// Policy maps a role and a kind of record to levels. A missing entry means no access.
type Policy map[Role]map[Kind]Levels

// DefaultPolicy is the matrix of product.md: a salesman sees his branch's
// accounts, contacts and equipment (so that he does not create duplicates) but
// changes only his own (contacts, equipment and documents: those of the
// accounts he is responsible for, see canWrite), and sees only his own leads, opportunities and
// activities; managers see and act on their branch; directors and admins see
// all; marketing runs campaigns.
func DefaultPolicy() Policy {
	all := func(r, w Level) map[Kind]Levels {
		m := map[Kind]Levels{}
		for _, k := range Kinds {
			m[k] = Levels{r, w}
		}
		return m
	}
	sales := map[Kind]Levels{
		KindUser: {LevelD, LevelNone}, KindAccount: {LevelD, LevelM}, KindContact: {LevelD, LevelM},
		KindEquipment: {LevelD, LevelM}, KindDocument: {LevelD, LevelM}, KindLead: {LevelM, LevelM},
		KindOpp: {LevelM, LevelM}, KindActivity: {LevelM, LevelM}, KindCompetitor: {LevelA, LevelA},
		KindCampaign: {LevelA, LevelNone}, KindRequest: {LevelM, LevelM},
	}
	manager := all(LevelD, LevelD)
	manager[KindCompetitor] = Levels{LevelA, LevelA}
	manager[KindCampaign] = Levels{LevelA, LevelNone}
	marketing := all(LevelA, LevelNone)
	marketing[KindCampaign] = Levels{LevelA, LevelA}
	marketing[KindLead] = Levels{LevelA, LevelA}
	marketing[KindCompetitor] = Levels{LevelA, LevelA}
	marketing[KindRequest] = Levels{LevelM, LevelM}
	credit := all(LevelA, LevelNone)
	credit[KindRequest] = Levels{LevelM, LevelM}
	return Policy{
		RoleSalesman:      sales,
		RoleCSR:           sales,
		RoleSalesManager:  manager,
		RoleBranchManager: manager,
		RoleDirector:      all(LevelA, LevelA),
		RoleDataAdmin:     all(LevelA, LevelA),
		RoleSalesAdmin:    all(LevelA, LevelA),
		RoleAdmin:         all(LevelA, LevelA),
		RoleMarketing:     marketing,
		RoleCredit:        credit,
	}
}

// LoadPolicy reads a policy as JSON: {"salesman": {"account": "DM", ...}, ...}
// where each value is the read level then the write level (M, D, A or -).
// Roles and kinds not named keep their defaults.
func LoadPolicy(r io.Reader) (Policy, error) {
	var raw map[string]map[string]string
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return nil, fmt.Errorf("access policy: %w", err)
	}
	p := DefaultPolicy()
	for rs, kinds := range raw {
		role, ok := ParseRole(rs)
		if !ok {
			return nil, fmt.Errorf("access policy: unknown role %q (%s)", rs, rolesHint())
		}
		if p[role] == nil {
			p[role] = map[Kind]Levels{}
		}
		for ks, lv := range kinds {
			k := Kind(strings.ToLower(ks))
			if newRecordOK(k) != nil {
				return nil, fmt.Errorf("access policy: unknown kind %q", ks)
			}
			if len(lv) != 2 || !validLevel(lv[0]) || !validLevel(lv[1]) {
				return nil, fmt.Errorf("access policy: %s/%s: want two of M, D, A, - (read then write), got %q", rs, ks, lv)
			}
			p[role][k] = Levels{toLevel(lv[0]), toLevel(lv[1])}
		}
	}
	return p, nil
}

func newRecordOK(k Kind) (err error) {
	defer func() {
		if recover() != nil {
			err = fmt.Errorf("unknown kind")
		}
	}()
	newRecord(k)
	return nil
}

func validLevel(c byte) bool { return c == 'M' || c == 'D' || c == 'A' || c == '-' }

func toLevel(c byte) Level {
	if c == '-' {
		return LevelNone
	}
	return Level(c)
}

// Allows reports whether level l lets actor reach a record owned as o.
func (l Level) allows(actor *User, o ownerOf) bool {
	switch l {
	case LevelA:
		return true
	case LevelD:
		if actor.Branch == "" || o.Branch != actor.Branch {
			return o.User != 0 && o.User == actor.ID
		}
		return actor.Dept == "" || o.Dept == actor.Dept
	case LevelM:
		return o.User != 0 && o.User == actor.ID
	}
	return false
}

func (p Policy) levels(actor *User, k Kind) Levels {
	if actor == System {
		return Levels{LevelA, LevelA}
	}
	return p[actor.Role][k]
}

func (tx *Tx) canRead(r Record) bool {
	a := tx.meta.Actor
	lv := tx.s.policy.levels(a, r.RecordKind())
	if lv.Read.allows(a, r.ownedBy()) {
		return true
	}
	// people always see themselves and what is assigned to or requested by them
	switch v := r.(type) {
	case *User:
		return v.ID == a.ID
	case *Request:
		return v.RequestedBy == a.ID
	}
	return false
}

// canWrite reports whether the actor may change r: by its own owner, or, for
// what hangs on an account (contacts, machines, documents), by the account's
// owner and team (see responsible.go).
func (tx *Tx) canWrite(r Record) bool {
	a := tx.meta.Actor
	lv := tx.s.policy.levels(a, r.RecordKind()).Write
	if a != System && attachedAccount(r) != 0 {
		if acct := tx.responsibleAccount(r); acct != nil {
			return lv.allows(a, acct.ownedBy())
		}
	}
	return lv.allows(a, r.ownedBy())
}

// isAll reports whether the actor reads every record of kind k.
func (tx *Tx) isAll(k Kind) bool {
	return tx.s.policy.levels(tx.meta.Actor, k).Read == LevelA
}

func (tx *Tx) actorIsManager() bool { return tx.meta.Actor.Role.IsManager() }

// mustWrite refuses with EFORBIDDEN when the actor may not change r.
func (tx *Tx) mustWrite(r Record) error {
	if tx.canWrite(r) {
		return nil
	}
	return tx.notYours(r)
}

// CanRead reports whether the actor may see r (for code outside crm that
// holds a record and must not show it to the wrong person).
func (tx *Tx) CanRead(r Record) bool { return tx.canRead(r) }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
