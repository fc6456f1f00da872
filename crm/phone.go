package crm

import (
	"regexp"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Phone kinds.
const (
	PhoneMobile   = "mobile"   // Chinese mobile, +861xxxxxxxxxx
	PhoneLandline = "landline" // Chinese landline with area code, +86<area><number>
	PhoneHotline  = "hotline"  // Chinese 400/800 company hotline: can be called, receives no SMS
	PhoneE164     = "e164"     // any other international number
)

// defaultRegion is where a number written without a country code is: the
// dealer is in China.
const defaultRegion = "CN"

// Phone is a normalised number.
type Phone struct {
	E164 string // "+8613901395136"; with an extension "+861085868466;ext=8"
	Kind string
	Ext  string // the extension (转 8, ext. 8, -8), "" when none
	SMS  bool   // it receives SMS: a Chinese mobile, or a mobile abroad
}

// NormalizePhone reads a phone number as people write it (see ParsePhone);
// false when it is not a valid number.
func NormalizePhone(s string) (Phone, bool) {
	p, err := ParsePhone(s)
	return p, err == nil
}

// extRE finds an extension after a number: 010-85868466 转 8, 分机 8,
// ext. 8, x8, #8, and the stored form ;ext=8.
var extRE = regexp.MustCompile(`(?i)^(.*?[0-9)])\s*(?:;\s*ext=|转|分机|ext\.?|x|#)\s*([0-9]{1,6})$`)

// dashExtRE is a number and a short last group after a dash (010-85868466-8),
// an extension when the number without it is valid and with it is not.
var dashExtRE = regexp.MustCompile(`^(.*[0-9])\s*-\s*([0-9]{1,5})$`)

// ParsePhone reads a phone number as people write it: 13901395136,
// 139-0139-5136, +86 139 0139 5136, 010-85868466, (010) 8586 8466,
// 400-820-8820, +1 415 555 0100, with an extension (010-85868466 转 8).
// Numbers without a country code are taken as Chinese. The number must be
// valid by the numbering plans of libphonenumber (nyaruka/phonenumbers): a
// mobile prefix no operator has (140…) or a US area code that does not exist
// (+1 999…) is refused, with a message that says why.
func ParsePhone(s string) (Phone, error) {
	phoneCache.Lock()
	c, hit := phoneCache.m[s]
	phoneCache.Unlock()
	if !hit {
		c.p, c.err = parsePhone(s)
		phoneCache.Lock()
		if len(phoneCache.m) >= phoneCacheSize {
			clear(phoneCache.m) // a new set of numbers (an import): start again
		}
		phoneCache.m[s] = c
		if c.err == nil {
			phoneCache.m[c.p.E164] = c // the stored form reads back the same (crm checks it on every save)
		}
		phoneCache.Unlock()
	}
	if c.err != nil {
		e := *c.err // the caller's own copy
		return Phone{}, &e
	}
	return c.p, nil
}

// phoneCache remembers what ParsePhone made of the numbers it saw last: the
// numbering plans are regular expressions, some 100 times slower than the
// digits alone (BenchmarkParsePhone), and the same numbers come back (a
// sender's, an owner's in every row of an import).
var phoneCache = struct {
	sync.Mutex
	m map[string]cachedPhone
}{m: map[string]cachedPhone{}}

const phoneCacheSize = 1 << 14

type cachedPhone struct {
	p   Phone
	err *Error
}

func parsePhone(s string) (Phone, *Error) {
	in := strings.TrimSpace(foldWidth(s))
	main, ext := in, ""
	if m := extRE.FindStringSubmatch(in); m != nil {
		main, ext = m[1], m[2]
	}
	n, err := parseNumber(s, main)
	if err != nil && ext == "" {
		if m := dashExtRE.FindStringSubmatch(in); m != nil {
			if n2, err2 := parseNumber(s, m[1]); err2 == nil {
				n, err, ext = n2, nil, m[2]
			}
		}
	}
	if err != nil {
		return Phone{}, err
	}
	p := Phone{E164: phonenumbers.Format(n, phonenumbers.E164), Ext: ext}
	t := phonenumbers.GetNumberType(n)
	switch {
	case n.GetCountryCode() != 86:
		p.Kind = PhoneE164
		p.SMS = t == phonenumbers.MOBILE || t == phonenumbers.FIXED_LINE_OR_MOBILE
	case t == phonenumbers.MOBILE:
		p.Kind, p.SMS = PhoneMobile, true
	case t == phonenumbers.TOLL_FREE || t == phonenumbers.SHARED_COST || t == phonenumbers.UAN || t == phonenumbers.PREMIUM_RATE:
		p.Kind = PhoneHotline
	default:
		p.Kind = PhoneLandline
	}
	if ext != "" {
		p.E164 += ";ext=" + ext
	}
	return p, nil
}

// parseNumber validates the number part of s (raw is what the person wrote,
// for the message).
func parseNumber(raw, s string) (*phonenumbers.PhoneNumber, *Error) {
	notPhone := Errorf(EINVALID, "%q is not a phone number.", raw).withHint("13901395136, 010-85868466 or 400-820-8820")
	plus := strings.HasPrefix(s, "+")
	var d strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '+' && d.Len() == 0:
		default:
			return nil, notPhone
		}
	}
	digits := d.String()
	if !plus && strings.HasPrefix(digits, "0086") {
		digits, plus = digits[4:], true
		digits = "86" + digits
	}
	if len(digits) == 0 {
		return nil, notPhone
	}
	if plus {
		digits = "+" + digits
	}
	n, err := phonenumbers.Parse(digits, defaultRegion)
	if err != nil {
		switch err {
		case phonenumbers.ErrTooShortNSN, phonenumbers.ErrTooShortAfterIDD:
			return nil, Errorf(EINVALID, "%q is not a phone number: too few digits.", raw).withHint("13901395136 or 010-85868466")
		case phonenumbers.ErrNumTooLong:
			return nil, Errorf(EINVALID, "%q is not a phone number: too many digits.", raw).withHint("13901395136 or 010-85868466")
		case phonenumbers.ErrInvalidCountryCode:
			return nil, Errorf(EINVALID, "%q is not a phone number: no country code after the +.", raw).withHint("+86 139 0139 5136 or +1 415 555 0100")
		}
		return nil, notPhone
	}
	if phonenumbers.IsValidNumber(n) {
		return n, nil
	}
	cc := int(n.GetCountryCode())
	nsn := phonenumbers.GetNationalSignificantNumber(n)
	switch phonenumbers.IsPossibleNumberWithReason(n) {
	case phonenumbers.INVALID_COUNTRY_CODE:
		return nil, Errorf(EINVALID, "%q is not a phone number: +%d is not a country code.", raw, cc).withHint("+86 139 0139 5136 or +1 415 555 0100")
	case phonenumbers.TOO_SHORT:
		return nil, Errorf(EINVALID, "%q is not a phone number: too few digits.", raw).withHint("13901395136 or 010-85868466")
	case phonenumbers.TOO_LONG:
		return nil, Errorf(EINVALID, "%q is not a phone number: too many digits.", raw).withHint("13901395136 or 010-85868466")
	}
	switch {
	case cc == 86 && len(nsn) == 11 && nsn[0] == '1':
		return nil, Errorf(EINVALID, "%q is not a phone number in use: no Chinese operator has mobile numbers starting %s.", raw, nsn[:3]).withHint("13901395136")
	case cc == 86:
		return nil, Errorf(EINVALID, "%q is not a phone number in use in China: check the area code and the number of digits.", raw).withHint("010-85868466, 0411-82345678 or 400-820-8820")
	}
	return nil, Errorf(EINVALID, "%q is not a phone number in use: +%d has no such area code or range.", raw, cc).withHint("+1 415 555 0100")
}

