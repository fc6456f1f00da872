package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/scheduler"
	"github.com/fieldcrm/fieldcrm/templates"
)

// A salesman with old overdue work gets it in his morning summary, not once
// more per item by the overdue job; what falls overdue during the day comes
// in one SMS per run, each item once.
func TestOverdueOneMessagePerRun(t *testing.T) {
	w := newWorld(t)
	s := w.scheduler(t, nil)
	var old, today []int64
	for i := range 9 { // Wang's backlog: due last week
		old = append(old, w.plan(t, w.wang, w.wang, fmt.Sprintf("old %d", i), crm.PriorityNormal, at(-3, 10, 0)))
	}
	for _, h := range []int{9, 11, 14} { // due today
		today = append(today, w.plan(t, w.wang, w.wang, fmt.Sprintf("today %d", h), crm.PriorityNormal, at(0, h, 0)))
	}
	late := w.plan(t, w.li, w.li, "拜访", crm.PriorityNormal, at(0, 15, 30)) // 李娜's, due 15:30
	later := w.plan(t, w.wang, w.wang, "evening call", crm.PriorityNormal, at(0, 17, 0))

	run := func(h, m int) []*outbox.Entry {
		t.Helper()
		before := len(w.entries(t))
		if _, err := s.Run(context.Background(), scheduler.JobOverdue, at(0, h, m)); err != nil {
			t.Fatal(err)
		}
		return w.entries(t)[before:]
	}
	sms := func(es []*outbox.Entry) []*outbox.Entry {
		var out []*outbox.Entry
		for _, e := range es {
			if e.Channel == outbox.ChannelSMS {
				out = append(out, e)
			}
		}
		return out
	}

	got := sms(run(9, 15))
	if len(got) != 1 || got[0].To != w.wang.Phones[0] {
		t.Fatalf("09:15: %d SMS, want 1 to Wang (the 9 old items are the summary's): %+v", len(got), got)
	}
	if !strings.Contains(got[0].Body, fmt.Sprintf("#%d", today[0])) || strings.Contains(got[0].Body, fmt.Sprintf("#%d ", old[0])) {
		t.Errorf("09:15 reminder: %q", got[0].Body)
	}

	if got := sms(run(10, 15)); len(got) != 0 {
		t.Fatalf("10:15: nothing new fell overdue, yet %d SMS: %q", len(got), got[0].Body)
	}

	got = sms(run(15, 45)) // #11:00 and #14:00 fell overdue for Wang, 15:30 for 李娜
	if len(got) != 2 {
		t.Fatalf("15:45: %d SMS, want one to Wang and one to 李娜", len(got))
	}
	for _, e := range got {
		if n, _ := templates.Segments(e.Body); n != 1 {
			t.Errorf("%s: %d segments: %q", e.To, n, e.Body)
		}
		switch e.To {
		case w.wang.Phones[0]:
			want := fmt.Sprintf("2 past due, not done: #%d 11:00 visit", today[1])
			if !strings.HasPrefix(e.Body, want) || !strings.Contains(e.Body, fmt.Sprintf("#%d 14:00", today[2])) ||
				strings.Contains(e.Body, fmt.Sprintf("#%d ", today[0])) || !strings.Contains(e.Body, "DONE #n <outcome> for each") {
				t.Errorf("Wang at 15:45: %q, want it to start %q and list only #%d and #%d", e.Body, want, today[1], today[2])
			}
		case w.li.Phones[0]:
			if want := fmt.Sprintf("今天到期未完成：#%d 15:30 拜访", late); !strings.HasPrefix(e.Body, want) {
				t.Errorf("李娜 at 15:45: %q, want it to start %q", e.Body, want)
			}
		default:
			t.Errorf("SMS to %s", e.To)
		}
	}

	if got := sms(run(17, 15)); len(got) != 1 || !strings.Contains(got[0].Body, fmt.Sprintf("#%d 17:00", later)) || strings.Contains(got[0].Body, "past due, not done") {
		t.Fatalf("17:15: want one reminder of #%d alone, got %+v", later, got)
	}

	// without the morning summary, the backlog is reminded once a day,
	// all in one message that fits one segment
	w2 := newWorld(t)
	s2 := w2.scheduler(t, func(c *scheduler.Config) { c.Schedules = map[string]string{scheduler.JobSummary: "off"} })
	for i := range 9 {
		w2.plan(t, w2.wang, w2.wang, fmt.Sprintf("old %d", i), crm.PriorityNormal, at(-3, 10, 0))
	}
	for day := range 2 {
		if _, err := s2.Run(context.Background(), scheduler.JobOverdue, at(day, 9, 15)); err != nil {
			t.Fatal(err)
		}
		if _, err := s2.Run(context.Background(), scheduler.JobOverdue, at(day, 10, 15)); err != nil {
			t.Fatal(err)
		}
	}
	es := sms(w2.entries(t))
	if len(es) != 2 {
		t.Fatalf("summary off: %d SMS over two days, want one a day", len(es))
	}
	for _, e := range es {
		if n, _ := templates.Segments(e.Body); n != 1 || !strings.HasPrefix(e.Body, "9 past due, not done:") || !strings.Contains(e.Body, "more. DONE #n <outcome> for each, TODAY for all") {
			t.Errorf("summary off: %d segments: %q", n, e.Body)
		}
	}
}
