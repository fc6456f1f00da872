package crm

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/parser"
)

// How long a numbered choice and an UNDO stay valid.
const (
	ChoiceWindow = 10 * time.Minute
	UndoWindow   = 15 * time.Minute
)

// conv is a user's conversation state.
type conv struct {
	Choice *pendingChoice `json:"choice,omitempty"`
	Day    string         `json:"day,omitempty"` // the local date of the user's last message
	// Recent are the ids of the user's latest change sets, oldest first, 8
	// bytes big-endian each (base64 in the JSON: cheaper to decode on every
	// message than a list of numbers): what UNDO looks at. Schema 3 kept an
	// index of every change set by user instead, which cost each message one
	// more page at a random place in the file.
	Recent []byte `json:"recent,omitempty"`
}

// recent returns the ids in c.Recent, oldest first.
func (c *conv) recent() []int64 {
	ids := make([]int64, 0, len(c.Recent)/8)
	for i := 0; i+8 <= len(c.Recent); i += 8 {
		ids = append(ids, int64(btou(c.Recent[i:])))
	}
	return ids
}

// maxRecent bounds conv.Recent: UNDO looks back at most this many change
// sets of the user (LastChangeSet always did; recentChangeTo looks at those
// of the undo window among them).
const maxRecent = 50

// noteRecent adds cs to its author's recent change sets.
func (tx *Tx) noteRecent(cs *ChangeSet) error {
	c := tx.loadConv()
	c.Recent = append(c.Recent, itob(cs.ID)...)
	if n := len(c.Recent) - 8*maxRecent; n > 0 {
		c.Recent = append(c.Recent[:0], c.Recent[n:]...)
	}
	return tx.saveConv(c)
}

// pendingChoice is a command waiting for "1 or 2?".
type pendingChoice struct {
	Cmd        parser.Command `json:"cmd"`
	Field      string         `json:"field"` // "target", "assignee", "contact"
	Candidates []Candidate    `json:"candidates"`
	At         time.Time      `json:"at"`
}

func (tx *Tx) loadConv() *conv {
	c := &conv{}
	if v := tx.etx.State(spaceConv).Get(itob(tx.meta.Actor.ID)); v != nil {
		json.Unmarshal(v, c)
	}
	return c
}

func (tx *Tx) saveConv(c *conv) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.etx.State(spaceConv).Put(itob(tx.meta.Actor.ID), data)
}

// needChoice is returned by a resolver when a name matched several records.
type needChoice struct {
	field string
	word  string
	cands []Candidate
}

func (n *needChoice) Error() string { return "ambiguous " + n.field }

