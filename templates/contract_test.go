package templates_test

import "time"

// The data each SMS and e-mail template expects. The crm and gateway
// packages pass their own types; text/template reaches fields by name, so
// any struct (or pointer to one) with these exported fields works. These
// types exist only to document the contract and to feed the golden tests;
// README.md lists the same fields.

// Next is the follow-up activity created with a write, nil when none.
type Next struct {
	ID      int64
	What    string
	Due     time.Time
	HasDue  bool
	HasTime bool // a time of day was given (crm: a method)
}

// Item is an activity in a list (today, day_reminder).
type Item struct {
	ID      int64
	Due     time.Time
	HasTime bool
	Kind    string // visit, call, meeting, task, revisit, email, sms, fax
	Subject string
	Account string
	Urgent  bool
}

type OkActivity struct {
	Kind    string // visit, call, meeting
	ID      int64
	Account string
	Contact string
	Next    *Next
	Closes  int64 // the planned activity the report closed, 0 when none
}

type OkPlanned struct {
	ID      int64
	Kind    string
	Subject string
	Account string
	Due     time.Time
	HasTime bool
	Owner   string // empty when planned for oneself
	Urgent  bool
}

type OkDone struct {
	ID      int64
	Subject string
	Next    *Next
}

type OkRejected struct {
	ID      int64
	Subject string
	Manager string
}

type OkLead struct {
	ID      int64
	Company string
	Person  string
	Source  string // advertising, referral, website, word_of_mouth, pr, campaign, other
	Action  string // create, qualify, disqualify, convert, "" (update)
	Account int64  // convert: the new account
	Contact int64  // convert: the new contact
	Opp     int64  // convert: the new opportunity
}

type OkContact struct {
	ID      int64
	Name    string
	Account string
	Phone   string
}

type OkAccount struct {
	ID       int64
	Name     string
	Contact  string // empty: the reply asks for one
	Action   string // create, update, deactivate, activate
	Phones   []string
	Address  string
	City     string
	Industry string
	Alias    string
	Noted    bool
	Reason   string
}

type OkOpp struct {
	ID      int64
	Name    string
	Account string
	Stage   string // identification … nodeal, or 1-7 (anything printing so)
	Amount  int64  // cents
	Close   time.Time
	Action  string   // create, stage, won, lost, nodeal, reopen, amount, close, product, competitor, role
	Via     []string // a forward jump: the stages passed on the way
}

type OkEquipment struct {
	ID      int64
	Brand   string
	Model   string
	Serial  string
	Account string
	SMU     int
	New     bool
}

type OkNote struct {
	ID int64
	On string // the record the note is on: an account name, "opp #42"
}

type OkAssign struct {
	ID       int64
	Kind     string // visit, call, …, or lead, opp, account
	Subject  string
	Assignee string
	Due      time.Time // the date the manager gave (zero: none)
	HasTime  bool
	Urgent   bool
	Previous string // who had it, told it is off his list
}

type OkApprove struct {
	ID       int64
	Subject  string
	Approved bool
}

type OkCampaign struct {
	ID     int64
	Name   string
	Action string // create, update, lead
	Budget int64  // cents; 0: none
	Start  time.Time
	End    time.Time
	Lead   int64  // lead: the new lead
	N      int    // lead: the response's number
	Owner  string // lead: the lead's owner, empty when the sender
}

type OkResp struct {
	N        int64 // the response's id
	Campaign string
	Who      string
}

type OkUndo struct {
	What string // "visit #231 and follow-up #232"
}

type OkPending struct {
	ID      int64 // the request
	Subject string
	Manager string
}

type Empty struct{}

type Err struct {
	Message string // what was not understood
	Hint    string // the right form
}

type ErrDidYouMean struct {
	Word    string
	Suggest string
	Hint    string
}

type ErrForbidden struct {
	Message string
}

type ErrNotFound struct {
	What string
	Hint string
}

type Choice struct {
	N    int
	Name string
	ID   int64
}

type Choose struct {
	Word    string
	Choices []Choice
}

type Help struct {
	Text string
}

