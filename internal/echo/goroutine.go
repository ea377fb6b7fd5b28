package echo

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

// The goroutine engine: net/http reads the request heads and serves the
// demo page, and each upgraded connection gets a goroutine that blocks in
// Read and Write. It defends itself as Limits say:
//
//   - net/http's ReadHeaderTimeout bounds the opening handshake (and the
//     time between plain requests);
//   - an upgraded connection that is silent for IdleTimeout gets a ping,
//     and is closed when nothing arrives within PingTimeout more;
//   - writes have a deadline that moves with progress: a client that takes
//     no byte for WriteTimeout is dropped;
//   - a close the server sends first must be answered within CloseTimeout;
//   - the listener holds Accept while MaxConns connections are open;
//   - buffers are lent from one Buffers for all connections: what the
//     memory budget counts goes back after each read is processed, the
//     fixed read and write buffers once the connection has been silent for
//     IdleTimeout/8, and a silent connection then waits on a one-byte read,
//     holding no buffer.
//
// Deadlines are not set per read or write, which would cost a timer
// update each: a busy connection meets its read deadline every
// IdleTimeout/8 and moves it then, and the write deadline, a step of
// WriteTimeout/8 ahead, is moved when it is more than an eighth of a step
// old. Times on the hot path come from a coarse clock (see clock).

// Listen serves s on addr with the goroutine engine: net/http, and a
// goroutine per connection. It returns the address and a function that
// shuts the server down, sending close 1001 to every connection and
// waiting at most grace for them to end.
func Listen(s *Server, addr string) (net.Addr, func(grace time.Duration), error) {
	return listen(s, addr, nil, false)
}

// HTTP2Streams is the most WebSockets, and requests, one HTTP/2
// connection may carry at once (SETTINGS_MAX_CONCURRENT_STREAMS, net/http's
// default): Limits.MaxConns counts TCP connections, so over HTTP/2 the
// server holds at most MaxConns times this many WebSockets.
const HTTP2Streams = 250

// ListenTLS is Listen over TLS with cfg, which holds the certificate:
// HTTPS and wss:// on addr. TLS's ALPN chooses HTTP/1.1 or, when http2 is
// set, HTTP/2, which net/http serves itself. A WebSocket over HTTP/2 (RFC
// 8441, an extended CONNECT) is one stream of its connection, which other
// WebSockets and requests may share; net/http accepts such WebSockets only
// in a process started with GODEBUG=http2xconnect=1 (see
// handshake.HTTP2Enabled), and without it clients open theirs over
// HTTP/1.1.
//
// Over HTTP/2 the limits hold as over HTTP/1.1, per WebSocket, with
// these differences: MaxConns counts TCP connections, each of which
// carries at most HTTP2Streams WebSockets; HandshakeTimeout bounds an
// HTTP/2 connection's time without streams too; and the memory budget
// does not count what the HTTP/2 layer holds: up to 1 MiB per connection
// of data received and not yet read (net/http's flow-control window) and
// 32 KiB per stream in the buffers that join it to the WebSocket, held
// while the WebSocket lives, idle or not.
func ListenTLS(s *Server, addr string, cfg *tls.Config, http2 bool) (net.Addr, func(grace time.Duration), error) {
	return listen(s, addr, cfg, http2)
}

