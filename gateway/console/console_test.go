package console

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

func TestSend(t *testing.T) {
	var buf bytes.Buffer
	s := &Sender{Log: slog.New(slog.NewTextHandler(&buf, nil))}
	zh := strings.Repeat("李总下周二报价", 11) // 77 UCS-2 units: two segments
	for i, tc := range []struct {
		e    outbox.Entry
		id   string
		segs int
		line string
	}{
		{outbox.Entry{To: "+8613800000002", From: "+8613800009999", UserID: 2, Body: "OK visit #1 ACME Mining. UNDO to undo"}, "CONSOLE000001", 1,
			`to=+8613800000002 from=+8613800009999 user_id=2 segments=1 encoding=GSM-7 provider_id=CONSOLE000001 body="OK visit #1 ACME Mining. UNDO to undo"`},
		{outbox.Entry{To: "+8613800000003", Body: zh}, "CONSOLE000002", 2,
			`to=+8613800000003 segments=2 encoding=UCS-2 provider_id=CONSOLE000002 body=` + zh},
	} {
		buf.Reset()
		id, segs, err := s.Send(context.Background(), &tc.e)
		if err != nil || id != tc.id || segs != tc.segs {
			t.Errorf("%d: Send = %q, %d, %v; want %q, %d", i, id, segs, err, tc.id, tc.segs)
		}
		if !strings.Contains(buf.String(), `msg="SMS (console: printed, not sent)" `+tc.line) {
			t.Errorf("%d: log line\n%s\nwant it to contain %s", i, buf.String(), tc.line)
		}
	}
}
