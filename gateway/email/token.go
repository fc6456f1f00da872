package email

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/crm"
)

// A reply token names the user a mail of fieldcrm was sent to, the mail
// (its outbox entry) and when it was made. It rides in the per-user reply
// address (crm+<token>@dealer.example) and in the Message-ID of every mail
// fieldcrm sends, so that a reply carries it back in In-Reply-To/References.
// It is those three numbers and a MAC of them under a secret kept in the
// database: it cannot be made up for another user, another mail or another
// time, and it stays valid across restarts.
//
// A token speaks for its user only in a reply to the mail it came with (the
// Handler finds it in the Message-ID that In-Reply-To or References names)
// and only for TokenTTL after that mail was made, so that a mail forwarded
// to someone else, or an old one found later, does not act as its user
// forever. Tokens of earlier versions (the user id alone) are accepted in
// a reply to the mail they came with for TokenTTL after the database first
// ran this version, so that replies to the mail sent just before an
// upgrade still work; then never again.

var tokenEnc = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// tokenMACLen is the number of MAC bytes in a token (64 bits).
const tokenMACLen = 8

// DefaultTokenTTL is how long a reply token acts for its user.
const DefaultTokenTTL = 30 * 24 * time.Hour

// Tokens makes and checks reply tokens.
type Tokens struct{ key []byte }

// Token is what a reply token says.
type Token struct {
	User   int64     // the user the mail was sent to
	Entry  int64     // the outbox entry of the mail it was sent with
	Issued time.Time // when that mail was made (to the hour)
}

// NewTokens returns Tokens with key (at least 16 bytes).
func NewTokens(key []byte) (*Tokens, error) {
	if len(key) < 16 {
		return nil, errors.New("email: the token key needs at least 16 bytes")
	}
	return &Tokens{key: append([]byte(nil), key...)}, nil
}

// For returns the token of the mail entry sent to user, made at issued:
// lower-case letters and digits, about 25 of them.
func (t *Tokens) For(userID, entryID int64, issued time.Time) string {
	buf := tokenFields(userID, entryID, issuedHour(issued))
	buf = append(buf, t.mac(buf)...)
	return tokenEnc.EncodeToString(buf)
}

// Check returns what a token says; ok is false for anything that is not a
// token of ours (whatever its age: the caller decides what is too old).
func (t *Tokens) Check(token string) (tok Token, ok bool) {
	raw, err := tokenEnc.DecodeString(strings.ToLower(token))
	if err != nil || len(raw) < 3+tokenMACLen || len(raw) > 30+tokenMACLen {
		return Token{}, false
	}
	body, mac := raw[:len(raw)-tokenMACLen], raw[len(raw)-tokenMACLen:]
	var v [3]uint64
	rest := body
	for i := range v {
		x, n := binary.Uvarint(rest)
		if n <= 0 || x > 1<<62 {
			return Token{}, false
		}
		v[i], rest = x, rest[n:]
	}
	if len(rest) != 0 || v[0] == 0 || !hmac.Equal(mac, t.mac(body)) {
		return Token{}, false
	}
	return Token{User: int64(v[0]), Entry: int64(v[1]), Issued: time.Unix(int64(v[2])*3600, 0)}, true
}

func tokenFields(userID, entryID, hour int64) []byte {
	buf := binary.AppendUvarint(nil, uint64(userID))
	buf = binary.AppendUvarint(buf, uint64(entryID))
	return binary.AppendUvarint(buf, uint64(hour))
}

// issuedHour is t in whole hours since 1970 (0 for earlier times).
func issuedHour(t time.Time) int64 {
	return max(t.Unix()/3600, 0)
}

func (t *Tokens) mac(body []byte) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte("fieldcrm-reply/2|"))
	m.Write(body)
	return m.Sum(nil)[:tokenMACLen]
}

// legacyUser returns the user of a token made before tokens named their
// mail and time (the user id and a MAC of it).
func (t *Tokens) legacyUser(token string) (int64, bool) {
	raw, err := tokenEnc.DecodeString(strings.ToLower(token))
	if err != nil || len(raw) < tokenMACLen+1 {
		return 0, false
	}
	id, n := binary.Uvarint(raw)
	if n <= 0 || n+tokenMACLen != len(raw) || id == 0 || id > 1<<62 {
		return 0, false
	}
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte("fieldcrm-reply|"))
	m.Write(raw[:n])
	return int64(id), hmac.Equal(raw[n:], m.Sum(nil)[:tokenMACLen])
}

// legacySince returns when this database first ran with tokens that name
// their mail and time, noting now the first time.
func legacySince(db crm.Engine, now time.Time) (time.Time, error) {
	var since time.Time
	err := db.Update(context.Background(), func(tx crm.ETx) error {
		b := tx.State(bktMeta)
		if v := b.Get(keyTokensV2); len(v) == 8 {
			since = time.Unix(int64(binary.BigEndian.Uint64(v)), 0)
			return nil
		}
		since = now
		return b.Put(keyTokensV2, binary.BigEndian.AppendUint64(nil, uint64(now.Unix())))
	})
	return since, err
}

// loadKey returns the token key stored in the database, making one the
// first time.
func loadKey(db crm.Engine) ([]byte, error) {
	var key []byte
	err := db.Update(context.Background(), func(tx crm.ETx) error {
		b := tx.State(bktMeta)
		if v := b.Get(keyTokenKey); len(v) >= 16 {
			key = append([]byte(nil), v...)
			return nil
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		return b.Put(keyTokenKey, key)
	})
	return key, err
}

// splitAddr splits "local@domain" (lower-cased).
func splitAddr(addr string) (local, domain string) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return addr, ""
	}
	return addr[:i], addr[i+1:]
}

// plusAddress is base with "+token" after its local part.
func plusAddress(base, token string) string {
	local, domain := splitAddr(base)
	if domain == "" {
		return base
	}
	return local + "+" + token + "@" + domain
}

// messageIDToken returns the outbox entry and the token in a Message-ID
// made by MessageID ("fieldcrm.<entry>.<stamp>.<token>@domain"), "" for
// any other id.
func messageIDToken(domain, id string) (entry int64, token string) {
	id = strings.Trim(strings.TrimSpace(id), "<>")
	l, d := splitAddr(id)
	if d != domain || !strings.HasPrefix(l, "fieldcrm.") {
		return 0, ""
	}
	parts := strings.Split(l, ".")
	if len(parts) != 4 {
		return 0, ""
	}
	entry, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return 0, ""
	}
	return entry, parts[3]
}
