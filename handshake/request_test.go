package handshake

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/internal/testvectors"
)

func TestAcceptVectors(t *testing.T) {
	for key, want := range map[string]string{
		"dGhlIHNhbXBsZSBub25jZQ==": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", // RFC 6455 §1.3
		"E4i4gDQc1XTIQcQxvf+ODA==": "d9WHst60HtB4IvjOVevrexl0oLA=", // the seed article
		"Fh06+WnoTQQiVnX5saeYMg==": "nJg1c2upAHixOmXz7kV2bJ2g/YQ=", // the seed article's second run
	} {
		if got := string(AppendAccept([]byte("x"), []byte(key))); got != "x"+want {
			t.Errorf("AppendAccept(%q) = %q; want %q", key, got[1:], want)
		}
	}
	// A key longer than the stack buffer still works.
	long := strings.Repeat("k", 200)
	if got := AppendAccept(nil, []byte(long)); len(got) != AcceptLen {
		t.Errorf("AppendAccept of a long key gave %d bytes", len(got))
	}
}

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"dGhlIHNhbXBsZSBub25jZQ==":  true,
		"E4i4gDQc1XTIQcQxvf+ODA==":  true,
		"AAAAAAAAAAAAAAAAAAAAAA==":  true,
		"dGhlIHNhbXBsZSBub25jZQ=":   false, // 23 chars
		"dGhlIHNhbXBsZSBub25jZQ===": false, // 25 chars
		"dGhlIHNhbXBsZSBub25jZQAA":  false, // 18 bytes, no padding
		"dGhlIHNhbXBsZSBub25jZ$==":  false, // not base64
		"dGhlIHNhbXBsZSBub25jZR==":  true,  // non-canonical trailing bits still decode to 16 bytes
		"":                          false,
	} {
		if got := ValidKey([]byte(key)); got != want {
			t.Errorf("ValidKey(%q) = %v; want %v", key, got, want)
		}
	}
}

func TestNewKey(t *testing.T) {
	a, b := NewKey(), NewKey()
	if !ValidKey(a[:]) || !ValidKey(b[:]) {
		t.Fatalf("NewKey gave invalid keys %q, %q", a, b)
	}
	if a == b {
		t.Errorf("two calls of NewKey gave the same key %q", a)
	}
}

// TestParseCapturedRequests parses the heads real clients sent (see
// testdata/handshake/SOURCES.md) and the seed article's.
func TestParseCapturedRequests(t *testing.T) {
	for name, head := range testvectors.Heads("request-*.http") {
		t.Run(name, func(t *testing.T) {
			b := append(bytes.Clone(head), 0x81, 0x85) // the first frame bytes follow
			req, n, err := ParseRequest(b)
			if err != nil {
				t.Fatalf("ParseRequest: %v\n%s", err, head)
			}
			if n != len(head) {
				t.Errorf("n = %d; want %d, the head's length", n, len(head))
			}
			if string(req.Method) != "GET" || string(req.Version) != "13" || !ValidKey(req.Key) || len(req.Host) == 0 {
				t.Errorf("parsed %+v", req)
			}
			if strings.Contains(name, "protocols") {
				var got []string
				for p := range req.Protocols.Elements {
					got = append(got, string(p))
				}
				if strings.Join(got, ",") != "chat,superchat" {
					t.Errorf("protocols = %q; want chat, superchat", got)
				}
			}
			if strings.Contains(name, "chromium") && !bytes.HasPrefix(req.Origin, []byte("http://127.0.0.1:")) {
				t.Errorf("Chromium's Origin = %q", req.Origin)
			}
			if strings.Contains(name, "cookie") && string(req.Header("cookie")) != "session=abc123" {
				t.Errorf("Header(cookie) = %q", req.Header("cookie"))
			}
		})
	}
}

