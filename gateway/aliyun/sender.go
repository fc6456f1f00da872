// Package aliyun is fieldcrm's SMS edge on Alibaba Cloud SMS (dysmsapi), the
// domestic provider for salesmen in China: the sender used by the outbox
// (each message mapped onto approved templates and sent with the official Go
// SDK), the error classification, and the HTTP batch push handler that
// receives upstream replies (SmsUp) and delivery reports (SmsReport).
package aliyun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	dysms "github.com/alibabacloud-go/dysmsapi-20170525/v4/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	"github.com/fieldcrm/fieldcrm/templates"
)

// Provider is this provider's name in routes, catalogues and records.
const Provider = "aliyun"

// DefaultEndpoint is Alibaba Cloud SMS's API endpoint.
const DefaultEndpoint = "dysmsapi.aliyuncs.com"

// Config configures the Sender.
type Config struct {
	AccessKeyID     string
	AccessKeySecret string
	// Endpoint is the API host (DefaultEndpoint when empty), or a URL with
	// a scheme (http://127.0.0.1:4000 for aliyuntest); a bare host is HTTPS.
	Endpoint string
	// SignName is the approved signature (签名), sent with every message and
	// shown by the phone as 【SignName】 in front of it.
	SignName string
	// Templates maps each catalogue template name (templates.SMSCatalogue)
	// to the template code Alibaba Cloud approved for it (SMS_123456789).
	Templates map[string]string
	Timeout   time.Duration // read timeout of one API call [10s]
	// Now and Location place the provider's per-number limits in time
	// (time.Now and Asia/Shanghai when nil).
	Now      func() time.Time
	Location *time.Location
}

// Sender sends SMS through Alibaba Cloud's SendSms. It implements
// outbox.Sender.
type Sender struct {
	cfg Config
	// The SDK's client is not safe for concurrent use (each call reads and
	// clears its debug headers): every send takes a client of its own.
	clients sync.Pool
}

var _ outbox.Sender = (*Sender)(nil)

// NewSender checks cfg and makes a Sender.
func NewSender(cfg Config) (*Sender, error) {
	if cfg.AccessKeyID == "" || cfg.AccessKeySecret == "" {
		return nil, errors.New("aliyun: the AccessKey ID and secret must be set")
	}
	if strings.TrimSpace(cfg.SignName) == "" {
		return nil, errors.New("aliyun: the signature (sign name) must be set")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			loc = time.FixedZone("CST", 8*3600)
		}
		cfg.Location = loc
	}
	host, proto, err := ParseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	// Init writes into its config: each client gets one of its own
	newClient := func() (*dysms.Client, error) {
		return dysms.NewClient(&openapi.Config{AccessKeyId: tea.String(cfg.AccessKeyID), AccessKeySecret: tea.String(cfg.AccessKeySecret),
			Endpoint: tea.String(host), Protocol: tea.String(proto),
			ReadTimeout: tea.Int(int(cfg.Timeout / time.Millisecond)), ConnectTimeout: tea.Int(5000)})
	}
	c, err := newClient()
	if err != nil {
		return nil, fmt.Errorf("aliyun: %w", err)
	}
	s := &Sender{cfg: cfg}
	s.clients.New = func() any {
		c, _ := newClient() // the same settings were accepted above
		return c
	}
	s.clients.Put(c)
	return s, nil
}

// ParseEndpoint splits an endpoint setting into the host the SDK calls and
// its protocol (HTTPS for a bare host).
func ParseEndpoint(ep string) (host, protocol string, err error) {
	ep = strings.TrimSpace(ep)
	if ep == "" {
		return DefaultEndpoint, "HTTPS", nil
	}
	if !strings.Contains(ep, "://") {
		if strings.ContainsAny(ep, "/?# ") {
			return "", "", fmt.Errorf("aliyun: endpoint %q is neither a host nor a URL", ep)
		}
		return ep, "HTTPS", nil
	}
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || strings.Trim(u.Path, "/") != "" {
		return "", "", fmt.Errorf("aliyun: endpoint %q is not http(s)://host[:port]", ep)
	}
	return u.Host, strings.ToUpper(u.Scheme), nil
}

// PhoneNumber is how SendSms wants a number: mainland numbers without +86,
// others with their country code and no +.
func PhoneNumber(e164 string) string {
	if n, ok := strings.CutPrefix(e164, "+86"); ok {
		return n
	}
	return strings.TrimPrefix(e164, "+")
}

