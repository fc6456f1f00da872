// Package parser turns the text of one SMS or one email line, as a salesman
// types it on a basic phone, into a typed Command. It understands English and
// Chinese verbs, short forms, full-width punctuation, relative dates, Chinese
// amounts and phone numbers, and answers what it cannot read with an *Error
// that names the part, its position and the right form.
//
// The package is pure: it imports only the standard library, does no I/O and
// never reads the clock; the time and the sender's zone come in a Context.
package parser

import (
	"fmt"
	"time"
)

// Verb is the canonical English name of a command, in lower case. It is what
// the crm service switches on and what `fieldcrm parse` prints as "verb".
type Verb string

// The verbs. See Verbs() for their forms, parts and examples.
const (
	VerbVisit     Verb = "visit"     // log a done visit
	VerbCall      Verb = "call"      // log a done phone call
	VerbMeeting   Verb = "meeting"   // log a done meeting
	VerbPlan      Verb = "plan"      // schedule an activity (managers: for someone)
	VerbDone      Verb = "done"      // mark an activity done, with its outcome
	VerbReject    Verb = "reject"    // reject an assigned activity, with a reason
	VerbLead      Verb = "lead"      // new lead, or qualify/disqualify/convert one
	VerbContact   Verb = "contact"   // new contact at an account, or update/remove one
	VerbAccount   Verb = "account"   // new account, or update/deactivate one
	VerbOpp       Verb = "opp"       // new opportunity, or one of its sub-actions (Action)
	VerbEquipment Verb = "equipment" // equipment at a customer, or its SMU/location/condition
	VerbNote      Verb = "note"      // free note on any record
	VerbDoc       Verb = "doc"       // file the email's attachments (or a link) under a record
	VerbToday     Verb = "today"     // query: today's (or a day's) activities
	VerbOpps      Verb = "opps"      // query: my open opportunities
	VerbAcct      Verb = "acct"      // query: show one account
	VerbFind      Verb = "find"      // query: search by name or phone digits
	VerbFunnel    Verb = "funnel"    // query: sales funnel
	VerbTeam      Verb = "team"      // query (managers): team figures
	VerbLost      Verb = "lost"      // query (managers): lost sales and reasons
	VerbAssign    Verb = "assign"    // managers: assign a record to someone
	VerbApprove   Verb = "approve"   // managers: approve (Action "approve") or refuse (Action "refuse")
	VerbResp      Verb = "resp"      // record a campaign response
	VerbCampaign  Verb = "campaign"  // marketing: create or update a campaign (Action create|update), or turn a response into a lead (Action lead)
	VerbHelp      Verb = "help"      // help, or help on one verb (Topic)
	VerbUndo      Verb = "undo"      // undo the last write (or Target)
	VerbMore      Verb = "more"      // next page of the last answer
	VerbStop      Verb = "stop"      // stop messages from fieldcrm
	VerbStart     Verb = "start"     // start them again
	VerbChoice    Verb = "choice"    // a bare number: the answer to a numbered choice
	VerbExtend    Verb = "extend"    // managers: extend an escalated activity (Days or Due)
	VerbAck       Verb = "ack"       // managers: acknowledge an escalation
)

// Stage is an opportunity stage, by its canonical name.
type Stage string

// The stages of an opportunity, in order.
const (
	StageIdentification Stage = "identification" // 1
	StageQualification  Stage = "qualification"  // 2
	StageDevelopment    Stage = "development"    // 3
	StageProposal       Stage = "proposal"       // 4
	StageWon            Stage = "won"            // 5
	StageLost           Stage = "lost"           // 6
	StageNoDeal         Stage = "nodeal"         // 7
)

// Context is what Parse needs besides the text: the time the message was
// received, the sender's time zone and the names he may mean.
type Context struct {
	Now     time.Time      // when the message arrived
	Loc     *time.Location // the sender's zone; nil means Now.Location()
	Lexicon *Lexicon       // the accounts, contacts and colleagues the sender may name; nil for none
}

