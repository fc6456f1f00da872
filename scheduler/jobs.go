package scheduler

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/crm/report"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/templates"
)

// item converts an activity to a list item with its due time in loc.
func (s *Scheduler) item(tx *crm.Tx, a *crm.Activity, loc *time.Location) Item {
	it := tx.ItemOf(a)
	if !it.Due.IsZero() {
		it.Due = it.Due.In(loc)
	}
	return it
}

// isRefusal tells a rule's refusal of one item (skip it) from a fault.
func isRefusal(err error) bool {
	var ce *crm.Error
	return errors.As(err, &ce) && ce.Code != crm.EINTERNAL
}

// ---- overdue reminders ----

// overdueListed is how many items one overdue reminder lists; the rest are
// counted ("+2 more") and TODAY shows them all.
const overdueListed = 3

// Overdue reminds owners of open activities that have passed their due
// time: one SMS per owner and run, listing what fell overdue since the last
// reminder, each activity once per day (the owner's local date; marks in
// sched/reminded). While the morning summary runs, only activities due
// today are reminded: the summary already lists older overdue ones every
// morning, and a salesman with nine old items must not get nine SMS more.
// It reads only the due index.
func (s *Scheduler) Overdue(ctx context.Context, now time.Time) (Counts, error) {
	c := Counts{}
	var ids []int64
	err := s.view(func(tx *crm.Tx) error {
		return tx.OpenDue(now, func(a *crm.Activity) bool { ids = append(ids, a.ID); return true })
	})
	if err != nil {
		return c, err
	}
	c["due"] = len(ids)
	summaryOn := s.jobs[JobSummary] != nil && s.jobs[JobSummary].Schedule != nil
	err = chunks(ids, s.cfg.Chunk, func(part []int64) error {
		return s.update(ctx, "scheduler: overdue reminders", c, func(tx *crm.Tx, c Counts) error {
			marks := tx.State(spReminded)
			byOwner := map[int64][]*crm.Activity{}
			var owners []int64
			for _, id := range part {
				a, err := tx.ActivityByID(id)
				if err != nil || a.Status != crm.StatusOpen || a.Due.IsZero() || !a.Due.Before(now) || a.Owner == 0 {
					c["skipped"]++
					continue
				}
				if _, ok := byOwner[a.Owner]; !ok {
					owners = append(owners, a.Owner)
				}
				byOwner[a.Owner] = append(byOwner[a.Owner], a)
			}
			for _, owner := range owners {
				u, err := tx.Recipient(owner)
				if err != nil {
					c["skipped"] += len(byOwner[owner])
					continue
				}
				loc := u.Location(s.loc)
				today := localDate(now, loc)
				var fresh []*crm.Activity
				for _, a := range byOwner[owner] {
					switch {
					case string(marks.Get(itob(a.ID))) == today:
						c["dup"]++
					case summaryOn && localDate(a.Due, loc) != today:
						c["in_summary"]++
					default:
						fresh = append(fresh, a)
					}
				}
				if len(fresh) == 0 {
					continue
				}
				sort.Slice(fresh, func(i, j int) bool {
					if !fresh[i].Due.Equal(fresh[j].Due) {
						return fresh[i].Due.Before(fresh[j].Due)
					}
					return fresh[i].ID < fresh[j].ID
				})
				d := OverdueData{Item: s.item(tx, fresh[0], loc), Date: now.In(loc)}
				for i, a := range fresh[1:] {
					if i+1 < overdueListed {
						d.More = append(d.More, s.item(tx, a, loc))
					} else {
						d.Others++
					}
				}
				s.fitOverdue(u, &d)
				m, err := s.prepare(u, now, Key(JobOverdue, u.ID, fresh[0].ID, today),
					"job_overdue", d, "", nil, false)
				if err != nil {
					return err
				}
				if err := m.enqueue(tx, now, c); err != nil {
					return err
				}
				for _, a := range fresh {
					if err := marks.Put(itob(a.ID), []byte(today)); err != nil {
						return err
					}
				}
				c["items"] += len(fresh)
			}
			return nil
		})
	})
	return c, err
}

