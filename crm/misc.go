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
func (c *Competitor) indexes() []ientry {
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
func (c *Campaign) indexes() []ientry {
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
func (d *Document) indexes() []ientry {
	return []ientry{{bkt: bktByAccount, key: linkKey(d.Account, KindDocument, d.ID)}}
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
	return tx.btx.Bucket(bktDocData).Put(itob(d.ID), data)
}

// DocumentData returns a document's content.
func (tx *Tx) DocumentData(id int64) (*Document, []byte, error) {
	d, err := getAs[Document](tx, id)
	if err != nil {
		return nil, nil, err
	}
	return d, tx.btx.Bucket(bktDocData).Get(itob(id)), nil
}

// FormatID formats a record id as people type it (without the #).
func FormatID(id int64) string { return itoa(id) }
