package outbox

import (
	"errors"
	"fmt"
	"time"
)

// SendError is a provider's refusal, classified.
type SendError struct {
	Code       int  // provider error code (Twilio: 21610 = the recipient replied STOP)
	HTTPStatus int  // HTTP status of the provider's answer; 0 when there was none
	Retryable  bool // trying again later may succeed (429, 5xx, network errors, timeouts)
	OptOut     bool // the recipient has opted out: never retry, tell the CRM
	// RetryAt, when set on a retryable error, is the earliest time the
	// provider will accept this recipient again (its per-number frequency
	// limit): the worker waits until then instead of its usual backoff.
	RetryAt time.Time
	// Provider names the provider that answered ("twilio", "aliyun").
	Provider string
	Msg      string
}

func (e *SendError) Error() string {
	s := "send failed"
	if e.HTTPStatus != 0 {
		s += fmt.Sprintf(": HTTP %d", e.HTTPStatus)
	}
	if e.Code != 0 {
		s += fmt.Sprintf(": code %d", e.Code)
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Twilio error codes the outbox knows about.
const (
	CodeOptOut = 21610 // "Attempt to send to unsubscribed recipient"
)

// Retryable reports whether a send that failed with err may succeed later:
// a *SendError says so itself; network errors, timeouts and cancellations
// are retryable; so is any other unclassified error (at-least-once: an
// unknown failure is retried until MaxAttempts, then dead-lettered).
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var se *SendError
	if errors.As(err, &se) {
		return se.Retryable && !se.OptOut
	}
	return !errors.Is(err, errPermanent)
}

// Permanent reports whether err means the message can never be sent as it
// is (bad number, opted out, rejected content): the entry fails at once.
func Permanent(err error) bool { return err != nil && !Retryable(err) }

// OptOut reports whether err says the recipient has opted out.
func OptOut(err error) bool {
	var se *SendError
	return errors.As(err, &se) && (se.OptOut || se.Code == CodeOptOut)
}

var errPermanent = errors.New("permanent")

// MarkPermanent wraps err so that Permanent reports true (for Senders whose
// errors are not *SendError).
func MarkPermanent(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w (%w)", err, errPermanent)
}

func asSendError(err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	return nil
}

// Limited reports whether err is a provider's per-number limit: a retryable
// *SendError with RetryAt set. The worker holds the entry (and every other
// to the same number) until RetryAt; the attempt does not count toward
// MaxAttempts.
func Limited(err error) bool {
	se := asSendError(err)
	return se != nil && se.Retryable && !se.OptOut && !se.RetryAt.IsZero()
}

// errorCode returns the provider code carried by err, if any.
func errorCode(err error) int {
	var se *SendError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}
