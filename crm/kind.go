package crm

import "time"

// Kind names a kind of record. Every kind has its own bucket and its own ids.
type Kind string

const (
	KindUser       Kind = "user"
	KindAccount    Kind = "account"
	KindContact    Kind = "contact"
	KindLead       Kind = "lead"
	KindOpp        Kind = "opp"
	KindActivity   Kind = "activity"
	KindEquipment  Kind = "equipment"
	KindCompetitor Kind = "competitor"
	KindCampaign   Kind = "campaign"
	KindDocument   Kind = "document"
	KindRequest    Kind = "request"
)

// Kinds lists every kind of record.
var Kinds = []Kind{KindUser, KindAccount, KindContact, KindLead, KindOpp, KindActivity,
	KindEquipment, KindCompetitor, KindCampaign, KindDocument, KindRequest}

// Base holds what every owned record has: its id, owner and owner's team
// (branch and department, copied from the owner so that access checks need no
// extra read), and its times.
type Base struct {
	ID      int64     `json:"id"`
	Owner   int64     `json:"owner,omitempty"`
	Branch  string    `json:"branch,omitempty"`
	Dept    string    `json:"dept,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

func (b *Base) RecordID() int64  { return b.ID }
func (b *Base) setID(id int64)   { b.ID = id }
func (b *Base) base() *Base      { return b }
func (b *Base) ownedBy() ownerOf { return ownerOf{b.Owner, b.Branch, b.Dept} }

// ownerOf is what an access check looks at.
type ownerOf struct {
	User   int64
	Branch string
	Dept   string
}

// Record is implemented by every stored record type.
type Record interface {
	RecordKind() Kind
	RecordID() int64
	setID(int64)
	base() *Base
	ownedBy() ownerOf
	// indexes lists the secondary index entries of the record as stored now.
	indexes() []IndexEntry
	// label is a short name for replies and lookups ("ACME Mining Co.").
	label() string
}