// fitOverdue lists fewer items until the reminder is one SMS segment.
func (s *Scheduler) fitOverdue(u *crm.User, d *OverdueData) {
	for len(d.More) > 0 {
		body, err := s.cfg.Templates.SMS(u.Locale, "job_overdue", crm.InZone(*d, u.Location(s.loc)))
		if err != nil {
			return
		}
		if n, _ := templates.Segments(templates.Fit(body, templates.HasCJK(body))); n <= 1 {
			return
		}
		d.More = d.More[:len(d.More)-1]
		d.Others++
	}
}

// pruneReminded deletes the overdue marks of days before yesterday (a mark
// only matters on its own day).
func pruneReminded(tx *crm.Tx, now time.Time) int {
	cut := now.Add(-48 * time.Hour).UTC().Format("2006-01-02")
	b := tx.State(spReminded)
	var old [][]byte
	b.Scan(nil, nil, false, func(k, v []byte) bool {
		if string(v) < cut {
			old = append(old, append([]byte(nil), k...))
		}
		return true
	})
	for _, k := range old {
		b.Delete(k)
	}
	return len(old)
}

func itob(id int64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(id))
	return b
}

// ---- escalation ----

// escalationDeadline is when activity a (escalated before at prior, zero
// when never) is escalated: AssignedAt + 1 day (urgent) or 3 days (normal);
// after an EXTEND cleared an escalation, its new due time.
func (s *Scheduler) escalationDeadline(at, due time.Time, urgent bool, prior time.Time) (time.Time, bool) {
	if !prior.IsZero() {
		if due.IsZero() || !due.After(prior) {
			return time.Time{}, false
		}
		return due, true
	}
	if urgent {
		return at.Add(s.cfg.EscalateUrgent), true
	}
	return at.Add(s.cfg.EscalateNormal), true
}

func priorEscalation(tx *crm.Tx, id int64) time.Time {
	if v := tx.State(spEscalated).Get(itob(id)); v != nil {
		return time.Unix(0, int64(binary.BigEndian.Uint64(v)))
	}
	return time.Time{}
}

