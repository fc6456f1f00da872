package crm

import (
	"github.com/fieldcrm/fieldcrm/parser"
	"strings"
	"time"
)

// Stage is an opportunity's stage: 1–4 open, 5–7 closed.
type Stage int

const (
	StageIdentification Stage = 1
	StageQualification  Stage = 2
	StageDevelopment    Stage = 3
	StageProposal       Stage = 4
	StageWon            Stage = 5
	StageLost           Stage = 6
	StageNoDeal         Stage = 7
)

var stageNames = [...]string{"", "identification", "qualification", "development", "proposal", "won", "lost", "nodeal"}

func (s Stage) String() string {
	if s < 1 || s > 7 {
		return "stage?"
	}
	return stageNames[s]
}

// Closed reports whether s is Won, Lost or No deal.
func (s Stage) Closed() bool { return s >= StageWon }

// DefaultProbability is the probability (percent) an opportunity gets when it
// enters stage s.
func (s Stage) DefaultProbability() int {
	return [...]int{0, 10, 25, 50, 75, 100, 0, 0}[max(0, min(int(s), 7))]
}

// ParseStage reads a stage by number or name, in the words of the message
// language (parser.StageWord): "3", "quote", "报价", "closed won".
func ParseStage(v string) (Stage, bool) {
	st, ok := parser.StageWord(v)
	if !ok {
		return 0, false
	}
	for i, n := range stageNames {
		if n == string(st) {
			return Stage(i), true
		}
	}
	return 0, false
}

// People roles around an opportunity.
const (
	RoleEconomicBuyer = "economic_buyer"
	RoleUser          = "user"
	RoleTechnical     = "technical_evaluator"
	RoleCoach         = "coach"
)

// ProductLine is a product and its quantity on an opportunity.
type ProductLine struct {
	Model string `json:"model"`
	Qty   int    `json:"qty"`
}

// OppPerson is someone around the deal and the role he plays.
type OppPerson struct {
	Contact int64  `json:"contact,omitempty"`
	Name    string `json:"name"`
	Role    string `json:"role"`
}

// StageChange is one move of an opportunity through the funnel.
type StageChange struct {
	From   Stage     `json:"from"`
	To     Stage     `json:"to"`
	At     time.Time `json:"at"`
	By     int64     `json:"by"`
	Reason string    `json:"reason,omitempty"`
}

// Opportunity is a possible sale moving through the stages.
type Opportunity struct {
	Base
	Name         string        `json:"name"`
	Account      int64         `json:"account"`
	Lead         int64         `json:"lead,omitempty"`
	Campaign     int64         `json:"campaign,omitempty"`
	Source       string        `json:"source,omitempty"`
	Category     string        `json:"category,omitempty"` // machines, parts, service …
	Products     []ProductLine `json:"products,omitempty"`
	Amount       Money         `json:"amount,omitempty"` // estimated revenue
	Probability  int           `json:"probability"`      // percent
	Close        time.Time     `json:"close,omitzero"`   // estimated close date
	Delivery     time.Time     `json:"delivery,omitzero"`
	Needs        string        `json:"needs,omitempty"`
	Strengths    string        `json:"strengths,omitempty"`
	Weaknesses   string        `json:"weaknesses,omitempty"`
	Competitors  []string      `json:"competitors,omitempty"`
	People       []OppPerson   `json:"people,omitempty"`
	Stage        Stage         `json:"stage"`
	StageHistory []StageChange `json:"stage_history,omitempty"`
	LostTo       string        `json:"lost_to,omitempty"`
	LostReason   string        `json:"lost_reason,omitempty"`
	ClosedAt     time.Time     `json:"closed_at,omitzero"`
}

func (*Opportunity) RecordKind() Kind { return KindOpp }
func (o *Opportunity) label() string  { return o.Name }

func (o *Opportunity) indexes() []IndexEntry {
	ix := []IndexEntry{{Index: IxStage, Key: append([]byte{byte(o.Stage)}, itob(o.ID)...)}}
	if o.Account != 0 {
		ix = append(ix, IndexEntry{Index: IxAccount, Key: linkKey(o.Account, KindOpp, o.ID)})
	}
	return ix
}

