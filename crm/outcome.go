package crm

import (
	"reflect"
	"time"

	"github.com/fieldcrm/fieldcrm/parser"
)

// Outcome is what one command did or answered, as data: the gateway renders
// Template with Data in the sender's language (templates word it) and sends
// the Notices to the other people concerned.
type Outcome struct {
	Template string // SMS template name: "ok_activity", "choose", "today", "err" …
	Data     any
	Notices  []Notice
	// Paged: Data is a list that may run past one SMS; the gateway pages it
	// with MORE.
	Paged bool
	// DayReminder is set on the first message of a user's day when he has new
	// assigned activities: one line the gateway puts before the reply.
	DayReminder *DayReminderData
	ChangeSet   *ChangeSet // what was written (nil for queries)
	// Read says how the message was read when that is not plain: a
	// misspelt verb carried out (the reply starts with `Read "VSIT" as
	// VISIT.`) or text kept as a note (it ends with `Kept as note: "…"`).
	Read *ReadData
}

// Notice is a message to a user other than the sender's reply.
type Notice struct {
	To       int64
	Template string
	Data     any
	SMS      bool
	Email    bool
	Urgent   bool   // sent even in quiet hours
	Key      string // idempotency key: the same key is sent once
	// Item is the token of the record the notice is about (A17, L5, O42):
	// emails show it, and a reply that starts with it acts on the record.
	// "" when the record has no token (accounts, approvals).
	Item string
}

// Token is how a message names a record so that a reply can act on it: A17
// for activity 17, L5 for lead 5, O42 for opportunity 42; "" for kinds
// without one.
func Token(k Kind, id int64) string {
	switch k {
	case KindActivity:
		return "A" + itoa(id)
	case KindLead:
		return "L" + itoa(id)
	case KindOpp:
		return "O" + itoa(id)
	}
	return ""
}

// The data of each template (the contract with templates/README.md).

// NextItem is a follow-up activity created with a report.
type NextItem struct {
	ID     int64
	What   string
	Due    time.Time
	HasDue bool
}

// HasTime tells whether the follow-up is due at a time of day the sender
// gave ("next tue 10am"), not at a day's default (18:00, or midnight).
func (n NextItem) HasTime() bool {
	h, m, _ := n.Due.Clock()
	return n.HasDue && !(h == 18 && m == 0) && !(h == 0 && m == 0)
}

type OKActivityData struct {
	Kind    string
	ID      int64
	Account string
	Contact string
	Next    *NextItem
	Closes  int64 // the planned activity this report carried out and closed (0: none)
}

type OKPlannedData struct {
	ID      int64
	Kind    string
	Subject string
	Account string
	Due     time.Time
	HasTime bool
	Owner   string // empty when planned for oneself
	Urgent  bool
}

type OKDoneData struct {
	ID      int64
	Subject string
	Next    *NextItem
}

type OKRejectedData struct {
	ID      int64
	Subject string
	Manager string
}

type OKLeadData struct {
	ID      int64
	Company string
	Person  string
	Source  string
	Action  string // create, qualify, disqualify, convert
	Account int64  // convert: the new account
	Contact int64  // convert: the new contact
	Opp     int64  // convert: the new opportunity
}

type OKContactData struct {
	ID      int64
	Name    string
	Account string
	Phone   string
}

type OKAccountData struct {
	ID      int64
	Name    string
	Contact string
	Action  string // create, update, deactivate, activate
	// what an update changed (as written back to the user)
	Phones   []string // the account's phones now, as people write them
	Address  string
	City     string
	Industry string
	Alias    string
	Noted    bool   // the rest was added to its background notes
	Reason   string // deactivate: why
}

type OKOppData struct {
	ID      int64
	Name    string
	Account string
	Stage   string
	Amount  int64 // cents
	Close   time.Time
	Action  string
	Via     []string // a forward jump: the stages passed on the way, in order (recorded as moves of their own)
}

