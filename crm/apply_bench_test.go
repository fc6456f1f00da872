package crm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/parser"
)

// BenchmarkApplyVisit is the crm half of a webhook: a salesman's visit with
// a follow-up ("V #id; met …; next: call fri"), parsed, then applied in an
// Update (rules, reads, writes, history), on a store of 2,000 accounts and
// 2,000 activities, without fsync: the CPU crm spends per message, which
// the webhook benchmark measures with everything else around it.
//
//	go test ./crm -run '^$' -bench BenchmarkApplyVisit -benchtime 5000x -count 5 -benchmem
func BenchmarkApplyVisit(b *testing.B) {
	w := benchOpen(b, b.TempDir(), true, 2000, plainNames)
	defer w.s.Close()
	w.insertActivities(b, 2000, 2000, func(i int) bool { return i%3 == 0 })
	loc := time.FixedZone("CST", 8*3600)
	ctx := context.Background()
	cmds := make([]*parser.Command, 64)
	actors := make([]*crm.User, len(cmds))
	for i := range cmds {
		j := i * 2 // account j is owned by user (j/2)%20
		actors[i] = w.users[(j/2)%len(w.users)]
		cmd, err := parser.Parse(fmt.Sprintf("V #%d; met Contact Account %d; demo went well; next: call fri", w.accounts[j], j),
			parser.Context{Now: benchNow, Loc: loc})
		if err != nil {
			b.Fatal(err)
		}
		cmds[i] = cmd
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(cmds)
		var out *crm.Outcome
		_, err := w.s.Update(ctx, crm.Meta{Actor: actors[k], Channel: "sms", MessageID: fmt.Sprintf("SM%d", i), Summary: cmds[k].Raw},
			func(tx *crm.Tx) error {
				var err error
				out, err = tx.Apply(cmds[k], loc)
				return err
			})
		if err != nil {
			b.Fatal(err)
		}
		if out.Template != "ok_activity" {
			b.Fatalf("answered %s", out.Template)
		}
	}
}
