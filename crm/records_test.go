package crm_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/fieldcrm/fieldcrm/crm"
)

// Documents are files attached to an account: their content is kept as sent,
// with its size and checksum, a file over the limit is refused with its size
// named, and only those who may see the account see its documents.
func TestDocuments(t *testing.T) {
	w := newWorld(t)
	var acct int64
	mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
		a := &crm.Account{Name: "ACME Mining"}
		if err := tx.CreateAccount(a, &crm.Contact{Name: "Zhang Wei"}); err != nil {
			return err
		}
		acct = a.ID
		return nil
	})
	quote := bytes.Repeat([]byte("%PDF-1.4 quote for 2x 320D\n"), 1000)
	var docID int64
	t.Run("OK", func(t *testing.T) {
		mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
			d := &crm.Document{Account: acct, Name: "quote-320D.pdf", ContentType: "application/pdf"}
			if err := tx.AttachDocument(d, quote); err != nil {
				return err
			}
			docID = d.ID
			return nil
		})
		mustView(t, w.s, w.s1, func(tx *crm.Tx) error {
			d, data, err := tx.DocumentData(docID)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(quote)
			if !bytes.Equal(data, quote) || d.Size != int64(len(quote)) || d.SHA256 != hex.EncodeToString(sum[:]) || d.Owner != w.s1.ID {
				t.Errorf("document %+v, %d bytes back", d, len(data))
			}
			docs, err := tx.LinkedTo(acct, crm.KindDocument)
			if err != nil || len(docs) != 1 {
				t.Errorf("documents of the account: %v %v", docs, err)
			}
			return nil
		})
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		before := countAll(t, w.s)
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			return tx.AttachDocument(&crm.Document{Account: acct, Name: "video.mp4"}, make([]byte, crm.MaxDocumentSize+1))
		})
		wantErr(t, err, crm.EINVALID, "video.mp4", "at most 10 MB")
		unchanged(t, w.s, before)
	})
	t.Run("ErrNoName", func(t *testing.T) {
		_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
			return tx.AttachDocument(&crm.Document{Account: acct, Name: "  "}, []byte("x"))
		})
		wantErr(t, err, crm.EINVALID, "file name")
	})
	t.Run("OtherBranchCannotSee", func(t *testing.T) {
		_, err := update(w.s, w.d1, func(tx *crm.Tx) error {
			_, _, err := tx.DocumentData(docID)
			return err
		})
		wantErr(t, err, crm.ENOTFOUND)
		_, err = update(w.s, w.d1, func(tx *crm.Tx) error {
			return tx.AttachDocument(&crm.Document{Account: acct, Name: "probe.txt"}, []byte("x"))
		})
		wantErr(t, err, crm.ENOTFOUND)
	})
}

// A campaign response is numbered within its campaign, records who
// responded and who took it, and needs an account or a person.
func TestCampaignResponses(t *testing.T) {
	w := newWorld(t)
	var camp int64
	mustUpdate(t, w.s, crm.System, func(tx *crm.Tx) error {
		c := &crm.Campaign{Base: crm.Base{Owner: w.mgrS.ID}, Name: "expo2026", Budget: 5_000_000}
		if err := tx.Save(c); err != nil {
			return err
		}
		camp = c.ID
		return nil
	})
	mustUpdate(t, w.s, w.s1, func(tx *crm.Tx) error {
		for _, who := range []string{"Zhao Gang", "Sun Li"} {
			if _, _, err := tx.AddResponse(camp, crm.Response{Person: who, Phone: "+8613812345678", Note: "wants 950H"}); err != nil {
				return err
			}
		}
		return nil
	})
	c := getAsSystem[*crm.Campaign](t, w.s, crm.KindCampaign, camp)
	if len(c.Responses) != 2 || c.Responses[1].N != 2 || c.Responses[1].Person != "Sun Li" || c.Responses[0].By != w.s1.ID {
		t.Fatalf("responses: %+v", c.Responses)
	}
	_, err := update(w.s, w.s1, func(tx *crm.Tx) error {
		_, _, err := tx.AddResponse(camp, crm.Response{Note: "someone called"})
		return err
	})
	wantErr(t, err, crm.EINVALID, "account or a person")
	if n := len(getAsSystem[*crm.Campaign](t, w.s, crm.KindCampaign, camp).Responses); n != 2 {
		t.Fatalf("a refused response was kept: %d", n)
	}
}