// Ref names a record: by id (#17, or a keyed token A17/L5/O42) or by a name
// that the crm service looks up fuzzily.
type Ref struct {
	ID   int64  `json:"id,omitempty"`   // 17 for "#17" or "A17"; 0 when named
	Kind string `json:"kind,omitempty"` // "activity" (A17), "lead" (L5), "opp" (O42); "" for #17 and names
	Name string `json:"name,omitempty"` // the name as typed ("acme", "华鑫矿业"), for fuzzy lookup
}

// FollowUp is the "next:" part of a logged activity: what to do and when.
type FollowUp struct {
	What    string     `json:"what,omitempty"`     // "quote", "报价"
	Due     *time.Time `json:"due,omitempty"`      // nil when no date was given
	HasTime bool       `json:"has_time,omitempty"` // Due carries a time of day (else 00:00)
}

// Amount is a sum of money. Cents is in hundredths of the currency unit
// (yuan → fen), so "1.2m" is Cents 120000000 and "¥350.50" is 35050.
type Amount struct {
	Cents    int64  `json:"cents"`
	Currency string `json:"currency,omitempty"` // "CNY", "USD", "EUR"; "" when not given (the dealer's default)
}

// Yuan returns the amount in whole currency units, dropping any cents.
func (a Amount) Yuan() int64 { return a.Cents / 100 }

// Product is a machine model with a quantity ("2x 320D").
type Product struct {
	Brand string `json:"brand,omitempty"` // canonical brand when typed ("CAT", "Komatsu")
	Model string `json:"model"`           // upper case: "320D", "PC200"
	Qty   int    `json:"qty"`             // 1 when not given
}

// Phone is a normalised phone number.
type Phone struct {
	Number string `json:"number"`         // E.164: "+8613901234567", "+861085868466", "+14155550100"
	Kind   string `json:"kind,omitempty"` // "mobile", "landline", "hotline" (400/800); "" for foreign numbers
}