func listen(s *Server, addr string, cfg *tls.Config, http2 bool) (net.Addr, func(grace time.Duration), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	lim := s.Lim()
	g := newGate(ln, s, lim.MaxConns)
	clk := newClock(clockRes(lim))
	hs := &http.Server{
		Handler: &handler{s: s, lim: lim, lend: NewBuffers(s), clk: clk},
		// Until it is upgraded a connection is in its handshake: it has
		// HandshakeTimeout to send a request head, or the whole of a
		// request, or the next request after a plain one. An HTTP/2
		// connection has as long without a stream.
		ReadHeaderTimeout: lim.HandshakeTimeout,
		ReadTimeout:       lim.HandshakeTimeout,
		IdleTimeout:       lim.HandshakeTimeout,
		// Replies to plain requests are small: one that does not go out
		// in WriteTimeout goes to a client that does not read. handshake.
		// Upgrade clears it, with the read deadline, for WebSockets.
		WriteTimeout: lim.WriteTimeout,
		ConnState:    g.track,
		ErrorLog:     log.New(io.Discard, "", 0),
	}
	if cfg != nil {
		var p http.Protocols
		p.SetHTTP1(true)
		p.SetHTTP2(http2)
		hs.Protocols = &p
		hs.TLSConfig = cfg
		// An HTTP/2 connection whose client takes none of its output
		// for WriteTimeout is closed, with all its streams.
		hs.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: HTTP2Streams, WriteByteTimeout: lim.WriteTimeout}
		go hs.ServeTLS(g, "", "")
	} else {
		go hs.Serve(g)
	}
	stop := func(grace time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		// net/http stops accepting, and waits for its connections to be
		// idle: HTTP/1.1 WebSockets were hijacked and are ours, but an
		// HTTP/2 connection is busy while its WebSockets, which are its
		// streams, live. So the close frames go out meanwhile.
		done := make(chan struct{})
		go func() {
			hs.Shutdown(ctx)
			close(done)
		}()
		s.shutdown(ctx)
		<-done
		hs.Close() // what grace left open
		clk.Stop()
	}
	return ln.Addr(), stop, nil
}

// handler is the goroutine engine's http.Handler for one Server.
type handler struct {
	s    *Server
	lim  *Limits
	lend *Buffers // shared by all connections, which borrow as they need
	clk  *clock
}

// ServeHTTP serves the demo page and /stats, and upgrades WebSocket
// requests to echo connections, each served by a goroutine of its own.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := h.s
	if !isUpgrade(r) {
		servePlain(s, w, r)
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
			params, resp, negotiated = deflate.NegotiateServer(offer, s.deflateOptions())
			return resp
		}
	}
	conn, rw, err := handshake.Upgrade(w, r, opts)
	if err != nil {
		s.Logf("handshake from %s refused: %v", r.RemoteAddr, err)
		return
	}
	h2 := r.ProtoMajor == 2
	s.Logf("handshake from %s: %s (%s)", r.RemoteAddr, r.URL.Path, r.Proto)
	// Bytes the client sent after its request are in rw's buffer.
	pre, _ := rw.Reader.Peek(rw.Reader.Buffered())
	c := &serverConn{Conn: newConn(s, r.URL.Path == "/seed", pre, h.lend), hc: conn, nc: conn, lim: h.lim, clk: h.clk}
	// Reads and writes go to the TCP connection itself, not through the
	// gate's wrapper, which would hide writev from net.Buffers.
	if gc, ok := conn.(*gatedConn); ok {
		c.nc = gc.Conn
	}
	_, c.tls = conn.(*tls.Conn)
	if negotiated {
		c.useDeflate(params)
	}
	if !s.add(c) {
		conn.Close()
		c.Free()
		return
	}
	if h2 {
		// The WebSocket is a stream of the request, which ends when the
		// handler returns: this goroutine serves it.
		s.http2.Add(1)
		s.http2Open.Add(1)
		defer s.http2Open.Add(-1)
		defer s.remove(c)
		c.serve()
		return
	}
	// A goroutine of its own, so that net/http lets go of what it kept
	// for the request (its buffered reader among it) and of its deeper
	// stack, for as long as the connection lives.
	go func() {
		defer s.remove(c)
		c.serve()
	}()
}

// servePlain answers a request that is not a WebSocket handshake.
func servePlain(s *Server, w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(demoPage)
	case "/stats":
		if r.URL.RawQuery == "gc=1" {
			runtime.GC() // what the heap holds, not what it has yet to sweep
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.Stats())
	default:
		http.NotFound(w, r)
	}
}

