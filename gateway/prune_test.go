package gateway_test

import (
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway"
)

// Claims older than the cutoff go; newer ones stay and still catch a retry.
func TestPruneClaims(t *testing.T) {
	p, s := pipeOpen(t)
	pipeSend(t, p, "SM1", "TODAY")
	pipeSend(t, p, "SM2", "OPPS")
	if n, err := gateway.PruneClaims(s.Engine(), s.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("pruned %d (%v) with a cutoff before both", n, err)
	}
	if r := pipeSend(t, p, "SM1", "TODAY"); !r.Dup {
		t.Error("a retry was not caught after pruning nothing")
	}
	if n, err := gateway.PruneClaims(s.Engine(), s.Now().Add(time.Hour)); err != nil || n != 2 {
		t.Fatalf("pruned %d (%v), want 2", n, err)
	}
	for _, id := range []string{"SM1", "SM2"} {
		if c, _ := gateway.Claim(s.Engine(), gateway.ChannelSMS, id); c != nil {
			t.Errorf("claim %s kept", id)
		}
	}
}
