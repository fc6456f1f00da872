package crm

import "strings"

// MergeResult says what a merge moved into the record kept.
type MergeResult struct {
	Moved   map[Kind]int // records now pointing at the record kept, by kind
	Dropped int          // machines on file at both accounts: the merged one's copy was removed
}

// mergeAllowed refuses a merge to anyone but an administrator (A-level
// writer of kind k), who cleans the data for everyone.
func (tx *Tx) mergeAllowed(k Kind) error {
	if tx.s.policy.levels(tx.meta.Actor, k).Write != LevelA {
		return Errorf(EFORBIDDEN, "Merging records is for the data administrators.")
	}
	return nil
}

// MergeAccounts puts account from into account into, the duplicate into the
// record kept: its contacts, opportunities, activities, machines and
// documents move to into (each keeps its history), its name and aliases
// become aliases of into and its phones are added; accounts and leads that
// point at it point at into. Then from is deleted; its history stays, with
// its last state.
func (tx *Tx) MergeAccounts(into, from int64) (*MergeResult, error) {
	if err := tx.mergeAllowed(KindAccount); err != nil {
		return nil, err
	}
	if into == from {
		return nil, Errorf(EINVALID, "An account cannot be merged into itself.")
	}
	a, err := loadAs[Account](tx, into)
	if err != nil {
		return nil, err
	}
	b, err := loadAs[Account](tx, from)
	if err != nil {
		return nil, err
	}
	res := &MergeResult{Moved: map[Kind]int{}}
	for _, k := range []Kind{KindContact, KindOpp, KindActivity, KindEquipment, KindDocument} {
		for _, id := range tx.linked(from, k) {
			r, err := tx.load(k, id)
			if err != nil {
				return nil, err
			}
			switch v := r.(type) {
			case *Contact:
				v.Account = into
			case *Opportunity:
				v.Account = into
			case *Activity:
				v.Account = into
			case *Document:
				v.Account = into
			case *Equipment:
				if same, _ := loadEquipmentAt(tx, into, v); same != 0 {
					// the same machine recorded at both: keep into's
					if err := tx.remove(KindEquipment, v.ID); err != nil {
						return nil, err
					}
					res.Dropped++
					continue
				}
				v.Account = into
			}
			// moved as they are: a finished activity or a closed deal keeps
			// its state (the plain rules would refuse to touch it)
			if err := tx.put(r); err != nil {
				return nil, err
			}
			res.Moved[k]++
		}
	}
	// collected first: a bucket is not written while a cursor walks it
	var pointing []Record
	tx.Each(KindAccount, func(r Record) bool {
		if c := r.(*Account); c.Parent == from && c.ID != into {
			c.Parent = into
			pointing = append(pointing, c)
		}
		return true
	})
	tx.Each(KindLead, func(r Record) bool {
		if l := r.(*Lead); l.ConvAccount == from {
			l.ConvAccount = into
			pointing = append(pointing, l)
		}
		return true
	})
	for _, r := range pointing {
		if err := tx.put(r); err != nil {
			return nil, err
		}
		res.Moved[r.RecordKind()]++
	}
	for _, n := range append([]string{b.Name}, b.Aliases...) {
		if !strings.EqualFold(strings.TrimSpace(n), strings.TrimSpace(a.Name)) {
			a.Aliases = appendUnique(a.Aliases, n)
		}
	}
	for _, p := range b.Phones {
		if !containsString(a.Phones, p) {
			a.Phones = append(a.Phones, p)
		}
	}
	for _, m := range b.Team {
		if m != a.Owner && !containsID64(a.Team, m) {
			a.Team = append(a.Team, m)
		}
	}
	a.Address, a.City, a.Industry = firstNonEmpty(a.Address, b.Address), firstNonEmpty(a.City, b.City), firstNonEmpty(a.Industry, b.Industry)
	a.Background.FuturePlans = joinNotes(a.Background.FuturePlans, b.Background.FuturePlans)
	a.Background.Influence = joinNotes(a.Background.Influence, b.Background.Influence)
	a.Background.Assets = joinNotes(a.Background.Assets, b.Background.Assets)
	a.Background.CashFlow = joinNotes(a.Background.CashFlow, b.Background.CashFlow)
	a.Blacklisted = a.Blacklisted || b.Blacklisted
	if err := tx.put(a); err != nil {
		return nil, err
	}
	if err := tx.remove(KindAccount, from); err != nil {
		return nil, err
	}
	return res, nil
}

