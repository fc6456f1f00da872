package crm

import (
	"context"
	"testing"
)

// PokeForTest writes records as they are, without crm's rules (after set
// changed them), as an older version of fieldcrm may have stored them.
func PokeForTest(t testing.TB, s *Store, set func(*Tx), recs ...Record) {
	t.Helper()
	_, err := s.Update(context.Background(), Meta{Actor: System, Channel: "test"}, func(tx *Tx) error {
		set(tx)
		for _, r := range recs {
			if err := tx.put(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ParsePhoneUncached is ParsePhone without its cache: what the numbering
// plans say of s.
func ParsePhoneUncached(s string) (Phone, error) {
	p, err := parsePhone(s)
	if err != nil {
		return p, err
	}
	return p, nil
}
