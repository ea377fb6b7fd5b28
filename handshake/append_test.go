package handshake

import (
	"fmt"
	"strings"
	"testing"
)

func TestAppendResponseParses(t *testing.T) {
	b := AppendResponse(nil, []byte(rfcKey), "chat", "permessage-deflate; server_no_context_takeover", Field{"Set-Cookie", "a=b"})
	resp, n, err := ParseResponse(b, []byte(rfcKey))
	if err != nil || n != len(b) {
		t.Fatalf("ParseResponse(AppendResponse) = %v, %d\n%s", err, n, b)
	}
	if string(resp.Protocol) != "chat" || string(resp.Extensions.Value(0)) != "permessage-deflate; server_no_context_takeover" ||
		string(resp.Header("set-cookie")) != "a=b" {
		t.Errorf("round trip lost fields: %+v", resp)
	}
}

func TestAppendReject(t *testing.T) {
	for _, status := range []int{400, 403, 426, 431, 503} {
		b := string(AppendReject(nil, status, "why\n"))
		want := fmt.Sprintf("HTTP/1.1 %d ", status)
		if !strings.HasPrefix(b, want) || !strings.HasSuffix(b, "\r\n\r\nwhy\n") || !strings.Contains(b, "Content-Length: 4\r\n") ||
			!strings.Contains(b, "Connection: close\r\n") {
			t.Errorf("AppendReject(%d) = %q", status, b)
		}
		has426 := strings.Contains(b, "\r\nSec-WebSocket-Version: 13\r\n") && strings.Contains(b, "\r\nUpgrade: websocket\r\n")
		if has426 != (status == 426) {
			t.Errorf("AppendReject(%d) version header present = %v", status, has426)
		}
	}
	if got := string(AppendReject(nil, 426, "")); !strings.HasPrefix(got, "HTTP/1.1 426 Upgrade Required\r\n") {
		t.Errorf("426 reply starts %q", got)
	}
	// The reply a client reads back is a non-101 response.
	resp, _, err := ParseResponse(AppendReject(nil, ErrVersion.Status, ErrVersion.Rule), []byte(rfcKey))
	if err != ErrStatus || resp.Status != 426 || string(resp.Header("Sec-WebSocket-Version")) != "13" {
		t.Errorf("client view of the 426 reply: %v %+v", err, resp)
	}
}

func TestAppendRequestParses(t *testing.T) {
	key := NewKey()
	b := AppendRequest(nil, "example.com:8080", "/chat?x=1", key[:], []string{"chat", "superchat"},
		Field{"Origin", "http://example.com"}, Field{"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"})
	req, n, err := ParseRequest(b)
	if err != nil || n != len(b) {
		t.Fatalf("ParseRequest(AppendRequest) = %v\n%s", err, b)
	}
	if string(req.Host) != "example.com:8080" || string(req.Target) != "/chat?x=1" || string(req.Key) != string(key[:]) ||
		string(req.Origin) != "http://example.com" || !req.Protocols.Contains("superchat") || req.Extensions.Len() != 1 {
		t.Errorf("round trip lost fields: %+v", req)
	}
}

func TestAppendPanicsOnInjection(t *testing.T) {
	for name, f := range map[string]func(){
		"protocol with CRLF":  func() { AppendResponse(nil, []byte(rfcKey), "chat\r\nX: y", "") },
		"extension with LF":   func() { AppendResponse(nil, []byte(rfcKey), "", "a\nb") },
		"extra name":          func() { AppendResponse(nil, []byte(rfcKey), "", "", Field{"Bad Name", "v"}) },
		"extra value NUL":     func() { AppendRequest(nil, "h", "/", []byte(rfcKey), nil, Field{"X", "a\x00"}) },
		"host with CR":        func() { AppendRequest(nil, "h\r", "/", []byte(rfcKey), nil) },
		"target with space":   func() { AppendRequest(nil, "h", "/a b", []byte(rfcKey), nil) },
		"protocol not token":  func() { AppendRequest(nil, "h", "/", []byte(rfcKey), []string{"a,b"}) },
		"reject 200":          func() { AppendReject(nil, 200, "") },
		"reject body with CR": func() { AppendReject(nil, 400, "a\rb") },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			f()
		})
	}
}
