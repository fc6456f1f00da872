package crm

import (
	"github.com/fieldcrm/fieldcrm/parser"
	"strings"
	"time"
)

// Lead sources.
const (
	SrcAdvertising = "advertising"
	SrcReferral    = "referral" // operator or mechanic referral: needs the referrer
	SrcWebsite     = "website"
	SrcWordOfMouth = "word_of_mouth"
	SrcPR          = "pr"
	SrcCampaign    = "campaign"
	SrcOther       = "other"
)

// Sources lists the lead sources.
var Sources = []string{SrcAdvertising, SrcReferral, SrcWebsite, SrcWordOfMouth, SrcPR, SrcCampaign, SrcOther}

// Lead statuses.
const (
	LeadNew          = "new"
	LeadQualified    = "qualified"
	LeadDisqualified = "disqualified"
	LeadConverted    = "converted"
)

// Lead is a possible customer or sale not yet qualified.
type Lead struct {
	Base
	Subject        string    `json:"subject"`
	Company        string    `json:"company,omitempty"`
	Person         string    `json:"person,omitempty"`
	Phone          string    `json:"phone,omitempty"`
	Source         string    `json:"source,omitempty"`
	Referrer       string    `json:"referrer,omitempty"`
	Campaign       int64     `json:"campaign,omitempty"`
	Needs          string    `json:"needs,omitempty"`
	Status         string    `json:"status"`
	Reason         string    `json:"reason,omitempty"` // why disqualified
	ConvertedAt    time.Time `json:"converted_at,omitzero"`
	ConvAccount    int64     `json:"conv_account,omitempty"`
	ConvContact    int64     `json:"conv_contact,omitempty"`
	ConvOpp        int64     `json:"conv_opp,omitempty"`
	EstimatedValue Money     `json:"estimated_value,omitempty"`
}

func (*Lead) RecordKind() Kind { return KindLead }
func (l *Lead) label() string {
	if l.Company != "" {
		return l.Company
	}
	return l.Subject
}

func (l *Lead) indexes() []IndexEntry {
	var phones []string
	if l.Phone != "" {
		phones = []string{l.Phone}
	}
	aliases := []string{l.Subject, l.Person}
	ix := nameEntries(KindLead, l.ID, l.Company, aliases, phones)
	return append(ix, IndexEntry{Index: IxLeadStatus, Key: append([]byte(l.Status+"\x00"), itob(l.ID)...)})
}

// ParseSource reads a lead source in the words of the message language.
func ParseSource(s string) (string, bool) { return parser.SourceWord(s) }

func (l *Lead) validate(tx *Tx, old Record) error {
	l.Subject, l.Company, l.Person = strings.TrimSpace(l.Subject), strings.TrimSpace(l.Company), strings.TrimSpace(l.Person)
	l.Referrer = strings.TrimSpace(l.Referrer)
	if l.Subject == "" {
		l.Subject = l.Company
	}
	if l.Subject == "" {
		return Errorf(EINVALID, "A lead needs a company or a subject.").withHint("LEAD <company>; <person> <phone>; src: <source>")
	}
	if l.Source != "" {
		src, ok := ParseSource(l.Source)
		if !ok {
			return Errorf(EINVALID, "Unknown lead source %q.", l.Source).withHint("src: ad, referral <name>, web, word of mouth, pr, campaign")
		}
		l.Source = src
	}
	if l.Source == SrcReferral && l.Referrer == "" {
		return Errorf(EINVALID, "A referral lead needs the referrer's name.").withHint("src: referral <name>")
	}
	if o, ok := old.(*Lead); l.Phone != "" && (!ok || o.Phone != l.Phone) { // a number already stored stays
		p, err := ParsePhone(l.Phone)
		if err != nil {
			return err
		}
		l.Phone = p.E164
	}
	if l.Campaign != 0 {
		if _, err := loadAs[Campaign](tx, l.Campaign); err != nil {
			return Errorf(EINVALID, "Campaign #%d does not exist.", l.Campaign)
		}
	}
	if l.Status == "" {
		l.Status = LeadNew
	}
	prev := ""
	if old != nil {
		prev = old.(*Lead).Status
	}
	if prev == LeadConverted && !tx.importing() {
		return Errorf(ECONFLICT, "Lead #%d was converted to account #%d and cannot change.", l.ID, old.(*Lead).ConvAccount)
	}
	switch l.Status {
	case LeadNew, LeadQualified:
		l.Reason = ""
	case LeadDisqualified:
		if l.Reason = strings.TrimSpace(l.Reason); l.Reason == "" {
			return Errorf(EINVALID, "Disqualifying a lead needs a reason.").withHint("LEAD #" + itoa(l.ID) + " disqualify; <reason>")
		}
	case LeadConverted:
		if !tx.converting && !tx.importing() {
			return Errorf(EINVALID, "A lead is converted with CONVERT, which creates the account, contact and opportunity.")
		}
	default:
		return Errorf(EINVALID, "Lead status must be new, qualified, disqualified or converted, not %q.", l.Status)
	}
	if old == nil && !tx.importing() {
		tx.Emit(Event{Type: EvLeadCreated, Kind: KindLead, ID: -1, To: []int64{l.Owner}, By: tx.meta.Actor.ID})
	}
	return nil
}

