package email

import (
	"context"
	"maps"
	"strconv"

	"github.com/fieldcrm/fieldcrm/gateway/outbox"
)

// Sender puts the reply address and token of its recipient on every mail
// fieldcrm sends to a user, then hands it to the SMTP sender. Every digest,
// alert, notice and answer thus carries, in its Reply-To
// (crm+<token>@dealer.example) and its Message-ID
// (fieldcrm.<entry>.<stamp>.<token>@dealer.example), a token that a reply
// brings back in In-Reply-To/References: it is what lets a manager act on
// an alert from his inbox when his mail server's DKIM/SPF results are not
// believed. The token names the entry and its time: it answers for the user
// in the thread of that mail only, and only for the Handler's TokenTTL.
type Sender struct {
	Next    outbox.Sender // the SMTP sender
	Tokens  *Tokens
	Address string // fieldcrm's own address (its plus addresses are reply addresses)
}

// Send implements outbox.Sender.
func (s *Sender) Send(ctx context.Context, e *outbox.Entry) (string, int, error) {
	if e.UserID != 0 && s.Tokens != nil {
		c := *e
		c.Headers = maps.Clone(e.Headers)
		if c.Headers == nil {
			c.Headers = map[string]string{}
		}
		tok := s.Tokens.For(e.UserID, e.ID, e.Created)
		if _, ok := c.Headers["Reply-To"]; !ok {
			c.Headers["Reply-To"] = plusAddress(s.Address, tok)
		}
		if _, ok := c.Headers["Message-ID"]; !ok {
			c.Headers["Message-ID"] = MessageID(s.Address, &c, tok)
		}
		e = &c
	}
	return s.Next.Send(ctx, e)
}

// MessageID is the Message-ID (without <>) of an outbox entry to a user: the
// same on every retry of the entry, with the user's reply token in it.
func MessageID(address string, e *outbox.Entry, token string) string {
	_, domain := splitAddr(address)
	return "fieldcrm." + strconv.FormatInt(e.ID, 10) + "." + strconv.FormatInt(e.Created.UnixNano(), 36) + "." + token + "@" + domain
}
