package peers

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/wsframe/wsframe/wsnet"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/gorilla/websocket"
	"github.com/wsframe/wsframe/codec"
)

// replay is an in-memory connection: reads replay a fixed stream of client
// frames forever, writes are discarded.
type replay struct {
	discardConn
	b   []byte
	pos int
}

func (r *replay) Read(p []byte) (int, error) {
	n := copy(p, r.b[r.pos:])
	r.pos = (r.pos + n) % len(r.b)
	return n, nil
}

func (r *replay) Write(p []byte) (int, error) { return len(p), nil }

// clientStream is count masked binary messages of n bytes, as a client
// sends them.
func clientStream(n, count int) []byte {
	e := codec.Encoder{Role: codec.RoleClient}
	payload := bytes.Repeat([]byte("x"), n)
	var b []byte
	for i := 0; i < count; i++ {
		b, _ = e.AppendMessage(b, codec.OpBinary, payload)
	}
	return b
}

// BenchmarkServerMessage is a server's work per message, in memory: read
// one masked message from a client and write one unmasked message back,
// through each library's blocking API.
func BenchmarkServerMessage(b *testing.B) {
	for _, n := range []int{16, 1 << 10, 64 << 10} {
		stream := clientStream(n, 4)
		b.Run(fmt.Sprintf("lib=wsframe/size=%d", n), func(b *testing.B) {
			conn := &replay{b: stream}
			r := wsnet.NewReader(conn, codec.RoleServer)
			w := wsnet.NewWriter(conn, codec.RoleServer)
			msg := make([]byte, 0, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				op, m, err := r.ReadMessage(msg[:0])
				if err != nil || len(m) != n {
					b.Fatal(err)
				}
				if err := w.WriteMessage(op, m); err != nil {
					b.Fatal(err)
				}
				msg = m
			}
		})
		b.Run(fmt.Sprintf("lib=gorilla/size=%d", n), func(b *testing.B) {
			conn := &replay{b: stream}
			c := gorillaServerConn(b, conn)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				op, m, err := c.ReadMessage()
				if err != nil || len(m) != n {
					b.Fatal(err)
				}
				if err := c.WriteMessage(op, m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("lib=gorilla-NextReader/size=%d", n), func(b *testing.B) {
			conn := &replay{b: stream}
			c := gorillaServerConn(b, conn)
			buf := make([]byte, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				op, r, err := c.NextReader()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(r, buf); err != nil {
					b.Fatal(err)
				}
				if err := c.WriteMessage(op, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("lib=gobwas-wsutil/size=%d", n), func(b *testing.B) {
			conn := &replay{b: stream}
			rw := struct {
				io.Reader
				io.Writer
			}{bufio.NewReader(conn), conn}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				m, op, err := wsutil.ReadClientData(rw)
				if err != nil || len(m) != n {
					b.Fatal(err)
				}
				if err := wsutil.WriteServerMessage(rw, op, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

var _ = ws.OpBinary

// gorillaServerConn makes a server-side gorilla *Conn over conn through
// its Upgrader, as a net/http server would.
func gorillaServerConn(b *testing.B, conn net.Conn) *websocket.Conn {
	req, _ := http.NewRequest("GET", "http://example.com/", nil)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("Sec-WebSocket-Version", "13")
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	c, err := up.Upgrade(&connWriter{h: http.Header{}, c: conn}, req, nil)
	if err != nil {
		b.Fatal(err)
	}
	c.SetReadLimit(1 << 30)
	return c
}

// connWriter is a hijackable ResponseWriter over a given connection.
type connWriter struct {
	h http.Header
	c net.Conn
}

func (w *connWriter) Header() http.Header         { return w.h }
func (w *connWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *connWriter) WriteHeader(int)             {}
func (w *connWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.c, bufio.NewReadWriter(bufio.NewReader(w.c), bufio.NewWriter(w.c)), nil
}
