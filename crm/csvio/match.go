package csvio

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fieldcrm/fieldcrm/crm"
)

// Match is a row without an id that was taken for a stored record: the same
// file imported twice updates what the first import created instead of
// duplicating it.
type Match struct {
	Line int
	ID   int64
	Name string
	How  string // "same name and phone +8610…", "same name, no phone on either"
}

// Duplicate is a pair of stored records that look like one: the same name,
// or a phone in common. fieldcrm merge puts them together.
type Duplicate struct {
	Kind         crm.Kind
	A, B         int64 // A < B
	NameA, NameB string
	Why          string
}

// sameName compares names as people write them: case, spaces and a final
// full stop do not count ("ACME Mining Co." is "acme  mining co").
func sameName(a, b string) bool { return normName(a) == normName(b) }

func normName(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	return strings.TrimRight(s, ".。 ")
}

// rowPhones are the phone numbers a row gives, in E.164, from the columns named.
func rowPhones(x *ctx, cols ...string) map[string]bool {
	out := map[string]bool{}
	for _, c := range cols {
		for _, s := range splitList(strings.ReplaceAll(x.row[c], ",", ";")) {
			if p, ok := crm.NormalizePhone(s); ok {
				out[p.E164] = true
			}
		}
	}
	return out
}

// accountPhones are an account's numbers and those of its contacts.
func accountPhones(tx *crm.Tx, a *crm.Account) map[string]bool {
	out := map[string]bool{}
	for _, p := range a.Phones {
		out[p] = true
	}
	cs, _ := tx.ContactsOf(a.ID)
	for _, c := range cs {
		for _, p := range []string{c.Mobile, c.Landline} {
			if p != "" {
				out[p] = true
			}
		}
	}
	return out
}

// common returns a phone in both sets ("" when none).
func common(a, b map[string]bool) string {
	var ps []string
	for p := range a {
		if b[p] {
			ps = append(ps, p)
		}
	}
	sort.Strings(ps)
	if len(ps) == 0 {
		return ""
	}
	return ps[0]
}

// samePerson decides whether a row's name and phones are a stored record's:
// the same name and a phone in common, or the same name and no phone on
// either side.
func samePerson(rowName string, rowPh map[string]bool, name string, ph map[string]bool) (bool, string) {
	if !sameName(rowName, name) {
		return false, ""
	}
	if p := common(rowPh, ph); p != "" {
		return true, "same name and phone " + displayPhone(p)
	}
	if len(rowPh) == 0 && len(ph) == 0 {
		return true, "same name, no phone on either"
	}
	return false, ""
}

// matchAccount finds the stored account an accounts row without an id is.
func matchAccount(x *ctx) (int64, string) {
	name := strings.TrimSpace(x.row["name"])
	if name == "" {
		return 0, ""
	}
	ph := rowPhones(x, "phones", "contact_mobile", "contact_landline", "contact_phone")
	cands, _ := x.tx.Lookup(crm.KindAccount, name, 20)
	for _, c := range cands {
		a, err := x.tx.Account(c.ID)
		if err != nil {
			continue
		}
		if ok, how := samePerson(name, ph, a.Name, accountPhones(x.tx, a)); ok {
			return a.ID, how
		}
	}
	return 0, ""
}

// matchContact finds the stored contact a contacts row without an id is:
// at the same account, the same name and phone.
func matchContact(x *ctx) (int64, string) {
	name := strings.TrimSpace(x.row["name"])
	acct, err := accountRef(x, "account", x.row["account"])
	if name == "" || err != nil || acct == 0 {
		return 0, ""
	}
	ph := rowPhones(x, "mobile", "landline", "phone")
	cs, _ := x.tx.ContactsOf(acct)
	for _, c := range cs {
		stored := map[string]bool{}
		for _, p := range []string{c.Mobile, c.Landline} {
			if p != "" {
				stored[p] = true
			}
		}
		if ok, how := samePerson(name, ph, c.Name, stored); ok {
			return c.ID, how
		}
	}
	return 0, ""
}