// Escalate sends each assigned activity (AssignedBy ≠ 0 and ≠ owner)
// neither done nor rejected within 1 day (urgent) or 3 days (normal) of its
// assignment to the assignee's manager (or, without one, to who assigned
// it), once: it sets Activity.Escalated. The manager replies ASSIGN #id
// <name>, EXTEND #id 3d or ACK #id. Urgent escalations are not held by
// quiet hours. An ACK ends escalations of the activity; an EXTEND clears
// the mark, and the activity is escalated again when its new due time passes.
func (s *Scheduler) Escalate(ctx context.Context, now time.Time) (Counts, error) {
	c := Counts{}
	var ids []int64
	err := s.view(func(tx *crm.Tx) error {
		return tx.EachAssigned(func(id int64, a crm.Assigned) error {
			c["assigned"]++
			if a.Escalated || a.Acked {
				return nil
			}
			if d, ok := s.escalationDeadline(a.At, a.Due, a.Urgent, priorEscalation(tx, id)); ok && !d.After(now) {
				ids = append(ids, id)
			}
			return nil
		})
	})
	if err != nil {
		return c, err
	}
	for _, id := range ids {
		err := s.update(ctx, fmt.Sprintf("scheduler: escalate #%d", id), c, func(tx *crm.Tx, c Counts) error {
			a, err := tx.ActivityByID(id)
			if err != nil || a.Status != crm.StatusOpen || a.AssignedBy == 0 || a.AssignedBy == a.Owner ||
				!a.Escalated.IsZero() || !a.Acked.IsZero() {
				c["skipped"]++
				return nil
			}
			prior := priorEscalation(tx, id)
			deadline, ok := s.escalationDeadline(a.AssignedAt, a.Due, a.Priority == crm.PriorityUrgent, prior)
			if !ok || deadline.After(now) {
				c["skipped"]++
				return nil
			}
			to := tx.ManagerOf(a.Owner)
			if to == 0 || to == a.Owner {
				to = a.AssignedBy
			}
			mgr, err := tx.Recipient(to)
			if err != nil {
				c["no_manager"]++
				return nil
			}
			owner, err := tx.Recipient(a.Owner)
			if err != nil {
				return err
			}
			if _, err := tx.MarkEscalated(a.ID, now); err != nil {
				return err
			}
			if err := tx.State(spEscalated).Put(itob(a.ID), itob(deadline.UnixNano())); err != nil {
				return err
			}
			loc := mgr.Location(s.loc)
			urgent := a.Priority == crm.PriorityUrgent
			d := EscalationData{Item: s.item(tx, a, loc), Owner: owner.Name, AssignedAt: a.AssignedAt.In(loc),
				Days: int(now.Sub(a.AssignedAt) / (24 * time.Hour)), Again: !prior.IsZero()}
			m, err := s.prepare(mgr, now, Key(JobEscalate, mgr.ID, a.ID, strconv.FormatInt(deadline.Unix(), 10)),
				"job_escalation", d, "notice", "A"+strconv.FormatInt(a.ID, 10), urgent)
			if err != nil {
				return err
			}
			c["escalated"]++
			if urgent {
				c["urgent"]++
			}
			return m.enqueue(tx, now, c)
		})
		if err != nil && !isRefusal(err) {
			return c, err
		} else if err != nil {
			c["refused"]++
			s.log.Warn("escalation refused", slog.Int64("activity", id), slog.Any("error", err))
		}
	}
	return c, nil
}

// ---- take-back ----

// TakeBack returns each assigned activity not done within 15 days of its
// assignment to the assignee's manager (or to who assigned it): AssignActivity
// creates a new activity owned by the manager and marks the old one
// reassigned. The assignee and the manager are told.
func (s *Scheduler) TakeBack(ctx context.Context, now time.Time) (Counts, error) {
	c := Counts{}
	var ids []int64
	err := s.view(func(tx *crm.Tx) error {
		return tx.EachAssigned(func(id int64, a crm.Assigned) error {
			c["assigned"]++
			if !a.At.Add(s.cfg.TakeBackAfter).After(now) {
				ids = append(ids, id)
			}
			return nil
		})
	})
	if err != nil {
		return c, err
	}
	for _, id := range ids {
		err := s.update(ctx, fmt.Sprintf("scheduler: take back #%d", id), c, func(tx *crm.Tx, c Counts) error {
			a, err := tx.ActivityByID(id)
			if err != nil || a.Status != crm.StatusOpen || a.AssignedBy == 0 || a.AssignedBy == a.Owner ||
				a.AssignedAt.Add(s.cfg.TakeBackAfter).After(now) {
				c["skipped"]++
				return nil
			}
			to := tx.ManagerOf(a.Owner)
			if to == 0 || to == a.Owner {
				to = a.AssignedBy
			}
			mgr, err := tx.Recipient(to)
			if err != nil || mgr.Disabled {
				c["no_manager"]++
				return nil
			}
			owner, err := tx.Recipient(a.Owner)
			if err != nil {
				return err
			}
			n, err := tx.AssignActivity(a.ID, mgr.ID)
			if err != nil {
				return err
			}
			days := int(now.Sub(a.AssignedAt) / (24 * time.Hour))
			period := strconv.FormatInt(a.AssignedAt.Unix(), 10)
			oloc, mloc := owner.Location(s.loc), mgr.Location(s.loc)
			om, err := s.prepare(owner, now, Key(JobTakeBack, owner.ID, a.ID, period), "job_takeback",
				TakeBackData{Item: s.item(tx, a, oloc), NewID: n.ID, Owner: owner.Name, Manager: mgr.Name, Days: days}, "", nil, false)
			if err != nil {
				return err
			}
			mm, err := s.prepare(mgr, now, Key(JobTakeBack, mgr.ID, a.ID, period), "job_takeback_manager",
				TakeBackData{Item: s.item(tx, a, mloc), NewID: n.ID, Owner: owner.Name, Manager: mgr.Name, Days: days}, "notice",
				"A"+strconv.FormatInt(n.ID, 10), false)
			if err != nil {
				return err
			}
			c["taken_back"]++
			if err := om.enqueue(tx, now, c); err != nil {
				return err
			}
			return mm.enqueue(tx, now, c)
		})
		if err != nil && !isRefusal(err) {
			return c, err
		} else if err != nil {
			c["refused"]++
			s.log.Warn("take-back refused", slog.Int64("activity", id), slog.Any("error", err))
		}
	}
	return c, nil
}

