package templates_test

import (
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/templates"
)

func TestSegments(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	zh := func(n int) string { return strings.Repeat("中", n) }
	emoji := func(n int) string { return strings.Repeat("😀", n) }
	const basic = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà\n\r"
	tests := []struct {
		name string
		text string
		n    int
		enc  templates.Encoding
	}{
		{"Empty", "", 0, templates.GSM7},
		{"GSM1", "OK", 1, templates.GSM7},
		{"GSM160", a(160), 1, templates.GSM7},
		{"GSM161", a(161), 2, templates.GSM7},
		{"GSM306", a(306), 2, templates.GSM7},
		{"GSM307", a(307), 3, templates.GSM7},
		{"GSM459", a(459), 3, templates.GSM7},
		{"GSM460", a(460), 4, templates.GSM7},
		{"BasicSetIsOneEach", basic + a(160-len([]rune(basic))), 1, templates.GSM7},
		{"BasicSetPlusOne", basic + a(161-len([]rune(basic))), 2, templates.GSM7},
		{"Ext158Plus1", a(158) + "€", 1, templates.GSM7},
		{"Ext159Plus1", a(159) + "€", 2, templates.GSM7},
		{"ExtAllCountTwo", `^{}\[~]|€` + a(142), 1, templates.GSM7},
		{"ExtAllCountTwoPlusOne", `^{}\[~]|€` + a(143), 2, templates.GSM7},
		// An escape pair is not split between parts: the brace moves to part 2.
		{"ExtAtPartBoundary", a(152) + "{" + a(151), 2, templates.GSM7},
		{"ExtAtPartBoundarySpills", a(152) + "{" + a(152), 3, templates.GSM7},
		{"BacktickIsNotGSM", a(10) + "`", 1, templates.UCS2},
		{"LowerCedillaIsNotGSM", "façade", 1, templates.UCS2},
		{"UCS70", zh(70), 1, templates.UCS2},
		{"UCS71", zh(71), 2, templates.UCS2},
		{"UCS134", zh(134), 2, templates.UCS2},
		{"UCS135", zh(135), 3, templates.UCS2},
		{"OneChineseMakesUCS2", a(69) + "中", 1, templates.UCS2},
		{"OneChineseMakesUCS2Long", a(70) + "中", 2, templates.UCS2},
		{"Emoji35", emoji(35), 1, templates.UCS2},
		{"Emoji36", emoji(36), 2, templates.UCS2},
		{"EmojiPlusChinese", emoji(34) + zh(2), 1, templates.UCS2},
		{"EmojiPlusChinese71", emoji(34) + zh(3), 2, templates.UCS2},
		// A surrogate pair is not split between parts.
		{"SurrogateAtPartBoundary", zh(66) + "😀" + zh(65), 2, templates.UCS2},
		{"SurrogateAtPartBoundarySpills", zh(66) + "😀" + zh(66), 3, templates.UCS2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, enc := templates.Segments(tt.text)
			if n != tt.n || enc != tt.enc {
				t.Errorf("Segments(%d runes) = %d %s, want %d %s", len([]rune(tt.text)), n, enc, tt.n, tt.enc)
			}
		})
	}
}

func TestTransliterate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain ASCII stays", "plain ASCII stays"},
		{"“Quoted” ‘single’ it’s", `"Quoted" 'single' it's`},
		{"a – b — c", "a - b - c"},
		{"wait…", "wait..."},
		{"10\u00a0000\u202fkm", "10 000 km"},
		{"Zürich, Málaga, Łódź, Ångström, São Paulo", "Zürich, Malaga, Lodz, Ångström, Sao Paulo"},
		{"café crème, niño, über, à la, Øre, Ça", "café crème, niño, über, à la, Øre, Ça"},
		{"façade", "facade"},
		{"¥350,000 and €5", "¥350,000 and €5"},
		{"ＡＣＭＥ　Ｍｉｎｉｎｇ，１２３", "ACME Mining,123"},
		{"Lǚ Bù, Nǚ", "Lü Bù, Nü"}, // ù is GSM-7,
		{"zero\u200bwidth", "zerowidth"},
		{"Straße", "Straße"},
	}
	for _, tt := range tests {
		got := templates.Transliterate(tt.in)
		if got != tt.want {
			t.Errorf("Transliterate(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !templates.IsGSM(got) {
			t.Errorf("Transliterate(%q) = %q is not GSM-7", tt.in, got)
		}
	}
}

func TestFit(t *testing.T) {
	long := strings.Repeat("word ", 25) + "— done…" // 134 chars: 2 UCS-2 segments, 1 in GSM-7
	if n, enc := templates.Segments(long); n != 2 || enc != templates.UCS2 {
		t.Fatalf("setup: %d %s", n, enc)
	}
	got := templates.Fit(long, false)
	if n, enc := templates.Segments(got); n != 1 || enc != templates.GSM7 {
		t.Errorf("Fit: %d %s segments, want 1 GSM-7: %q", n, enc, got)
	}
	zh := "已记录拜访 #231 华鑫矿业，“张伟”……"
	if got := templates.Fit(zh, false); got != zh {
		t.Errorf("Fit changed a Chinese text: %q", got)
	}
	if got := templates.Fit("“ok”", true); got != "“ok”" {
		t.Errorf("Fit(isChinese) changed the text: %q", got)
	}
}