// Lead reads a lead as the actor.
func (tx *Tx) Lead(id int64) (*Lead, error) { return getAs[Lead](tx, id) }

// CreateLead records a new lead; its owner is told.
func (tx *Tx) CreateLead(l *Lead) error { return tx.save(l) }

// UpdateLead loads lead id, applies change and saves it with the rules.
func (tx *Tx) UpdateLead(id int64, change func(*Lead) error) (*Lead, error) {
	l, err := getAs[Lead](tx, id)
	if err != nil {
		return nil, err
	}
	if err := change(l); err != nil {
		return nil, err
	}
	return l, tx.save(l)
}

// Conversion holds what converting a lead needs beyond what the lead has.
// Empty fields are taken from the lead.
type Conversion struct {
	AccountName  string
	AccountPhone string
	Address      string
	City         string
	Industry     string
	ContactName  string
	ContactPhone string
	ContactTitle string
	OppName      string
	Amount       Money
	Close        time.Time
	Products     []ProductLine
}

// ConvertLead turns a lead into an account, a contact and an opportunity,
// linked back to the lead. It needs complete account details (name, phone,
// address or city, industry) and contact details (name and phone).
func (tx *Tx) ConvertLead(id int64, cv Conversion) (*Account, *Contact, *Opportunity, error) {
	l, err := getAs[Lead](tx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := tx.mustWrite(l); err != nil {
		return nil, nil, nil, err
	}
	switch l.Status {
	case LeadConverted:
		return nil, nil, nil, Errorf(ECONFLICT, "Lead #%d was already converted (account #%d).", id, l.ConvAccount)
	case LeadDisqualified:
		return nil, nil, nil, Errorf(ECONFLICT, "Lead #%d is disqualified; qualify it first.", id).withHint("LEAD #" + itoa(id) + " qualify")
	}
	or := func(a, b string) string {
		if strings.TrimSpace(a) != "" {
			return strings.TrimSpace(a)
		}
		return b
	}
	cv.AccountName = or(cv.AccountName, l.Company)
	cv.ContactName = or(cv.ContactName, l.Person)
	cv.ContactPhone = or(cv.ContactPhone, l.Phone)
	cv.AccountPhone = or(cv.AccountPhone, cv.ContactPhone)
	cv.OppName = or(cv.OppName, l.Subject)
	var missing []string
	for _, f := range []struct{ v, name string }{
		{cv.AccountName, "company"}, {cv.AccountPhone, "phone"}, {cv.Address + cv.City, "address or city"},
		{cv.Industry, "industry"}, {cv.ContactName, "contact name"}, {cv.ContactPhone, "contact phone"},
	} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, nil, nil, Errorf(EINVALID, "Lead #%d cannot be converted yet: missing %s.", id, strings.Join(missing, ", ")).
			withHint("LEAD #" + itoa(id) + " convert; city: <city>; industry: <industry>")
	}
	a := &Account{Base: Base{Owner: l.Owner}, Name: cv.AccountName, Phones: []string{cv.AccountPhone},
		Address: cv.Address, City: cv.City, Industry: cv.Industry, Lead: l.ID}
	c := &Contact{Base: Base{Owner: l.Owner}, Name: cv.ContactName, Title: cv.ContactTitle}
	if p, ok := NormalizePhone(cv.ContactPhone); ok && (p.Kind == PhoneLandline || p.Kind == PhoneHotline || p.Ext != "") {
		c.Landline = p.E164
	} else {
		c.Mobile = cv.ContactPhone
	}
	if err := tx.CreateAccount(a, c); err != nil {
		return nil, nil, nil, err
	}
	o := &Opportunity{Base: Base{Owner: l.Owner}, Name: cv.OppName, Account: a.ID, Lead: l.ID,
		Campaign: l.Campaign, Source: l.Source, Amount: cv.Amount, Close: cv.Close, Products: cv.Products, Needs: l.Needs}
	if err := tx.CreateOpp(o); err != nil {
		return nil, nil, nil, err
	}
	l.Status, l.ConvertedAt, l.ConvAccount, l.ConvContact, l.ConvOpp = LeadConverted, tx.now, a.ID, c.ID, o.ID
	tx.converting = true
	err = tx.save(l)
	tx.converting = false
	if err != nil {
		return nil, nil, nil, err
	}
	return a, c, o, nil
}