func (o *Opportunity) validate(tx *Tx, old Record) error {
	o.Name = strings.TrimSpace(o.Name)
	if o.Account == 0 {
		return Errorf(EINVALID, "An opportunity needs an account.").withHint("OPP <account>; 2x 320D; 2.4m; close 15/12")
	}
	acct, err := loadAs[Account](tx, o.Account)
	if err != nil || !tx.linkable(KindAccount, o.Account) {
		return Errorf(EINVALID, "Account #%d does not exist.", o.Account)
	}
	if o.Name == "" {
		o.Name = acct.Name
		if len(o.Products) > 0 {
			o.Name += " " + o.Products[0].Model
		}
	}
	if o.Amount < 0 {
		return Errorf(EINVALID, "The amount cannot be negative.")
	}
	for _, p := range o.Products {
		if strings.TrimSpace(p.Model) == "" || p.Qty <= 0 {
			return Errorf(EINVALID, "Each product needs a model and a quantity of at least 1.").withHint("2x 320D")
		}
	}
	for i := range o.People {
		r, ok := ParsePersonRole(o.People[i].Role)
		if !ok {
			return Errorf(EINVALID, "Unknown role %q.", o.People[i].Role).withHint("role: economic buyer, user, technical evaluator or coach")
		}
		o.People[i].Role = r
	}
	if o.Probability < 0 || o.Probability > 100 {
		return Errorf(EINVALID, "Probability is a percentage from 0 to 100.")
	}
	if old == nil {
		if o.Stage == 0 {
			o.Stage = StageIdentification
		}
		if o.Stage < 1 || o.Stage > 7 {
			return Errorf(EINVALID, "Stage must be 1 to 7.")
		}
		if o.Probability == 0 && !o.Stage.Closed() {
			o.Probability = o.Stage.DefaultProbability()
		}
		return o.checkClosed()
	}
	p := old.(*Opportunity)
	if p.Stage != o.Stage && !tx.staging {
		return Errorf(EINVALID, "The stage is changed with a stage command.").withHint("OPP #" + itoa(o.ID) + " stage <name>")
	}
	if p.Stage.Closed() && o.Stage == p.Stage && !tx.staging && !tx.importing() && oppFieldsChanged(p, o) {
		return Errorf(ECONFLICT, "Opportunity #%d is closed (%s); reopen it with a stage and a reason first.", o.ID, p.Stage).
			withHint("OPP #" + itoa(o.ID) + " stage development; <reason>")
	}
	return o.checkClosed()
}

func (o *Opportunity) checkClosed() error {
	if o.Stage == StageLost {
		if o.LostTo == "" || o.LostReason == "" {
			return Errorf(EINVALID, "A lost opportunity needs to whom and why.").withHint("OPP #" + itoa(o.ID) + " lost <competitor>; <reason>")
		}
	}
	return nil
}

// oppFieldsChanged reports whether anything but bookkeeping differs.
func oppFieldsChanged(a, b *Opportunity) bool {
	return a.Amount != b.Amount || !a.Close.Equal(b.Close) || a.Name != b.Name || len(a.Products) != len(b.Products) ||
		a.Probability != b.Probability || a.Owner != b.Owner
}

// ParsePersonRole reads a deal role in the words of the message language.
func ParsePersonRole(s string) (string, bool) { return parser.RoleWord(s) }

// CreateOpp records a new opportunity (stage 1 unless given).
func (tx *Tx) CreateOpp(o *Opportunity) error { return tx.save(o) }

// Opp reads an opportunity as the actor.
func (tx *Tx) Opp(id int64) (*Opportunity, error) { return getAs[Opportunity](tx, id) }

// UpdateOpp changes an opportunity's details (not its stage: SetOppStage).
func (tx *Tx) UpdateOpp(id int64, change func(*Opportunity) error) (*Opportunity, error) {
	o, err := getAs[Opportunity](tx, id)
	if err != nil {
		return nil, err
	}
	if err := change(o); err != nil {
		return nil, err
	}
	return o, tx.save(o)
}

// StageMove says where an opportunity goes and why.
type StageMove struct {
	To         Stage
	Reason     string // needed for demotion, Lost, No deal and reopening
	Competitor string // Lost: to whom
	Amount     Money  // Won: the final amount, when it differs from the estimate
}

