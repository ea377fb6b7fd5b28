package handshake

import (
	"bytes"
	"testing"

	"github.com/wsframe/wsframe/internal/testenv"
	"github.com/wsframe/wsframe/internal/testvectors"
)

// chromiumHead is what Chromium 156 sent, offering two subprotocols.
func chromiumHead() []byte { return testvectors.Head("request-chromium-protocols.http") }

// TestNoAllocs covers the server's hot path: parse the request, answer it.
func TestNoAllocs(t *testing.T) {
	head := chromiumHead()
	buf := bytes.Clone(head)
	out := make([]byte, 0, 512)
	var sink error
	var n int
	testenv.NoAllocs(t, "ParseRequest", func() {
		copy(buf, head)
		_, n, sink = ParseRequest(buf)
	})
	req, _, _ := ParseRequest(buf)
	testenv.NoAllocs(t, "AppendAccept", func() { out = AppendAccept(out[:0], req.Key) })
	testenv.NoAllocs(t, "AppendResponse", func() { out = AppendResponse(out[:0], req.Key, "chat", "permessage-deflate") })
	testenv.NoAllocs(t, "AppendReject", func() { out = AppendReject(out[:0], 426, ErrVersion.Rule) })
	testenv.NoAllocs(t, "ValidKey", func() { _ = ValidKey(req.Key) })
	testenv.NoAllocs(t, "Protocols.Elements", func() {
		for p := range req.Protocols.Elements {
			n += len(p)
		}
	})
	testenv.NoAllocs(t, "Header", func() { n += len(req.Header("user-agent")) })
	supported := []string{"x", "superchat"}
	testenv.NoAllocs(t, "Request.SelectProtocol", func() { n += len(req.SelectProtocol(supported)) })
	old := []byte("GET / HTTP/1.0\r\n\r\n")
	testenv.NoAllocs(t, "ParseRequest error", func() { _, _, sink = ParseRequest(old) })
	testenv.NoAllocs(t, "ParseRequest incomplete", func() { _, _, sink = ParseRequest(head[:100]) })
	resp := AppendResponse(nil, []byte(rfcKey), "", "")
	testenv.NoAllocs(t, "ParseResponse", func() { _, _, sink = ParseResponse(resp, []byte(rfcKey)) })
	_, _ = sink, n
}