type OKEquipmentData struct {
	ID      int64
	Brand   string
	Model   string
	Serial  string
	Account string
	SMU     int
	New     bool
}

type OKNoteData struct {
	ID int64
	On string // the record the note is on
}

type OKAssignData struct {
	ID       int64
	Kind     string
	Subject  string
	Assignee string
	Due      time.Time // the date (and time) the manager gave, or zero
	HasTime  bool
	Urgent   bool   // the manager said urgent
	Previous string // who had it and was told it is off his list ("" nobody)
}

type OKApproveData struct {
	ID       int64
	Subject  string
	Approved bool
}

type OKRespData struct {
	N        int
	Campaign string
	Who      string
}

// OKCampaignData answers CAMPAIGN: a campaign created or changed, or one of
// its responses turned into a lead.
type OKCampaignData struct {
	ID     int64
	Name   string
	Action string    // create, update, lead
	Budget int64     // cents; 0 when none
	Start  time.Time // zero when none
	End    time.Time // zero when none
	Lead   int64     // lead: the new lead
	N      int       // lead: the response's number within the campaign
	Owner  string    // lead: the lead's owner when not the sender ("" otherwise)
}

type OKUndoData struct{ What string }

type OKPendingData struct {
	ID      int64
	Subject string
	Manager string
}

type OKExtendData struct {
	ID  int64
	Due time.Time
}

type OKAckData struct {
	ID      int64
	Subject string
}

type ErrData struct {
	Message string
	Hint    string
}

type DidYouMeanData struct {
	Word    string
	Suggest string
	Hint    string
}

type Choice struct {
	N    int
	Name string
	ID   int64
}

type ChooseData struct {
	Word    string
	Choices []Choice
}

type HelpData struct{ Text string }

// Item is an activity in a list.
type Item struct {
	ID      int64
	Due     time.Time
	HasTime bool
	Kind    string
	Subject string
	Account string
	Urgent  bool
}

// TodayData is a day's agenda; IsToday is false when the day asked for is
// another (TODAY tomorrow).
type TodayData struct {
	IsToday bool
	Date    time.Time
	Overdue []Item
	Today   []Item
	Later   int
}

type OppItem struct {
	ID      int64
	Name    string
	Account string
	Stage   string
	Amount  int64
	Close   time.Time
}

// OppsData lists open opportunities: the sender's own, or Whose (a
// salesman a manager asked about), or an Account's (OPPS #12), or those
// matching Query.
type OppsData struct {
	Opps    []OppItem
	Total   int64
	Account string
	Whose   string
	Query   string
}

type AcctData struct {
	ID        int64
	Name      string
	Phones    []string
	Owner     string
	Contacts  []string
	OpenOpps  int
	LastVisit time.Time
	Equipment int
}

// FindResult is a record found: for a contact, Account and AccountName are
// its account's (for an account, Account is its own id).
type FindResult struct {
	Kind        string
	ID          int64
	Name        string
	Account     int64
	AccountName string
}

// FindData answers FIND; Acct is the account of the first result that has
// one (0: none), which the reply offers to show.
type FindData struct {
	Query   string
	Results []FindResult
	Acct    int64
}

type StageRow struct {
	Stage  string
	Count  int
	Amount int64
}

type FunnelData struct {
	Period string
	Stages []StageRow
}

type TeamRow struct {
	Name                         string
	Visits, Calls, Open, Overdue int
}

type TeamData struct {
	Period string
	Rows   []TeamRow
}

type LostItem struct {
	ID         int64
	Name       string
	Account    string
	Competitor string
	Reason     string
	Amount     int64
}

type LostData struct {
	Period string
	Lost   []LostItem
}

// Notice data.

