package handshake

import (
	"bytes"
	"testing"

	"github.com/wsframe/wsframe/internal/testvectors"
)

func addHeads(f *testing.F, pattern string) {
	for _, b := range testvectors.Heads(pattern) {
		f.Add(b)
	}
}

// FuzzParseRequest checks that ParseRequest never panics, that n ends at a
// blank line, and that a request it accepts, written again by
// AppendRequest, parses to the same values.
func FuzzParseRequest(f *testing.F) {
	addHeads(f, "request-*.http")
	f.Add([]byte(goodRequest + "\x81\x80"))
	f.Add([]byte(edit("Upgrade: websocket", "Upgrade: h2c,\r\n websocket")))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, n, err := ParseRequest(b)
		if err != nil {
			if n != 0 || req.Method != nil {
				t.Fatalf("error %v with n = %d and a non-zero Request", err, n)
			}
			return
		}
		if n < 4 || n > len(b) || string(b[n-4:n]) != "\r\n\r\n" {
			t.Fatalf("n = %d does not end a head", n)
		}
		var protocols []string
		for p := range req.Protocols.Elements {
			protocols = append(protocols, string(p))
		}
		var extra []Field
		if req.Origin != nil {
			extra = append(extra, Field{"Origin", string(req.Origin)})
		}
		for i := 0; i < req.Extensions.Len(); i++ {
			extra = append(extra, Field{"Sec-WebSocket-Extensions", string(req.Extensions.Value(i))})
		}
		again := AppendRequest(nil, string(req.Host), string(req.Target), req.Key, protocols, extra...)
		req2, n2, err := ParseRequest(again)
		if err != nil || n2 != len(again) {
			t.Fatalf("re-serialized request fails: %v\n%q\nfrom %q", err, again, b[:n])
		}
		var protocols2 []string
		for p := range req2.Protocols.Elements {
			protocols2 = append(protocols2, string(p))
		}
		same := bytes.Equal(req.Host, req2.Host) && bytes.Equal(req.Target, req2.Target) && bytes.Equal(req.Key, req2.Key) &&
			bytes.Equal(req.Origin, req2.Origin) && string(req2.Version) == "13" && len(protocols) == len(protocols2) &&
			req.Extensions.Len() == req2.Extensions.Len()
		for i := range protocols {
			same = same && protocols[i] == protocols2[i]
		}
		for i := 0; same && i < req.Extensions.Len(); i++ {
			same = bytes.Equal(req.Extensions.Value(i), req2.Extensions.Value(i))
		}
		if !same {
			t.Fatalf("round trip changed the request:\n%q\n%q", b[:n], again)
		}
	})
}

// FuzzParseResponse does the same for ParseResponse and AppendResponse.
func FuzzParseResponse(f *testing.F) {
	addHeads(f, "response-*.http")
	f.Add([]byte(goodResponse))
	f.Add([]byte("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		resp, n, err := ParseResponse(b, []byte(rfcKey))
		if err == ErrStatus {
			if resp.Status == 101 || n == 0 {
				t.Fatalf("ErrStatus with status %d, n %d", resp.Status, n)
			}
			return
		}
		if err != nil {
			if n != 0 || resp.Status != 0 {
				t.Fatalf("error %v with n = %d and status %d", err, n, resp.Status)
			}
			return
		}
		if n < 4 || string(b[n-4:n]) != "\r\n\r\n" {
			t.Fatalf("n = %d does not end a head", n)
		}
		var exts []byte
		for i := 0; i < resp.Extensions.Len(); i++ {
			if i > 0 {
				exts = append(exts, ", "...)
			}
			exts = append(exts, resp.Extensions.Value(i)...)
		}
		again := AppendResponse(nil, []byte(rfcKey), string(resp.Protocol), string(exts))
		resp2, _, err := ParseResponse(again, []byte(rfcKey))
		if err != nil || !bytes.Equal(resp.Protocol, resp2.Protocol) {
			t.Fatalf("re-serialized response: %v\n%q", err, again)
		}
		var e1, e2 []string
		for e := range resp.Extensions.Elements {
			e1 = append(e1, string(e))
		}
		for e := range resp2.Extensions.Elements {
			e2 = append(e2, string(e))
		}
		if len(e1) != len(e2) {
			t.Fatalf("extensions %q became %q", e1, e2)
		}
		for i := range e1 {
			if e1[i] != e2[i] {
				t.Fatalf("extensions %q became %q", e1, e2)
			}
		}
	})
}
