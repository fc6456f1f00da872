package crm

import "strings"

// Phone kinds.
const (
	PhoneMobile   = "mobile"   // Chinese mobile, +861xxxxxxxxxx
	PhoneLandline = "landline" // Chinese landline with area code, +86<area><number>
	PhoneE164     = "e164"     // any other international number
)

// Phone is a normalised number.
type Phone struct {
	E164 string // "+8613901395136"
	Kind string
}

// NormalizePhone reads a phone number as people write it: 13901395136,
// 139-0139-5136, +86 139 0139 5136, 010-85868466, (010) 8586 8466, +1 415 555 0100.
// Numbers without a country code are taken as Chinese.
func NormalizePhone(s string) (Phone, bool) {
	s = strings.TrimSpace(foldWidth(s))
	plus := strings.HasPrefix(s, "+")
	var d strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.' || r == '+' && d.Len() == 0:
		default:
			return Phone{}, false
		}
	}
	digits := d.String()
	if !plus && strings.HasPrefix(digits, "0086") {
		digits, plus = digits[2:], true
	}
	if plus {
		if len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
			return Phone{}, false
		}
		if strings.HasPrefix(digits, "86") {
			return cnPhone(digits[2:], true)
		}
		return Phone{"+" + digits, PhoneE164}, true
	}
	return cnPhone(digits, false)
}

func cnPhone(n string, intl bool) (Phone, bool) {
	switch {
	case len(n) == 11 && n[0] == '1' && n[1] >= '3':
		return Phone{"+86" + n, PhoneMobile}, true
	case !intl && len(n) >= 10 && len(n) <= 12 && n[0] == '0' && n[1] != '0':
		return Phone{"+86" + n[1:], PhoneLandline}, true
	case intl && len(n) >= 9 && len(n) <= 11 && n[0] != '0' && !(len(n) == 11 && n[0] == '1'):
		// +86 then the area code without its trunk 0: +86 10 85868466 (Beijing)
		return Phone{"+86" + n, PhoneLandline}, true
	}
	return Phone{}, false
}

// phoneDigits returns the national digits of an E.164 number for the lookup
// index: "+8613901395136" → "13901395136"; landlines get back their leading 0.
func phoneDigits(e164 string) string {
	if rest, ok := strings.CutPrefix(e164, "+86"); ok {
		if len(rest) == 11 && rest[0] == '1' {
			return rest // mobile
		}
		return "0" + rest // landline: area code with its trunk 0
	}
	return strings.TrimPrefix(e164, "+")
}