// notMobile says why p, written raw, cannot be a contact's mobile (nil when
// it can).
func (p Phone) notMobile(raw string) error {
	switch {
	case p.Kind == PhoneLandline:
		return Errorf(EINVALID, "%q is a landline, not a mobile number.", raw).withHint("13901395136")
	case p.Kind == PhoneHotline:
		return Errorf(EINVALID, "%q is a 400/800 hotline, not a mobile number.", raw).withHint("13901395136")
	case p.Ext != "":
		return Errorf(EINVALID, "%q has an extension: a mobile number has none.", raw).withHint("13901395136")
	}
	return nil
}

// notSMS says why p, written raw, cannot be a user's own phone, which must
// receive the SMS fieldcrm sends (nil when it can).
func (p Phone) notSMS(raw string) error {
	switch {
	case p.Kind == PhoneLandline:
		return Errorf(EINVALID, "User phone %q is a landline: a user's own phone must be a mobile that receives SMS.", raw).withHint("+8613901234567 or 13901234567")
	case p.Kind == PhoneHotline:
		return Errorf(EINVALID, "User phone %q is a 400/800 hotline: a user's own phone must be a mobile that receives SMS.", raw).withHint("+8613901234567 or 13901234567")
	case !p.SMS || p.Ext != "":
		return Errorf(EINVALID, "User phone %q is a fixed line: a user's own phone must be a mobile that receives SMS.", raw).withHint("+8613901234567 or 13901234567")
	}
	return nil
}

