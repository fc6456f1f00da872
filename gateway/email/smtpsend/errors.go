package smtpsend

import (
	"context"
	"errors"
	"net/textproto"

	gomail "github.com/wneessen/go-mail"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// classify turns an error of a send into an *outbox.SendError:
//
//	SMTP reply 4xx (421, 450, 451, 452, 454 …)   retryable, Code = reply code
//	SMTP reply 5xx (502, 530, 535, 550, 552 …)   permanent, Code = reply code
//	go-mail: bad sender / recipients / 8BITMIME   permanent
//	context ended, timeout, refused, reset, EOF,
//	TLS failure, STARTTLS not offered, other      retryable
//
// A reply code wins over an ended context: the server's answer is final.
//
// SMTP replies are found as the *textproto.Error that go-mail's SMTP client
// wraps (in a *gomail.SendError for MAIL, RCPT and DATA, in a plain wrapped
// error for AUTH); go-mail's own ErrorCode is the fallback.
func classify(ctx context.Context, err error) *outbox.SendError {
	se := &outbox.SendError{Msg: err.Error(), Retryable: true}
	if code := replyCode(err); code != 0 {
		se.Code = code
		se.Retryable = code < 500
		return se
	}
	if ctx.Err() != nil {
		se.Msg = ctx.Err().Error() + ": " + se.Msg
		return se
	}
	var ge *gomail.SendError
	if errors.As(err, &ge) {
		switch ge.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			se.Retryable = false
		}
	}
	return se
}

// replyCode returns the SMTP reply code (4xx or 5xx) carried by err, or 0.
func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 400 && te.Code < 600 {
		return te.Code
	}
	var ge *gomail.SendError
	if errors.As(err, &ge) {
		if c := ge.ErrorCode(); c >= 400 && c < 600 {
			return c
		}
	}
	return 0
}
