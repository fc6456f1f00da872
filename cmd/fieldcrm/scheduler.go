package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway"
	"github.com/fieldcrm/fieldcrm/gateway/email"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/scheduler"
	"github.com/fieldcrm/fieldcrm/templates"
)

// jobSchedules reads FIELDCRM_SCHEDULE_<JOB> for every job (empty: the
// default schedule; "off": the job does not run).
func jobSchedules(getenv func(string) string) map[string]string {
	getenv = envOr(getenv)
	out := map[string]string{}
	for _, name := range scheduler.Jobs {
		if v := getenv(scheduler.EnvName(name)); v != "" {
			out[name] = v
		}
	}
	return out
}

// runScheduler runs the scheduler until ctx ends (Close cancels it), then
// stops cron and waits for running jobs. Run starts it in Main's wait group,
// so the store is closed only after the last job finished.
func (m *Main) runScheduler(ctx context.Context, tpl *templates.Set) {
	_, email := m.Senders[outbox.ChannelEmail]
	s, err := scheduler.New(scheduler.Config{Store: m.Store, Templates: tpl, Log: m.Log, Location: m.Config.location,
		Schedules: m.Config.Schedules, Email: email, Kick: m.Outbox.Kick, Now: m.Config.Now, OnRun: m.ops.jobRun, Prune: m.prune})
	if err != nil {
		m.Log.Error("scheduler not started", slog.Any("error", err))
		return
	}
	if err := s.Start(ctx); err != nil {
		m.Log.Error("scheduler not started", slog.Any("error", err))
		return
	}
	m.Log.Info("scheduler started")
	<-ctx.Done()
	s.Stop()
	m.Log.Info("scheduler stopped")
}

// prune deletes the claims of old messages, old unresolved messages and, with the email channel on,
// what it keeps of handled e-mail (the scheduler's prune job).
func (m *Main) prune(ctx context.Context, now time.Time) (scheduler.Counts, error) {
	c := scheduler.Counts{}
	n, err := gateway.PruneClaims(m.Store.Engine(), now.Add(-gateway.ClaimRetention))
	c["claims"] = n
	if err != nil {
		return c, err
	}
	n, err = crm.PruneUnresolved(m.Store.DB(), now.Add(-crm.UnresolvedRetention))
	c["unresolved"] = n
	if err != nil || m.Mail == nil {
		return c, err
	}
	n, err = email.Prune(m.Store.DB(), now)
	c["mail"] = n
	return c, err
}
