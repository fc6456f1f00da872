package aliyun_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/aliyun"
	"github.com/fieldcrm/fieldcrm/gateway/aliyun/aliyuntest"
	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/templates"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// approveCatalogue approves every template of the catalogue at the fake and
// returns the name → code map the configuration would hold.
func approveCatalogue(api *aliyuntest.Server) map[string]string {
	codes := map[string]string{}
	for i, t := range templates.SMSCatalogue(aliyun.Provider) {
		code := fmt.Sprintf("SMS_%d", 470100000+i)
		api.Approve(code, t.Text)
		codes[t.Name] = code
	}
	return codes
}

func newSender(t *testing.T, api *aliyuntest.Server, now time.Time, mod func(*aliyun.Config)) *aliyun.Sender {
	t.Helper()
	cfg := aliyun.Config{AccessKeyID: aliyuntest.AccessKeyID, AccessKeySecret: aliyuntest.AccessKeySecret,
		Endpoint: api.URL, SignName: aliyuntest.SignName, Templates: approveCatalogue(api), Timeout: 2 * time.Second,
		Now: func() time.Time { return now }, Location: shanghai}
	if mod != nil {
		mod(&cfg)
	}
	s, err := aliyun.NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendThroughTemplates(t *testing.T) {
	api := aliyuntest.NewServer(t)
	s := newSender(t, api, time.Now(), nil)
	body := "OK 拜访 #46 华鑫矿业，李总。回复UNDO撤销"
	e := &outbox.Entry{ID: 42, Channel: outbox.ChannelSMS, To: "+8613800000003", Body: body, Key: "reply|aliyun:1"}
	pid, segs, err := s.Send(context.Background(), e)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	parts, err := templates.FitSMS(aliyun.Provider, templates.SMSKindOfKey(e.Key), body)
	if err != nil {
		t.Fatal(err)
	}
	got := api.Sends()
	if len(got) != len(parts) || api.BadSignatures() != 0 {
		t.Fatalf("%d sends (%d bad signatures) for %d parts", len(got), api.BadSignatures(), len(parts))
	}
	codes := approveCatalogue(api)
	wantSegs := 0
	var ids []string
	for i, p := range parts {
		m := got[i]
		if m.Phone != "13800000003" || m.SignName != aliyuntest.SignName || m.OutID != "42" || m.TemplateCode != codes[p.Template] {
			t.Errorf("part %d sent as %+v", i, m)
		}
		for k, v := range p.Params {
			if m.Params[k] != v {
				t.Errorf("part %d: variable %s = %q, want %q", i, k, m.Params[k], v)
			}
		}
		if want := "【" + aliyuntest.SignName + "】" + p.Text; m.Text != want {
			t.Errorf("the phone shows %q, want %q", m.Text, want)
		}
		n, _ := templates.Segments(m.Text)
		wantSegs += n
		ids = append(ids, m.BizID)
	}
	if !strings.Contains(got[0].Text, "#46") {
		t.Errorf("the id is lost: %q", got[0].Text)
	}
	if pid != strings.Join(ids, ",") || segs != wantSegs {
		t.Errorf("Send = %q, %d segments; want %q, %d", pid, segs, strings.Join(ids, ","), wantSegs)
	}
}

func TestSendErrors(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 20, 0, 0, shanghai)
	midnight := time.Date(2026, 11, 26, 0, 0, 0, 0, shanghai)
	for _, tc := range []struct {
		name, code, msg string
		retry, optOut   bool
		retryAt         time.Time
	}{
		{"MinuteLimit", aliyun.CodeBusinessLimit, "触发分钟级流控Permits:1", true, false, now.Add(time.Minute)},
		{"HourLimit", aliyun.CodeBusinessLimit, "触发小时级流控Permits:5", true, false, now.Add(time.Hour)},
		{"DayLimit", aliyun.CodeBusinessLimit, "触发天级流控Permits:10", true, false, midnight},
		{"AccountDayLimit", aliyun.CodeDayLimit, "触发日发送限额", true, false, midnight},
		{"Blacklist", aliyun.CodeBlacklist, "黑名单管控", false, true, time.Time{}},
		{"BadNumber", aliyun.CodeMobileIllegal, "非法手机号", false, false, time.Time{}},
		{"NoMoney", aliyun.CodeAmountNotEnough, "账户余额不足", true, false, time.Time{}},
		{"TemplateIllegal", aliyun.CodeTemplateIllegal, "模板不合法", false, false, time.Time{}},
		{"Throttling", aliyun.CodeThrottlingUser, "Request was denied due to user flow control.", true, false, time.Time{}},
		{"ServerError", aliyun.CodeSystemError, "系统错误", true, false, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := aliyuntest.NewServer(t)
			s := newSender(t, api, now, nil)
			api.FailNext(1, tc.code, tc.msg)
			_, _, err := s.Send(context.Background(), &outbox.Entry{ID: 7, Channel: outbox.ChannelSMS, To: "+8613800000002", Body: "OK"})
			var se *outbox.SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a SendError", err)
			}
			if outbox.Retryable(err) != tc.retry || outbox.OptOut(err) != tc.optOut || !se.RetryAt.Equal(tc.retryAt) ||
				se.Provider != aliyun.Provider || !strings.Contains(se.Msg, tc.code) {
				t.Errorf("%s: retryable %v opt-out %v retry at %v (%+v); want %v %v %v", tc.code, outbox.Retryable(err),
					outbox.OptOut(err), se.RetryAt, se, tc.retry, tc.optOut, tc.retryAt)
			}
		})
	}
	t.Run("WrongSecret", func(t *testing.T) {
		api := aliyuntest.NewServer(t)
		s := newSender(t, api, now, func(c *aliyun.Config) { c.AccessKeySecret = "wrong" })
		_, _, err := s.Send(context.Background(), &outbox.Entry{ID: 7, Channel: outbox.ChannelSMS, To: "+8613800000002", Body: "OK"})
		if !outbox.Permanent(err) || api.BadSignatures() != 1 || len(api.Sends()) != 0 {
			t.Fatalf("a wrong secret: %v (bad signatures %d)", err, api.BadSignatures())
		}
	})
	t.Run("Unreachable", func(t *testing.T) {
		api := aliyuntest.NewServer(t)
		s := newSender(t, api, now, nil)
		api.Close()
		_, _, err := s.Send(context.Background(), &outbox.Entry{ID: 7, Channel: outbox.ChannelSMS, To: "+8613800000002", Body: "OK"})
		if !outbox.Retryable(err) {
			t.Fatalf("a network error is not retryable: %v", err)
		}
	})
	t.Run("NoCode", func(t *testing.T) {
		api := aliyuntest.NewServer(t)
		s := newSender(t, api, now, func(c *aliyun.Config) { c.Templates = map[string]string{} })
		_, _, err := s.Send(context.Background(), &outbox.Entry{ID: 7, Channel: outbox.ChannelSMS, To: "+8613800000002", Body: "OK"})
		if !outbox.Permanent(err) || len(api.Requests()) != 0 {
			t.Fatalf("a template without a code: %v", err)
		}
	})
}

func TestParseEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"": "HTTPS dysmsapi.aliyuncs.com", "dysmsapi.aliyuncs.com": "HTTPS dysmsapi.aliyuncs.com",
		"http://127.0.0.1:4000": "HTTP 127.0.0.1:4000", "https://dysmsapi.aliyuncs.com/": "HTTPS dysmsapi.aliyuncs.com",
	} {
		host, proto, err := aliyun.ParseEndpoint(in)
		if err != nil || proto+" "+host != want {
			t.Errorf("ParseEndpoint(%q) = %s %s %v, want %s", in, proto, host, err, want)
		}
	}
	for _, bad := range []string{"ftp://x", "http://", "host/path", "http://h/p"} {
		if _, _, err := aliyun.ParseEndpoint(bad); err == nil {
			t.Errorf("ParseEndpoint(%q) accepted", bad)
		}
	}
}

// The outbox sends several messages at once through one Sender.
func TestSendConcurrently(t *testing.T) {
	api := aliyuntest.NewServer(t)
	s := newSender(t, api, time.Now(), nil)
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			_, _, err := s.Send(context.Background(), &outbox.Entry{ID: int64(i + 1), Channel: outbox.ChannelSMS,
				To: fmt.Sprintf("+86138000001%02d", i), Body: fmt.Sprintf("OK #%d", i)})
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := len(api.Sends()); n < 16 || api.BadSignatures() != 0 {
		t.Errorf("%d sent, %d bad signatures", n, api.BadSignatures())
	}
}
