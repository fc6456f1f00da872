package mailtext

// This file generates the committed fixtures in ../testdata/ (gateway/email/testdata) (run with
// go test -run TestGenerateFixtures -gen). The .want files hold the
// expected Reply text written by hand below, not output of this package.
// The generator exists because the non-UTF-8 fixtures (GBK, GB18030,
// Big5, ISO-8859-1) are easier to review as UTF-8 source here.

import (
	"bytes"
	"encoding/base64"
	"flag"
	"mime"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

var genFixtures = flag.Bool("gen", false, "regenerate ../testdata/*.eml and *.want")

// TestGenerateFixtures writes the fixtures when -gen is given.
func TestGenerateFixtures(t *testing.T) {
	if !*genFixtures {
		t.Skip("run with -gen to regenerate testdata")
	}
	for _, f := range fixtureSources() {
		if err := os.WriteFile(filepath.Join(fixtureDir, f.name+".eml"), crlf(f.eml), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(fixtureDir, f.name+".want"), []byte(f.want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type fixtureSource struct {
	name string
	eml  string // LF line endings; converted to CRLF
	want string
}

// crlf converts LF line endings to CRLF.
func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n"))
}

func enc(e encoding.Encoding, s string) []byte {
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

var (
	gbk     = func(s string) []byte { return enc(simplifiedchinese.GBK, s) }
	gb18030 = func(s string) []byte { return enc(simplifiedchinese.GB18030, s) }
	big5    = func(s string) []byte { return enc(traditionalchinese.Big5, s) }
	latin1  = func(s string) []byte { return enc(charmap.ISO8859_1, s) }
	utf8b   = func(s string) []byte { return []byte(s) }
)

// b64 encodes b in 76-column base64 lines (text converted to CRLF first).
func b64(b []byte) string {
	s := base64.StdEncoding.EncodeToString(bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")))
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	return out.String() + s + "\n"
}

// qp encodes b as quoted-printable.
func qp(b []byte) string {
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return strings.ReplaceAll(buf.String(), "\r\n", "\n") + "\n"
}

// ewB makes a base64 encoded word of already-encoded bytes.
func ewB(charset string, b []byte) string {
	return "=?" + charset + "?B?" + base64.StdEncoding.EncodeToString(b) + "?="
}

// ewQ makes a Q encoded word of already-encoded bytes.
func ewQ(charset string, b []byte) string {
	return mime.QEncoding.Encode(charset, string(b))
}

func fixtureSources() []fixtureSource {
	return []fixtureSource{
		gmailReplyEN(), gmailReplyZH(), outlookDesktopEN(), outlookWeb(), outlookZH(),
		appleIPhone(), thunderbirdTop(), qqMailReply(), foxmailReply(), mail163GBK(),
		gb2312Subject(), gb18030Body(), big5Taiwan(), latin1German(), utf8QP(),
		utf8Base64(), htmlOnlyOutlook(), htmlBlockquote(), alternativeDiffer(), forwardGmail(),
		topPostedSamsung(), bottomPosted(), interleaved(), commandsSignature(), attachmentPDFZH(),
		wrongUSASCII(), wrongGB2312(), digestReply(), appleIPhoneZH(), forwardRFC822(),
		outlookAndroid(), bounceDSN(),
	}
}

func base64StdEncode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