// NoticeAssignedData tells a user a record was given to him. Kind is the
// activity's type, or "opp", "lead" or "account" for those records; an
// opportunity's Due is its close date, and Stage and Amount say where it
// stands; a lead's Subject is its company, with Person and Phone.
type NoticeAssignedData struct {
	ID      int64
	Kind    string
	Subject string
	Account string
	Due     time.Time
	HasDue  bool
	HasTime bool // an activity due at a time of day
	By      string
	Urgent  bool
	Stage   string
	Amount  int64 // cents
	Person  string
	Phone   string
}

// NoticeUnassignedData tells a user a record he had was given to someone
// else (To) by By: off his list, nothing to do.
type NoticeUnassignedData struct {
	ID      int64
	Kind    string // as NoticeAssignedData.Kind
	Subject string
	Account string
	By      string
	To      string
}

type NoticeRejectedData struct {
	ID      int64
	Subject string
	By      string
	Reason  string
}

type NoticeLeadData struct {
	ID      int64
	Company string
	Person  string
	Phone   string
	By      string
}

// NoticeAccountData tells of a new account: to its owner ("gave you
// account"), or, with Owner set, to someone else concerned (his manager).
type NoticeAccountData struct {
	ID    int64
	Name  string
	By    string
	Owner string
}

type NoticeEquipmentMissingData struct {
	Account   string
	AccountID int64
}

type NoticeApprovalData struct {
	ID      int64
	Subject string
	By      string
}

type NoticeDecidedData struct {
	ID       int64
	Subject  string
	Approved bool
	By       string
}

type NoticePhoneChangedData struct {
	Account string
	Old     string
	New     string
	By      string
}

type NoticeInactiveData struct {
	Account string
	Reason  string
	By      string
}

// ReadData is the data of the read_as and kept_note templates.
type ReadData struct {
	Typed  string // the first word as typed ("VSIT"); "" when the verb was not misspelt
	Verb   string // the verb it was read as, in English ("VISIT")
	VerbZH string // and in Chinese ("拜访")
	Kept   string // text kept as a note because it was not understood; "" when none
}

// readData says how cmd was read, or nil when there is nothing to say.
func readData(cmd *parser.Command) *ReadData {
	if cmd.ReadAs == "" && cmd.KeptAsNote == "" {
		return nil
	}
	d := &ReadData{Kept: cmd.KeptAsNote}
	if cmd.ReadAs != "" {
		d.Typed = cmd.ReadAs
		for _, sp := range parser.Verbs() {
			if sp.Verb == cmd.Verb {
				d.Verb = sp.Name
				if len(sp.Chinese) > 0 {
					d.VerbZH = sp.Chinese[0]
				}
			}
		}
	}
	return d
}

type DayReminderData struct {
	Count   int
	Overdue int       // of Count, those whose time has passed (as TODAY counts them)
	Date    time.Time // the day it is read on: an item due then shows its time, another its day
	First   []Item
}

var timeType = reflect.TypeOf(time.Time{})

// InZone returns data with every time in it (in structs, slices, pointers)
// shown in loc: the one place where a date a person reads is put into his
// time zone, whatever zone the record was stored in. Every outcome, notice
// and scheduled message goes through it before it is worded. Zero times
// stay zero; data without times comes back as it is.
func InZone(data any, loc *time.Location) any {
	if data == nil || loc == nil {
		return data
	}
	v := reflect.ValueOf(data)
	cp := reflect.New(v.Type()).Elem()
	cp.Set(v)
	inZone(cp, loc)
	return cp.Interface()
}

func inZone(v reflect.Value, loc *time.Location) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == timeType {
			if t := v.Interface().(time.Time); !t.IsZero() && v.CanSet() {
				v.Set(reflect.ValueOf(t.In(loc)))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.CanSet() {
				inZone(f, loc)
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			inZone(v.Elem(), loc)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			inZone(v.Index(i), loc)
		}
	case reflect.Interface:
		if !v.IsNil() && v.CanSet() {
			e := v.Elem()
			cp := reflect.New(e.Type()).Elem()
			cp.Set(e)
			inZone(cp, loc)
			v.Set(cp)
		}
	}
}
