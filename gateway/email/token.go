package email

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// A reply token names the user a mail of fieldcrm was sent to. It rides in
// the per-user reply address (crm+<token>@dealer.example) and in the
// Message-ID of every mail fieldcrm sends, so that a reply carries it back
// in To and in In-Reply-To/References. It is the user id and a MAC of it
// under a secret kept in the database: it cannot be made up for another
// user, and it stays valid across restarts.

var tokenEnc = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// tokenMACLen is the number of MAC bytes in a token (64 bits).
const tokenMACLen = 8

// Tokens makes and checks reply tokens.
type Tokens struct{ key []byte }

// NewTokens returns Tokens with key (at least 16 bytes).
func NewTokens(key []byte) (*Tokens, error) {
	if len(key) < 16 {
		return nil, errors.New("email: the token key needs at least 16 bytes")
	}
	return &Tokens{key: append([]byte(nil), key...)}, nil
}

// For returns the token of a user: lower-case letters and digits, about 16
// of them.
func (t *Tokens) For(userID int64) string {
	buf := binary.AppendUvarint(nil, uint64(userID))
	buf = append(buf, t.mac(userID)...)
	return tokenEnc.EncodeToString(buf)
}

// User returns the user a token was made for; ok is false for anything that
// is not a token of ours.
func (t *Tokens) User(token string) (userID int64, ok bool) {
	raw, err := tokenEnc.DecodeString(strings.ToLower(token))
	if err != nil || len(raw) < tokenMACLen+1 {
		return 0, false
	}
	id, n := binary.Uvarint(raw)
	if n <= 0 || n+tokenMACLen != len(raw) || id == 0 || id > 1<<62 {
		return 0, false
	}
	if !hmac.Equal(raw[n:], t.mac(int64(id))) {
		return 0, false
	}
	return int64(id), true
}

func (t *Tokens) mac(userID int64) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte("fieldcrm-reply|"))
	m.Write(binary.AppendUvarint(nil, uint64(userID)))
	return m.Sum(nil)[:tokenMACLen]
}

// loadKey returns the token key stored in the database, making one the
// first time.
func loadKey(db *bolt.DB) ([]byte, error) {
	var key []byte
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bktMeta)
		if err != nil {
			return err
		}
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

// tokenInAddress returns the token of a plus address of base ("" when addr
// is not one).
func tokenInAddress(base, addr string) string {
	bl, bd := splitAddr(base)
	l, d := splitAddr(addr)
	if d != bd || !strings.HasPrefix(l, bl+"+") {
		return ""
	}
	return l[len(bl)+1:]
}

// messageIDToken returns the token in a Message-ID made by MessageID
// ("fieldcrm.<entry>.<stamp>.<token>@domain"), "" for any other id.
func messageIDToken(domain, id string) string {
	id = strings.Trim(strings.TrimSpace(id), "<>")
	l, d := splitAddr(id)
	if d != domain || !strings.HasPrefix(l, "fieldcrm.") {
		return ""
	}
	parts := strings.Split(l, ".")
	if len(parts) != 4 {
		return ""
	}
	return parts[3]
}
