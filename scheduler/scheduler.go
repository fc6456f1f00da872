// Package scheduler sends what fieldcrm sends on its own: overdue reminders,
// escalations, take-backs, morning summaries and digests, weekly and monthly
// reports.
//
// Each job is a plain function of "now" over the store (Scheduler.Run), so it
// is tested without waiting; robfig/cron calls them on their schedules in the
// configured time zone. Every message is written into the outbox with an
// idempotency key "job|user|item|period" in the same Store.Update as the
// job's bookkeeping, so a restart, a re-run or two overlapping runs never send
// it twice.
//
// Several nodes may run a Scheduler on one database (PostgreSQL): cron fires
// on each, and each run of a job at a slot (its scheduled time) is claimed
// first in sched/slots, so one node runs it and the others skip it
// (slots.go).
//
// State spaces (crm.ETx.State; buckets of these names in a bbolt file):
//
//	sched/runs       job name → last run (time, slot, node, duration, counts, error)
//	sched/slots      job 0 slot (unix seconds) → the claim of that run
//	sched/digest     manager id → the stage counts of his last digest
//	sched/escalated  activity id → deadline of its last escalation
//	sched/reminded   activity id → local date of its last overdue reminder
package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/templates"
)

// Job names.
const (
	JobOverdue  = "overdue"
	JobEscalate = "escalate"
	JobTakeBack = "takeback"
	JobSummary  = "summary"
	JobDigest   = "digest"
	JobWeekly   = "weekly"
	JobMonthly  = "monthly"
	JobPrune    = "prune"
)

// Jobs lists the job names in the order they are shown.
var Jobs = []string{JobOverdue, JobEscalate, JobTakeBack, JobSummary, JobDigest, JobWeekly, JobMonthly, JobPrune}

// DefaultSchedules are the cron specs (minute hour dom month dow, in the
// configured zone) used when FIELDCRM_SCHEDULE_<JOB> is not set. None runs
// between 01:00 and 03:00 (daylight-saving gaps and repeats).
var DefaultSchedules = map[string]string{
	JobOverdue:  "15 9-18 * * *",  // hourly in working hours
	JobEscalate: "5 0,3-23 * * *", // hourly (urgent escalations are not held at night)
	JobTakeBack: "0 8 * * *",      // daily
	JobSummary:  "30 7 * * *",     // as quiet hours end (07:30): read when it arrives, not held
	JobDigest:   "45 7 * * *",     // after the summaries, before the working day
	JobWeekly:   "0 7 * * 1",      // Monday: last week
	JobMonthly:  "0 7 1 * *",      // the 1st: last month
	JobPrune:    "30 4 * * *",     // daily, at night
}

// EnvName is the environment variable that sets a job's schedule.
func EnvName(job string) string { return "FIELDCRM_SCHEDULE_" + strings.ToUpper(job) }

// State spaces.
const (
	spRuns      = "sched/runs"
	spSlots     = "sched/slots"
	spDigest    = "sched/digest"
	spEscalated = "sched/escalated"
	spReminded  = "sched/reminded" // activity id → local date of its last overdue reminder
)

// Config configures a Scheduler. Zero fields take the defaults in brackets.
type Config struct {
	Store     *crm.Store
	Templates *templates.Set
	Log       *slog.Logger   // [slog.Default()]
	Location  *time.Location // the schedules' zone and users' default [the store's]
	// Schedules overrides DefaultSchedules per job ("" keeps the default,
	// "off" disables the job).
	Schedules map[string]string
	// Email: the email channel is on, so summaries, digests and reports are
	// emailed to users with an address.
	Email bool
	// Kick wakes the outbox worker after a job queued messages.
	Kick func()
	// Now is the clock of cron-started runs [the store's clock].
	Now func() time.Time
	// OnRun, when set, is told of every run: its job, how long it took and
	// its error (metrics).
	OnRun func(job string, took time.Duration, err error)
	// Quiet hours, as times of day in each user's zone [21:00, 07:30]: SMS
	// queued then waits until QuietEnd (urgent escalations do not); email is
	// not held.
	QuietStart, QuietEnd time.Duration
	// MorningUntil ends the morning window [10:00]: a summary or digest not
	// sent by then that day is skipped, not sent late.
	MorningUntil time.Duration
	// Workers bounds the goroutines that prepare summaries and digests [8].
	Workers int
	// Chunk is how many recipients or items go into one Store.Update [100].
	Chunk int
	// Escalation and take-back delays [1 day urgent, 3 days normal, 15 days].
	EscalateUrgent, EscalateNormal, TakeBackAfter time.Duration
	// Prune, when set, deletes what the channels no longer need (message
	// claims, handled e-mail) as of now; the prune job calls it after
	// pruning the outbox. Its counts join the job's.
	Prune func(ctx context.Context, now time.Time) (Counts, error)
	// OutboxRetention is how long sent, failed and dead outbox entries are
	// kept [90 days].
	OutboxRetention time.Duration
	// Node names this process among the nodes sharing the database, in the
	// claims of job slots and the run records [host/pid/random].
	Node string
	// SlotStale is how long a node's claim of a job's slot holds when the
	// run never finished (the node died): past it, a node making up missed
	// runs on start takes the slot over [30 min].
	SlotStale time.Duration
}

