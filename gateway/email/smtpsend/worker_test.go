package smtpsend

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/gateway/email/emailtest"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// TestOutboxWorker runs the Sender under the outbox worker: a 451 is
// retried and then sent, a 550 fails the entry at once with its code.
func TestOutboxWorker(t *testing.T) {
	srv := newServer(t, emailtest.SMTPOptions{})
	s := newSender(t, testConfig(srv.Addr()))
	st, err := crm.Open(filepath.Join(t.TempDir(), "crm.db"), crm.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.Engine()

	now := time.Now()
	enqueue := func(subject string) int64 {
		e := testEntry(0)
		e.Subject = subject
		id, _, err := outbox.EnqueueDB(db, e, now)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	w := outbox.New(db, outbox.Config{BaseBackoff: 20 * time.Millisecond, Poll: 20 * time.Millisecond, Jitter: -1},
		map[string]outbox.Sender{outbox.ChannelEmail: s}, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)

	srv.FailNext(451, "greylisted", 1)
	retried := enqueue("retried")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()

	e := waitState(t, db, retried, outbox.StateSent)
	if e.Attempts != 2 || e.ProviderID != MessageID(testDomain, e) {
		t.Errorf("attempts %d, provider id %q", e.Attempts, e.ProviderID)
	}

	srv.FailNext(550, "no such user", 1)
	failed := enqueue("failed")
	w.Kick()
	e = waitState(t, db, failed, outbox.StateFailed)
	if e.Attempts != 1 || e.ErrorCode != 550 {
		t.Errorf("attempts %d, error code %d", e.Attempts, e.ErrorCode)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

// waitState waits until entry id is in state.
func waitState(t *testing.T, db crm.Engine, id int64, state string) *outbox.Entry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e, err := outbox.Get(db, id)
		if err != nil {
			t.Fatal(err)
		}
		if e.State == state {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("entry %d is %s (%s), want %s", id, e.State, e.LastError, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