type Today struct {
	IsToday bool // false: another day asked for (TODAY tomorrow)
	Date    time.Time
	Overdue []Item
	Today   []Item
	Later   int // open items due after Date
}

type Opp struct {
	ID      int64
	Name    string
	Account string
	Stage   string
	Amount  int64
	Close   time.Time
}

type Opps struct {
	Opps    []Opp
	Total   int64
	Account string // OPPS #12: the account's
	Whose   string // a manager's OPPS wang: the salesman's
	Query   string // OPPS 336: the words asked for
}

type Acct struct {
	ID        int64
	Name      string
	Phones    []string
	Owner     string
	Contacts  []string
	OpenOpps  int
	LastVisit time.Time // zero: never visited
	Equipment int
}

type Result struct {
	Kind        string // account, contact, lead, opp
	ID          int64
	Name        string
	Account     int64  // an account's own id, a contact's account's
	AccountName string // a contact's account
}

type Find struct {
	Query   string
	Results []Result
	Acct    int64 // the account of the first result that has one
}

type FunnelStage struct {
	Stage  string
	Count  int
	Amount int64
}

type Funnel struct {
	Period string // as the user should read it: "Q4", "Nov", "本季度"
	Stages []FunnelStage
}

type TeamRow struct {
	Name                         string
	Visits, Calls, Open, Overdue int
}

type Team struct {
	Period string
	Rows   []TeamRow
}

type NoticeAssigned struct {
	ID      int64
	Kind    string // an activity type, or opp, lead, account
	Subject string
	Account string
	Due     time.Time // an opportunity's close date
	HasDue  bool
	HasTime bool // an activity due at a time of day
	By      string
	Urgent  bool
	Stage   string // opp
	Amount  int64  // opp, cents
	Person  string // lead
	Phone   string // lead
}

type NoticeUnassigned struct {
	ID      int64
	Kind    string
	Subject string
	Account string
	By      string
	To      string
}

type NoticeRejected struct {
	ID      int64
	Subject string
	By      string
	Reason  string
}

type NoticeLead struct {
	ID      int64
	Company string
	Person  string
	Phone   string
	By      string
}

type NoticeAccount struct {
	ID    int64
	Name  string
	By    string
	Owner string // set when the reader is not the owner
}

type NoticeEquipmentMissing struct {
	Account   string
	AccountID int64
}

type NoticeColleagueActivity struct {
	Kind      string
	Account   string
	AccountID int64
	Contact   string
	Notes     string
	By        string
}

type NoticeContactRemoved struct {
	Contact   string
	Account   string
	Reason    string
	Requester string
	By        string
}

type NoticeApproval struct {
	ID      int64
	Subject string
	By      string
}

type NoticeDecided struct {
	ID       int64
	Subject  string
	Approved bool
	By       string
}

// ReadAs is the data of read_as (put before the reply when a misspelt verb
// was carried out) and kept_note (put after it when text was kept as a note).
type ReadAs struct {
	Typed  string // the word as typed
	Verb   string // the verb it was read as (English)
	VerbZH string // the same in Chinese
	Kept   string // text kept as a note
}

type DayReminder struct {
	Count   int       // activities a manager assigned him, due today or assigned since yesterday
	Overdue int       // of those, whose time has passed
	Date    time.Time // the day it is read on
	First   []Item    // the first one or two
}

type NoticePhoneChanged struct {
	Account string
	Old     string
	New     string
	By      string
}

type NoticeInactive struct {
	Account string
	Reason  string
	By      string
}

// E-mail.

type ReplyLine struct {
	Command string
	Result  string
}

type Reply struct {
	Lines []ReplyLine
	Notes []string // after the lines: attachments without a command to file them
	Cut   int      // lines not read (over the limit of Read lines)
	Read  int
}

// OkDoc answers a DOC line of an e-mail (or the attachments of another
// command on an account): the files filed, those too big, or why none was.
type OkDoc struct {
	Why       string // "" filed; no_account, ambiguous, not_found, none
	Query     string // the account as written
	Account   string
	AccountID int64
	Files     []DocFile
	Skipped   []DocSkip
	MaxMB     int
}

