package crm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
	"github.com/fieldcrm/fieldcrm/templates"
)

// phoneCases are numbers as the dealer has them, with what crm makes of
// them: the stored form, the kind and whether it takes SMS; or the words of
// the refusal.
var phoneCases = []struct {
	in     string
	e164   string
	kind   string
	sms    bool
	refuse string
}{
	{in: "13901395136", e164: "+8613901395136", kind: crm.PhoneMobile, sms: true},
	{in: "139-0139-5136", e164: "+8613901395136", kind: crm.PhoneMobile, sms: true},
	{in: "+86 139 0139 5136", e164: "+8613901395136", kind: crm.PhoneMobile, sms: true},
	{in: "0086 139 0139 5136", e164: "+8613901395136", kind: crm.PhoneMobile, sms: true},
	{in: "１３９０１３９５１３６", e164: "+8613901395136", kind: crm.PhoneMobile, sms: true},
	{in: "19912345678", e164: "+8619912345678", kind: crm.PhoneMobile, sms: true},
	{in: "024-2281 5566", e164: "+862422815566", kind: crm.PhoneLandline},
	{in: "(010) 8888 6666", e164: "+861088886666", kind: crm.PhoneLandline},
	{in: "010-85868466", e164: "+861085868466", kind: crm.PhoneLandline},
	{in: "+86 10 85868466", e164: "+861085868466", kind: crm.PhoneLandline},
	{in: "0411-82345678", e164: "+8641182345678", kind: crm.PhoneLandline},
	{in: "400-820-8820", e164: "+864008208820", kind: crm.PhoneHotline},
	{in: "400 820 8820", e164: "+864008208820", kind: crm.PhoneHotline},
	{in: "800-820-8820", e164: "+868008208820", kind: crm.PhoneHotline},
	{in: "010-85868466 转 8", e164: "+861085868466;ext=8", kind: crm.PhoneLandline},
	{in: "010-85868466转801", e164: "+861085868466;ext=801", kind: crm.PhoneLandline},
	{in: "010-85868466 分机 12", e164: "+861085868466;ext=12", kind: crm.PhoneLandline},
	{in: "010-85868466 ext. 8", e164: "+861085868466;ext=8", kind: crm.PhoneLandline},
	{in: "010-85868466 ext 8", e164: "+861085868466;ext=8", kind: crm.PhoneLandline},
	{in: "010-85868466-8", e164: "+861085868466;ext=8", kind: crm.PhoneLandline},
	{in: "400-820-8820 转 3", e164: "+864008208820;ext=3", kind: crm.PhoneHotline},
	{in: "+861085868466;ext=8", e164: "+861085868466;ext=8", kind: crm.PhoneLandline}, // as stored
	{in: "+1 415 555 0100", e164: "+14155550100", kind: crm.PhoneE164, sms: true},
	{in: "+44 7911 123456", e164: "+447911123456", kind: crm.PhoneE164, sms: true},
	{in: "+44 20 7946 0958", e164: "+442079460958", kind: crm.PhoneE164},

	{in: "14012345678", refuse: `"14012345678" is not a phone number in use: no Chinese operator has mobile numbers starting 140.`},
	{in: "+1 999 555 0100", refuse: `"+1 999 555 0100" is not a phone number in use: +1 has no such area code or range.`},
	{in: "010-8586846", refuse: `"010-8586846" is not a phone number in use in China: check the area code and the number of digits.`},
	{in: "85868466", refuse: `"85868466" is not a phone number in use in China`},
	{in: "1390", refuse: `"1390" is not a phone number`},
	{in: "139012345678901234567", refuse: `"139012345678901234567" is not a phone number: too many digits.`},
	{in: "+999 1234 5678", refuse: `"+999 1234 5678" is not a phone number`},
	{in: "tel 139", refuse: `"tel 139" is not a phone number.`},
	{in: "", refuse: `"" is not a phone number.`},
}