// Counts is what one run did, by name: "sms", "email", "dup", "skipped" …
type Counts map[string]int

func (c Counts) add(o Counts) {
	for k, v := range o {
		c[k] += v
	}
}

// String lists the non-zero counts in name order.
func (c Counts) String() string {
	keys := make([]string, 0, len(c))
	for k, v := range c {
		if v != 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, c[k])
	}
	return strings.Join(parts, " ")
}

// RunInfo is a job's last run, kept in sched/runs.
type RunInfo struct {
	At       time.Time     `json:"at"`             // the "now" it ran as of
	Slot     time.Time     `json:"slot,omitzero"`  // the scheduled time it ran for (zero: run by hand)
	Node     string        `json:"node,omitempty"` // the node that ran it
	Started  time.Time     `json:"started"`        // wall clock
	Duration time.Duration `json:"duration"`       // wall clock
	Counts   Counts        `json:"counts"`
	Error    string        `json:"error,omitempty"`
}

// Job is one scheduled job.
type Job struct {
	Name     string
	Spec     string        // cron spec; "off" when disabled
	Schedule cron.Schedule // nil when disabled
	// Window, when set, is the time of day (local) until which a run missed
	// during downtime is made up on start.
	Window time.Duration
	fn     func(ctx context.Context, now time.Time) (Counts, error)
}

