package handshake

import (
	"bytes"
	"testing"
)

func BenchmarkParseRequest(b *testing.B) {
	head := chromiumHead()
	buf := bytes.Clone(head)
	b.SetBytes(int64(len(head)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseRequest(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendAccept(b *testing.B) {
	b.ReportAllocs()
	out := make([]byte, 0, AcceptLen)
	key := []byte(rfcKey)
	for b.Loop() {
		out = AppendAccept(out[:0], key)
	}
}

func BenchmarkAppendResponse(b *testing.B) {
	b.ReportAllocs()
	out := make([]byte, 0, 256)
	key := []byte(rfcKey)
	for b.Loop() {
		out = AppendResponse(out[:0], key, "chat", "")
	}
}

// BenchmarkServerHandshake is a server's whole job: parse the request and
// write the reply.
func BenchmarkServerHandshake(b *testing.B) {
	head := chromiumHead()
	buf := bytes.Clone(head)
	out := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		req, _, err := ParseRequest(buf)
		if err != nil {
			b.Fatal(err)
		}
		out = AppendResponse(out[:0], req.Key, "", "")
	}
}

func BenchmarkParseResponse(b *testing.B) {
	resp := AppendResponse(nil, []byte(rfcKey), "chat", "permessage-deflate")
	key := []byte(rfcKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseResponse(resp, key); err != nil {
			b.Fatal(err)
		}
	}
}
