package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fieldcrm parse --names FILE parses with those names, as the service does
// with the sender's lexicon.
func TestRunParseNames(t *testing.T) {
	file := filepath.Join(t.TempDir(), "names.txt")
	if err := os.WriteFile(file, []byte("# names\naccount: Fushun Coal Works\ncontact: Gao Peng\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--now", "2026-11-25T10:00", "V fushun coal gao peng wants a quote"}
	var out, errb bytes.Buffer
	if code := runParse(context.Background(), args, &out, &errb); code != 0 || strings.Contains(out.String(), `"contact"`) {
		t.Fatalf("without names: exit %d: %s", code, out.String())
	}
	out.Reset()
	code := runParse(context.Background(), append([]string{"--names", file}, args...), &out, &errb)
	if code != 0 || !strings.Contains(out.String(), `"name": "fushun coal"`) || !strings.Contains(out.String(), `"contact": "gao peng"`) {
		t.Fatalf("with names: exit %d: %s %s", code, out.String(), errb.String())
	}
	if err := os.WriteFile(file, []byte("customer: ACME\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := runParse(context.Background(), append([]string{"--names", file}, args...), &out, &errb); code != 2 || !strings.Contains(errb.String(), "line 1") {
		t.Errorf("bad names file: exit %d, stderr %q", code, errb.String())
	}
}
