package parser

import "testing"

// Every canonical name reads back as itself (exports are imported through
// these), and the forms people write read as their canonical name.
func TestVocabularies(t *testing.T) {
	for _, st := range []Stage{StageIdentification, StageQualification, StageDevelopment, StageProposal, StageWon, StageLost, StageNoDeal} {
		if got, ok := StageWord(string(st)); !ok || got != st {
			t.Errorf("StageWord(%q) = %q, %v", st, got, ok)
		}
	}
	for in, want := range map[string]Stage{"QUOTE": StageProposal, "no_deal": StageNoDeal, "No-Deal": StageNoDeal, " 报价 ": StageProposal, "4": StageProposal, "放弃": StageNoDeal} {
		if got, ok := StageWord(in); !ok || got != want {
			t.Errorf("StageWord(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, r := range []string{"economic_buyer", "user", "technical_evaluator", "coach"} {
		if got, ok := RoleWord(r); !ok || got != r {
			t.Errorf("RoleWord(%q) = %q, %v", r, got, ok)
		}
	}
	for _, src := range []string{"advertising", "referral", "website", "word_of_mouth", "pr", "campaign", "other"} {
		if got, ok := SourceWord(src); !ok || got != src {
			t.Errorf("SourceWord(%q) = %q, %v", src, got, ok)
		}
	}
	for _, k := range []string{"visit", "call", "email", "fax", "sms", "meeting", "revisit", "task"} {
		if got, ok := ActivityWord(k); !ok || got != k {
			t.Errorf("ActivityWord(%q) = %q, %v", k, got, ok)
		}
	}
	if _, ok := StageWord("maybe"); ok {
		t.Error(`StageWord("maybe") read as a stage`)
	}
}