// add records c for shutdown; it reports false once shutdown has begun.
func (s *Server) add(c *serverConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

// remove forgets c, which has ended.
func (s *Server) remove(c *serverConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// shutdown sends a close frame with 1001 (going away) to every open
// connection and waits until they end or ctx is done, then closes what is
// left. Each connection also ends by itself when its client does not
// answer within CloseTimeout.
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
	// only its write timeout or closing it below frees it.
	for _, c := range conns {
		go c.goingAway()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		// Closing a stream of HTTP/2 waits up to a second for its last
		// bytes: drop them all at once.
		for _, c := range conns {
			go c.drop()
		}
		<-done
	}
}

// serverConn is one echo connection of the goroutine engine: a goroutine
// blocks in Read and Write, and the protocol is Conn's.
type serverConn struct {
	*Conn
	nc  net.Conn // reads, writes and deadlines: the TCP connection itself, its TLS, or its HTTP/2 stream
	hc  net.Conn // the connection as net/http handed it over: closing it frees its place under MaxConns
	tls bool     // nc is a TLS connection, whose writes cannot resume after a deadline
	lim *Limits
	clk *clock

	// The read side's state, kept by the connection's goroutine.
	last  time.Time // when bytes last arrived, on clk
	stage stage     // how far the connection has gone into being idle
	one   [1]byte   // what a resting connection reads into

	// closeBy is when the client must have answered the close the server
	// sent first; nil until then. Shutdown sets it from its goroutine.
	closeBy atomic.Pointer[time.Time]

	wmu   sync.Mutex // guards writes: the connection's goroutine and shutdown both write
	iov   [3][]byte
	bufs  net.Buffers
	armed time.Time // when the write deadline was set: it is a step of WriteTimeout/8 later, or WriteTimeout over TLS
	err   error
	gone  bool // shutdown sent close 1001: drop every later write
}

// stage is how far a connection has gone into being idle, since bytes
// last arrived.
type stage uint8

const (
	busy    stage = iota // bytes arrived within IdleTimeout/8
	resting              // silent for IdleTimeout/8: its buffers went back
	pinged               // silent for IdleTimeout: the ping went out
)

// serve reads and echoes until the connection ends.
func (c *serverConn) serve() {
	defer c.end()
	c.last = c.clk.Now()
	c.setReadDeadline(c.last.Add(c.lim.IdleTimeout / 8))
	for {
		if c.Process(c) {
			return
		}
		// Writev returns once all is written, so nothing is pending.
		// What the budget counts goes back at once; the fixed read and
		// write buffers stay while the connection is busy, and go back
		// when it rests, sparing the pool a round trip per message.
		if c.extra() {
			c.Release()
		}
		if c.CloseSent() {
			c.awaitClose()
		}
		if !c.read() {
			return
		}
	}
}

// extra reports whether the connection holds more than its fixed read
// and write buffers that Release would give back: a message buffer with
// no message in it, a compressed reply, or a read or write buffer that
// grew. A message in progress keeps its buffer, and the read buffer
// stays with it.
func (c *serverConn) extra() bool {
	return (c.msg != nil && !c.d.InMessage()) || c.zb != nil || len(c.rb) > c.s.readBuf || cap(c.wb) > c.s.writeBuf
}

// end closes the connection and gives back all it holds.
func (c *serverConn) end() {
	c.hc.Close()
	c.Free()
}

// drop closes the connection at once: over TLS without the close_notify
// alert, which would wait up to 5 s for a client that does not read, and
// follow a record a write deadline may have cut short.
func (c *serverConn) drop() {
	if tc, ok := c.hc.(*tls.Conn); ok {
		tc.NetConn().Close()
		return
	}
	c.hc.Close()
}

// read reads what arrives into the read buffer. When the read deadline
// passes it enforces the timeouts, and reads on if the connection lives.
// It reports whether bytes were read; false ends the connection.
func (c *serverConn) read() bool {
	for {
		n, err := c.readSome()
		if n > 0 {
			// An error comes back again with the next read.
			c.last, c.stage = c.clk.Now(), busy
			return true
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				c.s.Logf("read from %s: %v", c.nc.RemoteAddr(), err)
			}
			return false
		}
		if !c.expired() {
			return false
		}
	}
}

