package svg

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`<a href="x">'&'</a>`, "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;"},
		{"line\nnext\ttab\r", "line&#10;next&#9;tab&#13;"},
		{"nul\x00esc\x1b", "nul\uFFFDesc\uFFFD"},
		{"bad\xffutf8\xc3", "bad\uFFFDutf8\uFFFD"},
		{"nonchar\uFFFE\uFFFF", "nonchar\uFFFD\uFFFD"},
		{"ünïcødé → 日本", "ünïcødé → 日本"},
	}
	for _, tt := range tests {
		var b strings.Builder
		EscapeTo(&b, tt.in)
		if b.String() != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, b.String(), tt.want)
		}
	}
	if got := Truncate("abc", 0); got != "…" {
		t.Errorf("Truncate to nothing = %q", got)
	}
	if got := Truncate("abcdefghij", 5); got != "abcd…" {
		t.Errorf("truncate = %q", got)
	}
	if got := Truncate("日本語のテキスト", 4); got != "日本語…" {
		t.Errorf("truncate of multi-byte text = %q", got)
	}
}