func TestParseSeedRequest(t *testing.T) {
	head := "GET / HTTP/1.1\r\nHost: localhost:2345\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: E4i4gDQc1XTIQcQxvf+ODA==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	req, n, err := ParseRequest([]byte(head))
	if err != nil || n != len(head) {
		t.Fatalf("ParseRequest = %v, %d", err, n)
	}
	for got, want := range map[string]string{
		string(req.Method): "GET", string(req.Target): "/", string(req.Proto): "HTTP/1.1",
		string(req.Host): "localhost:2345", string(req.Key): "E4i4gDQc1XTIQcQxvf+ODA==", string(req.Version): "13",
	} {
		if got != want {
			t.Errorf("got %q; want %q", got, want)
		}
	}
	if req.Origin != nil || req.Protocols.Len() != 0 || req.Extensions.Len() != 0 {
		t.Errorf("absent headers not nil: %+v", req)
	}
	reply := AppendResponse(nil, req.Key, "", "")
	want := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: d9WHst60HtB4IvjOVevrexl0oLA=\r\n\r\n"
	if string(reply) != want {
		t.Errorf("AppendResponse = %q; want the seed's reply %q", reply, want)
	}
}

// TestParseRequestPrefixes feeds every proper prefix of real heads.
func TestParseRequestPrefixes(t *testing.T) {
	for name, head := range testvectors.Heads("request-*.http") {
		for i := 0; i < len(head); i++ {
			req, n, err := ParseRequest(bytes.Clone(head[:i]))
			if err != ErrIncomplete || n != 0 || req.Method != nil {
				t.Fatalf("%s: ParseRequest of %d of %d bytes = %v, %d; want ErrIncomplete, 0 and a zero Request", name, i, len(head), err, n)
			}
		}
	}
}

const goodRequest = "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

// edit returns goodRequest with old replaced by new.
func edit(old, new string) string {
	if !strings.Contains(goodRequest, old) {
		panic("edit: " + old)
	}
	return strings.Replace(goodRequest, old, new, 1)
}

