// Package twilio is fieldcrm's SMS edge on Twilio: the REST sender used by
// the outbox, the webhook signature check, and the decoding of inbound
// messages and status callbacks. The HTTP handlers that apply commands
// through crm live with the coordinator; this package gives them the pieces.
package twilio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
	twiliogo "github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"
)

// DefaultAPIURL is Twilio's REST API.
const DefaultAPIURL = "https://api.twilio.com"

// StatusPath is where the status callbacks are posted, under Config.PublicURL.
const StatusPath = "/twilio/status"

// Config configures the Sender.
type Config struct {
	AccountSID string // AC…
	AuthToken  string
	// APIURL replaces scheme and host of twilio-go's fixed base URL
	// (FIELDCRM_TWILIO_API_URL; DefaultAPIURL when empty): tests point it at
	// twiliotest.
	APIURL string
	// PublicURL is fieldcrm's public base URL as Twilio reaches it
	// (https://crm.example.com); the status callback is PublicURL+StatusPath.
	// Empty: no status callbacks.
	PublicURL string
	// From is the default sender (a number +… or a Messaging Service SID
	// MG…) for entries that arrive with an empty From.
	From    string
	Timeout time.Duration // HTTP timeout of one REST call [15s]
	// Transport is the underlying RoundTripper (http.DefaultTransport when nil).
	Transport http.RoundTripper
}

// Sender sends SMS through Twilio's REST API. It implements outbox.Sender.
type Sender struct {
	cfg  Config
	base *url.URL
	rest *twiliogo.RestClient
}

var _ outbox.Sender = (*Sender)(nil)

var alnum = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// NewSender checks cfg and makes a Sender.
func NewSender(cfg Config) (*Sender, error) {
	if !alnum.MatchString(cfg.AccountSID) || !alnum.MatchString(cfg.AuthToken) {
		return nil, errors.New("twilio: account SID and auth token must be set and alphanumeric")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	base, err := url.Parse(cfg.APIURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("twilio: bad API URL %q", cfg.APIURL)
	}
	if cfg.PublicURL != "" {
		if u, err := url.Parse(cfg.PublicURL); err != nil || u.Host == "" {
			return nil, fmt.Errorf("twilio: bad public URL %q", cfg.PublicURL)
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport
	}
	s := &Sender{cfg: cfg, base: base}
	s.rest = s.restClient(context.Background())
	return s, nil
}

// StatusCallbackURL is the URL given to Twilio for delivery reports (empty
// without a PublicURL).
func (s *Sender) StatusCallbackURL() string {
	if s.cfg.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(s.cfg.PublicURL, "/") + StatusPath
}

// RestClient returns a twilio-go client pointed at the configured API URL,
// for calls other than sending.
func (s *Sender) RestClient() *twiliogo.RestClient { return s.rest }

// restClient builds a twilio-go client whose requests carry ctx (twilio-go
// passes no context itself) and go to the configured API URL.
func (s *Sender) restClient(ctx context.Context) *twiliogo.RestClient {
	c := &client.Client{
		Credentials: client.NewCredentials(s.cfg.AccountSID, s.cfg.AuthToken),
		HTTPClient: &http.Client{
			Timeout:       s.cfg.Timeout,
			Transport:     &rewriteHost{base: s.base, ctx: ctx, next: s.cfg.Transport},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.SetAccountSid(s.cfg.AccountSID)
	return twiliogo.NewRestClientWithParams(twiliogo.ClientParams{
		Username: s.cfg.AccountSID, Password: s.cfg.AuthToken, AccountSid: s.cfg.AccountSID, Client: c,
	})
}

// rewriteHost sends every request to base (scheme, host and any path
// prefix), keeping the path Twilio's library built, and binds it to ctx.
type rewriteHost struct {
	base *url.URL
	ctx  context.Context
	next http.RoundTripper
}

func (t *rewriteHost) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	if t.ctx != nil && t.ctx != context.Background() {
		r2 = r2.WithContext(t.ctx)
	}
	r2.URL.Scheme = t.base.Scheme
	r2.URL.Host = t.base.Host
	if p := strings.TrimRight(t.base.Path, "/"); p != "" {
		r2.URL.Path = p + r2.URL.Path
		r2.URL.RawPath = ""
	}
	r2.Host = ""
	return t.next.RoundTrip(r2)
}

// Send sends e.Body to e.To from e.From (a number, or a Messaging Service SID
// starting with MG; the configured From when empty). Errors are
// *outbox.SendError.
func (s *Sender) Send(ctx context.Context, e *outbox.Entry) (providerID string, segments int, err error) {
	if err := ctx.Err(); err != nil {
		return "", 0, &outbox.SendError{Retryable: true, Msg: err.Error()}
	}
	from := e.From
	if from == "" {
		from = s.cfg.From
	}
	p := &api.CreateMessageParams{}
	p.SetPathAccountSid(s.cfg.AccountSID)
	p.SetTo(e.To)
	p.SetBody(e.Body)
	switch {
	case strings.HasPrefix(from, "MG"):
		p.SetMessagingServiceSid(from)
	case from != "":
		p.SetFrom(from)
	default:
		return "", 0, &outbox.SendError{Msg: "no sender number or Messaging Service configured"}
	}
	if cb := s.StatusCallbackURL(); cb != "" {
		p.SetStatusCallback(cb)
	}
	m, err := s.restClient(ctx).Api.CreateMessage(p)
	if err != nil {
		return "", 0, classify(err)
	}
	if m == nil || m.Sid == nil || *m.Sid == "" {
		// accepted, but we cannot tell which message it is: do not send again
		return "", 0, &outbox.SendError{Msg: "Twilio answered without a message SID"}
	}
	if m.NumSegments != nil {
		segments, _ = strconv.Atoi(*m.NumSegments)
	}
	return *m.Sid, segments, nil
}

var httpCodeInMsg = regexp.MustCompile(`HTTP error code: (\d{3})`)

// classify maps twilio-go's errors to *outbox.SendError: 429 and 5xx are
// retryable, 21610 is an opt-out, other 4xx are permanent; transport errors
// and timeouts are retryable.
func classify(err error) error {
	var te *client.TwilioRestError
	if errors.As(err, &te) {
		return restError(te.Status, te.Code, te.Message)
	}
	var ve *client.RestErrorV1
	if errors.As(err, &ve) {
		return restError(ve.HttpStatusCode, ve.Code, ve.Message)
	}
	// an error status whose body was not Twilio's JSON (a proxy's 502 page)
	if m := httpCodeInMsg.FindStringSubmatch(err.Error()); m != nil {
		status, _ := strconv.Atoi(m[1])
		return restError(status, 0, err.Error())
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &outbox.SendError{Retryable: true, Msg: err.Error()}
	}
	// unknown: let the outbox retry, it dead-letters after MaxAttempts
	return &outbox.SendError{Retryable: true, Msg: err.Error()}
}

func restError(status, code int, msg string) *outbox.SendError {
	se := &outbox.SendError{Code: code, HTTPStatus: status, Msg: msg}
	switch {
	case code == outbox.CodeOptOut:
		se.OptOut = true
	case status == http.StatusTooManyRequests || status >= 500 || status == http.StatusRequestTimeout:
		se.Retryable = true
	case code == 20429: // Twilio's "too many requests"
		se.Retryable = true
	}
	return se
}
