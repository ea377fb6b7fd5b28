package echo

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

// ServeHTTP serves the demo page, /stats, and WebSocket echo connections,
// each in the handler's goroutine: the goroutine engine.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !isUpgrade(r) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(demoPage)
		case "/stats":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(s.Stats())
		default:
			http.NotFound(w, r)
		}
		return
	}
	// An echo server serves anyone: it holds nothing a cross-origin page
	// could steal with the user's cookies.
	opts := &handshake.Options{CheckOrigin: func(*http.Request) bool { return true }}
	var params deflate.Params
	negotiated := false
	if s.Deflate != nil {
		opts.Extensions = func(offer []string) string {
			var resp string
			params, resp, negotiated = deflate.NegotiateServer(offer, *s.Deflate)
			return resp
		}
	}
	conn, rw, err := handshake.Upgrade(w, r, opts)
	if err != nil {
		s.Logf("handshake from %s refused: %v", r.RemoteAddr, err)
		return
	}
	s.Logf("handshake from %s: %s", r.RemoteAddr, r.URL.Path)
	// Bytes the client sent after its request are in rw's buffer.
	pre, _ := rw.Reader.Peek(rw.Reader.Buffered())
	c := &serverConn{Conn: newConn(s, r.URL.Path == "/seed", pre, nil), conn: conn}
	if negotiated {
		c.useDeflate(params)
	}
	if !s.add(c) {
		conn.Close()
		return
	}
	defer s.remove(c)
	c.serve()
}

func (s *Server) add(c *serverConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.Opened()
	return true
}

func (s *Server) remove(c *serverConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.Closed()
	s.wg.Done()
}

// shutdown sends a close frame with 1001 (going away) to every open
// connection and waits until they end or ctx is done, then closes what is
// left.
func (s *Server) shutdown(ctx context.Context) {
	s.mu.Lock()
	s.closing = true
	conns := make([]*serverConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	// Send the close frames without waiting on them: a connection stuck
	// writing to a client that stopped reading holds its write lock, and
	// only closing it below frees it.
	for _, c := range conns {
		go c.goingAway()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		for _, c := range conns {
			c.conn.Close()
		}
		<-done
	}
}

// serverConn is one echo connection of the goroutine engine: a goroutine
// blocks in Read and Write, and the protocol is Conn's.
type serverConn struct {
	*Conn
	conn net.Conn
	iov  [3][]byte
	bufs net.Buffers
	wmu  sync.Mutex // guards writes: the connection's goroutine and shutdown both write
	err  error
	gone bool // shutdown sent close 1001: drop every later write
}

// Writev writes a, b and c in order, blocking until done.
func (c *serverConn) Writev(a, b, d []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.err != nil || c.gone {
		return c.err
	}
	c.iov = [3][]byte{a, b, d}
	c.bufs = c.iov[:]
	_, c.err = c.bufs.WriteTo(c.conn)
	c.iov = [3][]byte{}
	return c.err
}

// Pending is false: Writev returns only once everything is written.
func (c *serverConn) Pending() bool { return false }

// serve reads and echoes until the connection ends.
func (c *serverConn) serve() {
	defer c.conn.Close()
	for {
		if c.Process(c) {
			return
		}
		n, err := c.conn.Read(c.ReadSpace())
		c.Read(n)
		if n == 0 && err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.s.Logf("read from %s: %v", c.conn.RemoteAddr(), err)
			}
			return
		}
	}
}

// goingAway sends close 1001 from outside the connection's goroutine.
func (c *serverConn) goingAway() {
	var buf [64]byte
	p := codec.AppendClose(buf[:0], codec.CloseGoingAway, "server shutting down")
	frame := codec.AppendHeader(make([]byte, 0, 64), codec.Header{Fin: true, Opcode: codec.OpClose, Length: int64(len(p))})
	frame = append(frame, p...)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.gone || c.err != nil {
		return
	}
	// The connection's own close frame may already be on its way; a second
	// one is harmless to a peer that closes on the first.
	c.gone = true
	_, c.err = c.conn.Write(frame)
}

// Listen serves s on addr with the goroutine engine: net/http, and a
// goroutine per connection. It returns the address and a function that
// shuts the server down, sending close 1001 to every connection and
// waiting at most grace for them to end.
func Listen(s *Server, addr string) (net.Addr, func(grace time.Duration), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go hs.Serve(ln)
	stop := func(grace time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		hs.Shutdown(ctx) // stops accepting; hijacked connections are ours
		s.shutdown(ctx)
	}
	return ln.Addr(), stop, nil
}