// SetOppStage moves an opportunity. Forward it may jump: a salesman who
// reports "stage proposal" from identification has qualified and developed
// the deal on the way, so each stage passed is recorded in the history as a
// move of its own (the funnel ratio counts every stage reached), and so is
// every open stage a deal won from an earlier one went through. Lost and No
// deal close it from any open stage. Going back (demotion, reopening) and
// No deal need a reason; Lost needs the competitor and the reason. The
// probability takes the new stage's default.
func (tx *Tx) SetOppStage(id int64, mv StageMove) (*Opportunity, error) {
	o, err := getAs[Opportunity](tx, id)
	if err != nil {
		return nil, err
	}
	if err := tx.mustWrite(o); err != nil {
		return nil, err
	}
	from, to := o.Stage, mv.To
	reason := strings.TrimSpace(mv.Reason)
	hint := "OPP #" + itoa(id) + " "
	var via []Stage // the stages passed on the way to the new one
	switch {
	case to < 1 || to > 7:
		return nil, Errorf(EINVALID, "Unknown stage.").withHint(hint + "stage qualification|development|proposal|won|lost|nodeal")
	case to == from:
		return nil, Errorf(ECONFLICT, "Opportunity #%d is already at %s.", id, from)
	case to == StageLost:
		if from.Closed() {
			return nil, Errorf(ECONFLICT, "Opportunity #%d is closed (%s); reopen it first.", id, from).withHint(hint + "reopen; <reason>")
		}
		if strings.TrimSpace(mv.Competitor) == "" || reason == "" {
			return nil, Errorf(EINVALID, "A lost opportunity needs to whom and why.").withHint(hint + "lost <competitor>; <reason>")
		}
		o.LostTo, o.LostReason = strings.TrimSpace(mv.Competitor), reason
	case to == StageNoDeal:
		if from.Closed() {
			return nil, Errorf(ECONFLICT, "Opportunity #%d is closed (%s); reopen it first.", id, from).withHint(hint + "reopen; <reason>")
		}
		if reason == "" {
			return nil, Errorf(EINVALID, "No deal needs a reason.").withHint(hint + "nodeal <reason>")
		}
	case to == StageWon:
		if from.Closed() {
			return nil, Errorf(ECONFLICT, "Opportunity #%d is closed (%s); reopen it first.", id, from).withHint(hint + "reopen; <reason>")
		}
		if mv.Amount > 0 {
			o.Amount = mv.Amount
		}
		for s := from + 1; s <= StageProposal; s++ {
			via = append(via, s)
		}
	case from.Closed(): // reopening
		if reason == "" {
			return nil, Errorf(EINVALID, "Reopening a closed opportunity needs a reason.").withHint(hint + "reopen " + to.String() + "; <reason>")
		}
		o.LostTo, o.LostReason, o.ClosedAt = "", "", time.Time{}
	case to < from: // demotion
		if reason == "" {
			return nil, Errorf(EINVALID, "Moving back from %s to %s needs a reason.", from, to).withHint(hint + "stage " + to.String() + "; <reason>")
		}
	default: // forward, through every stage on the way
		for s := from + 1; s < to; s++ {
			via = append(via, s)
		}
	}
	if to.Closed() {
		o.ClosedAt = tx.now
	}
	o.Stage = to
	o.Probability = to.DefaultProbability()
	prev := from
	for _, s := range via {
		o.StageHistory = append(o.StageHistory, StageChange{From: prev, To: s, At: tx.now, By: tx.meta.Actor.ID})
		prev = s
	}
	o.StageHistory = append(o.StageHistory, StageChange{From: prev, To: to, At: tx.now, By: tx.meta.Actor.ID, Reason: reason})
	if to == StageLost {
		o.Competitors = appendUnique(o.Competitors, o.LostTo)
	}
	tx.staging = true
	err = tx.save(o)
	tx.staging = false
	return o, err
}

// ReopenOpp reopens a closed opportunity at stage to, or, when to is 0, at
// the stage it was closed from.
func (tx *Tx) ReopenOpp(id int64, to Stage, reason string) (*Opportunity, error) {
	o, err := getAs[Opportunity](tx, id)
	if err != nil {
		return nil, err
	}
	if !o.Stage.Closed() {
		return nil, Errorf(ECONFLICT, "Opportunity #%d is open (at %s): there is nothing to reopen.", id, o.Stage).
			withHint("OPP #" + itoa(id) + " stage <name>")
	}
	if to == 0 {
		to = StageDevelopment
		for i := len(o.StageHistory) - 1; i >= 0; i-- {
			if c := o.StageHistory[i]; c.To == o.Stage && !c.From.Closed() && c.From >= StageIdentification {
				to = c.From
				break
			}
		}
	}
	if to.Closed() {
		return nil, Errorf(EINVALID, "An opportunity is reopened at an open stage, not %s.", to).
			withHint("OPP #" + itoa(id) + " reopen development; <reason>")
	}
	return tx.SetOppStage(id, StageMove{To: to, Reason: reason})
}

func appendUnique(ss []string, s string) []string {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return ss
		}
	}
	return append(ss, s)
}