// readSome reads once into the read buffer. A resting connection that
// gave its buffer back waits on a single byte instead, and borrows a
// buffer only once that byte has come: an idle connection holds no buffer
// at all, for the price of one more read when it wakes.
func (c *serverConn) readSome() (int, error) {
	if c.stage == busy || c.rb != nil {
		n, err := c.nc.Read(c.ReadSpace())
		c.Read(n)
		return n, err
	}
	n, err := c.nc.Read(c.one[:])
	if n > 0 {
		c.ReadSpace()[0] = c.one[0]
		c.Read(n)
	}
	return n, err
}

// expired acts on a read deadline that passed, and sets the next one; it
// reports whether the connection lives on. Deadlines are set only here,
// not for every read: a busy connection meets one every IdleTimeout/8,
// and moves it to IdleTimeout/8 after the bytes that came last.
func (c *serverConn) expired() bool {
	now := time.Now()
	if by := c.closeBy.Load(); by != nil {
		if now.Before(*by) { // a deadline set before the close
			c.setReadDeadline(*by)
			return true
		}
		c.s.Count(TimeoutClose)
		c.s.Logf("%s did not answer the close in %v", c.nc.RemoteAddr(), c.lim.CloseTimeout)
		return false
	}
	idle := c.lim.IdleTimeout
	quiet := now.Sub(c.last)
	switch {
	case quiet < idle/8:
		c.setReadDeadline(c.last.Add(idle / 8))
	case quiet < idle:
		if c.stage == busy {
			c.stage = resting
			c.Release()
		}
		c.setReadDeadline(c.last.Add(idle))
	case c.stage != pinged:
		// Any answer, pong or not, shows the client is there.
		c.stage = pinged
		c.Ping(c)
		c.Release()
		c.setReadDeadline(now.Add(c.lim.PingTimeout))
	default:
		c.s.Count(TimeoutIdle)
		c.s.Logf("%s silent for %v: closing", c.nc.RemoteAddr(), quiet.Round(time.Millisecond))
		return false
	}
	return true
}

// setReadDeadline sets the read deadline to t, unless the server has
// sent a close: then its deadline stays. Shutdown may send it meanwhile,
// so the close's deadline is set again after t.
func (c *serverConn) setReadDeadline(t time.Time) {
	c.nc.SetReadDeadline(t)
	if by := c.closeBy.Load(); by != nil {
		c.nc.SetReadDeadline(*by)
	}
}

// awaitClose gives the client CloseTimeout to answer the close the
// server sent, once.
func (c *serverConn) awaitClose() {
	by := time.Now().Add(c.lim.CloseTimeout)
	if c.closeBy.CompareAndSwap(nil, &by) {
		c.nc.SetReadDeadline(by)
	}
}

// Writev writes a, b and c in order, blocking until done, or until the
// client has taken no byte for WriteTimeout: then it closes the
// connection. After an error it writes nothing.
func (c *serverConn) Writev(a, b, d []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.err != nil || c.gone {
		return c.err
	}
	c.iov = [3][]byte{a, b, d}
	c.bufs = c.iov[:]
	c.err = c.write()
	c.iov = [3][]byte{}
	return c.err
}

// Pending is false: Writev returns only once everything is written.
func (c *serverConn) Pending() bool { return false }

// write writes c.bufs, with wmu held. The write deadline moves in steps
// of WriteTimeout/8: it is set when it is more than a step/8 old, not for
// each write, so that it is always most of a step ahead. When it passes
// while a write waits, the write goes on if the client took bytes in that
// step, and fails once WriteTimeout has passed without: a client that
// takes nothing is dropped at most a step late.
func (c *serverConn) write() error {
	if c.tls {
		return c.writeTLS()
	}
	wt := c.lim.WriteTimeout
	step := wt / 8
	progress := c.clk.Now()
	if progress.Sub(c.armed) > step/8 {
		c.setWriteDeadline(progress.Add(step))
	}
	for {
		// WriteTo drops from c.bufs what it wrote, even when it fails.
		n, err := c.bufs.WriteTo(c.nc)
		if err == nil {
			return nil
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			c.drop()
			return err
		}
		now := time.Now()
		if n > 0 {
			progress = now
		} else if now.Sub(progress) >= wt {
			c.s.Count(TimeoutWrite)
			c.s.Logf("%s took nothing in %v: closing", c.nc.RemoteAddr(), wt)
			c.drop()
			return err
		}
		next := now.Add(step)
		if end := progress.Add(wt); end.Before(next) {
			next = end
		}
		c.setWriteDeadline(next)
	}
}

