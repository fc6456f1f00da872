package crm

import (
	"bytes"
	"slices"
	"strings"
	"time"
)

// Account statuses.
const (
	AccountActive   = "active"
	AccountInactive = "inactive"
)

// Account is a customer.
type Account struct {
	Base
	Name           string        `json:"name"`
	Aliases        []string      `json:"aliases,omitempty"`
	Phones         []string      `json:"phones,omitempty"` // normalised, E.164
	Address        string        `json:"address,omitempty"`
	City           string        `json:"city,omitempty"`
	Industry       string        `json:"industry,omitempty"`
	Parent         int64         `json:"parent,omitempty"`
	Team           []int64       `json:"team,omitempty"` // other users working the account
	Background     Background    `json:"background,omitzero"`
	Blacklisted    bool          `json:"blacklisted,omitempty"`
	Status         string        `json:"status"`
	InactiveReason string        `json:"inactive_reason,omitempty"`
	PhoneHistory   []PhoneChange `json:"phone_history,omitempty"`
	Lead           int64         `json:"lead,omitempty"` // the lead it was converted from
}

// Background is what the salesman knows of the customer's situation.
type Background struct {
	FuturePlans string `json:"future_plans,omitempty"`
	Influence   string `json:"influence,omitempty"`
	Assets      string `json:"assets,omitempty"`
	CashFlow    string `json:"cash_flow,omitempty"`
}

// PhoneChange keeps a replaced number: what it was, what replaced it, when and by whom.
type PhoneChange struct {
	Old string    `json:"old"`
	New string    `json:"new,omitempty"`
	At  time.Time `json:"at"`
	By  int64     `json:"by"`
}

func (*Account) RecordKind() Kind { return KindAccount }
func (a *Account) label() string  { return a.Name }

func (a *Account) indexes() []IndexEntry {
	return nameEntries(KindAccount, a.ID, a.Name, a.Aliases, a.Phones)
}

func (a *Account) validate(tx *Tx, old Record) error {
	a.Name = strings.TrimSpace(a.Name)
	a.Aliases = trimAll(a.Aliases)
	if a.Name == "" {
		return Errorf(EINVALID, "An account needs a name.").withHint("ACCOUNT <name>; <contact> <phone>")
	}
	var kept []string
	if o, ok := old.(*Account); ok {
		kept = o.Phones
	}
	phones, err := normalizePhones(a.Phones, kept)
	if err != nil {
		return err
	}
	a.Phones = phones
	if a.Status == "" {
		a.Status = AccountActive
	}
	switch a.Status {
	case AccountActive:
		a.InactiveReason = ""
	case AccountInactive:
		a.InactiveReason = strings.TrimSpace(a.InactiveReason)
		if a.InactiveReason == "" {
			return Errorf(EINVALID, "Making %s inactive needs a reason.", a.Name).withHint("ACCT #" + itoa(a.ID) + " inactive; <reason>")
		}
	default:
		return Errorf(EINVALID, "Account status must be active or inactive, not %q.", a.Status)
	}
	if a.Parent != 0 {
		if a.Parent == a.ID {
			return Errorf(EINVALID, "An account cannot be its own parent.")
		}
		if !tx.exists(KindAccount, a.Parent) {
			return Errorf(EINVALID, "Parent account #%d does not exist.", a.Parent)
		}
	}
	for _, id := range a.Team {
		if !tx.exists(KindUser, id) {
			return Errorf(EINVALID, "Team member #%d is not a user.", id)
		}
	}
	if old == nil {
		tx.newAccounts = append(tx.newAccounts, a)
		return nil
	}
	o := old.(*Account)
	a.PhoneHistory = o.PhoneHistory
	for _, p := range o.Phones {
		if !slices.Contains(a.Phones, p) {
			repl := ""
			if len(a.Phones) > 0 {
				repl = a.Phones[0]
			}
			a.PhoneHistory = append(a.PhoneHistory, PhoneChange{Old: p, New: repl, At: tx.now, By: tx.meta.Actor.ID})
			tx.Emit(Event{Type: EvAccountPhone, Kind: KindAccount, ID: a.ID, By: tx.meta.Actor.ID,
				To: tx.accountPeople(a), Detail: p + " → " + repl})
		}
	}
	if a.Status == AccountInactive && o.Status != AccountInactive {
		to := []int64{}
		if m := tx.managerOf(a.Owner); m != 0 {
			to = append(to, m)
		}
		to = append(to, tx.creditUsers(a.Branch)...)
		tx.Emit(Event{Type: EvAccountInactive, Kind: KindAccount, ID: a.ID, By: tx.meta.Actor.ID, To: to, Detail: a.InactiveReason})
	}
	return nil
}

