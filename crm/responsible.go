package crm

import (
	"fmt"
	"strings"

	"github.com/fieldcrm/fieldcrm/parser"
)

// The dealer's rule "a salesman may change only the accounts and contacts he
// is responsible for": what hangs on an account (its contacts, machines and
// documents) is changed by whoever may change the account, at the access
// level the matrix gives for that kind, judged by the account's owner and
// team. Reading stays with each record's own level (a salesman sees his
// branch's customers). A visit, call or meeting at a colleague's customer is
// the salesman's own record and allowed; the account's owner is told.

// attachedAccount returns the account r hangs on for the rule above, 0 for
// records that are judged by their own owner.
func attachedAccount(r Record) int64 {
	switch v := r.(type) {
	case *Contact:
		return v.Account
	case *Equipment:
		return v.Account
	case *Document:
		return v.Account
	}
	return 0
}

// responsibleAccount loads the account that decides who may change r (nil
// when r is judged by its own owner or the account is missing).
func (tx *Tx) responsibleAccount(r Record) *Account {
	if a, ok := r.(*Account); ok {
		return a
	}
	id := attachedAccount(r)
	if id == 0 {
		return nil
	}
	a, err := loadAs[Account](tx, id)
	if err != nil {
		return nil
	}
	return a
}

// notYours is the refusal of a change the actor may not make to r. It names
// the colleague responsible for the customer when the actor may see the
// customer, and says nothing of a record he may not see.
func (tx *Tx) notYours(r Record) error {
	if acct := tx.responsibleAccount(r); acct != nil {
		switch {
		case !tx.canRead(acct) && r.RecordID() == 0: // something new for a customer he cannot see
			return Errorf(ENOTFOUND, "No %s #%d that you can see.", kindName(KindAccount), acct.ID)
		case !tx.canRead(acct): // named by the sender: its id says nothing new
		case acct.Owner != 0 && acct.Owner != tx.meta.Actor.ID:
			return Errorf(EFORBIDDEN, "%s is %s's customer, not yours.", acct.Name, tx.userName(acct.Owner))
		}
	}
	return Errorf(EFORBIDDEN, "%s #%d is not yours to change.", capitalize(kindName(r.RecordKind())), r.RecordID())
}

// notify queues a notice that goes out with the request's reply (Apply adds
// it to the outcome).
func (tx *Tx) notify(n Notice) { tx.notices = append(tx.notices, n) }

// NoticeColleagueActivityData tells an account's owner that someone else
// logged a visit, call or meeting at his customer (template
// notice_colleague_activity). The activity itself is the colleague's record:
// the notice carries what the owner needs to know of it.
type NoticeColleagueActivityData struct {
	Kind      string // visit, call, meeting
	Account   string
	AccountID int64
	Contact   string // whom he met, "" when not given
	Notes     string
	By        string
}

// NoticeContactRemovedData tells an account's owner that a manager approved
// removing one of its contacts at someone else's request (template
// notice_contact_removed).
type NoticeContactRemovedData struct {
	Contact   string
	Account   string
	Reason    string
	Requester string
	By        string
}

// tellOwnerOfActivity tells the account's owner about a visit, call or
// meeting a colleague logged there.
func (tx *Tx) tellOwnerOfActivity(acct *Account, a *Activity, contact, notes string) {
	if acct.Owner == 0 || acct.Owner == tx.meta.Actor.ID {
		return
	}
	tx.notify(Notice{To: acct.Owner, Template: "notice_colleague_activity", SMS: true, Email: true,
		Key:  fmt.Sprintf("colleague_activity|%d|%d", acct.Owner, a.ID),
		Data: NoticeColleagueActivityData{Kind: a.Type, Account: acct.Name, AccountID: acct.ID, Contact: contact, Notes: notes, By: tx.meta.Actor.Name}})
}

// tellOwnerOfRemoval tells the account's owner that contact c was removed on
// request req, when neither he asked nor he decided.
func (tx *Tx) tellOwnerOfRemoval(req *Request, c *Contact) {
	acct, err := loadAs[Account](tx, c.Account)
	if err != nil || acct.Owner == 0 || acct.Owner == req.RequestedBy || acct.Owner == tx.meta.Actor.ID {
		return
	}
	tx.notify(Notice{To: acct.Owner, Template: "notice_contact_removed", SMS: true, Email: true,
		Key: fmt.Sprintf("contact_removed|%d|%d", acct.Owner, req.ID),
		Data: NoticeContactRemovedData{Contact: c.Name, Account: acct.Name, Reason: req.Reason,
			Requester: tx.userName(req.RequestedBy), By: tx.meta.Actor.Name}})
}

// reportNotes is what a report says besides whom the salesman met, each
// product once.
func reportNotes(cmd *parser.Command) string {
	parts := []string{}
	if n := strings.TrimSpace(cmd.Notes); n != "" {
		parts = append(parts, n)
	}
	said := strings.ToLower(strings.ReplaceAll(cmd.Notes, " ", ""))
	for _, p := range cmd.Products {
		if !strings.Contains(said, strings.ToLower(fmt.Sprintf("%dx%s", p.Qty, p.Model))) {
			parts = append(parts, fmt.Sprintf("%dx %s", p.Qty, p.Model))
		}
	}
	return strings.Join(parts, "; ")
}
