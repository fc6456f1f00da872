package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestRunParse(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		var out, errb bytes.Buffer
		code := runParse(context.Background(), []string{"--tz", "Asia/Shanghai", "--now", "2026-11-25T10:00", "VISIT", "acme;", "met", "Zhang;", "next:", "quote", "fri"}, &out, &errb)
		if code != 0 {
			t.Fatalf("exit %d, stderr %s", code, errb.String())
		}
		var got map[string]any
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		if got["verb"] != "visit" || got["contact"] != "Zhang" || got["raw"] != "VISIT acme; met Zhang; next: quote fri" {
			t.Errorf("got %s", out.String())
		}
		next := got["next"].(map[string]any)
		if next["due"] != "2026-11-27T00:00:00+08:00" {
			t.Errorf("next %v", next)
		}
	})
	t.Run("RFC3339Now", func(t *testing.T) {
		var out, errb bytes.Buffer
		code := runParse(context.Background(), []string{"--tz", "Europe/London", "--now", "2026-11-25T10:00:00Z", "plan visit acme tomorrow 9am"}, &out, &errb)
		if code != 0 || !strings.Contains(out.String(), `"due": "2026-11-26T09:00:00Z"`) {
			t.Errorf("exit %d: %s", code, out.String())
		}
	})
	t.Run("ErrParse", func(t *testing.T) {
		var out, errb bytes.Buffer
		code := runParse(context.Background(), []string{"--now", "2026-11-25T10:00", "VISTO acme"}, &out, &errb)
		if code != 1 {
			t.Fatalf("exit %d, want 1", code)
		}
		var got map[string]any
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if got["suggest"] != "VISIT" || got["hint"] == "" || got["error"] == "" || got["pos"] != 0.0 {
			t.Errorf("got %s", out.String())
		}
		if strings.Contains(out.String(), `\u003c`) {
			t.Errorf("HTML-escaped output: %s", out.String())
		}
	})
	t.Run("Stdin", func(t *testing.T) {
		var out, errb bytes.Buffer
		code := runParseIn(context.Background(), []string{"-"}, strings.NewReader("拜访 华鑫矿业；见了李总\n发自我的iPhone\n"), &out, &errb)
		if code != 0 || !strings.Contains(out.String(), `"contact": "李总"`) || !strings.Contains(out.String(), `"lang": "zh"`) {
			t.Errorf("exit %d: %s %s", code, out.String(), errb.String())
		}
	})
	t.Run("ErrFlags", func(t *testing.T) {
		for _, args := range [][]string{{"--tz", "Mars/Olympus", "TODAY"}, {"--now", "yesterday", "TODAY"}, {"--bogus", "TODAY"}, {}} {
			var out, errb bytes.Buffer
			if code := runParse(context.Background(), args, &out, &errb); code != 2 {
				t.Errorf("%v: exit %d, want 2", args, code)
			}
		}
	})
	t.Run("EnvTZ", func(t *testing.T) {
		t.Setenv("FIELDCRM_TZ", "UTC")
		var out, errb bytes.Buffer
		code := runParse(context.Background(), []string{"--now", "2026-11-25T10:00", "plan visit acme fri"}, &out, &errb)
		if code != 0 || !strings.Contains(out.String(), `"due": "2026-11-27T00:00:00Z"`) {
			t.Errorf("exit %d: %s", code, out.String())
		}
	})
}