// Apply carries out one parsed command as the transaction's actor and
// returns what to answer. loc is the actor's time zone. Refusals come back as
// errors (*Error, or *parser.Error for VerbChoice gone stale); the caller
// words them. A refused command must not be committed: the caller's Update
// returns the error so that nothing it wrote stays.
func (tx *Tx) Apply(cmd *parser.Command, loc *time.Location) (*Outcome, error) {
	if loc == nil {
		loc = tx.s.loc
	}
	if tx.meta.Actor.Disabled {
		return nil, Errorf(EFORBIDDEN, "Your user is disabled.")
	}
	cv := tx.loadConv()
	if cmd.Verb != parser.VerbChoice {
		// a number answers only the message just before it: any other
		// command drops the question (kept when that command is refused)
		cv.Choice = nil
	}
	today := tx.now.In(loc).Format("2006-01-02")
	var reminder *DayReminderData
	// the web console shows the day on its own page: the first SMS of the
	// day still carries the reminder
	if cv.Day != today && tx.writable && tx.meta.Channel != "web" {
		if cmd.Verb != parser.VerbToday { // TODAY shows them anyway
			reminder = tx.dayReminder(loc)
		}
		cv.Day = today
	}
	if cmd.Verb == parser.VerbChoice {
		if cv.Choice == nil || tx.now.Sub(cv.Choice.At) > ChoiceWindow {
			cv.Choice = nil
			tx.saveConvQuiet(cv)
			return nil, Errorf(EINVALID, "There is no question waiting for a number.").withHint("HELP for the commands")
		}
		pc := cv.Choice
		if cmd.Choice < 1 || cmd.Choice > len(pc.Candidates) {
			return nil, Errorf(EINVALID, "Reply a number from 1 to %d.", len(pc.Candidates)).withHint("1")
		}
		pick := pc.Candidates[cmd.Choice-1]
		orig := pc.Cmd
		switch pc.Field {
		case "assignee":
			orig.Assignee = "#" + itoa(pick.ID)
		case "contact":
			orig.Contact = "#" + itoa(pick.ID)
		default:
			orig.Target = &parser.Ref{ID: pick.ID, Kind: refKindOf(pick.Kind)}
		}
		cv.Choice = nil
		cmd = &orig
	}
	out, err := tx.apply(cmd, loc)
	var nc *needChoice
	if asNeedChoice(err, &nc) {
		cv.Choice = &pendingChoice{Cmd: *cmd, Field: nc.field, Candidates: nc.cands, At: tx.now}
		if err := tx.saveConv(cv); err != nil {
			return nil, err
		}
		d := ChooseData{Word: nc.word}
		for i, c := range nc.cands {
			d.Choices = append(d.Choices, Choice{N: i + 1, Name: c.Name, ID: c.ID})
		}
		out := &Outcome{Template: "choose", Data: d, DayReminder: reminder}
		tx.localize(out, loc)
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if tx.writable {
		if err := tx.saveConv(cv); err != nil {
			return nil, err
		}
	}
	if reminder != nil { // as the command left them: what it just closed is not listed
		reminder = tx.dayReminder(loc)
	}
	out.DayReminder = reminder
	out.Read = readData(cmd)
	out.ChangeSet = tx.cs
	out.Notices = append(append(tx.noticesFor(loc), tx.notices...), out.Notices...)
	tx.localize(out, loc)
	return out, nil
}

func (tx *Tx) saveConvQuiet(c *conv) {
	if tx.writable {
		tx.saveConv(c)
	}
}

func asNeedChoice(err error, nc **needChoice) bool {
	if n, ok := err.(*needChoice); ok {
		*nc = n
		return true
	}
	return false
}

func refKindOf(k Kind) string {
	switch k {
	case KindActivity:
		return "activity"
	case KindAccount:
		return "account"
	case KindLead:
		return "lead"
	case KindOpp:
		return "opp"
	case KindCampaign:
		return "campaign"
	case KindContact:
		return "contact"
	case KindUser:
		return "user"
	case KindRequest:
		return "request"
	}
	return ""
}

func (tx *Tx) apply(cmd *parser.Command, loc *time.Location) (*Outcome, error) {
	switch cmd.Verb {
	case parser.VerbVisit:
		return tx.logActivity(cmd, ActVisit, loc)
	case parser.VerbCall:
		return tx.logActivity(cmd, ActCall, loc)
	case parser.VerbMeeting:
		return tx.logActivity(cmd, ActMeeting, loc)
	case parser.VerbPlan:
		return tx.plan(cmd, loc)
	case parser.VerbDone:
		return tx.done(cmd, loc)
	case parser.VerbReject:
		return tx.reject(cmd)
	case parser.VerbLead:
		return tx.lead(cmd)
	case parser.VerbContact:
		return tx.contact(cmd)
	case parser.VerbAccount:
		return tx.account(cmd)
	case parser.VerbOpp:
		return tx.opp(cmd)
	case parser.VerbEquipment:
		return tx.equipment(cmd)
	case parser.VerbNote:
		return tx.note(cmd)
	case parser.VerbDoc:
		return nil, Errorf(EINVALID, "Documents come by email: attach the file.").withHint("email with subject DOC <account>")
	case parser.VerbToday:
		return tx.today(cmd, loc)
	case parser.VerbOpps:
		return tx.opps(cmd)
	case parser.VerbAcct:
		return tx.acct(cmd)
	case parser.VerbFind:
		return tx.find(cmd)
	case parser.VerbFunnel:
		return tx.funnel(cmd, loc)
	case parser.VerbTeam:
		return tx.team(cmd, loc)
	case parser.VerbLost:
		return tx.lost(cmd, loc)
	case parser.VerbAssign:
		return tx.assign(cmd, loc)
	case parser.VerbApprove:
		return tx.approve(cmd)
	case parser.VerbResp:
		return tx.resp(cmd)
	case parser.VerbCampaign:
		return tx.campaign(cmd, loc)
	case parser.VerbUndo:
		return tx.undo(cmd)
	case parser.VerbExtend:
		return tx.extend(cmd, loc)
	case parser.VerbAck:
		return tx.ack(cmd)
	case parser.VerbStop, parser.VerbStart:
		return tx.optOut(cmd.Verb == parser.VerbStop)
	case parser.VerbHelp:
		locale := tx.meta.Actor.Locale
		if cmd.Lang == "zh" { // asked in Chinese: answered in Chinese
			locale = "zh"
		}
		return &Outcome{Template: "help", Data: HelpData{Text: parser.Help(cmd.Topic, locale)}}, nil
	case parser.VerbMore:
		return nil, Errorf(EINVALID, "Nothing more to show.").withHint("TODAY or OPPS")
	}
	return nil, Errorf(EINVALID, "%s is not something I can do yet.", strings.ToUpper(string(cmd.Verb))).withHint("HELP")
}
