package handshake

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/internal/testvectors"
)

const rfcKey = "dGhlIHNhbXBsZSBub25jZQ=="

// TestParseCapturedResponses parses what real servers answered to
// testdata/handshake/sent-to-servers*.http, which carry the RFC's key.
func TestParseCapturedResponses(t *testing.T) {
	for name, head := range testvectors.Heads("response-*.http") {
		t.Run(name, func(t *testing.T) {
			key := rfcKey
			if name == "response-seed.http" {
				key = "E4i4gDQc1XTIQcQxvf+ODA=="
			}
			b := append(bytes.Clone(head), 0x81, 0x02, 'h', 'i')
			resp, n, err := ParseResponse(b, []byte(key))
			if err != nil {
				t.Fatalf("ParseResponse: %v\n%s", err, head)
			}
			if n != len(head) || resp.Status != 101 {
				t.Errorf("n = %d (want %d), status %d", n, len(head), resp.Status)
			}
			offer := strings.Contains(name, "offer")
			var protocols []string
			var extensions string
			if offer {
				protocols, extensions = []string{"chat", "superchat"}, "permessage-deflate; client_max_window_bits"
				if string(resp.Protocol) != "chat" {
					t.Errorf("protocol = %q; want chat", resp.Protocol)
				}
			}
			if err := resp.CheckOffer(protocols, extensions); err != nil {
				t.Errorf("CheckOffer: %v", err)
			}
			if !offer && (resp.Protocol != nil || resp.Extensions.Len() != 0) {
				t.Errorf("server chose %q / %d extensions without an offer", resp.Protocol, resp.Extensions.Len())
			}
		})
	}
}

func TestParseResponsePrefixes(t *testing.T) {
	for name, head := range testvectors.Heads("response-*.http") {
		for i := 0; i < len(head); i++ {
			resp, n, err := ParseResponse(bytes.Clone(head[:i]), []byte(rfcKey))
			if err != ErrIncomplete || n != 0 || resp.Status != 0 {
				t.Fatalf("%s: ParseResponse of %d of %d bytes = %v, %d", name, i, len(head), err, n)
			}
		}
	}
}

const goodResponse = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"

func editResponse(old, new string) string {
	if !strings.Contains(goodResponse, old) {
		panic("editResponse: " + old)
	}
	return strings.Replace(goodResponse, old, new, 1)
}