// TestRequestRules checks each rule of RFC 6455 §4.2.1 and of HTTP/1.1
// syntax, each with the error and reply status it must produce.
func TestRequestRules(t *testing.T) {
	tests := []struct {
		name, head string
		want       error // nil: accepted
		status     int
	}{
		{"valid", goodRequest, nil, 0},
		// §4.2.1 (1): "An HTTP/1.1 or higher GET request".
		{"POST", edit("GET", "POST"), ErrMethod, 400},
		{"lower-case get", edit("GET", "get"), ErrMethod, 400},
		{"HTTP/1.0", edit("HTTP/1.1", "HTTP/1.0"), ErrHTTPVersion, 400},
		{"HTTP/2.0 accepted", edit("HTTP/1.1", "HTTP/2.0"), nil, 0},
		{"HTTP/1.2 accepted", edit("HTTP/1.1", "HTTP/1.2"), nil, 0},
		{"no version", edit(" HTTP/1.1", ""), ErrRequestLine, 400},
		{"bad version", edit("HTTP/1.1", "HTTP/1"), ErrRequestLine, 400},
		{"empty target", edit("GET /chat", "GET  "), ErrRequestLine, 400},
		{"tab in target", edit("GET /chat", "GET /c\that"), ErrRequestLine, 400},
		// (2): "A |Host| header field".
		{"no Host", edit("Host: example.com\r\n", ""), ErrNoHost, 400},
		{"two Hosts", edit("Host: example.com\r\n", "Host: a\r\nHost: b\r\n"), ErrDuplicateHost, 400},
		// (3): "An |Upgrade| header field containing the value "websocket", treated as an ASCII case-insensitive value."
		{"no Upgrade", edit("Upgrade: websocket\r\n", ""), ErrNoUpgrade, 400},
		{"Upgrade h2c", edit("Upgrade: websocket", "Upgrade: h2c"), ErrNoUpgrade, 400},
		{"Upgrade WebSocket", edit("Upgrade: websocket", "Upgrade: WebSocket"), nil, 0},
		{"Upgrade in a list", edit("Upgrade: websocket", "Upgrade: h2c ,\twebsocket"), nil, 0},
		{"Upgrade over two lines", edit("Upgrade: websocket", "Upgrade: h2c\r\nUpgrade: websocket"), nil, 0},
		{"Upgrade websockets", edit("Upgrade: websocket", "Upgrade: websockets"), ErrNoUpgrade, 400},
		// (4): "A |Connection| header field that includes the token "Upgrade", treated as an ASCII case-insensitive value."
		{"no Connection", edit("Connection: Upgrade\r\n", ""), ErrNoConnection, 400},
		{"Connection keep-alive", edit("Connection: Upgrade", "Connection: keep-alive"), ErrNoConnection, 400},
		{"Connection list (Firefox)", edit("Connection: Upgrade", "Connection: keep-alive, Upgrade"), nil, 0},
		{"Connection lower case", edit("Connection: Upgrade", "connection: upgrade"), nil, 0},
		{"Connection over two lines", edit("Connection: Upgrade", "Connection: keep-alive\r\nConnection: UPGRADE"), nil, 0},
		{"Connection upgrades", edit("Connection: Upgrade", "Connection: Upgrades"), ErrNoConnection, 400},
		// (5): "A |Sec-WebSocket-Key| header field with a base64-encoded value that, when decoded, is 16 bytes in length."
		{"no key", edit("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""), ErrNoKey, 400},
		{"two keys", edit("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Key: E4i4gDQc1XTIQcQxvf+ODA==\r\n"), ErrDuplicateKey, 400},
		{"short key", edit("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZQ=="), ErrBadKey, 400},
		{"key not base64", edit("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZ!=="), ErrBadKey, 400},
		{"key with spaces around", edit("Key: dGhlIHNhbXBsZSBub25jZQ==", "Key: \t dGhlIHNhbXBsZSBub25jZQ== \t"), nil, 0},
		// (6): "A |Sec-WebSocket-Version| header field, with a value of 13."
		{"version 8", edit("Version: 13", "Version: 8"), ErrVersion, 426},
		{"no version", edit("Sec-WebSocket-Version: 13\r\n", ""), ErrVersion, 426},
		{"version 13, 8", edit("Version: 13", "Version: 13, 8"), ErrVersion, 426},
		{"two versions", edit("Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 13\r\n"), ErrDuplicateVer, 400},
		// Header names are case-insensitive (RFC 9110 §5.1).
		{"names in lower case", "GET / HTTP/1.1\r\nhost: a\r\nupgrade: websocket\r\nconnection: upgrade\r\n" +
			"sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n", nil, 0},
		{"names in upper case", "GET / HTTP/1.1\r\nHOST: a\r\nUPGRADE: WEBSOCKET\r\nCONNECTION: UPGRADE\r\n" +
			"SEC-WEBSOCKET-KEY: dGhlIHNhbXBsZSBub25jZQ==\r\nSEC-WEBSOCKET-VERSION: 13\r\n\r\n", nil, 0},
		// HTTP/1.1 syntax (RFC 9112).
		{"bare LF", strings.ReplaceAll(goodRequest, "\r\n", "\n"), ErrBareLF, 400},
		{"bare LF in one line", edit("Host: example.com\r\n", "Host: example.com\n"), ErrBareLF, 400},
		{"CR in value", edit("Host: example.com", "Host: exa\rmple.com"), ErrFieldValue, 400},
		{"NUL in value", edit("Host: example.com", "Host: exa\x00mple.com"), ErrFieldValue, 400},
		{"DEL in value", edit("Host: example.com", "Host: exa\x7fmple.com"), ErrFieldValue, 400},
		{"tab in value", edit("Host: example.com", "Host: exa\tmple.com"), nil, 0},
		{"space before colon", edit("Host: example.com", "Host : example.com"), ErrFieldSyntax, 400},
		{"no colon", edit("Host: example.com", "Host example.com"), ErrFieldSyntax, 400},
		{"empty name", edit("Host: example.com\r\n", "Host: example.com\r\n: x\r\n"), ErrFieldSyntax, 400},
		{"whitespace before first field", edit("GET /chat HTTP/1.1\r\n", "GET /chat HTTP/1.1\r\n X: y\r\n"), ErrFieldSyntax, 400},
		{"obs-fold joined", edit("Upgrade: websocket", "Upgrade: h2c,\r\n websocket"), nil, 0},
		{"obs-fold after colon", edit("Connection: Upgrade", "Connection:\r\n\tUpgrade"), nil, 0},
		// Subprotocols are tokens; extensions follow §9.1.
		{"protocols", edit("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n"), nil, 0},
		{"bad protocol", edit("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat, su per\r\n\r\n"), ErrBadProtocols, 400},
		{"extensions", edit("\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=\"10\", x-foo\r\n\r\n"), nil, 0},
		{"bad extension", edit("\r\n\r\n", "\r\nSec-WebSocket-Extensions: permessage-deflate; =1\r\n\r\n"), ErrBadExtensions, 400},
		{"two Origins", edit("\r\n\r\n", "\r\nOrigin: http://a\r\nOrigin: http://b\r\n\r\n"), ErrDuplicateOrigin, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := tt.head
			req, n, err := ParseRequest([]byte(head))
			if err != tt.want {
				t.Fatalf("ParseRequest(%q) error = %v; want %v", head, err, tt.want)
			}
			if err == nil {
				if n != len(head) || string(req.Method) != "GET" {
					t.Errorf("n = %d, Method %q", n, req.Method)
				}
				return
			}
			var he *Error
			if !errors.As(err, &he) || he.Status != tt.status {
				t.Errorf("error %v: want an *Error with status %d", err, tt.status)
			}
			if n != 0 || req.Method != nil {
				t.Errorf("failed parse returned n = %d and %+v", n, req)
			}
		})
	}
}

// TestObsFoldUnfolded checks that folded values come out as one value with
// spaces where the line breaks were.
func TestObsFoldUnfolded(t *testing.T) {
	head := edit("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat,\r\n superchat\r\nX-Long: a\r\n\tb\r\n  c\r\n\r\n")
	req, _, err := ParseRequest([]byte(head))
	if err != nil {
		t.Fatal(err)
	}
	if !req.Protocols.Contains("superchat") || !req.Protocols.Contains("chat") {
		t.Errorf("protocols = %q", req.Protocols.Value(0))
	}
	if got := string(req.Header("x-long")); got != "a  \tb    c" {
		t.Errorf("folded X-Long = %q", got)
	}
}

func TestRequestLimits(t *testing.T) {
	big := edit("\r\n\r\n", "\r\nX-Pad: "+strings.Repeat("p", 9000)+"\r\n\r\n")
	if _, _, err := ParseRequest([]byte(big)); err != ErrHeadTooLarge {
		t.Errorf("9 KiB head: %v; want ErrHeadTooLarge", err)
	}
	// A prefix that is already over the limit fails without waiting for more.
	if _, _, err := ParseRequest([]byte(big[:8200])); err != ErrHeadTooLarge {
		t.Errorf("8200 bytes without an end: %v; want ErrHeadTooLarge", err)
	}
	if _, _, err := ParseRequest([]byte(big[:8000])); err != ErrIncomplete {
		t.Errorf("8000 bytes without an end: %v; want ErrIncomplete", err)
	}
	if _, _, err := (Limits{MaxHeadBytes: 16 << 10}).ParseRequest([]byte(big)); err != nil {
		t.Errorf("9 KiB head with a 16 KiB limit: %v", err)
	}
	if _, _, err := (Limits{MaxHeadBytes: 100}).ParseRequest([]byte(goodRequest)); err != ErrHeadTooLarge {
		t.Errorf("%d-byte head with a 100-byte limit: %v", len(goodRequest), err)
	}
	// Exactly at the limit is fine.
	if _, _, err := (Limits{MaxHeadBytes: len(goodRequest)}).ParseRequest([]byte(goodRequest)); err != nil {
		t.Errorf("head exactly at the limit: %v", err)
	}
	many := edit("\r\n\r\n", "\r\n"+strings.Repeat("X-A: b\r\n", 70)+"\r\n")
	if _, _, err := ParseRequest([]byte(many)); err != ErrTooManyFields {
		t.Errorf("76 fields: %v; want ErrTooManyFields", err)
	}
	if _, _, err := (Limits{MaxFields: 100}).ParseRequest([]byte(many)); err != nil {
		t.Errorf("76 fields with a limit of 100: %v", err)
	}
	lines := edit("\r\n\r\n", "\r\n"+strings.Repeat("Sec-WebSocket-Protocol: a\r\n", 9)+"\r\n")
	if _, _, err := ParseRequest([]byte(lines)); err != ErrTooManyLines {
		t.Errorf("9 Sec-WebSocket-Protocol lines: %v; want ErrTooManyLines", err)
	}
}

func TestRequestFields(t *testing.T) {
	req, _, err := ParseRequest([]byte(goodRequest))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name, value := range req.Fields {
		names = append(names, string(name)+"="+string(value))
	}
	want := "Host=example.com Upgrade=websocket Connection=Upgrade Sec-WebSocket-Key=dGhlIHNhbXBsZSBub25jZQ== Sec-WebSocket-Version=13"
	if strings.Join(names, " ") != want {
		t.Errorf("Fields = %q; want %q", names, want)
	}
	if req.Header("x-absent") != nil {
		t.Errorf("Header of an absent field is not nil")
	}
}
