package crm

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// Competitor is a rival dealer or brand.
type Competitor struct {
	Base
	Name       string   `json:"name"`
	Brands     []string `json:"brands,omitempty"` // brands it sells: their machines at our customers are its equipment
	Strengths  string   `json:"strengths,omitempty"`
	Weaknesses string   `json:"weaknesses,omitempty"`
}

func (*Competitor) RecordKind() Kind { return KindCompetitor }
func (c *Competitor) label() string  { return c.Name }
func (c *Competitor) indexes() []IndexEntry {
	return nameEntries(KindCompetitor, c.ID, c.Name, c.Brands, nil)
}

func (c *Competitor) validate(tx *Tx, old Record) error {
	if c.Name = strings.TrimSpace(c.Name); c.Name == "" {
		return Errorf(EINVALID, "A competitor needs a name.")
	}
	for i := range c.Brands {
		c.Brands[i] = strings.ToUpper(strings.TrimSpace(c.Brands[i]))
	}
	return nil
}

// Campaign is a marketing campaign with its responses.
type Campaign struct {
	Base
	Name      string     `json:"name"`
	Objective string     `json:"objective,omitempty"`
	Segment   string     `json:"segment,omitempty"`
	Products  []string   `json:"products,omitempty"`
	Budget    Money      `json:"budget,omitempty"`
	Cost      Money      `json:"cost,omitempty"`
	Start     time.Time  `json:"start,omitzero"`
	End       time.Time  `json:"end,omitzero"`
	Tasks     []string   `json:"tasks,omitempty"`
	Responses []Response `json:"responses,omitempty"`
}

// Response is one answer to a campaign: who responded, and the lead it became.
type Response struct {
	N       int       `json:"n"` // number within the campaign
	At      time.Time `json:"at"`
	By      int64     `json:"by"`
	Account int64     `json:"account,omitempty"`
	Contact int64     `json:"contact,omitempty"`
	Person  string    `json:"person,omitempty"` // when not a known contact
	Phone   string    `json:"phone,omitempty"`
	Note    string    `json:"note,omitempty"`
	Lead    int64     `json:"lead,omitempty"`
}

func (*Campaign) RecordKind() Kind { return KindCampaign }
func (c *Campaign) label() string  { return c.Name }
func (c *Campaign) indexes() []IndexEntry {
	return nameEntries(KindCampaign, c.ID, c.Name, nil, nil)
}

func (c *Campaign) validate(tx *Tx, old Record) error {
	if c.Name = strings.TrimSpace(c.Name); c.Name == "" {
		return Errorf(EINVALID, "A campaign needs a name.")
	}
	if c.Budget < 0 || c.Cost < 0 {
		return Errorf(EINVALID, "Budget and cost cannot be negative.")
	}
	if !c.Start.IsZero() && !c.End.IsZero() && c.End.Before(c.Start) {
		return Errorf(EINVALID, "The campaign ends before it starts.")
	}
	return nil
}

// AddResponse records a response to a campaign (any user who can see the
// campaign may record one).
func (tx *Tx) AddResponse(campaign int64, r Response) (*Campaign, *Response, error) {
	c, err := getAs[Campaign](tx, campaign)
	if err != nil {
		return nil, nil, err
	}
	if r.Account == 0 && strings.TrimSpace(r.Person) == "" && r.Contact == 0 {
		return nil, nil, Errorf(EINVALID, "A response needs an account or a person.").withHint("RESP <campaign> <account or person>; <note>")
	}
	if r.Account != 0 {
		if _, err := tx.Account(r.Account); err != nil {
			return nil, nil, err
		}
	}
	r.N, r.At, r.By = len(c.Responses)+1, tx.now, tx.meta.Actor.ID
	c.Responses = append(c.Responses, r)
	// recording a response is not editing the campaign: write as the system
	tx.dirty = true
	if err := tx.put(c); err != nil {
		return nil, nil, err
	}
	return c, &c.Responses[len(c.Responses)-1], nil
}