// accountPeople are those told about changes to an account: owner, team and
// the owner's manager.
func (tx *Tx) accountPeople(a *Account) []int64 {
	to := []int64{a.Owner}
	to = append(to, a.Team...)
	if m := tx.managerOf(a.Owner); m != 0 {
		to = append(to, m)
	}
	slices.Sort(to)
	return slices.Compact(to)
}

// creditUsers are the credit department's users of a branch (all branches'
// when none is in it).
func (tx *Tx) creditUsers(branch string) []int64 {
	var same, all []int64
	tx.etx.Scan(KindUser, func(id int64, v []byte) bool {
		if !bytes.Contains(v, []byte(`"role":"credit"`)) {
			return true
		}
		u, err := loadAs[User](tx, id)
		if err != nil || u.Role != RoleCredit || u.Disabled {
			return true
		}
		all = append(all, u.ID)
		if u.Branch == branch {
			same = append(same, u.ID)
		}
		return true
	})
	if len(same) > 0 {
		return same
	}
	return all
}

// normalizePhones checks and normalises an account's numbers; a number
// already stored (kept) stays as it is, so that a number stored before the
// numbering plans said it is not in use does not block every other change.
func normalizePhones(in, kept []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, p := range in {
		if strings.TrimSpace(p) == "" {
			continue
		}
		if slices.Contains(kept, p) {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
			continue
		}
		n, err := ParsePhone(p)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, n.E164) {
			out = append(out, n.E164)
		}
	}
	return out, nil
}

// CreateAccount creates an account with its first contacts. An account needs
// at least one contact: without one, record a lead.
func (tx *Tx) CreateAccount(a *Account, contacts ...*Contact) error {
	if len(contacts) == 0 {
		return errNeedsContact(a.Name)
	}
	if err := tx.save(a); err != nil {
		return err
	}
	for _, c := range contacts {
		c.Account = a.ID
		if c.Owner == 0 {
			c.Owner = a.Owner
		}
		if err := tx.save(c); err != nil {
			return err
		}
	}
	if !tx.importing() {
		tx.Emit(Event{Type: EvAccountCreated, Kind: KindAccount, ID: a.ID, By: tx.meta.Actor.ID, To: tx.accountPeople(a)})
	}
	return nil
}

func errNeedsContact(name string) *Error {
	return Errorf(EINVALID, "Account %s needs at least one contact; without one, record it as a lead.", name).
		withHint("ACCOUNT <name>; <contact> <phone>  or  LEAD <company>; <person> <phone>")
}

// checkNewAccounts enforces, at the end of a request, that every account it
// created has a contact.
func (tx *Tx) checkNewAccounts() error {
	for _, a := range tx.newAccounts {
		if _, err := tx.load(KindAccount, a.ID); err != nil {
			continue // created and removed again
		}
		if !tx.hasLinked(a.ID, KindContact) {
			return errNeedsContact(a.Name)
		}
	}
	return nil
}

// UpdateAccount loads account id, lets change modify it and saves it with all
// the rules (phone history, reason for inactive, notices).
func (tx *Tx) UpdateAccount(id int64, change func(*Account) error) (*Account, error) {
	a, err := getAs[Account](tx, id)
	if err != nil {
		return nil, err
	}
	if err := change(a); err != nil {
		return nil, err
	}
	return a, tx.save(a)
}

// Account reads an account as the actor.
func (tx *Tx) Account(id int64) (*Account, error) { return getAs[Account](tx, id) }