// TestResponseRules checks the client's checks of RFC 6455 §4.1.
func TestResponseRules(t *testing.T) {
	tests := []struct {
		name, head string
		want       error
	}{
		{"valid", goodResponse, nil},
		// "If the status code received from the server is not 101, the client handles the response per HTTP procedures."
		{"200", editResponse("101 Switching Protocols", "200 OK"), ErrStatus},
		{"426", editResponse("101 Switching Protocols", "426 Upgrade Required"), ErrStatus},
		{"no reason phrase", editResponse("101 Switching Protocols", "101"), nil},
		{"empty reason phrase", editResponse("101 Switching Protocols", "101 "), nil},
		{"HTTP/1.0", editResponse("HTTP/1.1", "HTTP/1.0"), ErrStatusLine},
		{"bad status", editResponse("101", "1x1"), ErrStatusLine},
		{"garbage", "SSH-2.0-OpenSSH_9.2\r\n\r\n", ErrStatusLine},
		// "If the response lacks an |Upgrade| header field or the |Upgrade| header field contains a value that is not an ASCII case-insensitive match for the value "websocket"..."
		{"no Upgrade", editResponse("Upgrade: websocket\r\n", ""), ErrResponseUpgrade},
		{"Upgrade WebSocket", editResponse("Upgrade: websocket", "Upgrade: WebSocket"), nil},
		{"Upgrade h2c", editResponse("Upgrade: websocket", "Upgrade: h2c"), ErrResponseUpgrade},
		{"Upgrade list", editResponse("Upgrade: websocket", "Upgrade: websocket, h2c"), ErrResponseUpgrade},
		// "If the response lacks a |Connection| header field or the |Connection| header field doesn't contain a token that is an ASCII case-insensitive match for the value "Upgrade"..."
		{"no Connection", editResponse("Connection: Upgrade\r\n", ""), ErrResponseConnection},
		{"Connection list", editResponse("Connection: Upgrade", "Connection: keep-alive, upgrade"), nil},
		{"Connection close", editResponse("Connection: Upgrade", "Connection: close"), ErrResponseConnection},
		// "If the response lacks a |Sec-WebSocket-Accept| header field or the |Sec-WebSocket-Accept| contains a value other than the base64-encoded SHA-1 of the concatenation of the |Sec-WebSocket-Key| ... with the string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"..."
		{"no Accept", editResponse("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", ""), ErrAccept},
		{"wrong Accept", editResponse("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "d9WHst60HtB4IvjOVevrexl0oLA="), ErrAccept},
		{"Accept twice", editResponse("\r\n\r\n", "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"), ErrAccept},
		{"Accept lower-case name", editResponse("Sec-WebSocket-Accept", "sec-websocket-accept"), nil},
		// §4.2.2 and §11.3.4: the server picks one subprotocol, and the field "MUST NOT appear more than once in an HTTP response".
		{"two protocols in a list", editResponse("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n"), ErrProtocolList},
		{"two protocol fields", editResponse("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n\r\n"), ErrProtocolList},
		{"bad extensions", editResponse("\r\n\r\n", "\r\nSec-WebSocket-Extensions: ;;\r\n\r\n"), ErrResponseExtensions},
		{"obs-fold in a response", editResponse("Connection: Upgrade", "Connection: keep-alive,\r\n Upgrade"), nil},
		{"CR in value", editResponse("Connection: Upgrade", "Connection: Up\rgrade"), ErrFieldValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, n, err := ParseResponse([]byte(tt.head), []byte(rfcKey))
			if err != tt.want {
				t.Fatalf("ParseResponse(%q) error = %v; want %v", tt.head, err, tt.want)
			}
			switch {
			case err == nil || err == ErrStatus:
				if n != len(tt.head) || resp.Status == 0 {
					t.Errorf("n = %d, status %d", n, resp.Status)
				}
			default:
				var he *Error
				if !errors.As(err, &he) || n != 0 || resp.Status != 0 {
					t.Errorf("error %v with n = %d and status %d", err, n, resp.Status)
				}
			}
		})
	}
}

func TestResponseStatusKeepsHeaders(t *testing.T) {
	head := "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n"
	resp, n, err := ParseResponse([]byte(head), []byte(rfcKey))
	if err != ErrStatus || resp.Status != 426 || n != len(head) || string(resp.Header("sec-websocket-version")) != "13" {
		t.Errorf("ParseResponse = %+v, %d, %v", resp, n, err)
	}
	if string(resp.Reason) != "Upgrade Required" {
		t.Errorf("reason = %q", resp.Reason)
	}
}

// TestCheckOffer: "If the response includes a |Sec-WebSocket-Extensions|
// header field and this header field indicates the use of an extension
// that was not present in the client's handshake..." and the same for a
// subprotocol (§4.1).
func TestCheckOffer(t *testing.T) {
	with := func(extra string) *Response {
		resp, _, err := ParseResponse([]byte(editResponse("\r\n\r\n", "\r\n"+extra+"\r\n")), []byte(rfcKey))
		if err != nil {
			t.Fatal(err)
		}
		return &resp
	}
	tests := []struct {
		name       string
		resp       *Response
		protocols  []string
		extensions string
		want       error
	}{
		{"nothing chosen, nothing offered", with(""), nil, "", nil},
		{"nothing chosen, offered", with(""), []string{"chat"}, "permessage-deflate", nil},
		{"protocol offered", with("Sec-WebSocket-Protocol: superchat\r\n"), []string{"chat", "superchat"}, "", nil},
		{"protocol not offered", with("Sec-WebSocket-Protocol: chat\r\n"), nil, "", ErrProtocolNotOffered},
		{"protocol differs", with("Sec-WebSocket-Protocol: Chat\r\n"), []string{"chat"}, "", ErrProtocolNotOffered},
		{"extension offered", with("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"), nil, "permessage-deflate; client_max_window_bits", nil},
		{"extension not offered", with("Sec-WebSocket-Extensions: permessage-deflate\r\n"), nil, "", ErrExtensionNotOffered},
		{"second extension not offered", with("Sec-WebSocket-Extensions: permessage-deflate, x-webkit\r\n"), nil, "permessage-deflate", ErrExtensionNotOffered},
	}
	for _, tt := range tests {
		if err := tt.resp.CheckOffer(tt.protocols, tt.extensions); err != tt.want {
			t.Errorf("%s: CheckOffer = %v; want %v", tt.name, err, tt.want)
		}
	}
}