// LikelyDuplicates lists the stored records of kind that look like one of
// ids (the records an import touched): accounts with the same name or a
// phone in common, contacts of one account with the same name or mobile.
func LikelyDuplicates(s *crm.Store, kind string, ids []int64) ([]Duplicate, error) {
	sp, ok := specFor(kind)
	if !ok || len(ids) == 0 {
		return nil, nil
	}
	seen := map[[2]int64]bool{}
	var out []Duplicate
	add := func(a, b int64, na, nb, why string) {
		if a == b {
			return
		}
		if a > b {
			a, b, na, nb = b, a, nb, na
		}
		if seen[[2]int64{a, b}] {
			return
		}
		seen[[2]int64{a, b}] = true
		out = append(out, Duplicate{Kind: sp.kind, A: a, B: b, NameA: na, NameB: nb, Why: why})
	}
	err := s.View(crm.System, func(tx *crm.Tx) error {
		for _, id := range ids {
			switch sp.kind {
			case crm.KindAccount:
				a, err := tx.Account(id)
				if err != nil {
					continue
				}
				ph := accountPhones(tx, a)
				queries := []string{a.Name}
				for p := range ph {
					queries = append(queries, p)
				}
				sort.Strings(queries[1:])
				var others []int64
				for i, q := range queries {
					cands, _ := tx.Lookup(crm.KindAccount, q, 20)
					for _, c := range cands {
						others = append(others, c.ID)
					}
					if i > 0 { // a phone: the accounts of the contacts who have it
						cs, _ := tx.Lookup(crm.KindContact, q, 20)
						for _, c := range cs {
							if ct, err := tx.Contact(c.ID); err == nil {
								others = append(others, ct.Account)
							}
						}
					}
				}
				for _, oid := range others {
					if oid == a.ID {
						continue
					}
					o, err := tx.Account(oid)
					if err != nil {
						continue
					}
					switch p := common(ph, accountPhones(tx, o)); {
					case sameName(a.Name, o.Name):
						add(a.ID, o.ID, a.Name, o.Name, "same name")
					case p != "":
						add(a.ID, o.ID, a.Name, o.Name, "same phone "+displayPhone(p))
					}
				}
			case crm.KindContact:
				c, err := tx.Contact(id)
				if err != nil || c.Removed {
					continue
				}
				others, _ := tx.ContactsOf(c.Account)
				for _, o := range others {
					switch {
					case o.ID == c.ID || o.Removed:
					case sameName(c.Name, o.Name):
						add(c.ID, o.ID, c.Name, o.Name, "same name at one account")
					case c.Mobile != "" && c.Mobile == o.Mobile:
						add(c.ID, o.ID, c.Name, o.Name, "same mobile "+displayPhone(c.Mobile))
					}
				}
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].A < out[j].A || out[i].A == out[j].A && out[i].B < out[j].B })
	return out, err
}

func (d Duplicate) String() string {
	return fmt.Sprintf("%s #%d %s and #%d %s (%s)", d.Kind, d.A, d.NameA, d.B, d.NameB, d.Why)
}

// accountCol is a column naming an account: by id (12 or #12) or by its name
// as stored. A missing account is named as the problem (not what crm would
// say of a record without its account).
func accountCol[T any](f func(*T) *int64) column {
	return column{name: "account",
		get: func(x *ctx, r crm.Record) string { return idString(*f(any(r).(*T))) },
		set: func(x *ctx, r crm.Record, v string) error {
			id, err := accountRef(x, "account", v)
			if err != nil {
				return err
			}
			*f(any(r).(*T)) = id
			return nil
		},
	}
}

// accountRef reads an account reference: an id, or a name that one stored
// account has (as name or alias).
func accountRef(x *ctx, col, v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	if isID(v) {
		id := mustID(v)
		if _, err := x.tx.Get(crm.KindAccount, id); err != nil {
			return 0, cellError(col, "%q is not a stored account: no account has this id (import the accounts first, or give the account's name)", v)
		}
		return id, nil
	}
	cands, _ := x.tx.Lookup(crm.KindAccount, v, 20)
	var found []int64
	for _, c := range cands {
		a, err := x.tx.Account(c.ID)
		if err != nil {
			continue
		}
		named := sameName(a.Name, v)
		for _, al := range a.Aliases {
			named = named || sameName(al, v)
		}
		if named {
			found = append(found, a.ID)
		}
	}
	switch len(found) {
	case 0:
		return 0, cellError(col, "%q is not a stored account (give its id, or its name as stored)", v)
	case 1:
		return found[0], nil
	}
	return 0, cellError(col, "%q names %d accounts (#%d and #%d): give the id", v, len(found), found[0], found[1])
}

// matchEquipment finds the stored machine an equipment row without an id
// is, by crm's identity: a CAT serial anywhere, else brand, model and
// purchase date at the row's account.
func matchEquipment(x *ctx) (int64, string) {
	acct, err := accountRef(x, "account", x.row["account"])
	if err != nil {
		return 0, ""
	}
	bought, err := parseTime("bought", x.row["bought"], x.loc)
	if err != nil {
		return 0, ""
	}
	brand, serial := strings.TrimSpace(x.row["brand"]), strings.TrimSpace(x.row["serial"])
	if brand == "" || crm.IsOwnBrand(brand) && serial == "" || !crm.IsOwnBrand(brand) && bought.IsZero() {
		return 0, ""
	}
	e, err := x.tx.FindEquipment(acct, brand, x.row["model"], serial, bought)
	if err != nil || e == nil {
		return 0, ""
	}
	if crm.IsOwnBrand(brand) {
		return e.ID, "same serial number"
	}
	return e.ID, "same brand, model and purchase date at the account"
}

// matchLead finds the stored lead a leads row without an id is: the same
// company (or person, when the row has no company) and phone.
func matchLead(x *ctx) (int64, string) {
	name := strings.TrimSpace(x.row["company"])
	if name == "" {
		name = strings.TrimSpace(x.row["person"])
	}
	if name == "" {
		return 0, ""
	}
	ph := rowPhones(x, "phone")
	cands, _ := x.tx.Lookup(crm.KindLead, name, 20)
	for _, c := range cands {
		l, err := x.tx.Lead(c.ID)
		if err != nil {
			continue
		}
		stored := map[string]bool{}
		if l.Phone != "" {
			stored[l.Phone] = true
		}
		if ok, how := samePerson(name, ph, firstNonEmpty(l.Company, l.Person), stored); ok {
			return l.ID, how
		}
	}
	return 0, ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// rowLabel names a row's record for a person reading the summary.
func rowLabel(x *ctx) string {
	if n := firstNonEmpty(x.row["name"], x.row["company"], x.row["person"]); n != "" {
		return strings.TrimSpace(n)
	}
	return strings.TrimSpace(strings.Join(strings.Fields(x.row["brand"]+" "+x.row["model"]+" "+x.row["serial"]), " "))
}
