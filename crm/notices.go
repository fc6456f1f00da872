package crm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// notices from the rules' events

func (tx *Tx) noticesFor(loc *time.Location) []Notice {
	if tx.cs == nil {
		return nil
	}
	by := tx.meta.Actor.Name
	// a new lead given to someone is told once, as a new lead
	newLead := map[string]bool{}
	for _, e := range tx.cs.Events {
		if e.Type == EvLeadCreated {
			for _, to := range e.To {
				newLead[fmt.Sprintf("%d|%d", e.ID, to)] = true
			}
		}
	}
	var out []Notice
	for _, e := range tx.cs.Events {
		for _, to := range e.To {
			if to == 0 || to == tx.meta.Actor.ID && e.Type != EvEquipmentMissing {
				continue
			}
			if e.Type == EvAssigned && e.Kind == KindLead && newLead[fmt.Sprintf("%d|%d", e.ID, to)] {
				continue
			}
			n := Notice{To: to, SMS: true, Key: fmt.Sprintf("%s|%d|%s|%d|%d", e.Type, to, e.Kind, e.ID, tx.cs.ID), Item: Token(e.Kind, e.ID)}
			switch e.Type {
			case EvAssigned:
				n.Template = "notice_assigned"
				n.Email = true
				d := NoticeAssignedData{ID: e.ID, Kind: kindName(e.Kind), By: by}
				switch e.Kind {
				case KindActivity:
					if a, err := loadAs[Activity](tx, e.ID); err == nil {
						d.Kind, d.Subject, d.Account, d.Urgent = a.Type, tx.detail(a), tx.accountName(a.Account), a.Priority == PriorityUrgent
						d.Due, d.HasDue = a.Due, !a.Due.IsZero()
						d.HasTime = tx.item(a).HasTime
					}
				case KindLead:
					d.Kind = "lead"
					if l, err := loadAs[Lead](tx, e.ID); err == nil {
						d.Subject, d.Person, d.Phone = l.label(), l.Person, l.Phone
					}
				case KindOpp:
					d.Kind = "opp"
					if o, err := loadAs[Opportunity](tx, e.ID); err == nil {
						d.Subject, d.Account = o.Name, tx.accountName(o.Account)
						d.Stage, d.Amount, d.Due, d.HasDue = o.Stage.String(), int64(o.Amount), o.Close, !o.Close.IsZero()
					}
				case KindAccount:
					d.Kind = "account"
					if a, err := loadAs[Account](tx, e.ID); err == nil {
						d.Subject, d.Account = a.Name, a.Name
					}
				default:
					continue
				}
				n.Data = d
			case EvUnassigned:
				n.Template, n.Email = "notice_unassigned", true
				d := NoticeUnassignedData{ID: e.ID, Kind: kindName(e.Kind), By: by}
				if id, err := strconv.ParseInt(e.Detail, 10, 64); err == nil {
					if u, err := loadAs[User](tx, id); err == nil {
						d.To = u.Name
					}
				}
				switch e.Kind {
				case KindActivity:
					if a, err := loadAs[Activity](tx, e.ID); err == nil {
						d.Kind, d.Subject, d.Account = a.Type, tx.detail(a), tx.accountName(a.Account)
					}
				case KindLead:
					d.Kind = "lead"
					if l, err := loadAs[Lead](tx, e.ID); err == nil {
						d.Subject = l.label()
					}
				case KindOpp:
					d.Kind = "opp"
					if o, err := loadAs[Opportunity](tx, e.ID); err == nil {
						d.Subject, d.Account = o.Name, tx.accountName(o.Account)
					}
				case KindAccount:
					d.Kind = "account"
					if a, err := loadAs[Account](tx, e.ID); err == nil {
						d.Subject, d.Account = a.Name, a.Name
					}
				default:
					continue
				}
				n.Data = d
			case EvActivityRejected:
				n.Template, n.Email = "notice_rejected", true
				d := NoticeRejectedData{ID: e.ID, By: by, Reason: e.Detail}
				if a, err := loadAs[Activity](tx, e.ID); err == nil {
					d.Subject = a.Subject
				}
				n.Data = d
			case EvLeadCreated:
				n.Template = "notice_lead"
				d := NoticeLeadData{ID: e.ID, By: by}
				if l, err := loadAs[Lead](tx, e.ID); err == nil {
					d.Company, d.Person, d.Phone = l.label(), l.Person, l.Phone
				}
				n.Data = d
			case EvAccountCreated:
				n.Template, n.SMS, n.Email = "notice_account", false, true
				d := NoticeAccountData{ID: e.ID, Name: tx.accountName(e.ID), By: by}
				if a, err := loadAs[Account](tx, e.ID); err == nil && a.Owner != to {
					d.Owner = tx.userName(a.Owner) // told as the owner's manager, not as its owner
				}
				n.Data = d
			case EvApprovalRequested:
				n.Template, n.Email = "notice_approval", true
				n.Data = NoticeApprovalData{ID: e.ID, Subject: e.Detail, By: by}
			case EvRequestDecided:
				n.Template = "notice_decided"
				d := NoticeDecidedData{ID: e.ID, Approved: e.Detail == ReqApproved, By: by}
				if r, err := loadAs[Request](tx, e.ID); err == nil {
					d.Subject = r.Subject
				}
				n.Data = d
			case EvAccountPhone:
				n.Template, n.Email = "notice_phone_changed", true
				old, nw, _ := strings.Cut(e.Detail, " → ")
				n.Data = NoticePhoneChangedData{Account: tx.accountName(e.ID), Old: PhoneDisplay(old), New: PhoneDisplay(nw), By: by}
			case EvAccountInactive:
				n.Template, n.Email = "notice_inactive", true
				n.Data = NoticeInactiveData{Account: tx.accountName(e.ID), Reason: e.Detail, By: by}
			default:
				continue
			}
			out = append(out, n)
		}
	}
	return out
}

