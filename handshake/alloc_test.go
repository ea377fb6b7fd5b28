package handshake

import (
	"bytes"
	"os"
	"testing"
)

func checkNoAllocs(t *testing.T, name string, f func()) {
	t.Helper()
	if n := testing.AllocsPerRun(100, f); n != 0 {
		t.Errorf("%s: got %v allocs, want 0", name, n)
	}
}

func chromiumHead(t testing.TB) []byte {
	b, err := os.ReadFile("../testdata/handshake/request-chromium-protocols.http")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNoAllocs covers the server's hot path: parse the request, answer it.
func TestNoAllocs(t *testing.T) {
	head := chromiumHead(t)
	buf := bytes.Clone(head)
	out := make([]byte, 0, 512)
	var sink error
	var n int
	checkNoAllocs(t, "ParseRequest", func() {
		copy(buf, head)
		_, n, sink = ParseRequest(buf)
	})
	req, _, _ := ParseRequest(buf)
	checkNoAllocs(t, "AppendAccept", func() { out = AppendAccept(out[:0], req.Key) })
	checkNoAllocs(t, "AppendResponse", func() { out = AppendResponse(out[:0], req.Key, "chat", "permessage-deflate") })
	checkNoAllocs(t, "AppendReject", func() { out = AppendReject(out[:0], 426, ErrVersion.Rule) })
	checkNoAllocs(t, "ValidKey", func() { _ = ValidKey(req.Key) })
	checkNoAllocs(t, "Protocols.Elements", func() {
		for p := range req.Protocols.Elements {
			n += len(p)
		}
	})
	checkNoAllocs(t, "Header", func() { n += len(req.Header("user-agent")) })
	supported := []string{"x", "superchat"}
	checkNoAllocs(t, "Request.SelectProtocol", func() { n += len(req.SelectProtocol(supported)) })
	old := []byte("GET / HTTP/1.0\r\n\r\n")
	checkNoAllocs(t, "ParseRequest error", func() { _, _, sink = ParseRequest(old) })
	checkNoAllocs(t, "ParseRequest incomplete", func() { _, _, sink = ParseRequest(head[:100]) })
	resp := AppendResponse(nil, []byte(rfcKey), "", "")
	checkNoAllocs(t, "ParseResponse", func() { _, _, sink = ParseResponse(resp, []byte(rfcKey)) })
	_, _ = sink, n
}