// loadEquipmentAt returns the id of the machine at account that is e (by
// its identity), 0 when none.
func loadEquipmentAt(tx *Tx, account int64, e *Equipment) (int64, error) {
	if IsOwnBrand(e.Brand) {
		return 0, nil // a serial is unique: it cannot be on file twice
	}
	id := tx.etx.Unique(IxEqIdent, eqIdent(&Equipment{Account: account, Brand: e.Brand, Model: e.Model, Bought: e.Bought}))
	return id, tx.etx.Err()
}

// MergeContacts puts contact from into contact into, two records of one
// person at one account: activities and deals that name from name into,
// into keeps its details and takes from's where it has none. Then from is
// deleted; its history stays.
func (tx *Tx) MergeContacts(into, from int64) (*MergeResult, error) {
	if err := tx.mergeAllowed(KindContact); err != nil {
		return nil, err
	}
	if into == from {
		return nil, Errorf(EINVALID, "A contact cannot be merged into itself.")
	}
	a, err := loadAs[Contact](tx, into)
	if err != nil {
		return nil, err
	}
	b, err := loadAs[Contact](tx, from)
	if err != nil {
		return nil, err
	}
	if a.Account != b.Account {
		return nil, Errorf(EINVALID, "Contacts #%d and #%d are at different accounts (#%d, #%d): merge the accounts first.", into, from, a.Account, b.Account)
	}
	res := &MergeResult{Moved: map[Kind]int{}}
	for _, id := range tx.linked(a.Account, KindActivity) {
		act, err := loadAs[Activity](tx, id)
		if err != nil {
			return nil, err
		}
		if act.Contact == from {
			act.Contact = into
			if err := tx.put(act); err != nil {
				return nil, err
			}
			res.Moved[KindActivity]++
		}
	}
	for _, id := range tx.linked(a.Account, KindOpp) {
		o, err := loadAs[Opportunity](tx, id)
		if err != nil {
			return nil, err
		}
		changed := false
		for i := range o.People {
			if o.People[i].Contact == from {
				o.People[i].Contact, o.People[i].Name, changed = into, a.Name, true
			}
		}
		if changed {
			if err := tx.put(o); err != nil {
				return nil, err
			}
			res.Moved[KindOpp]++
		}
	}
	var leads []*Lead
	tx.Each(KindLead, func(r Record) bool {
		if l := r.(*Lead); l.ConvContact == from {
			l.ConvContact = into
			leads = append(leads, l)
		}
		return true
	})
	for _, l := range leads {
		if err := tx.put(l); err != nil {
			return nil, err
		}
		res.Moved[KindLead]++
	}
	a.Mobile, a.Landline = firstNonEmpty(a.Mobile, b.Mobile), firstNonEmpty(a.Landline, b.Landline)
	a.Email, a.Title = firstNonEmpty(a.Email, b.Email), firstNonEmpty(a.Title, b.Title)
	a.Background = joinNotes(a.Background, b.Background)
	if err := tx.put(a); err != nil {
		return nil, err
	}
	if err := tx.remove(KindContact, from); err != nil {
		return nil, err
	}
	return res, nil
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func containsID64(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// joinNotes joins two texts, each once.
func joinNotes(a, b string) string {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case b == "" || strings.Contains(a, b):
		return a
	case a == "" || strings.Contains(b, a):
		return b
	}
	return a + "; " + b
}
