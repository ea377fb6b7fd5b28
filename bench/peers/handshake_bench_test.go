package peers

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/testvectors"
)

// A browser's request, captured from Chromium 156.
func browserRequest(b *testing.B) []byte {
	return testvectors.Head("request-chromium-protocols.http")
}

// BenchmarkServerHandshake goes from the bytes of a browser's request to
// the bytes of the 101 reply, each library its own way. gorilla/websocket
// needs net/http to parse the request first; that is part of its cost.
func BenchmarkServerHandshake(b *testing.B) {
	head := browserRequest(b)
	b.Run("lib=wsframe", func(b *testing.B) {
		buf := bytes.Clone(head)
		out := make([]byte, 0, 256)
		protocols := []string{"chat"}
		b.ReportAllocs()
		for b.Loop() {
			req, _, err := handshake.ParseRequest(buf)
			if err != nil {
				b.Fatal(err)
			}
			out = handshake.AppendResponse(out[:0], req.Key, req.SelectProtocol(protocols), "")
		}
	})
	b.Run("lib=gorilla", func(b *testing.B) {
		up := websocket.Upgrader{
			Subprotocols: []string{"chat"},
			CheckOrigin:  func(*http.Request) bool { return true },
		}
		rd := bytes.NewReader(head)
		br := bufio.NewReader(rd)
		b.ReportAllocs()
		for b.Loop() {
			rd.Reset(head)
			br.Reset(rd)
			r, err := http.ReadRequest(br)
			if err != nil {
				b.Fatal(err)
			}
			w := &hijackWriter{h: http.Header{}}
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				b.Fatal(err)
			}
			_ = c
		}
	})
}

// hijackWriter is the least a net/http server provides for an upgrade: a
// ResponseWriter that can be hijacked, over a connection that discards.
type hijackWriter struct {
	h http.Header
}

func (w *hijackWriter) Header() http.Header         { return w.h }
func (w *hijackWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *hijackWriter) WriteHeader(int)             {}
func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c := discardConn{}
	return c, bufio.NewReadWriter(bufio.NewReader(c), bufio.NewWriter(c)), nil
}

type discardConn struct{}

func (discardConn) Read([]byte) (int, error)         { return 0, nil }
func (discardConn) Write(p []byte) (int, error)      { return len(p), nil }
func (discardConn) Close() error                     { return nil }
func (discardConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (discardConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (discardConn) SetDeadline(time.Time) error      { return nil }
func (discardConn) SetReadDeadline(time.Time) error  { return nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }
