package crm

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Money is an amount in minor units (fen, cents): 1,200,000.00 is
// Money(120_000_000).
type Money int64

// Yuan returns m in whole units.
func (m Money) Yuan() float64 { return float64(m) / 100 }

// String formats m for a short message: 1.2m, 350k, 12,500.
func (m Money) String() string {
	v := float64(m) / 100
	neg := ""
	if v < 0 {
		neg, v = "-", -v
	}
	switch {
	case v >= 1e6:
		return neg + trimZeros(fmt.Sprintf("%.2f", v/1e6)) + "m"
	case v >= 1e4:
		return neg + trimZeros(fmt.Sprintf("%.1f", v/1e3)) + "k"
	case v == float64(int64(v)):
		return neg + fmt.Sprintf("%d", int64(v))
	}
	return neg + fmt.Sprintf("%.2f", v)
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// validator is implemented by every record: its own rules, given the stored
// version (nil on create).
type validator interface {
	validate(tx *Tx, old Record) error
}

// ownedKind reports whether records of kind k belong to a salesman (and so
// need an owner whose branch and department they take).
func ownedKind(k Kind) bool {
	switch k {
	case KindUser, KindCompetitor:
		return false
	}
	return true
}

// save is the one way a record is created or changed from outside: access
// check on the stored and the new version, owner and team filled in, the
// record's rules, assignment events, then put.
func (tx *Tx) save(r Record) error {
	if !tx.writable {
		return Errorf(EINTERNAL, "write in a read-only transaction")
	}
	k := r.RecordKind()
	var old Record
	if r.RecordID() != 0 {
		o, err := tx.load(k, r.RecordID())
		switch {
		case err == nil:
			old = o
		case ErrorCode(err) == ENOTFOUND:
			// creating with a given id: only an import by an A-level writer
			if tx.s.policy.levels(tx.meta.Actor, k).Write != LevelA {
				return err
			}
		default:
			return err
		}
	}
	if old != nil && !tx.canWrite(old) {
		return tx.notYours(old)
	}
	b := r.base()
	if ownedKind(k) {
		if b.Owner == 0 {
			switch {
			case old != nil:
				b.Owner = old.base().Owner
			case tx.meta.Actor != System:
				b.Owner = tx.meta.Actor.ID
			default:
				return Errorf(EINVALID, "A new %s needs an owner.", kindName(k)).withHint("owner: user id, email or phone")
			}
		}
	}
	if k == KindUser {
		// a user's team is his own branch and department, as given
	} else if b.Owner != 0 && (old == nil || old.base().Owner != b.Owner || b.Branch == "") {
		u, err := tx.user(b.Owner)
		if err != nil {
			return Errorf(EINVALID, "Owner #%d is not a user.", b.Owner)
		}
		if u.Disabled && !tx.importing() {
			return Errorf(EINVALID, "%s has left; choose another owner.", u.Name)
		}
		b.Branch, b.Dept = u.Branch, u.Dept
	} else if old != nil && k != KindUser { // a user's own branch and department are his record's
		b.Branch, b.Dept = old.base().Branch, old.base().Dept
	}
	if k == KindUser {
		// a user's team is his own branch and department (see User.ownedBy)
		b.Owner = 0
	}
	if !tx.canWrite(r) {
		if old == nil && b.Owner != tx.meta.Actor.ID && ownedKind(k) {
			return Errorf(EFORBIDDEN, "You cannot create %s for someone outside your team.", article(kindName(k)))
		}
		return tx.mustWrite(r)
	}
	if v, ok := r.(validator); ok {
		if err := v.validate(tx, old); err != nil {
			return err
		}
	}
	if ownedKind(k) && b.Owner != 0 && b.Owner != tx.meta.Actor.ID && tx.meta.Actor != System &&
		(old == nil || old.base().Owner != b.Owner) && k != KindRequest {
		tx.Emit(Event{Type: EvAssigned, Kind: k, ID: -1, To: []int64{b.Owner}, By: tx.meta.Actor.ID})
		// who had it is told it is off his list, unless he gave it away
		// himself or had rejected it (an activity he said he cannot do)
		if old != nil && old.base().Owner != 0 && old.base().Owner != tx.meta.Actor.ID && b.Owner != 0 {
			if a, ok := old.(*Activity); !ok || a.Status != StatusRejected {
				tx.Emit(Event{Type: EvUnassigned, Kind: k, ID: -1, To: []int64{old.base().Owner}, By: tx.meta.Actor.ID,
					Detail: strconv.FormatInt(b.Owner, 10)})
			}
		}
	}
	if err := tx.put(r); err != nil {
		if len(tx.idPending) > 0 { // not saved: nobody is told about it
			tx.cs.Events = tx.cs.Events[:tx.idPending[0]]
			tx.idPending = tx.idPending[:0]
		}
		return err
	}
	// the id is known only now
	for _, i := range tx.idPending {
		tx.cs.Events[i].ID = r.RecordID()
	}
	tx.idPending = tx.idPending[:0]
	return nil
}

// managerOf returns the manager of user id (0 when none).
func (tx *Tx) managerOf(id int64) int64 {
	u, err := tx.user(id)
	if err != nil {
		return 0
	}
	return u.Manager
}

// day truncates t to its date in loc.
func day(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func trimAll(ss []string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Get reads any record by kind and id as the actor.
func (tx *Tx) Get(k Kind, id int64) (Record, error) {
	r, err := tx.load(k, id)
	if err != nil {
		return nil, err
	}
	if !tx.canRead(r) {
		return nil, Errorf(ENOTFOUND, "No %s #%d that you can see.", kindName(k), id)
	}
	return r, nil
}

// Save creates or changes any record as the actor, with all its rules. Kind
// specific methods (CreateAccount, SetOppStage, …) do the same with clearer
// arguments; Save is for imports and administration.
func (tx *Tx) Save(r Record) error { return tx.save(r) }

// article puts "a" or "an" before a noun.
func article(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}