// tlsPiece is the most writeTLS hands crypto/tls at once: a record's
// worth.
const tlsPiece = 16 << 10

// writeTLS is write over TLS, whose writes do not resume after a deadline:
// crypto/tls fails every later write once one timed out, with its record
// cut short. So the deadline never interrupts a write that may go on: it
// is WriteTimeout after it was set, and is set again before a piece of at
// most tlsPiece bytes when it is more than WriteTimeout/8 old. Each piece
// so has at least 7/8 of WriteTimeout to go out, and a client that takes
// nothing is dropped at most WriteTimeout after the last piece it took.
func (c *serverConn) writeTLS() error {
	wt := c.lim.WriteTimeout
	for _, b := range c.bufs {
		for len(b) > 0 {
			if now := c.clk.Now(); now.Sub(c.armed) > wt/8 {
				c.nc.SetWriteDeadline(now.Add(wt))
				c.armed = now
			}
			n, err := c.nc.Write(b[:min(len(b), tlsPiece)])
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					c.s.Count(TimeoutWrite)
					c.s.Logf("%s took nothing in %v: closing", c.nc.RemoteAddr(), wt)
				}
				c.drop()
				return err
			}
			b = b[n:]
		}
	}
	c.bufs = nil
	return nil
}

// setWriteDeadline sets the write deadline to t, a step from when it was
// armed.
func (c *serverConn) setWriteDeadline(t time.Time) {
	c.nc.SetWriteDeadline(t)
	c.armed = t.Add(-c.lim.WriteTimeout / 8)
}

// goingAway sends close 1001 from outside the connection's goroutine,
// and gives the client CloseTimeout to answer.
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
	c.bufs = append(c.iov[:0], frame)
	c.err = c.write()
	c.iov = [3][]byte{}
	if c.err == nil {
		c.awaitClose()
	}
}

// gate is the goroutine engine's listener. It holds Accept while
// MaxConns connections are open, and notices when accepting fails, as it
// does for want of descriptors (EMFILE, ENFILE): net/http then retries
// with a pause that grows from 5 ms to 1 s, instead of spinning. Each
// such episode, until an Accept succeeds again, is counted as
// AcceptPaused and logged once. The gate also counts handshake timeouts,
// through the connections it returns.
type gate struct {
	net.Listener
	s         *Server
	slots     chan struct{} // a token per open connection, MaxConns of them
	closed    chan struct{} // closed by Close, which ends a wait for a slot
	closeOnce sync.Once
	failing   bool // the last Accept failed; Accept's own
}

// newGate returns ln gated at maxConns open connections, counting for s.
func newGate(ln net.Listener, s *Server, maxConns int) *gate {
	return &gate{Listener: ln, s: s, slots: make(chan struct{}, maxConns), closed: make(chan struct{})}
}

// Accept waits for a free slot, then accepts a connection that holds it
// until it is closed.
func (g *gate) Accept() (net.Conn, error) {
	if !g.take() {
		return nil, net.ErrClosed
	}
	nc, err := g.Listener.Accept()
	if err != nil {
		<-g.slots
		g.failed(err)
		return nil, err
	}
	if g.failing {
		g.failing = false
		g.s.Logf("accepting again")
	}
	g.s.Opened()
	return &gatedConn{Conn: nc, g: g}, nil
}

