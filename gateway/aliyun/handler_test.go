package aliyun

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestE164(t *testing.T) {
	for in, want := range map[string]string{
		"13800000002": "+8613800000002", "8613800000002": "+8613800000002", "+8613800000002": "+8613800000002",
		"008613800000002": "+8613800000002", " 13800000002 ": "+8613800000002",
	} {
		if got, err := E164(in); err != nil || got != want {
			t.Errorf("E164(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1381111****", "010-85868466", "23800000002", "+86 138", "12345678901234567"} {
		if got, err := E164(bad); err == nil {
			t.Errorf("E164(%q) = %q, want an error", bad, got)
		}
	}
}

func TestParseUp(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	// sequence_id as the two documented types, a CRLF and a NUL in the content
	body := `[{"phone_number":"13800000003","content":"拜访 华鑫矿业\r\n见了李总\u0000","send_time":"2026-11-25 18:00:00","dest_code":"1234","sequence_id":1234567890},
		{"phone_number":"13800000002","content":"TODAY","send_time":"2026-11-25 18:00:01","dest_code":"1234","sequence_id":"1234567891"}]`
	msgs, err := ParseUp([]byte(body), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].ID != "aliyun:1234567890" || msgs[1].ID != "aliyun:1234567891" ||
		msgs[0].From != "+8613800000003" || msgs[0].Body != "拜访 华鑫矿业\n见了李总" || msgs[0].Channel != "sms" || !msgs[0].Received.Equal(now) {
		t.Fatalf("decoded %+v", msgs)
	}
	for name, bad := range map[string]string{
		"NotArray":     `{"phone_number":"13800000003"}`,
		"NoSequence":   `[{"phone_number":"13800000003","content":"x"}]`,
		"BadNumber":    `[{"phone_number":"1381111****","content":"x","sequence_id":1}]`,
		"LongSequence": `[{"phone_number":"13800000003","content":"x","sequence_id":"` + strings.Repeat("9", 65) + `"}]`,
		"BadSequence":  `[{"phone_number":"13800000003","content":"x","sequence_id":{}}]`,
	} {
		if _, err := ParseUp([]byte(bad), now); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseReport(t *testing.T) {
	ok := `[{"phone_number":"13800000003","send_time":"2026-11-25 18:00:00","report_time":"2026-11-25 18:00:05","success":true,"err_code":"DELIVERED","err_msg":"用户接收成功","sms_size":"1","biz_id":"900619746936498401^0","out_id":"7"}]`
	items, err := ParseReport([]byte(ok))
	if err != nil || len(items) != 1 || !*items[0].Success || items[0].BizID != "900619746936498401^0" {
		t.Fatalf("ParseReport = %+v, %v", items, err)
	}
	for name, bad := range map[string]string{
		"NoBizID":   `[{"success":true}]`,
		"NoSuccess": `[{"biz_id":"1^0"}]`,
		"Comma":     `[{"biz_id":"1^0,2^0","success":true}]`,
	} {
		if _, err := ParseReport([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSource(t *testing.T) {
	h := &Handler{Allow: []netip.Prefix{netip.MustParsePrefix("47.96.0.0/12")},
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	for _, tc := range []struct {
		remote, xff string
		ok          bool
	}{
		{"47.97.1.2:5000", "", true},
		{"8.8.8.8:5000", "", false},
		{"8.8.8.8:5000", "47.97.1.2", false},          // X-Forwarded-For from an untrusted peer is ignored
		{"10.0.0.5:443", "47.97.1.2", true},           // behind our proxy
		{"10.0.0.5:443", "47.97.1.2, 10.0.0.9", true}, // two proxies of ours
		{"10.0.0.5:443", "47.97.1.2, 8.8.8.8", false}, // the last untrusted hop is the source
		{"10.0.0.5:443", "", false},                   // the proxy itself is not Alibaba Cloud
		{"[::ffff:47.97.1.2]:5000", "", true},         // IPv4 in IPv6
		{"10.0.0.5:443", "47.97.1.2, garbage", false}, // unreadable chain
	} {
		r := httptest.NewRequest("POST", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if _, ok := h.source(r); ok != tc.ok {
			t.Errorf("remote %s, X-Forwarded-For %q: admitted %v, want %v", tc.remote, tc.xff, ok, tc.ok)
		}
	}
	open := &Handler{}
	r := httptest.NewRequest("POST", "/", nil)
	r.RemoteAddr = "8.8.8.8:1"
	if _, ok := open.source(r); !ok {
		t.Error("without an allow-list every source is admitted")
	}
}