// phoneDigits returns the national digits of an E.164 number for the lookup
// index: "+8613901395136" → "13901395136"; landlines get back their leading
// 0, hotlines stay as dialled (4008208820); an extension is left out.
func phoneDigits(e164 string) string {
	e164, _, _ = strings.Cut(e164, ";")
	if rest, ok := strings.CutPrefix(e164, "+86"); ok {
		if len(rest) == 11 && rest[0] == '1' || len(rest) == 10 && (rest[:3] == "400" || rest[:3] == "800") {
			return rest // mobile, hotline
		}
		return "0" + rest // landline: area code with its trunk 0
	}
	return strings.TrimPrefix(e164, "+")
}

// PhoneDisplay writes a stored number as people in China write it and as
// ParsePhone reads it back: 13901395136, 01085868466, 4008208820; numbers
// abroad keep their +; an extension follows a dash (01085868466-8).
func PhoneDisplay(stored string) string {
	if stored == "" {
		return ""
	}
	num, ext, _ := strings.Cut(stored, ";ext=")
	d := num
	if strings.HasPrefix(num, "+86") {
		d = phoneDigits(num)
	}
	if ext != "" {
		d += "-" + ext
	}
	return d
}

// CheckMobile says why p, written raw, is not a mobile number (a contact's
// mobile), nil when it is one.
func CheckMobile(p Phone, raw string) error { return p.notMobile(raw) }

// CheckSMS says why p, written raw, cannot be a user's own phone (it must
// receive SMS), nil when it can.
func CheckSMS(p Phone, raw string) error { return p.notSMS(raw) }

// phoneKey is the key under which a number is looked up (a sender's user):
// its E.164 form when it is valid, else the digits as written in E.164 (a
// number stored before the numbering plans said it is not in use must still
// find its user).
func phoneKey(s string) (string, bool) {
	if p, err := ParsePhone(s); err == nil {
		return p.E164, true
	}
	s = strings.TrimSpace(foldWidth(s))
	plus := strings.HasPrefix(s, "+")
	var d strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '+' && d.Len() == 0:
		default:
			return "", false
		}
	}
	digits := d.String()
	switch {
	case plus && len(digits) >= 8 && len(digits) <= 15:
		return "+" + digits, true
	case !plus && len(digits) == 11 && digits[0] == '1':
		return "+86" + digits, true
	case !plus && strings.HasPrefix(digits, "0086") && len(digits) > 8:
		return "+" + digits[2:], true
	}
	return "", false
}