// take takes a slot, waiting for one when all are held; it reports false
// when the listener was closed meanwhile.
func (g *gate) take() bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	g.s.Count(AcceptPaused)
	g.s.Logf("%d connections open, the most allowed: accepting paused until one closes", cap(g.slots))
	select {
	case g.slots <- struct{}{}:
		return true
	case <-g.closed:
		return false
	}
}

// failed notes an accept error: the first of an episode is counted and
// logged. The listener's closing is no episode: Serve returns on it.
func (g *gate) failed(err error) {
	if g.failing || errors.Is(err, net.ErrClosed) {
		return
	}
	g.failing = true
	g.s.Count(AcceptPaused)
	g.s.Logf("accept: %v: accepting paused, retrying", err)
}

// Close closes the listener and ends a wait for a slot.
func (g *gate) Close() error {
	g.closeOnce.Do(func() { close(g.closed) })
	return g.Listener.Close()
}

// track is net/http's ConnState hook: it records where each connection
// is, so that a read timeout can be told to be the handshake's.
func (g *gate) track(nc net.Conn, st http.ConnState) {
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	if c, ok := nc.(*gatedConn); ok {
		c.state.Store(int32(st))
	}
}

// gatedConn is a connection the gate accepted: closing it frees its slot.
type gatedConn struct {
	net.Conn
	g        *gate
	state    atomic.Int32 // the http.ConnState net/http last reported
	timedOut atomic.Bool  // a handshake timeout was counted
	closed   atomic.Bool
}

// Read reads for net/http and counts a read that times out while a
// request head is awaited: net/http's own timeouts, never a WebSocket's,
// which reads the TCP connection itself. (net/http also cuts short reads
// by a deadline in the past, but only while a request is active.)
func (c *gatedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		if st := http.ConnState(c.state.Load()); (st == http.StateNew || st == http.StateIdle) && c.timedOut.CompareAndSwap(false, true) {
			c.g.s.Count(TimeoutHandshake)
			c.g.s.Logf("handshake from %s timed out", c.RemoteAddr())
		}
	}
	return n, err
}

// Close closes the connection and frees its slot, once.
func (c *gatedConn) Close() error {
	err := c.Conn.Close()
	if c.closed.CompareAndSwap(false, true) {
		<-c.g.slots
		c.g.s.Closed()
	}
	return err
}

// clock is the engine's coarse clock, for the hot path: a ticker moves it
// every res, and reading it is one atomic load, where time.Now costs a
// few dozen nanoseconds on every read and write. Now returns the latest
// the time can be, res past the last tick, so that a timeout measured
// from a time it gave is never cut short.
type clock struct {
	base time.Time
	res  time.Duration
	ns   atomic.Int64 // since base, plus res, at the last tick
	stop chan struct{}
	once sync.Once
}

// newClock starts a clock with resolution res; Stop stops it.
func newClock(res time.Duration) *clock {
	k := &clock{base: time.Now(), res: res, stop: make(chan struct{})}
	k.ns.Store(int64(res))
	go k.run()
	return k
}

// run moves the clock on at every tick, until Stop.
func (k *clock) run() {
	t := time.NewTicker(k.res)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			k.ns.Store(int64(time.Since(k.base) + k.res))
		case <-k.stop:
			return
		}
	}
}

// Now returns the time, late by at most res (more only when the ticker's
// goroutine waits for a processor).
func (k *clock) Now() time.Time { return k.base.Add(time.Duration(k.ns.Load())) }

// Stop stops the clock's ticker; it may be called more than once.
func (k *clock) Stop() { k.once.Do(func() { close(k.stop) }) }

// clockRes is the resolution of the clock for lim: an eighth of the
// shortest interval it measures (the idle check every IdleTimeout/8, the
// write deadline's steps of WriteTimeout/8), within 1 ms and 250 ms.
func clockRes(lim *Limits) time.Duration {
	d := min(lim.IdleTimeout/8, lim.PingTimeout, lim.WriteTimeout/8, lim.CloseTimeout) / 8
	return min(max(d, time.Millisecond), 250*time.Millisecond)
}
