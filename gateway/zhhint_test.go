package gateway_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/parser"
	"github.com/fieldcrm/fieldcrm/templates"
)

// Issue 14 point 11: the command forms a Chinese reader is shown are
// written with the Chinese words the parser reads, and they still read as
// the same command.
func TestChineseHintFormsParse(t *testing.T) {
	set := templates.MustNew()
	ctx := parser.Context{Now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC), Loc: time.UTC}
	for _, en := range []string{
		"OPP #10 stage development", "OPP #10 stage proposal", "OPP #42 won", "OPP #42 lost komatsu; price",
		"OPP #42 nodeal customer gave up", "OPP acme; 2x 320D; 2.4m; close 15/12",
		"LEAD #5 qualify", "LEAD #5 convert", "LEAD #5 disqualify; no budget",
		"ACCT #10", "FIND 139012", "FIND 抚顺煤矿", "TODAY", "OPPS", "HELP", "UNDO", "DONE #17 met purchasing", "REJECT #17 no time",
		"ASSIGN #17 li", "EXTEND #17 3d", "ACK #17", "APPROVE #88", "REFUSE #88 not now",
		"PLAN visit acme fri", "PLAN call acme tomorrow urgent", "CONTACT #88 remove; left", "EQ acme CAT 320D sn CAT0320DXYZ smu 4520",
		"EQ acme Komatsu PC200 bought 2019-05", "LEAD Huaxin; Li Gang 13901234567; src: referral Wang Jun",
		"FUNNEL", "TEAM",
	} {
		zh := set.Hint("zh", en)
		if first, _, _ := strings.Cut(zh, " "); !templates.HasCJK(first) {
			t.Errorf("%q → %q: the command is not in Chinese", en, zh)
		}
		want, err := parser.Parse(en, ctx)
		if err != nil {
			t.Errorf("%q does not parse: %v", en, err)
			continue
		}
		got, err := parser.Parse(zh, ctx)
		if err != nil {
			t.Errorf("%q → %q does not parse: %v", en, zh, err)
			continue
		}
		if got.Verb != want.Verb || got.Action != want.Action || got.Stage != want.Stage || got.Kind != want.Kind || got.Priority != want.Priority {
			t.Errorf("%q → %q reads as %s %s %s, want %s %s %s", en, zh, got.Verb, got.Action, got.Stage, want.Verb, want.Action, want.Stage)
		}
		t.Logf("%s → %s", en, zh)
	}
}
