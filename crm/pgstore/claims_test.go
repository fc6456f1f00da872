package pgstore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fieldcrm/fieldcrm/crm/pgstore"
)

// The same MessageSid delivered to two nodes at once: the first transaction
// claims it, the second waits on the claim and, once the first committed,
// finds the stored answer and changes nothing. Had the first rolled back,
// the second applies it.
func TestClaimMessageOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := newDB(t)
	a, b := newPool(t, dsn, 1), newPool(t, dsn, 1)

	for _, firstCommits := range []bool{true, false} {
		sid := "SM1"
		if !firstCommits {
			sid = "SM2"
		}
		claimed := make(chan struct{})
		release := make(chan struct{})
		errFirst := errors.New("the first delivery fails after claiming")
		var firstErr error
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			firstErr = pgstore.RetryTx(ctx, a, func(tx pgx.Tx) error {
				won, _, err := pgstore.ClaimMessage(ctx, tx, "sms", sid, 7, t0)
				if err != nil || !won {
					t.Errorf("first delivery: won=%v err=%v", won, err)
					return err
				}
				close(claimed)
				<-release // the second delivery arrives meanwhile
				if !firstCommits {
					return errFirst
				}
				return pgstore.SetClaimAnswer(ctx, tx, "sms", sid, []byte(`{"reply":"Visit #17 logged. UNDO to cancel."}`))
			})
		}()
		<-claimed
		var won bool
		var answer []byte
		secondDone := make(chan error, 1)
		go func() {
			secondDone <- pgstore.RetryTx(ctx, b, func(tx pgx.Tx) error {
				var err error
				won, answer, err = pgstore.ClaimMessage(ctx, tx, "sms", sid, 7, t0.Add(time.Second))
				if err == nil && won {
					err = pgstore.SetClaimAnswer(ctx, tx, "sms", sid, []byte(`{"reply":"second"}`))
				}
				return err
			})
		}()
		select {
		case err := <-secondDone:
			t.Fatalf("the second delivery did not wait for the first's claim (err %v, won %v)", err, won)
		case <-time.After(200 * time.Millisecond):
		}
		close(release)
		wg.Wait()
		if err := <-secondDone; err != nil {
			t.Fatal(err)
		}
		if firstCommits {
			if firstErr != nil || won || string(answer) != `{"reply": "Visit #17 logged. UNDO to cancel."}` {
				t.Errorf("first committed: second won=%v answer=%s (first: %v)", won, answer, firstErr)
			}
		} else {
			if !errors.Is(firstErr, errFirst) || !won {
				t.Errorf("first rolled back: second won=%v (first: %v), want the second to apply it", won, firstErr)
			}
			if got, _ := pgstore.StoredClaim(ctx, a, "sms", sid); string(got) != `{"reply": "second"}` {
				t.Errorf("stored answer %s, want the second's", got)
			}
		}
	}
}

// Twenty deliveries of one message spread over three nodes: exactly one
// applies it, and every other one answers with what it stored.
func TestClaimMessageStorm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := newDB(t)
	var winners atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for n := range 3 {
		p := newPool(t, dsn, 7)
		for range 7 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				err := pgstore.RetryTx(ctx, p, func(tx pgx.Tx) error {
					won, answer, err := pgstore.ClaimMessage(ctx, tx, "sms", "SMstorm", 7, t0)
					if err != nil {
						return err
					}
					if won {
						winners.Add(1)
						_, err := tx.Exec(ctx, "SELECT pg_sleep(0.05)") // the visit's work
						if err != nil {
							return err
						}
						return pgstore.SetClaimAnswer(ctx, tx, "sms", "SMstorm", []byte(`{"node":`+string(rune('0'+n))+`}`))
					}
					if string(answer) == "{}" || len(answer) == 0 {
						t.Errorf("a losing delivery saw no answer: %q", answer)
					}
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	if winners.Load() != 1 {
		t.Errorf("%d deliveries applied the message, want 1", winners.Load())
	}
}