func TestParsePhone(t *testing.T) {
	for _, c := range phoneCases {
		p, err := crm.ParsePhoneUncached(c.in)
		if q, qerr := crm.ParsePhone(c.in); q != p || crm.ErrorMessage(qerr) != crm.ErrorMessage(err) {
			t.Errorf("%q: cached %+v %v, uncached %+v %v", c.in, q, qerr, p, err)
		}
		switch {
		case c.refuse != "":
			if err == nil || !strings.Contains(crm.ErrorMessage(err), c.refuse) || crm.ErrorCode(err) != crm.EINVALID {
				t.Errorf("%q: %+v, %v; want refused with %q", c.in, p, err, c.refuse)
			}
		case err != nil:
			t.Errorf("%q: %v", c.in, err)
		case p.E164 != c.e164 || p.Kind != c.kind || p.SMS != c.sms:
			t.Errorf("%q = %+v, want %s %s sms=%v", c.in, p, c.e164, c.kind, c.sms)
		}
		if c.refuse == "" {
			// the stored form and the written form read back the same
			for _, back := range []string{p.E164, crm.PhoneDisplay(p.E164)} {
				if q, err := crm.ParsePhoneUncached(back); err != nil || q != p {
					t.Errorf("%q: %q reads back as %+v, %v", c.in, back, q, err)
				}
			}
		}
	}
	for stored, want := range map[string]string{"+8613901395136": "13901395136", "+861085868466": "01085868466",
		"+864008208820": "4008208820", "+861085868466;ext=8": "01085868466-8", "+14155550100": "+14155550100"} {
		if got := crm.PhoneDisplay(stored); got != want {
			t.Errorf("PhoneDisplay(%q) = %q, want %q", stored, got, want)
		}
	}
}

// Every number of the table through crm's rules on a real file: as an
// account's phone (anything valid), a contact's mobile (a mobile, or a
// mobile abroad) and a user's own phone (must receive SMS). A refused
// number stores nothing.
func TestPhonesThroughCrm(t *testing.T) {
	s := MustOpenStore(t)
	owner := &crm.User{Name: "Li Wei", Phones: []string{"13800000009"}, Role: crm.RoleSalesman, Locale: "zh", Base: crm.Base{Branch: "shenyang", Dept: "machines"}}
	mustUpdate(t, s, crm.System, func(tx *crm.Tx) error { return tx.SaveUser(owner) })
	for i, c := range phoneCases {
		if c.in == "" {
			continue
		}
		before := countAll(t, s)
		var a *crm.Account
		_, err := update(s, crm.System, func(tx *crm.Tx) error {
			a = &crm.Account{Base: crm.Base{Owner: owner.ID}, Name: "Account " + c.in, Phones: []string{c.in}}
			return tx.CreateAccount(a, &crm.Contact{Name: "Zhang"})
		})
		if c.refuse != "" {
			if err == nil || !strings.Contains(crm.ErrorMessage(err), c.refuse) {
				t.Errorf("account phone %q: %v, want %q", c.in, err, c.refuse)
			}
			unchanged(t, s, before)
		} else if err != nil {
			t.Errorf("account phone %q: %v", c.in, err)
		} else if got := getAsSystem[*crm.Account](t, s, crm.KindAccount, a.ID); len(got.Phones) != 1 || got.Phones[0] != c.e164 {
			t.Errorf("account phone %q stored as %q", c.in, got.Phones)
		}

		before = countAll(t, s)
		_, err = update(s, crm.System, func(tx *crm.Tx) error {
			b := &crm.Account{Base: crm.Base{Owner: owner.ID}, Name: "Mobile " + c.in}
			return tx.CreateAccount(b, &crm.Contact{Name: "Wang", Mobile: c.in})
		})
		mobileOK := c.refuse == "" && (c.kind == crm.PhoneMobile || c.kind == crm.PhoneE164) && !strings.Contains(c.e164, ";ext=")
		switch {
		case mobileOK && err != nil:
			t.Errorf("contact mobile %q: %v", c.in, err)
		case !mobileOK && err == nil:
			t.Errorf("contact mobile %q accepted", c.in)
		case !mobileOK:
			unchanged(t, s, before)
			if c.kind == crm.PhoneHotline && !strings.Contains(crm.ErrorMessage(err), "is a 400/800 hotline, not a mobile number") ||
				c.kind == crm.PhoneLandline && !strings.Contains(c.e164, ";ext=") && !strings.Contains(crm.ErrorMessage(err), "is a landline, not a mobile number") {
				t.Errorf("contact mobile %q: %v", c.in, err)
			}
		}

		before = countAll(t, s)
		_, err = update(s, crm.System, func(tx *crm.Tx) error {
			return tx.SaveUser(&crm.User{Name: "User " + string(rune('A'+i)), Phones: []string{c.in}, Role: crm.RoleSalesman,
				Base: crm.Base{Branch: "shenyang", Dept: "machines"}, Manager: 0})
		})
		smsOK := c.refuse == "" && c.sms
		switch {
		case smsOK && err != nil && !strings.Contains(err.Error(), "already"):
			t.Errorf("user phone %q: %v", c.in, err)
		case !smsOK && err == nil:
			t.Errorf("user phone %q accepted", c.in)
		case !smsOK:
			unchanged(t, s, before)
			if c.kind == crm.PhoneHotline && !strings.Contains(crm.ErrorMessage(err), "is a 400/800 hotline: a user's own phone must be a mobile that receives SMS") {
				t.Errorf("user phone %q: %v", c.in, err)
			}
		}
	}
}