// ---- users and teams ----

type people struct {
	all     []*crm.User
	byID    map[int64]*crm.User
	reports map[int64][]*crm.User // manager → direct reports (enabled), by name
}

func (s *Scheduler) people() (*people, error) {
	p := &people{byID: map[int64]*crm.User{}, reports: map[int64][]*crm.User{}}
	err := s.view(func(tx *crm.Tx) error {
		return tx.Each(crm.KindUser, func(r crm.Record) bool {
			u := r.(*crm.User)
			p.all = append(p.all, u)
			p.byID[u.ID] = u
			if u.Manager != 0 && !u.Disabled {
				p.reports[u.Manager] = append(p.reports[u.Manager], u)
			}
			return true
		})
	})
	for _, rs := range p.reports {
		sort.Slice(rs, func(i, j int) bool { return rs[i].Name < rs[j].Name })
	}
	return p, err
}

// team is everyone under manager id, directly or not, by name.
func (p *people) team(id int64) []*crm.User {
	var out []*crm.User
	seen := map[int64]bool{id: true}
	queue := []int64{id}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		for _, r := range p.reports[m] {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r)
				queue = append(queue, r.ID)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func isSalesman(u *crm.User) bool { return u.Role == crm.RoleSalesman || u.Role == crm.RoleCSR }

// perRecipient prepares, in parallel chunks, a message for each user in us
// (prep returns nil to send nothing) and queues each chunk in one write.
func (s *Scheduler) perRecipient(ctx context.Context, now time.Time, c Counts, what string, us []*crm.User,
	prep func(tx *crm.Tx, u *crm.User, c Counts) (*message, func(tx *crm.Tx) error, error)) error {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		ferr error
	)
	sem := make(chan struct{}, s.cfg.Workers)
	chunks(us, s.cfg.Chunk, func(part []*crm.User) error {
		mu.Lock()
		stop := ferr != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			return nil
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			local := Counts{}
			type prepared struct {
				m     *message
				after func(tx *crm.Tx) error
			}
			var ps []prepared
			err := s.view(func(tx *crm.Tx) error {
				for _, u := range part {
					m, after, err := prep(tx, u, local)
					if err != nil {
						return err
					}
					if m != nil {
						ps = append(ps, prepared{m, after})
					}
				}
				return nil
			})
			if err == nil && len(ps) > 0 {
				err = s.update(ctx, "scheduler: "+what, local, func(tx *crm.Tx, c Counts) error {
					for _, p := range ps {
						if err := p.m.enqueue(tx, now, c); err != nil {
							return err
						}
						if p.after != nil {
							if err := p.after(tx); err != nil {
								return err
							}
						}
					}
					return nil
				})
			}
			mu.Lock()
			c.add(local)
			if err != nil && ferr == nil {
				ferr = err
			}
			mu.Unlock()
		}()
		return nil
	})
	wg.Wait()
	if ferr == nil {
		ferr = ctx.Err()
	}
	return ferr
}

// ---- morning summary ----