// Command is one parsed message. Verb says which fields matter; all others
// are zero. Raw keeps the text as received.
type Command struct {
	Verb   Verb   `json:"verb"`
	Action string `json:"action,omitempty"`  // sub-action, see Verbs(): opp stage|won|lost|nodeal|amount|close|product|competitor|role|update|create, ...
	Lang   string `json:"lang,omitempty"`    // "zh" when the verb was written in Chinese (answer in Chinese); "" otherwise
	ReadAs string `json:"read_as,omitempty"` // the first word as typed when it was read as a misspelt verb ("VSIT" read as visit); the reply says so

	Target   *Ref    `json:"target,omitempty"`   // the record acted on: account, activity, opp, lead, campaign ...
	Kind     string  `json:"kind,omitempty"`     // PLAN: activity type: visit, call, meeting, email, sms, fax, revisit, task
	Assignee string  `json:"assignee,omitempty"` // ASSIGN/PLAN: who gets it; TODAY/TEAM/FUNNEL: whose figures
	Contact  string  `json:"contact,omitempty"`  // person met or named ("Zhang Wei", "李总")
	Title    string  `json:"title,omitempty"`    // CONTACT: job title
	Phones   []Phone `json:"phones,omitempty"`   // numbers found in the message
	Email    string  `json:"email,omitempty"`    // e-mail address found in the message
	Notes    string  `json:"notes,omitempty"`    // free text (outcome, needs, note), parts joined by "; "
	// KeptAsNote is text where a value was expected that could not be read
	// as one: it is also in Notes, and the reply says `kept as note: "…"`.
	KeptAsNote string `json:"kept_as_note,omitempty"`

	At       *time.Time `json:"at,omitempty"`       // when a logged activity happened, if not just now ("yesterday")
	Due      *time.Time `json:"due,omitempty"`      // PLAN/EXTEND/TODAY: the date (00:00 in the sender's zone unless HasTime)
	HasTime  bool       `json:"has_time,omitempty"` // Due carries a time of day
	Days     int        `json:"days,omitempty"`     // EXTEND by this many days
	Next     *FollowUp  `json:"next,omitempty"`     // follow-up of a logged activity
	Priority string     `json:"priority,omitempty"` // "urgent" or "normal" when said; "" otherwise

	Stage      Stage      `json:"stage,omitempty"`      // opportunity stage
	Amount     *Amount    `json:"amount,omitempty"`     // estimated or won revenue
	Close      *time.Time `json:"close,omitempty"`      // estimated close date
	Products   []Product  `json:"products,omitempty"`   // models and quantities
	Competitor string     `json:"competitor,omitempty"` // canonical brand when known ("Komatsu"), else as typed
	// CompetitorTyped is the competitor as the sender wrote it when that is
	// other words than Competitor (三一 for Sany): kept so he reads back his own.
	CompetitorTyped string `json:"competitor_typed,omitempty"`
	Reason          string `json:"reason,omitempty"`   // why: lost, no deal, reject, refuse, deactivate, remove
	Role            string `json:"role,omitempty"`     // economic_buyer, user, technical_evaluator, coach
	Source          string `json:"source,omitempty"`   // lead source: advertising, referral, website, word_of_mouth, pr, campaign, other
	Referrer        string `json:"referrer,omitempty"` // who referred the lead

	Cost     *Amount    `json:"cost,omitempty"`     // CAMPAIGN: what it actually cost (its budget is Amount)
	Start    *time.Time `json:"start,omitempty"`    // CAMPAIGN: first day
	End      *time.Time `json:"end,omitempty"`      // CAMPAIGN: last day
	Tasks    []string   `json:"tasks,omitempty"`    // CAMPAIGN: tasks to add, one per task: part
	Response int        `json:"response,omitempty"` // CAMPAIGN lead: the number of the response within the campaign

	Brand     string     `json:"brand,omitempty"`     // equipment brand, canonical ("CAT", "Komatsu")
	Model     string     `json:"model,omitempty"`     // equipment model, upper case
	Serial    string     `json:"serial,omitempty"`    // serial number, upper case
	SMU       *int       `json:"smu,omitempty"`       // service-meter hours
	Location  string     `json:"location,omitempty"`  // where the machine works
	Condition string     `json:"condition,omitempty"` // good, fair, poor, down, or as typed
	Bought    *time.Time `json:"bought,omitempty"`    // purchase date (first of the month/year when only those were given)

	Query  string `json:"query,omitempty"`  // FIND text, OPPS filter
	Period string `json:"period,omitempty"` // FUNNEL/TEAM/LOST/OPPS: today, week, last_week, month, last_month, quarter, year
	Topic  string `json:"topic,omitempty"`  // HELP: the canonical verb asked about, or the word as typed
	Choice int    `json:"choice,omitempty"` // CHOICE: the number

	Fields map[string]string `json:"fields,omitempty"` // other key: value parts (address, industry, and unknown keys as typed)
	Raw    string            `json:"raw,omitempty"`    // the message as received
}

// Error is a message that could not be parsed. Every Error has a Hint.
type Error struct {
	Pos     int    `json:"pos"`               // rune offset (0-based) of Part in the original text
	Part    string `json:"part,omitempty"`    // the piece not understood, as typed (after normalisation)
	Msg     string `json:"error"`             // what went wrong, short
	Hint    string `json:"hint"`              // the right form, e.g. "VISIT <account>; <notes>; next: <what> <when>"
	Suggest string `json:"suggest,omitempty"` // the verb meant, for a misspelt verb ("VISIT")
	Verb    Verb   `json:"verb,omitempty"`    // the verb recognised, when the error is in its parts
}

// Error returns a short human sentence.
func (e *Error) Error() string {
	if e.Suggest != "" {
		return fmt.Sprintf("%s. Did you mean %s? %s", e.Msg, e.Suggest, e.Hint)
	}
	return fmt.Sprintf("%s. %s", e.Msg, e.Hint)
}
