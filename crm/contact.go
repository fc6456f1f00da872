package crm

import (
	"strings"
	"time"
)

// Contact is a person at an account.
type Contact struct {
	Base
	Account       int64     `json:"account"`
	Name          string    `json:"name"` // as on the ID or business card
	Mobile        string    `json:"mobile,omitempty"`
	Landline      string    `json:"landline,omitempty"`
	Email         string    `json:"email,omitempty"`
	Title         string    `json:"title,omitempty"`
	Background    string    `json:"background,omitempty"`
	Removed       bool      `json:"removed,omitempty"` // deleted with a manager's approval
	RemovedReason string    `json:"removed_reason,omitempty"`
	RemovedAt     time.Time `json:"removed_at,omitzero"`
}

func (*Contact) RecordKind() Kind { return KindContact }
func (c *Contact) label() string  { return c.Name }

func (c *Contact) indexes() []IndexEntry {
	var phones []string
	for _, p := range []string{c.Mobile, c.Landline} {
		if p != "" {
			phones = append(phones, p)
		}
	}
	ix := nameEntries(KindContact, c.ID, c.Name, nil, phones)
	if c.Account != 0 {
		ix = append(ix, IndexEntry{Index: IxAccount, Key: linkKey(c.Account, KindContact, c.ID)})
	}
	return ix
}

func (c *Contact) validate(tx *Tx, old Record) error {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" {
		return Errorf(EINVALID, "A contact needs a name.").withHint("CONTACT <account>; <name>; <mobile>; <title>")
	}
	if c.Account == 0 {
		return Errorf(EINVALID, "Contact %s must belong to an account.", c.Name).withHint("CONTACT <account>; <name>; <mobile>; <title>")
	}
	if !tx.linkable(KindAccount, c.Account) {
		return Errorf(EINVALID, "Contact %s: account #%d does not exist.", c.Name, c.Account)
	}
	var o *Contact
	if old != nil {
		o = old.(*Contact)
	}
	// a number already stored stays (see normalizePhones)
	if c.Mobile != "" && (o == nil || c.Mobile != o.Mobile) {
		p, err := ParsePhone(c.Mobile)
		if err != nil {
			return err
		}
		if err := p.notMobile(c.Mobile); err != nil {
			return err
		}
		c.Mobile = p.E164
	}
	if c.Landline != "" && (o == nil || c.Landline != o.Landline) {
		p, err := ParsePhone(c.Landline)
		if err != nil {
			return err
		}
		c.Landline = p.E164
	}
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	if old != nil {
		o := old.(*Contact)
		if o.Removed && c.Removed {
			return Errorf(ECONFLICT, "Contact %s was removed.", c.Name)
		}
		if c.Removed && !o.Removed && !tx.approving && !tx.importing() {
			return Errorf(EFORBIDDEN, "Removing a contact needs a manager's approval.").withHint("CONTACT #" + itoa(c.ID) + " remove; <reason>")
		}
		if o.Account != c.Account && o.Account != 0 {
			return Errorf(EINVALID, "A contact cannot move to another account; add a new contact there.")
		}
	} else if c.Removed && !tx.importing() {
		return Errorf(EINVALID, "A new contact cannot be removed.")
	}
	return nil
}

// importing reports whether the request is a bulk import by an A-level writer,
// which may write records in any state they were exported in.
func (tx *Tx) importing() bool {
	return (tx.meta.Channel == "import" || tx.meta.Import) && tx.s.policy.levels(tx.meta.Actor, KindContact).Write == LevelA
}

// CreateContact adds a contact to an existing account.
func (tx *Tx) CreateContact(c *Contact) error {
	if c.ID != 0 && !tx.importing() {
		return Errorf(EINVALID, "A new contact has no id yet.")
	}
	return tx.save(c)
}

// Contact reads a contact as the actor.
func (tx *Tx) Contact(id int64) (*Contact, error) { return getAs[Contact](tx, id) }

// UpdateContact loads contact id, applies change and saves it with the rules.
func (tx *Tx) UpdateContact(id int64, change func(*Contact) error) (*Contact, error) {
	c, err := getAs[Contact](tx, id)
	if err != nil {
		return nil, err
	}
	if c.Removed {
		return nil, Errorf(ECONFLICT, "Contact %s was removed.", c.Name)
	}
	if err := change(c); err != nil {
		return nil, err
	}
	return c, tx.save(c)
}

// linkKey is account | kind 0 id in the by-account index.
func linkKey(account int64, k Kind, id int64) []byte {
	b := make([]byte, 0, 18+len(k))
	b = append(b, itob(account)...)
	b = append(b, k...)
	b = append(b, 0)
	return append(b, itob(id)...)
}

// hasLinked reports whether account has any record of kind k.
func (tx *Tx) hasLinked(account int64, k Kind) bool {
	found := false
	tx.etx.Linked(account, k, func(int64) bool { found = true; return false })
	return found
}

// linked lists the ids of account's records of kind k.
func (tx *Tx) linked(account int64, k Kind) []int64 {
	var ids []int64
	tx.etx.Linked(account, k, func(id int64) bool { ids = append(ids, id); return true })
	return ids
}

// ContactsOf lists the contacts of an account that the actor may see
// (removed ones left out).
func (tx *Tx) ContactsOf(account int64) ([]*Contact, error) {
	if _, err := tx.Account(account); err != nil {
		return nil, err
	}
	var out []*Contact
	for _, id := range tx.linked(account, KindContact) {
		c, err := loadAs[Contact](tx, id)
		if err == nil && !c.Removed && tx.canRead(c) {
			out = append(out, c)
		}
	}
	return out, nil
}
