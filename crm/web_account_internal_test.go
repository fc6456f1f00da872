package crm

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// undoMarks reads from the end what json.Unmarshal reads from the whole.
func TestUndoMarksFromTheEnd(t *testing.T) {
	big := strings.Repeat(`x\"],"undone_by":9,"events":[{`, 50)
	cases := []ChangeSet{
		{ID: 1, Changes: []Change{{Kind: KindAccount, ID: 1, Op: OpCreate, After: json.RawMessage(`{"name":"a"}`)}}},
		{ID: 2, UndoneBy: 7, Changes: []Change{{Kind: KindAccount, ID: 1, Op: OpUpdate}}},
		{ID: 3, UndoOf: 2, Changes: []Change{{Kind: KindAccount, ID: 1, Op: OpUpdate}}, Events: []Event{{Type: EvAssigned, Detail: big}}},
		{ID: 4, UndoOf: 12, UndoneBy: 345, Summary: `"undo_of":5`, Events: []Event{{Type: EvAssigned, Detail: `]}"\\`}, {Type: EvUnassigned, To: []int64{1, 2}}}},
		{ID: 5, Summary: `,"undone_by":8}`, Events: []Event{{Type: EvAssigned, Detail: `\`}}},
		{ID: 6, UndoneBy: 3, Changes: []Change{{Kind: KindAccount, ID: 1, Op: OpUpdate, After: json.RawMessage(`{"name":"]}\"\\"}`)}}},
	}
	for _, cs := range cases {
		cs.At = time.Unix(0, 0)
		v, err := json.Marshal(cs)
		if err != nil {
			t.Fatal(err)
		}
		var want ChangeSet
		json.Unmarshal(v, &want)
		if of, by := undoMarks(v); of != want.UndoOf || by != want.UndoneBy {
			t.Errorf("cs %d: undoMarks %d, %d; want %d, %d\n%s", cs.ID, of, by, want.UndoOf, want.UndoneBy, v)
		}
	}
}