// Send maps e.Body onto the catalogue's templates and sends one SendSms per
// part, with OutId = the outbox id. It returns the parts' BizIds,
// comma-separated, and the segments they cost (the signature counted in).
// A part refused after earlier parts went out makes the whole entry fail
// or retry: a retry sends the earlier parts again (at least once).
func (s *Sender) Send(ctx context.Context, e *outbox.Entry) (providerID string, segments int, err error) {
	if err := ctx.Err(); err != nil {
		return "", 0, &outbox.SendError{Retryable: true, Provider: Provider, Msg: err.Error()}
	}
	parts, err := templates.FitSMS(Provider, templates.SMSKindOfKey(e.Key), e.Body)
	if err != nil {
		return "", 0, &outbox.SendError{Provider: Provider, Msg: "no approved template carries this message: " + err.Error()}
	}
	var ids []string
	for i, p := range parts {
		code := s.cfg.Templates[p.Template]
		if code == "" {
			return "", 0, &outbox.SendError{Provider: Provider, Msg: fmt.Sprintf("template %s has no code (FIELDCRM_ALIYUN_TEMPLATES)", p.Template)}
		}
		param, err := json.Marshal(p.Params)
		if err != nil {
			return "", 0, &outbox.SendError{Provider: Provider, Msg: err.Error()}
		}
		req := &dysms.SendSmsRequest{PhoneNumbers: tea.String(PhoneNumber(e.To)), SignName: tea.String(s.cfg.SignName),
			TemplateCode: tea.String(code), TemplateParam: tea.String(string(param)), OutId: tea.String(strconv.FormatInt(e.ID, 10))}
		id, err := s.sendOne(ctx, req)
		if err != nil {
			var se *outbox.SendError
			if errors.As(err, &se) && len(parts) > 1 {
				se.Msg = fmt.Sprintf("part %d of %d: %s", i+1, len(parts), se.Msg)
			}
			return "", 0, err
		}
		ids = append(ids, id)
		n, _ := templates.Segments("【" + s.cfg.SignName + "】" + p.Text)
		segments += n
	}
	return strings.Join(ids, ","), segments, nil
}

// sendOne calls SendSms, bounded by ctx as well as the client's timeouts.
func (s *Sender) sendOne(ctx context.Context, req *dysms.SendSmsRequest) (string, error) {
	type answer struct {
		resp *dysms.SendSmsResponse
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		rt := &util.RuntimeOptions{Autoretry: tea.Bool(false), ReadTimeout: tea.Int(int(s.cfg.Timeout / time.Millisecond)),
			ConnectTimeout: tea.Int(5000)}
		c := s.clients.Get().(*dysms.Client)
		resp, err := c.SendSmsWithOptions(req, rt)
		s.clients.Put(c)
		ch <- answer{resp, err}
	}()
	var a answer
	select {
	case a = <-ch:
	case <-ctx.Done():
		return "", &outbox.SendError{Retryable: true, Provider: Provider, Msg: "SendSms: " + ctx.Err().Error()}
	}
	if a.err != nil {
		return "", s.classifySDK(a.err)
	}
	if a.resp == nil || a.resp.Body == nil {
		return "", &outbox.SendError{Retryable: true, Provider: Provider, Msg: "SendSms answered without a body"}
	}
	b := a.resp.Body
	code := tea.StringValue(b.Code)
	if code != "OK" {
		return "", Classify(code, tea.StringValue(b.Message), tea.Int32Value(a.resp.StatusCode), s.cfg.Now(), s.cfg.Location)
	}
	id := tea.StringValue(b.BizId)
	if id == "" {
		// accepted, but we cannot tell which message it is: do not send again
		return "", &outbox.SendError{Provider: Provider, Msg: "SendSms answered OK without a BizId"}
	}
	return id, nil
}

func (s *Sender) classifySDK(err error) error {
	var se *tea.SDKError
	if errors.As(err, &se) {
		return Classify(tea.StringValue(se.Code), tea.StringValue(se.Message), int32(tea.IntValue(se.StatusCode)), s.cfg.Now(), s.cfg.Location)
	}
	// transport errors, timeouts: the request may not have arrived
	return &outbox.SendError{Retryable: true, Provider: Provider, Msg: err.Error()}
}