type DocFile struct {
	Name string
	ID   int64
}

type DocSkip struct {
	Name string
	MB   int
}

// MailRefused explains why an e-mail was not applied.
type MailRefused struct {
	Why     string // unverified, unknown, unreadable, too_big, empty
	Subject string // the subject of the e-mail answered
	From    string // its sender
	MaxMB   int    // too_big: the largest e-mail read
	DocMB   int    // too_big: the largest document
}

type NoticeItem struct {
	Token string // "A17"
	Text  string
}

type Notice struct {
	Subject string
	Lines   []string
	Items   []NoticeItem
}

// OkExtend answers EXTEND: the activity's new due time.
type OkExtend struct {
	ID  int64
	Due time.Time
}

// OkAck answers ACK of an escalation.
type OkAck struct {
	ID      int64
	Subject string
}

// LostItem is one opportunity lost to a competitor.
type LostItem struct {
	ID         int64
	Name       string
	Account    string
	Competitor string
	Reason     string
	Amount     int64
}

// Lost answers LOST: the period's lost opportunities, largest first.
type Lost struct {
	Period string
	Lost   []LostItem
}

// The scheduler's notices (scheduler/data.go).

type JobOverdue struct {
	Item
	More   []Item    // other items past due in the same reminder (at most 2)
	Others int       // and how many more, not listed
	Date   time.Time // now: days overdue are counted to it
}

type JobEscalation struct {
	Item
	Owner      string // the assignee
	AssignedAt time.Time
	Days       int  // whole days since the assignment
	Again      bool // escalated again after an EXTEND
}

type JobTakeBack struct {
	Item          // the activity taken back (its old id)
	NewID   int64 // the manager's new activity
	Owner   string
	Manager string
	Days    int
}

type JobSummary struct {
	Name    string
	Date    time.Time
	Today   []Item
	Overdue []Item
	Later   int
	First   []Item // SMS: the first items
	More    int    // SMS: items not in First
}

type JobDigestRow struct {
	Name                                       string
	Visits, Calls, Other, Open, Overdue, Escal int
}

type JobDigestItem struct {
	Item
	Owner string
	Days  int
}

type JobLeadItem struct {
	ID      int64
	Company string
	Person  string
	Owner   string
}

type JobStageRow struct {
	Stage  string
	Count  int
	Amount int64
	Change int
}

type JobDigest struct {
	Name       string
	Date       time.Time
	Rows       []JobDigestRow
	Leads      []JobLeadItem
	Overdue    []JobDigestItem
	Escalated  []JobDigestItem
	Stages     []JobStageRow
	Visits     int
	Calls      int
	NewLeads   int
	OverdueN   int
	EscalatedN int
	Opps       int
	Amount     int64
	OppsChange int
	First      bool
}

// ReportEmail is report_weekly: the weekly and monthly report email to
// managers (crm/report.Email). Amounts in cents; shares in percent. ChartCID
// is the Content-ID of the inline chart PNG ("" none).
type ReportEmail struct {
	Name          string
	Monthly       bool
	From          time.Time
	To            time.Time
	Week          int
	Stages        []ReportStage
	Open          ReportStage
	Rows          []ReportSalesman
	Months        []ReportMonth // Month "2006-01" or "none"
	Lost          []ReportLost
	Won           int
	WonAmt        int64
	Closed        int
	CloseRate     float64
	Active        int
	Salesmen      int
	Participation float64
	ChartCID      string
	// the report's one money unit: its name ("¥ million", "万元"), yuan
	// per unit and decimals shown (amount and amountu)
	Unit         string
	UnitYuan     int64
	UnitDecimals int
}

type ReportStage struct {
	Stage            string
	Count            int
	Amount, Weighted int64
}

type ReportSalesman struct {
	Name                                                string
	Visits, Calls, Meetings, Other, Done, Open, Overdue int
}

type ReportMonth struct {
	Month            string
	Count            int
	Amount, Weighted int64
}

type ReportLost struct {
	Name, Account, Competitor, Reason string
	Amount                            int64
}