// Through the front door: an SMS names a hotline, a landline with an
// extension, a number no one has; a refusal is worded in the sender's
// language and changes nothing.
func TestPhonesBySMS(t *testing.T) {
	w := apNewWorld(t)
	out, err := w.apSend(w.li, "ACCOUNT Huaxin Hotline; Li Gang 13901234560; 400-820-8820")
	if err != nil {
		t.Fatalf("hotline refused: %v", err)
	}
	var a *crm.Account
	mustView(t, w.s, crm.System, func(tx *crm.Tx) (err error) {
		cands, _ := tx.Lookup(crm.KindAccount, "4008208820", 5)
		if len(cands) == 0 {
			t.Fatalf("FIND by the hotline's digits finds nothing (%+v)", out)
		}
		a, err = tx.Account(cands[0].ID)
		return err
	})
	if a.Name != "Huaxin Hotline" || !contains(a.Phones, "+864008208820") {
		t.Errorf("account: %+v", a)
	}

	before := countAll(t, w.s)
	_, err = w.apSend(w.li, "CONTACT 华鑫; 王工; 14012345678")
	var e *crm.Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, `"+8614012345678" is not a phone number in use: no Chinese operator has mobile numbers starting 140.`) {
		t.Fatalf("140… through SMS: %v", err)
	}
	unchanged(t, w.s, before)
	zh, ok := templates.MustNew().Refusal("zh", e.Format, e.Args)
	if !ok || zh != `"+8614012345678"不是在用的电话号码：国内没有以140开头的手机号段。` {
		t.Errorf("in Chinese: %q %v", zh, ok)
	}

	_, err = w.apSend(w.wang, "CONTACT acme mining; Sun Bo; +1 999 555 0100")
	if !errors.As(err, &e) || !strings.Contains(e.Message, "+1 has no such area code or range") {
		t.Errorf("+1 999 through SMS: %v", err)
	}
	unchanged(t, w.s, before)
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// A number stored before the numbering plans refused it (written straight
// into the file by an older fieldcrm) does not block other changes to its
// record, and its user is still found by it.
func TestStoredNumberKept(t *testing.T) {
	s := MustOpenStore(t)
	u := &crm.User{Name: "Old", Phones: []string{"13800000009"}, Role: crm.RoleSalesman, Base: crm.Base{Branch: "b", Dept: "d"}}
	mustUpdate(t, s, crm.System, func(tx *crm.Tx) error { return tx.SaveUser(u) })
	a := &crm.Account{Base: crm.Base{Owner: u.ID}, Name: "Old Co", Phones: []string{"13901234567"}}
	c := &crm.Contact{Name: "Zhang", Mobile: "13901234568"}
	mustUpdate(t, s, crm.System, func(tx *crm.Tx) error { return tx.CreateAccount(a, c) })
	// what an older version stored: numbers phonenumbers says no one has
	crm.PokeForTest(t, s, func(tx *crm.Tx) {
		u.Phones = []string{"+8614000000009"}
		a.Phones = []string{"+8614012345678"}
		c.Mobile = "+8614012345679"
	}, u, a, c)
	mustUpdate(t, s, crm.System, func(tx *crm.Tx) error {
		a2, _ := tx.Account(a.ID)
		a2.Industry = "mining"
		if err := tx.Save(a2); err != nil {
			return err
		}
		c2, _ := tx.Contact(c.ID)
		c2.Title = "GM"
		if err := tx.Save(c2); err != nil {
			return err
		}
		u2, _ := tx.User(u.ID)
		u2.Dept = "machines"
		return tx.SaveUser(u2)
	})
	mustView(t, s, crm.System, func(tx *crm.Tx) error {
		got, err := tx.UserByPhone("+8614000000009")
		if err != nil || got.ID != u.ID {
			t.Errorf("user by a stored number: %v %v", got, err)
		}
		return nil
	})
	// a new number is checked
	_, err := update(s, crm.System, func(tx *crm.Tx) error {
		a2, _ := tx.Account(a.ID)
		a2.Phones = append(a2.Phones, "14012345670")
		return tx.Save(a2)
	})
	if err == nil || !strings.Contains(crm.ErrorMessage(err), "no Chinese operator has mobile numbers starting 140") {
		t.Errorf("a new 140… number: %v", err)
	}
}