// ResponseToLead turns response n (1-based) of a campaign into a new lead
// with source campaign: the person, phone and note of the response, and the
// company of its account if it has one. The lead is owned by owner; owner 0
// gives it to the account's owner, else to the campaign's owner, else (when
// the actor may not give it to them) to the actor. The actor must be allowed
// to change the campaign, and owner must be within his write level for leads.
// The response keeps the lead's id; the owner is told (EvLeadCreated).
func (tx *Tx) ResponseToLead(campaign int64, n int, owner int64) (*Lead, error) {
	c, err := getAs[Campaign](tx, campaign)
	if err != nil {
		return nil, err
	}
	if !tx.canWrite(c) {
		return nil, Errorf(EFORBIDDEN, "Campaigns are run by marketing: only they can turn a response into a lead.")
	}
	if n < 1 || n > len(c.Responses) {
		return nil, Errorf(ENOTFOUND, "Campaign #%d %s has %d response(s), no response #%d.", c.ID, c.Name, len(c.Responses), n).
			withHint("CAMPAIGN #" + itoa(c.ID) + " lead <n> [<who>]")
	}
	r := &c.Responses[n-1]
	if r.Lead != 0 {
		return nil, Errorf(ECONFLICT, "Response #%d of %s is already lead #%d.", n, c.Name, r.Lead).
			withHint("LEAD #" + itoa(r.Lead) + " qualify")
	}
	l := &Lead{Person: r.Person, Phone: r.Phone, Needs: r.Note, Source: SrcCampaign, Campaign: c.ID}
	acct := r.Account
	if r.Contact != 0 {
		if ct, err := tx.Contact(r.Contact); err == nil {
			if l.Person == "" {
				l.Person = ct.Name
			}
			if l.Phone == "" {
				l.Phone = firstNonEmpty(ct.Mobile, ct.Landline)
			}
			if acct == 0 {
				acct = ct.Account
			}
		}
	}
	byDefault := c.Owner
	if acct != 0 {
		if a, err := tx.Account(acct); err == nil {
			l.Company, byDefault = a.Name, a.Owner
		}
	}
	if l.Company == "" {
		l.Subject = strings.TrimSpace(firstNonEmpty(l.Person, l.Phone) + " (" + c.Name + ")")
	}
	if owner != 0 {
		u, err := tx.user(owner)
		if err != nil {
			return nil, Errorf(EINVALID, "Owner #%d is not a user.", owner)
		}
		if !tx.mayOwn(KindLead, u) {
			return nil, Errorf(EFORBIDDEN, "You cannot give a lead to %s, who is outside your team.", u.Name)
		}
		l.Owner = owner
	} else {
		l.Owner = byDefault
		if u, err := tx.user(l.Owner); err != nil || u.Disabled || !tx.mayOwn(KindLead, u) {
			l.Owner = tx.meta.Actor.ID // 0 for System: the lead then needs an owner
		}
	}
	if err := tx.CreateLead(l); err != nil {
		return nil, err
	}
	r.Lead = l.ID
	// linking the response is not editing the campaign (see AddResponse)
	tx.dirty = true
	if err := tx.put(c); err != nil {
		return nil, err
	}
	return l, nil
}

// mayOwn reports whether the actor may create a record of kind k owned by u.
func (tx *Tx) mayOwn(k Kind, u *User) bool {
	a := tx.meta.Actor
	return tx.s.policy.levels(a, k).Write.allows(a, ownerOf{User: u.ID, Branch: u.Branch, Dept: u.Dept})
}

// campaignNamed returns the id of the campaign called name (case, width and
// spacing aside), or 0.
func (tx *Tx) campaignNamed(name string) (int64, string) {
	key := func(s string) string { return strings.Join(strings.Fields(normText(s)), "") }
	want := key(name)
	var id int64
	var found string
	tx.Each(KindCampaign, func(r Record) bool {
		if c := r.(*Campaign); key(c.Name) == want {
			id, found = c.ID, c.Name
			return false
		}
		return true
	})
	return id, found
}

// Document is a file attached to an account (a quote, a photo, a contract).
type Document struct {
	Base
	Account     int64  `json:"account"`
	Name        string `json:"name"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Note        string `json:"note,omitempty"`
}

func (*Document) RecordKind() Kind { return KindDocument }
func (d *Document) label() string  { return d.Name }
func (d *Document) indexes() []IndexEntry {
	return []IndexEntry{{Index: IxAccount, Key: linkKey(d.Account, KindDocument, d.ID)}}
}

func (d *Document) validate(tx *Tx, old Record) error {
	if !tx.linkable(KindAccount, d.Account) {
		return Errorf(EINVALID, "Account #%d does not exist.", d.Account)
	}
	if d.Name = strings.TrimSpace(d.Name); d.Name == "" {
		return Errorf(EINVALID, "A document needs a file name.")
	}
	return nil
}

// MaxDocumentSize is the largest document accepted.
const MaxDocumentSize = 10 << 20

// AttachDocument stores data as a document of an account.
func (tx *Tx) AttachDocument(d *Document, data []byte) error {
	if len(data) > MaxDocumentSize {
		return Errorf(EINVALID, "%s is %d MB; documents may be at most %d MB.", d.Name, len(data)>>20, MaxDocumentSize>>20)
	}
	if _, err := tx.Account(d.Account); err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	d.Size, d.SHA256 = int64(len(data)), hex.EncodeToString(sum[:])
	if err := tx.save(d); err != nil {
		return err
	}
	return tx.etx.State(spaceDocData).Put(itob(d.ID), data)
}

// DocumentData returns a document's content.
func (tx *Tx) DocumentData(id int64) (*Document, []byte, error) {
	d, err := getAs[Document](tx, id)
	if err != nil {
		return nil, nil, err
	}
	return d, tx.etx.State(spaceDocData).Get(itob(id)), tx.etx.Err()
}

// FormatID formats a record id as people type it (without the #).
func FormatID(id int64) string { return itoa(id) }
