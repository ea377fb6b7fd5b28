package handshake

import (
	"strings"
	"testing"
)

func elements(list string) []string {
	var out []string
	b := []byte(list)
	for elem, rest := NextElement(b); elem != nil; elem, rest = NextElement(rest) {
		out = append(out, string(elem))
	}
	return out
}

func TestNextElement(t *testing.T) {
	for list, want := range map[string]string{
		"":                    "",
		"a":                   "a",
		"a,b":                 "a|b",
		" a , b ":             "a|b",
		"\ta,\t\tb\t":         "a|b",
		",,a,,b,,":            "a|b",
		" , ":                 "",
		"keep-alive, Upgrade": "keep-alive|Upgrade",
		`x; p="a,b", y`:       `x; p="a,b"|y`,
		`x; p="a\",b", y`:     `x; p="a\",b"|y`,
		"permessage-deflate; client_max_window_bits, permessage-deflate": "permessage-deflate; client_max_window_bits|permessage-deflate",
	} {
		if got := strings.Join(elements(list), "|"); got != want {
			t.Errorf("elements of %q = %q; want %q", list, got, want)
		}
	}
}

func TestHasToken(t *testing.T) {
	for _, tt := range []struct {
		list, token string
		want        bool
	}{
		{"Upgrade", "upgrade", true},
		{"keep-alive, UPGRADE", "upgrade", true},
		{"keep-alive,upgrade", "upgrade", true},
		{"keep-alive", "upgrade", false},
		{"upgrades", "upgrade", false},
		{"", "upgrade", false},
		{"up grade", "upgrade", false},
	} {
		if got := HasToken([]byte(tt.list), tt.token); got != tt.want {
			t.Errorf("HasToken(%q, %q) = %v", tt.list, tt.token, got)
		}
	}
}

func TestExtensionParams(t *testing.T) {
	tests := []struct {
		elem   string
		name   string
		params string // name=value pairs joined by |, or "!" when malformed
	}{
		{"permessage-deflate", "permessage-deflate", ""},
		{"permessage-deflate; client_max_window_bits", "permessage-deflate", "client_max_window_bits="},
		{"permessage-deflate;client_max_window_bits=10;server_no_context_takeover", "permessage-deflate", "client_max_window_bits=10|server_no_context_takeover="},
		{`permessage-deflate; client_max_window_bits="10"`, "permessage-deflate", "client_max_window_bits=10"},
		{"permessage-deflate ; server_max_window_bits = 12 ", "permessage-deflate", "server_max_window_bits=12"},
		{"x; a=", "x", "!"},
		{"x; =1", "x", "!"},
		{`x; a="b\"c"`, "x", "!"},
		{"x; a b", "x", "!"},
	}
	for _, tt := range tests {
		name, params, ok := ParseExtension([]byte(tt.elem))
		if !ok || string(name) != tt.name {
			t.Errorf("ParseExtension(%q) = %q, %v", tt.elem, name, ok)
			continue
		}
		var got []string
		for {
			n, v, rest, ok := NextParam(params)
			if !ok {
				got = []string{"!"}
				break
			}
			if n == nil {
				break
			}
			got = append(got, string(n)+"="+string(v))
			params = rest
		}
		if s := strings.Join(got, "|"); s != tt.params {
			t.Errorf("params of %q = %q; want %q", tt.elem, s, tt.params)
		}
	}
	if _, _, ok := ParseExtension([]byte("bad name; a")); ok {
		t.Errorf("ParseExtension accepted a name with a space")
	}
}