// Scheduler runs the jobs.
type Scheduler struct {
	cfg  Config
	log  *slog.Logger
	loc  *time.Location
	jobs map[string]*Job

	mu     sync.Mutex
	cron   *cron.Cron
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New checks the schedules (the scheduler's state spaces are made at their
// first write).
func New(cfg Config) (*Scheduler, error) {
	if cfg.Store == nil || cfg.Templates == nil {
		return nil, errors.New("scheduler: Store and Templates are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Location == nil {
		cfg.Location = cfg.Store.Location()
	}
	if cfg.Kick == nil {
		cfg.Kick = func() {}
	}
	if cfg.Now == nil {
		cfg.Now = cfg.Store.Now
	}
	if cfg.QuietStart == 0 && cfg.QuietEnd == 0 {
		cfg.QuietStart, cfg.QuietEnd = 21*time.Hour, 7*time.Hour+30*time.Minute
	}
	if cfg.MorningUntil == 0 {
		cfg.MorningUntil = 10 * time.Hour
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.Chunk <= 0 {
		cfg.Chunk = 100
	}
	if cfg.EscalateUrgent == 0 {
		cfg.EscalateUrgent = 24 * time.Hour
	}
	if cfg.EscalateNormal == 0 {
		cfg.EscalateNormal = 3 * 24 * time.Hour
	}
	if cfg.TakeBackAfter == 0 {
		cfg.TakeBackAfter = 15 * 24 * time.Hour
	}
	if cfg.OutboxRetention == 0 {
		cfg.OutboxRetention = 90 * 24 * time.Hour
	}
	if cfg.Node == "" {
		cfg.Node = crm.NewNode(cfg.Store.Engine())
	}
	if cfg.SlotStale <= 0 {
		cfg.SlotStale = 30 * time.Minute
	}
	s := &Scheduler{cfg: cfg, log: cfg.Log.With(slog.String("part", "scheduler")), loc: cfg.Location, jobs: map[string]*Job{}}
	fns := map[string]func(context.Context, time.Time) (Counts, error){
		JobOverdue: s.Overdue, JobEscalate: s.Escalate, JobTakeBack: s.TakeBack, JobSummary: s.Summary,
		JobDigest: s.Digest, JobWeekly: s.Weekly, JobMonthly: s.Monthly, JobPrune: s.PruneOld,
	}
	var probs []string
	for _, name := range Jobs {
		spec := DefaultSchedules[name]
		if v := strings.TrimSpace(cfg.Schedules[name]); v != "" {
			spec = v
		}
		j := &Job{Name: name, Spec: spec, fn: fns[name]}
		if name == JobSummary || name == JobDigest {
			j.Window = cfg.MorningUntil
		}
		if spec != "off" {
			sch, err := ParseSchedule(spec, cfg.Location)
			if err != nil {
				probs = append(probs, fmt.Sprintf("%s %q: %v", EnvName(name), spec, err))
			}
			j.Schedule = sch
		}
		s.jobs[name] = j
	}
	for name := range cfg.Schedules {
		if _, ok := s.jobs[name]; !ok {
			probs = append(probs, fmt.Sprintf("%s: no such job (jobs: %s)", EnvName(name), strings.Join(Jobs, ", ")))
		}
	}
	if len(probs) > 0 {
		sort.Strings(probs)
		return nil, fmt.Errorf("scheduler: %s", strings.Join(probs, "; "))
	}
	if err := outbox.Init(cfg.Store.Engine()); err != nil {
		return nil, err
	}
	return s, nil
}

// ParseSchedule reads a standard 5-field cron spec (or @daily, @weekly …)
// in loc. A spec that starts with CRON_TZ=Zone (or TZ=Zone), as cron and
// robfig/cron write it, runs in that zone instead; an unknown zone is an
// error. A schedule that can fire between 01:00 and 03:00 (in its zone) is
// refused: on a spring-forward night that hour does not exist and cron skips
// the run.
func ParseSchedule(spec string, loc *time.Location) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	zoned := strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=")
	if zoned && !strings.ContainsAny(spec, " \t") {
		return nil, errors.New("CRON_TZ=Zone must be followed by a schedule")
	}
	sch, err := cron.ParseStandard(spec)
	if err != nil {
		if zoned {
			return nil, fmt.Errorf("%w (the zone is an IANA name such as Asia/Shanghai)", err)
		}
		return nil, err
	}
	ss, ok := sch.(*cron.SpecSchedule)
	if !ok {
		return nil, errors.New("use a cron spec (minute hour day month weekday), not @every")
	}
	if ss.Hour&(1<<1|1<<2) != 0 {
		return nil, errors.New("runs between 01:00 and 03:00, when daylight-saving changes skip or repeat it; choose another hour")
	}
	if !zoned {
		ss.Location = loc
	}
	return ss, nil
}

// Job returns the job called name (nil when there is none).
func (s *Scheduler) Job(name string) *Job { return s.jobs[name] }

// Run runs job name as of now, records the run in sched/runs and wakes the
// outbox. It is what `fieldcrm jobs run` calls: a run by hand, claiming no
// slot (cron's runs claim theirs: RunSlot).
func (s *Scheduler) Run(ctx context.Context, name string, now time.Time) (Counts, error) {
	return s.run(ctx, name, time.Time{}, now)
}

// run runs job name as of now for slot (zero: by hand) and records the run;
// the slot, claimed before, is marked done with it.
func (s *Scheduler) run(ctx context.Context, name string, slot, now time.Time) (Counts, error) {
	j := s.jobs[name]
	if j == nil {
		return nil, fmt.Errorf("scheduler: no job %q (jobs: %s)", name, strings.Join(Jobs, ", "))
	}
	start := time.Now()
	counts, err := j.fn(ctx, now)
	if counts == nil {
		counts = Counts{}
	}
	info := RunInfo{At: now, Slot: slot, Node: s.cfg.Node, Started: start, Duration: time.Since(start), Counts: counts}
	if err != nil {
		info.Error = err.Error()
	}
	if perr := s.putRun(ctx, name, info); perr != nil && err == nil {
		err = perr
	}
	if counts["sms"]+counts["email"] > 0 {
		s.cfg.Kick()
	}
	if s.cfg.OnRun != nil {
		s.cfg.OnRun(name, info.Duration, err)
	}
	attrs := []any{slog.String("job", name), slog.Time("as_of", now), slog.Duration("took", info.Duration), slog.String("counts", counts.String())}
	if err != nil {
		s.log.Error("job failed", append(attrs, slog.Any("error", err))...)
	} else {
		s.log.Info("job done", attrs...)
	}
	return counts, err
}

// putRun records the run as the job's last and, for a slot, marks its
// claim done (and drops the job's claims older than slotRetention), in one
// transaction.
func (s *Scheduler) putRun(ctx context.Context, name string, info RunInfo) error {
	data, err := json.Marshal(info)
	if err != nil {
		return err
	}
	return s.cfg.Store.Engine().Update(ctx, func(tx crm.ETx) error {
		if err := tx.State(spRuns).Put([]byte(name), data); err != nil {
			return err
		}
		if info.Slot.IsZero() {
			return nil
		}
		return s.slotDone(tx, name, info.Slot, info.At)
	})
}

// LastRuns returns the last run of each job that ran.
func LastRuns(eng crm.Engine) (map[string]RunInfo, error) {
	var out map[string]RunInfo
	err := eng.View(context.Background(), func(tx crm.ETx) error {
		out = map[string]RunInfo{}
		var err error
		tx.State(spRuns).Scan(nil, nil, false, func(k, v []byte) bool {
			var r RunInfo
			if err = json.Unmarshal(v, &r); err != nil {
				return false
			}
			out[string(k)] = r
			return true
		})
		return err
	})
	return out, err
}

// Start starts cron (and makes up a morning job missed during downtime, if
// still within its window). Stop ends it.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cron != nil {
		return errors.New("scheduler: already started")
	}
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	l := cronLogger{s.log}
	s.cron = cron.New(cron.WithLocation(s.loc), cron.WithLogger(l),
		cron.WithChain(cron.Recover(l), cron.SkipIfStillRunning(l)))
	for _, name := range Jobs {
		j := s.jobs[name]
		if j.Schedule == nil {
			continue
		}
		s.cron.Schedule(j.Schedule, cron.FuncJob(func() {
			now := s.cfg.Now()
			s.RunSlot(s.ctx, name, lastFire(j.Schedule, now), now)
		}))
	}
	s.cron.Start()
	// catch up in the background, through the same chain (no overlap with a
	// cron-started run of the same job)
	now := s.cfg.Now()
	runs, err := LastRuns(s.cfg.Store.Engine())
	if err != nil {
		return err
	}
	for _, name := range Jobs {
		j := s.jobs[name]
		fire, ok := s.missed(j, runs[name], now)
		if !ok {
			continue
		}
		s.log.Info("making up a run missed during downtime", slog.String("job", name), slog.Time("slot", fire))
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.RunSlot(s.ctx, name, fire, now) // another node starting too makes it up once
		}()
	}
	return nil
}

// missed reports whether job j's last fire time before now, today, was not
// run and now is still within the job's window; fire is that time.
func (s *Scheduler) missed(j *Job, last RunInfo, now time.Time) (fire time.Time, ok bool) {
	if j.Schedule == nil || j.Window == 0 {
		return time.Time{}, false
	}
	local := now.In(s.loc)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.loc)
	if local.Sub(midnight) >= j.Window {
		return time.Time{}, false
	}
	fire = j.Schedule.Next(midnight.Add(-time.Second))
	if fire.After(now) {
		return time.Time{}, false // not due yet today
	}
	return fire, last.At.Before(fire)
}

// Stop stops cron and waits for the running jobs to finish.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	c := s.cron
	s.cron = nil
	s.mu.Unlock()
	if c == nil {
		return
	}
	<-c.Stop().Done()
	s.cancel()
	s.wg.Wait()
}

// Next returns when each enabled job runs next after t.
func (s *Scheduler) Next(t time.Time) map[string]time.Time {
	out := map[string]time.Time{}
	for name, j := range s.jobs {
		if j.Schedule != nil {
			out[name] = j.Schedule.Next(t)
		}
	}
	return out
}

// cronLogger sends cron's log through slog.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "error", err)...)
}
