package scheduler

import (
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// The data of the job templates (the contract with templates/README.md and
// templates/contract_test.go). Times are in the recipient's zone.

// Item is an activity in a list, as crm words it for TODAY.
type Item = crm.Item

// OverdueData: job_overdue (SMS to the owner): Item, and when more fell
// overdue since the last reminder, up to two of them in More and how many
// others there are.
type OverdueData struct {
	Item
	More   []Item
	Others int
	Date   time.Time // now: the days overdue are counted to it
}

// EscalationData: job_escalation (SMS, and the notice email, to the
// assignee's manager).
type EscalationData struct {
	Item
	Owner      string // the assignee
	AssignedAt time.Time
	Days       int // whole days since the assignment
	Again      bool
}

// TakeBackData: job_takeback (SMS to the assignee) and job_takeback_manager
// (SMS and notice email to the manager).
type TakeBackData struct {
	Item
	NewID   int64  // the manager's new activity
	Owner   string // the assignee it was taken from
	Manager string
	Days    int
}

// SummaryData: job_summary (SMS and email to a salesman).
type SummaryData struct {
	Name    string
	Date    time.Time
	Today   []Item
	Overdue []Item
	Later   int
	First   []Item // SMS: the first items (overdue first)
	More    int    // SMS: items not in First
}

// DigestRow is one salesman's yesterday in a manager's digest.
type DigestRow struct {
	Name                                       string
	Visits, Calls, Other, Open, Overdue, Escal int
}

// DigestItem is an overdue or escalated item in a digest.
type DigestItem struct {
	Item
	Owner string
	Days  int // overdue by
}

// LeadItem is a new lead in a digest.
type LeadItem struct {
	ID      int64
	Company string
	Person  string
	Owner   string
}

// StageRow is one stage of the pipeline, with the change in its count
// since the last digest.
type StageRow struct {
	Stage  string
	Count  int
	Amount int64 // cents
	Change int
}

// DigestData: job_digest (email and SMS one-liner to a manager).
type DigestData struct {
	Name       string
	Date       time.Time // yesterday
	Rows       []DigestRow
	Leads      []LeadItem
	Overdue    []DigestItem
	Escalated  []DigestItem
	Stages     []StageRow
	Visits     int
	Calls      int
	NewLeads   int
	OverdueN   int
	EscalatedN int
	Opps       int
	Amount     int64
	OppsChange int
	First      bool // no earlier digest: no changes to show
}