// fitSummary keeps the SMS summary to one segment: a Chinese name makes
// the whole text UCS-2 (70 characters), so the items it names give way to
// "+n more" until it fits.
func (s *Scheduler) fitSummary(u *crm.User, d *SummaryData) {
	for len(d.First) > 0 {
		body, err := s.cfg.Templates.SMS(u.Locale, "job_summary", crm.InZone(*d, u.Location(s.loc)))
		if err != nil {
			return
		}
		if n, _ := templates.Segments(templates.Fit(body, templates.HasCJK(body))); n <= 1 {
			return
		}
		d.First = d.First[:len(d.First)-1]
		d.More++
	}
}

// summaryFirst is how many items the SMS summary names.
const summaryFirst = 2

// Summary sends each salesman (and CSR) his day: an SMS of one segment with
// the counts and the first items (TODAY lists them all) and, when he has an
// address, the full list by email. Once per user per local date; SMS held
// until quiet hours end; not sent once the morning window (10:00 local) is
// over. Users with nothing due today or overdue get nothing.
func (s *Scheduler) Summary(ctx context.Context, now time.Time) (Counts, error) {
	c := Counts{}
	p, err := s.people()
	if err != nil {
		return c, err
	}
	var us []*crm.User
	for _, u := range p.all {
		if isSalesman(u) && !u.Disabled {
			us = append(us, u)
		}
	}
	err = s.perRecipient(ctx, now, c, "morning summaries", us, func(tx *crm.Tx, u *crm.User, c Counts) (*message, func(*crm.Tx) error, error) {
		loc := u.Location(s.loc)
		if sinceMidnight(now, loc) >= s.cfg.MorningUntil {
			c["late"]++
			return nil, nil, nil
		}
		ag, err := tx.AgendaAt(u.ID, now, loc)
		if err != nil {
			return nil, nil, err
		}
		if len(ag.Today)+len(ag.Overdue) == 0 {
			c["empty"]++
			return nil, nil, nil
		}
		d := SummaryData{Name: u.Name, Date: now.In(loc), Later: ag.Later}
		for _, a := range ag.Today {
			d.Today = append(d.Today, s.item(tx, a, loc))
		}
		for _, a := range ag.Overdue {
			d.Overdue = append(d.Overdue, s.item(tx, a, loc))
		}
		d.First = append(d.First, d.Today[:min(summaryFirst, len(d.Today))]...)
		if n := summaryFirst - len(d.First); n > 0 {
			d.First = append(d.First, d.Overdue[:min(n, len(d.Overdue))]...)
		}
		d.More = len(d.Today) + len(d.Overdue) - len(d.First)
		s.fitSummary(u, &d)
		m, err := s.prepare(u, now, Key(JobSummary, u.ID, "-", localDate(now, loc)), "job_summary", d, "job_summary", d, false)
		return m, nil, err
	})
	return c, err
}

// ---- morning digest ----

// digestState is what sched/digest keeps per manager: the stage counts of
// his last digest (Counts) and, for a second run the same day, those of the
// one before (Prev).
type digestState struct {
	Date   string `json:"date"`
	Counts [8]int `json:"counts"`
	Prev   [8]int `json:"prev"`
}