// localize puts every time an outcome shows into the zone of its reader:
// the reply in the sender's (loc), each notice in its recipient's.
func (tx *Tx) localize(out *Outcome, loc *time.Location) {
	out.Data = InZone(out.Data, loc)
	if out.DayReminder != nil {
		out.DayReminder = InZone(out.DayReminder, loc).(*DayReminderData)
	}
	for i, n := range out.Notices {
		zone := tx.s.loc
		if u, err := loadAs[User](tx, n.To); err == nil {
			zone = u.Location(tx.s.loc)
		}
		out.Notices[i].Data = InZone(n.Data, zone)
	}
}

// dayReminder lists the open activities others assigned to the actor that
// are due today or were assigned since his last message.
func (tx *Tx) dayReminder(loc *time.Location) *DayReminderData {
	start := day(tx.now, loc)
	end := start.AddDate(0, 0, 1)
	d := &DayReminderData{}
	var items []Item
	tx.OpenOf(tx.meta.Actor.ID, func(a *Activity) bool {
		if a.Status != StatusOpen || a.AssignedBy == 0 || a.AssignedBy == a.Owner {
			return true
		}
		if (!a.Due.IsZero() && !a.Due.Before(start) && a.Due.Before(end)) || !a.AssignedAt.Before(start.AddDate(0, 0, -1)) {
			items = append(items, tx.item(a))
		}
		return true
	})
	if len(items) == 0 {
		return nil
	}
	slices.SortFunc(items, func(a, b Item) int { return a.Due.Compare(b.Due) })
	for _, it := range items {
		if !it.Due.IsZero() && (it.Due.Before(start) || (it.HasTime && it.Due.Before(tx.now))) {
			d.Overdue++
		}
	}
	d.Count, d.Date, d.First = len(items), start, items[:min(2, len(items))]
	return d
}

// detail is what an activity's subject says beyond its type and account
// ("visit ACME Mining Co.: bring brochure" → "bring brochure").
func (tx *Tx) detail(a *Activity) string {
	s := strings.TrimSpace(a.Subject)
	acct := tx.accountName(a.Account)
	s = strings.TrimPrefix(s, a.Type)
	s = strings.TrimSpace(s)
	if acct != "" {
		s = strings.TrimSpace(strings.Replace(s, acct, "", 1))
	}
	return strings.TrimSpace(strings.Trim(s, ":,;. "))
}

func (tx *Tx) item(a *Activity) Item {
	it := Item{ID: a.ID, Due: a.Due, Kind: a.Type, Subject: tx.detail(a), Account: tx.accountName(a.Account), Urgent: a.Priority == PriorityUrgent}
	if !a.Due.IsZero() {
		h, m, _ := a.Due.Clock()
		it.HasTime = !(h == 18 && m == 0) && !(h == 0 && m == 0)
	}
	return it
}

// ConvState tells whether a numbered question is pending for the actor (a
// new command drops it) and whether this is his first message of the day
// (the reply carries the day's reminder): a query may be answered without
// touching the conversation only when neither holds.
func (tx *Tx) ConvState(loc *time.Location) (choicePending, newDay bool) {
	cv := tx.loadConv()
	return cv.Choice != nil, cv.Day != tx.now.In(loc).Format("2006-01-02")
}

// MarkDaySeen records that the actor saw today's work (TODAY answered it),
// so his next message carries no reminder.
func (tx *Tx) MarkDaySeen(loc *time.Location) error {
	cv := tx.loadConv()
	cv.Day = tx.now.In(loc).Format("2006-01-02")
	return tx.saveConv(cv)
}
