package crm

import (
	"encoding/json"
	"sort"
	"time"
)

// Each calls fn for every record of kind k that the actor may see, in id
// order, until fn returns false. It reads the whole bucket: for reports and
// exports, not for the message path.
func (tx *Tx) Each(k Kind, fn func(Record) bool) error {
	var err error
	serr := tx.etx.Scan(k, func(_ int64, v []byte) bool {
		r := newRecord(k)
		if err = json.Unmarshal(v, r); err != nil {
			return false
		}
		return !tx.canRead(r) || fn(r)
	})
	return firstErr(err, serr, tx.etx.Err())
}

// OwnedBy lists the ids of records of kind k owned by user, through the owner
// index, keeping those the actor may see.
func (tx *Tx) OwnedBy(k Kind, owner int64, fn func(Record) bool) error {
	var err error
	oerr := tx.etx.OwnedBy(k, owner, func(id int64) bool {
		var r Record
		if r, err = tx.load(k, id); err != nil {
			return false
		}
		return !tx.canRead(r) || fn(r)
	})
	return firstErr(err, oerr, tx.etx.Err())
}

// Agenda is what a user has to do: his open activities due by the end of the
// day, overdue ones first.
type Agenda struct {
	Overdue []*Activity
	Today   []*Activity
	Later   int // open activities due after today or without a due time
}

// AgendaOf returns user's agenda for the day of the transaction's time in loc.
func (tx *Tx) AgendaOf(user int64, loc *time.Location) (*Agenda, error) {
	return tx.AgendaAt(user, tx.now, loc)
}

// AgendaAt returns user's agenda for the day of now in loc: his open
// activities due by the end of that day (those due before it are overdue),
// read from the index of open activities, so his history costs nothing.
func (tx *Tx) AgendaAt(user int64, now time.Time, loc *time.Location) (*Agenda, error) {
	start := day(now, loc)
	end := start.AddDate(0, 0, 1)
	ag := &Agenda{}
	var err error
	ag.Later, err = tx.OpenDueOf(user, end, func(a *Activity) {
		if a.Due.Before(start) {
			ag.Overdue = append(ag.Overdue, a)
		} else {
			ag.Today = append(ag.Today, a)
		}
	})
	byDue := func(s []*Activity) {
		sort.SliceStable(s, func(i, j int) bool { return s[i].Due.Before(s[j].Due) })
	}
	byDue(ag.Overdue)
	byDue(ag.Today)
	return ag, err
}

// OppsByStage calls fn for the opportunities at stage s the actor may see.
func (tx *Tx) OppsByStage(s Stage, fn func(*Opportunity) bool) error {
	var err error
	serr := tx.etx.ByStage(s, func(id int64) bool {
		var o *Opportunity
		if o, err = loadAs[Opportunity](tx, id); err != nil {
			return false
		}
		return !tx.canRead(o) || fn(o)
	})
	return firstErr(err, serr, tx.etx.Err())
}

// LinkedTo lists the records of kind k linked to an account (contacts,
// opportunities, activities, equipment, documents) that the actor may see.
func (tx *Tx) LinkedTo(account int64, k Kind) ([]Record, error) {
	var out []Record
	for _, id := range tx.linked(account, k) {
		r, err := tx.load(k, id)
		if err != nil {
			return nil, err
		}
		if tx.canRead(r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// UserByPhone finds the user with a phone number (any form NormalizePhone reads).
func (tx *Tx) UserByPhone(phone string) (*User, error) {
	key, ok := phoneKey(phone)
	if !ok {
		return nil, Errorf(ENOTFOUND, "%q is not a phone number.", phone)
	}
	id := tx.etx.Unique(IxUserPhone, []byte(key))
	if id == 0 {
		if err := tx.etx.Err(); err != nil {
			return nil, err
		}
		return nil, Errorf(ENOTFOUND, "No user with phone %s.", key)
	}
	return loadAs[User](tx, id)
}

// UserByEmail finds the user with an email address (case-insensitive).
func (tx *Tx) UserByEmail(email string) (*User, error) {
	id := tx.etx.Unique(IxUserEmail, []byte(normText(email)))
	if id == 0 {
		if err := tx.etx.Err(); err != nil {
			return nil, err
		}
		return nil, Errorf(ENOTFOUND, "No user with email %s.", email)
	}
	return loadAs[User](tx, id)
}

// User reads a user as the actor.
func (tx *Tx) User(id int64) (*User, error) { return getAs[User](tx, id) }

// SaveUser creates or changes a user. When his branch or department changes,
// his records move with him (their team is his).
func (tx *Tx) SaveUser(u *User) error {
	var kept []string
	if u.ID != 0 {
		if o, err := loadAs[User](tx, u.ID); err == nil {
			kept = o.Phones
		}
	}
	if err := u.validate(kept); err != nil {
		return err
	}
	if u.Manager != 0 {
		if u.Manager == u.ID {
			return Errorf(EINVALID, "A user cannot be his own manager.")
		}
		if _, err := loadAs[User](tx, u.Manager); err != nil {
			return Errorf(EINVALID, "Manager #%d is not a user.", u.Manager)
		}
	}
	var old *User
	if u.ID != 0 {
		if o, err := loadAs[User](tx, u.ID); err == nil {
			old = o
		}
	}
	// a branch-level user writer (a manager) must not hand out more access
	// than a salesman's, to others or to himself
	if tx.s.policy.levels(tx.meta.Actor, KindUser).Write != LevelA && (old == nil || old.Role != u.Role) &&
		u.Role != RoleSalesman && u.Role != RoleCSR {
		return Errorf(EFORBIDDEN, "Only an administrator can make someone %s.", u.Role)
	}
	if err := tx.save(u); err != nil {
		return err
	}
	if old != nil && (old.Branch != u.Branch || old.Dept != u.Dept) {
		for _, k := range Kinds {
			if !ownedKind(k) {
				continue
			}
			var ids []int64
			tx.OwnedBy(k, u.ID, func(r Record) bool { ids = append(ids, r.RecordID()); return true })
			for _, id := range ids {
				r, err := tx.load(k, id)
				if err != nil {
					return err
				}
				r.base().Branch, r.base().Dept = u.Branch, u.Dept
				if err := tx.put(r); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Recipient reads a user to send him a notice, whatever the actor may see:
// the rules decide who is told, not the sender's access level.
func (tx *Tx) Recipient(id int64) (*User, error) { return tx.user(id) }