// Digest sends each manager with people reporting to him yesterday's team
// activity per salesman, the new leads, the overdue and escalated items and
// the pipeline by stage with the change since his last digest: by email, and
// an SMS one-liner. Once per manager per local date, within the morning window.
func (s *Scheduler) Digest(ctx context.Context, now time.Time) (Counts, error) {
	c := Counts{}
	p, err := s.people()
	if err != nil {
		return c, err
	}
	var ms []*crm.User
	for _, u := range p.all {
		if u.Role.IsManager() && !u.Disabled && len(p.reports[u.ID]) > 0 {
			ms = append(ms, u)
		}
	}
	err = s.perRecipient(ctx, now, c, "morning digests", ms, func(tx *crm.Tx, u *crm.User, c Counts) (*message, func(*crm.Tx) error, error) {
		loc := u.Location(s.loc)
		if sinceMidnight(now, loc) >= s.cfg.MorningUntil {
			c["late"]++
			return nil, nil, nil
		}
		today := dayStart(now, loc)
		from := today.AddDate(0, 0, -1)
		d := DigestData{Name: u.Name, Date: from}
		var cur [8]int
		amounts := [8]int64{}
		for _, r := range p.reports[u.ID] {
			row := DigestRow{Name: r.Name}
			err := tx.OwnedBy(crm.KindActivity, r.ID, func(rec crm.Record) bool {
				a := rec.(*crm.Activity)
				switch {
				case a.Status == crm.StatusDone && !a.DoneAt.Before(from) && a.DoneAt.Before(today):
					switch a.Type {
					case crm.ActVisit, crm.ActRevisit:
						row.Visits++
					case crm.ActCall:
						row.Calls++
					case crm.ActNote:
					default:
						row.Other++
					}
				case a.Status == crm.StatusOpen:
					row.Open++
					if !a.Due.IsZero() && a.Due.Before(now) {
						row.Overdue++
						it := s.item(tx, a, loc)
						d.Overdue = append(d.Overdue, DigestItem{Item: it, Owner: r.Name, Days: days(a.Due, now, loc)})
					}
					if !a.Escalated.IsZero() {
						row.Escal++
						d.Escalated = append(d.Escalated, DigestItem{Item: s.item(tx, a, loc), Owner: r.Name})
					}
				}
				return true
			})
			if err != nil {
				return nil, nil, err
			}
			err = tx.OwnedBy(crm.KindLead, r.ID, func(rec crm.Record) bool {
				l := rec.(*crm.Lead)
				if !l.Created.Before(from) && l.Created.Before(today) {
					d.Leads = append(d.Leads, LeadItem{ID: l.ID, Company: l.Company, Person: l.Person, Owner: r.Name})
				}
				return true
			})
			if err != nil {
				return nil, nil, err
			}
			err = tx.OwnedBy(crm.KindOpp, r.ID, func(rec crm.Record) bool {
				o := rec.(*crm.Opportunity)
				if o.Stage >= 1 && o.Stage <= 4 {
					cur[o.Stage]++
					amounts[o.Stage] += int64(o.Amount)
				}
				return true
			})
			if err != nil {
				return nil, nil, err
			}
			d.Rows = append(d.Rows, row)
			d.Visits += row.Visits
			d.Calls += row.Calls
		}
		sortItems(d.Overdue)
		sortItems(d.Escalated)
		d.NewLeads, d.OverdueN, d.EscalatedN = len(d.Leads), len(d.Overdue), len(d.Escalated)
		var st digestState
		base, first := [8]int{}, true
		if v := tx.State(spDigest).Get(itob(u.ID)); v != nil && jsonUnmarshal(v, &st) == nil {
			first = false
			base = st.Counts
			if st.Date == localDate(now, loc) {
				base = st.Prev
			}
		}
		d.First = first
		var total, baseTotal int
		for stg := crm.StageIdentification; stg <= crm.StageProposal; stg++ {
			d.Stages = append(d.Stages, StageRow{Stage: stg.String(), Count: cur[stg], Amount: amounts[stg], Change: cur[stg] - base[stg]})
			total += cur[stg]
			baseTotal += base[stg]
			d.Amount += amounts[stg]
		}
		d.Opps, d.OppsChange = total, total-baseTotal
		m, err := s.prepare(u, now, Key(JobDigest, u.ID, "-", localDate(now, loc)), "job_digest", d, "job_digest", d, false)
		if err != nil {
			return nil, nil, err
		}
		next := digestState{Date: localDate(now, loc), Counts: cur, Prev: base}
		return m, func(tx *crm.Tx) error {
			return tx.State(spDigest).Put(itob(u.ID), jsonMarshal(next))
		}, nil
	})
	return c, err
}

func sortItems(items []DigestItem) {
	sort.SliceStable(items, func(i, j int) bool { return items[i].Due.Before(items[j].Due) })
}

