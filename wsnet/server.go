package wsnet

import (
	"context"
	"errors"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/fdlimit"
)

// ServerOptions configure the server's side of the opening handshake and
// the connections it makes. The zero value accepts same-origin requests
// (see handshake.Options.CheckOrigin), no subprotocol and no
// compression.
type ServerOptions struct {
	Options

	// Protocols lists the subprotocols the server speaks, most preferred
	// first; the first one the client offers is chosen.
	Protocols []string

	// CheckOrigin decides whether to accept a request from its Origin; nil
	// means handshake.SameOrigin. Requests it refuses get 403.
	CheckOrigin func(r *http.Request) bool

	// Header holds extra fields for the 101 reply, such as Set-Cookie.
	Header http.Header

	// Compression, when set, accepts a client's permessage-deflate offer
	// (RFC 7692) on these terms, and the connection then compresses and
	// inflates messages itself. nil declines compression.
	Compression *deflate.ServerOptions

	// HandshakeTimeout bounds Accept's opening handshake when its context
	// has no deadline; 0 means DefaultHandshakeTimeout. (Upgrade's request
	// is read by net/http: set http.Server's ReadHeaderTimeout.)
	HandshakeTimeout time.Duration

	// MaxConns caps the connections a Server holds: beyond it, Upgrade
	// answers 503 and Accept refuses. 0 means the descriptor limit less
	// an eighth of it, as for `wsbench serve`; a negative value, no cap.
	// The package-level Upgrade and Accept track nothing and ignore it.
	MaxConns int
}

func (o *ServerOptions) handshakeTimeout() time.Duration {
	if o.HandshakeTimeout > 0 {
		return o.HandshakeTimeout
	}
	return DefaultHandshakeTimeout
}

func (o *ServerOptions) maxConns() int {
	switch {
	case o.MaxConns < 0:
		return math.MaxInt
	case o.MaxConns == 0:
		return fdlimit.MaxConns()
	}
	return o.MaxConns
}

// Upgrade answers a net/http request for a WebSocket: it checks the
// request (RFC 6455 §4.2.1, the origin, the offered subprotocols and
// extensions), takes over the connection, sends the 101 reply and returns
// the connection. On failure it has answered the request with the status
// that says why (400, 403, 426) and returns the error. opts may be nil.
//
// The same handler accepts WebSockets over HTTP/2 (RFC 8441), which
// browsers open as streams of a page's HTTP/2 connection once the server
// advertises them: net/http does so only in a process started with
// GODEBUG=http2xconnect=1 (handshake.HTTP2Enabled reports whether it
// was). Such a request is an extended CONNECT; Upgrade answers it with
// 200 and the Conn reads the request body and writes the response, with
// everything else unchanged (Conn.HTTP2 tells them apart). The stream
// ends when the handler returns, so over HTTP/2 the handler must wait
// for the connection to close:
//
//	c, err := wsnet.Upgrade(w, r, nil)
//	if err != nil {
//		return
//	}
//	go serve(c)
//	<-c.Done() // needed over HTTP/2, harmless over HTTP/1.1
func Upgrade(w http.ResponseWriter, r *http.Request, opts *ServerOptions) (*Conn, error) {
	return upgrade(w, r, opts, nil)
}

func upgrade(w http.ResponseWriter, r *http.Request, opts *ServerOptions, s *Server) (*Conn, error) {
	if opts == nil {
		opts = &ServerOptions{}
	}
	hopts := handshake.Options{CheckOrigin: opts.CheckOrigin, Protocols: opts.Protocols, Header: opts.Header}
	var params *deflate.Params
	var extensions string
	if opts.Compression != nil {
		hopts.Extensions = func(offers []string) string {
			p, response, ok := deflate.NegotiateServer(offers, *opts.Compression)
			if ok {
				params, extensions = &p, response
			}
			return response
		}
	}
	nc, rw, err := handshake.Upgrade(w, r, &hopts)
	if err != nil {
		return nil, err
	}
	buffered, _ := rw.Reader.Peek(rw.Reader.Buffered())
	c := newConn(nc, buffered, codec.RoleServer, params, &opts.Options)
	c.protocol = handshake.SelectProtocol(r.Header.Values("Sec-WebSocket-Protocol"), opts.Protocols)
	c.extensions = extensions
	c.http2 = r.ProtoMajor == 2
	return c, s.track(c)
}

// Server makes server connections, as Upgrade and Accept do, and keeps
// track of them for a graceful shutdown: net/http's Server.Shutdown does
// not wait for connections it no longer owns. The zero value is ready to
// use; set ServerOptions before the first connection.
type Server struct {
	ServerOptions

	mu       sync.Mutex
	conns    map[*Conn]struct{}
	shutdown bool
	idle     chan struct{} // closed when the last connection goes during Shutdown
}

// ErrServerClosed is returned by a Server's Upgrade and Accept once
// Shutdown has begun.
var ErrServerClosed = errors.New("wsnet: server is shutting down")

// ErrTooManyConns is returned by a Server's Upgrade and Accept at
// ServerOptions.MaxConns.
var ErrTooManyConns = errors.New("wsnet: server is at its connection cap")

// Upgrade is the package's Upgrade with s's options, for a connection s
// tracks until it closes. During Shutdown, and at MaxConns, it refuses
// with 503.
func (s *Server) Upgrade(w http.ResponseWriter, r *http.Request) (*Conn, error) {
	if err := s.refuse(); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return nil, err
	}
	return upgrade(w, r, &s.ServerOptions, s)
}

// refuse says why s takes no more connections now, if it does not: it is
// shutting down, or at MaxConns.
func (s *Server) refuse() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.shutdown:
		return ErrServerClosed
	case len(s.conns) >= s.maxConns():
		return ErrTooManyConns
	}
	return nil
}

// track adds c to s (when s is not nil) and starts it, or closes c with
// 1001 when s is shutting down.
func (s *Server) track(c *Conn) error {
	if s == nil {
		c.start()
		return nil
	}
	s.mu.Lock()
	if s.shutdown {
		s.mu.Unlock()
		c.Close(codec.CloseGoingAway, "server is shutting down")
		return ErrServerClosed
	}
	if len(s.conns) >= s.maxConns() {
		// Others upgraded since refuse looked: 1013, try again later.
		s.mu.Unlock()
		c.Close(codec.CloseTryAgainLater, "server is at its connection cap")
		return ErrTooManyConns
	}
	if s.conns == nil {
		s.conns = make(map[*Conn]struct{})
	}
	s.conns[c] = struct{}{}
	c.untrack = func() { s.forget(c) }
	s.mu.Unlock()
	c.start()
	return nil
}

func (s *Server) forget(c *Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if len(s.conns) == 0 && s.idle != nil {
		close(s.idle)
		s.idle = nil
	}
}

// Len returns the number of open connections.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Shutdown refuses new connections, sends every open one a close frame
// with 1001 (going away) and waits until all have closed, at most until
// ctx ends; it then closes what is left at once and returns ctx's error.
// Each connection's close waits at most its CloseTimeout for the peer.
// Call it after net/http's Server.Shutdown, or from its RegisterOnShutdown.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutdown = true
	idle := make(chan struct{})
	if len(s.conns) == 0 {
		close(idle)
	} else {
		s.idle = idle
	}
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		go c.Close(codec.CloseGoingAway, "server is shutting down")
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		for _, c := range conns {
			c.CloseNow()
		}
		return ctx.Err()
	}
}