// days counts the calendar days from a to b in loc.
func days(a, b time.Time, loc *time.Location) int {
	return int(dayStart(b, loc).Sub(dayStart(a, loc)).Hours()+12) / 24
}

// ---- weekly and monthly reports ----

// Weekly emails last week's report to managers and directors (Monday to
// Sunday, in each recipient's zone): crm/report's funnel, close rate,
// activity and participation, forecast and losses of his team, with a chart.
func (s *Scheduler) Weekly(ctx context.Context, now time.Time) (Counts, error) {
	return s.report(ctx, now, false)
}

// Monthly emails last month's report (as Weekly) to managers and directors.
func (s *Scheduler) Monthly(ctx context.Context, now time.Time) (Counts, error) {
	return s.report(ctx, now, true)
}

func (s *Scheduler) report(ctx context.Context, now time.Time, monthly bool) (Counts, error) {
	c := Counts{}
	p, err := s.people()
	if err != nil {
		return c, err
	}
	var rs []*crm.User
	for _, u := range p.all {
		switch u.Role {
		case crm.RoleSalesManager, crm.RoleBranchManager, crm.RoleDirector:
			if !u.Disabled {
				rs = append(rs, u)
			}
		}
	}
	job := JobWeekly
	if monthly {
		job = JobMonthly
	}
	err = s.perRecipient(ctx, now, c, job+" reports", rs, func(tx *crm.Tx, u *crm.User, c Counts) (*message, func(*crm.Tx) error, error) {
		if !s.cfg.Email || u.Email == "" {
			c["no_email"]++
			return nil, nil, nil
		}
		loc := u.Location(s.loc)
		today := dayStart(now, loc)
		var from, to time.Time
		var period string
		if monthly {
			to = time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, loc)
			from = to.AddDate(0, -1, 0)
			period = from.Format("2006-01")
		} else {
			wd := (int(today.Weekday()) + 6) % 7 // Monday 0
			to = today.AddDate(0, 0, -wd)
			from = to.AddDate(0, 0, -7)
			y, w := from.ISOWeek()
			period = fmt.Sprintf("%d-W%02d", y, w)
		}
		team := p.team(u.ID)
		if u.Role == crm.RoleDirector && len(team) == 0 {
			for _, x := range p.all {
				if isSalesman(x) && !x.Disabled {
					team = append(team, x)
				}
			}
		}
		// the figures come from crm/report over the manager's team (the
		// salesmen under him; a director without reports: every salesman)
		owners := []int64{}
		for _, r := range team {
			if isSalesman(r) {
				owners = append(owners, r.ID)
			}
		}
		d, chart, err := report.BuildEmail(tx, report.Filter{From: from, To: to, Loc: loc, Owners: owners, Now: now}, u.Name, u.Locale, monthly)
		if err != nil {
			return nil, nil, err
		}
		m, err := s.prepare(u, now, Key(job, u.ID, "-", period), "", nil, "report_weekly", d, false)
		if err != nil || m.email == "" {
			return m, nil, err
		}
		// The chart goes inline (cid:report.ChartCID). outbox.Entry has no
		// field for parts: the PNG travels base64 in two headers that the
		// email sender must turn into a multipart/related part and not write
		// out (docs/reports/README.md). The email is enqueued here, with them.
		email := &outbox.Entry{Channel: outbox.ChannelEmail, To: m.email, UserID: m.user, Subject: m.subject, Text: m.text, HTML: m.html, Key: m.key,
			Headers: map[string]string{report.HeaderInlineCID: report.ChartCID, report.HeaderInlinePNG: base64.StdEncoding.EncodeToString(chart)}}
		m.email = ""
		return m, func(tx *crm.Tx) error {
			_, dup, err := outbox.Enqueue(tx.Bolt(), email, now)
			if err == nil {
				count(c, dup, "email")
			}
			return err
		}, nil
	})
	return c, err
}
