package wsnet

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// ErrKeepaliveTimeout is why a connection ended when keepalive found the
// peer silent: nothing arrived within the timeout after a ping. Reads
// return a *ClosedError (code 1006) that wraps it.
var ErrKeepaliveTimeout = errors.New("wsnet: keepalive: nothing from the peer within the timeout after a ping")

// ErrWriteTimeout is why a connection ended when its peer took nothing of
// a write for Options.WriteTimeout. The write returns an error wrapping
// it, and reads a *ClosedError (code 1006) that wraps it.
var ErrWriteTimeout = errors.New("wsnet: write timeout: the peer took nothing for the write timeout")

// ErrCloseTimeout is what [Conn.Close] returns when the peer's close
// frame did not arrive within the close timeout. The connection is closed
// all the same.
var ErrCloseTimeout = errors.New("wsnet: no close frame from the peer within the close timeout")

// Conn is a WebSocket connection: messages over a net.Conn after the
// opening handshake. [Upgrade], [Accept] and [Server] make one for a
// server, [Dial] for a client, and [NewConn] for a connection whose
// handshake was done elsewhere.
//
// Writing is safe from any number of goroutines: each message goes out
// whole, and a message streamed through NextWriter holds the write side
// until it is closed, while pings, pongs and close frames may go between
// its frames. Reading is for one goroutine at a time (others wait); the
// reader answers pings, echoes the peer's close frame and sees the pongs
// that Ping and keepalive wait for, so a connection that uses those must
// keep a goroutine reading. Close, CloseNow, Ping and the deadline
// setters may be called from any goroutine at any time.
//
// Every read and write honours the connection's deadlines and the context
// it is given, and either ending leaves the connection usable. A read
// returns the context's error (or the timeout) and a later read goes on
// where it stopped. A write does too; when it had begun a frame, the rest
// of that frame stays with the Conn and goes out before any other frame
// once writing resumes (the peer never sees a torn frame), so the message
// must not be sent again. The one exception is TLS: crypto/tls fails every
// write after one that timed out, so over wss:// a write that a deadline
// or a context interrupts ends the connection's writing for good.
//
// Once running, a Conn does not allocate per message, reading or writing,
// with or without compression, when given contexts that cannot end (such
// as context.Background()); a context that can end costs a few small
// allocations per call to watch it.
type Conn struct {
	nc   net.Conn
	role codec.Role
	opts Options
	r    *Reader
	w    *Writer
	pkey formKey // the form of prepared messages c sends
	pmin int     // and the size from which they are compressed

	protocol   string
	extensions string
	params     deflate.Params
	compressed bool
	header     http.Header // the server's reply, for a client
	http2      bool        // a stream of an HTTP/2 connection (RFC 8441)

	readMu sync.Mutex
	mr     connMessageReader
	mw     connMessageWriter

	received atomic.Uint64 // reads of the socket that returned bytes
	pinging  atomic.Bool   // a keepalive ping is being written

	dlMu    sync.Mutex
	readDL  time.Time
	writeDL time.Time

	// The write timeout: a write deadline the Conn sets itself while the
	// caller has none, pushed back as writes go on (see armWrite).
	writeTimeout time.Duration
	userWriteDL  atomic.Bool  // the caller has a write deadline set
	armedUntil   atomic.Int64 // the deadline armWrite set, in Unix ns; 0: none

	pingMu  sync.Mutex
	pings   map[uint64]chan struct{}
	pingSeq uint64

	closing   atomic.Bool   // Close has begun
	ended     chan struct{} // closed when reading has ended for good
	endOnce   sync.Once
	done      chan struct{} // closed when nc is being closed
	cause     error         // why nc was closed; set before done is closed
	gone      chan struct{} // closed once nc.Close has returned: Done
	closeOnce sync.Once
	closeErr  error
	untrack   func() // set by a Server that tracks the connection
}

// NewConn returns a Conn over nc, whose opening handshake has been done,
// for role. buffered holds bytes read from nc past the handshake, which
// are the start of the peer's frames. params, when not nil, are the
// permessage-deflate parameters the handshake agreed on. opts may be nil.
func NewConn(nc net.Conn, buffered []byte, role codec.Role, params *deflate.Params, opts *Options) *Conn {
	c := newConn(nc, buffered, role, params, opts)
	c.start()
	return c
}

// newConn makes a Conn that does nothing on its own until start.
func newConn(nc net.Conn, buffered []byte, role codec.Role, params *deflate.Params, opts *Options) *Conn {
	c := &Conn{nc: nc, role: role, done: make(chan struct{}), gone: make(chan struct{}), ended: make(chan struct{})}
	if opts != nil {
		c.opts = *opts
	}
	size := c.opts.ReadBufferSize
	if size <= 0 {
		size = DefaultReadBufferSize
	}
	c.w = NewWriter(nc, role)
	c.r = newReader(connReader{c}, role, size, buffered)
	c.r.Replies = c.w
	c.r.MaxMessage = c.opts.maxMessage()
	c.r.OnPong = c.onPong
	if c.writeTimeout = c.opts.writeTimeout(); c.writeTimeout > 0 {
		c.w.BeforeWrite = c.armWrite
	}
	if params != nil {
		c.params, c.compressed = *params, true
		c.opts.compression(c.r, c.w, *params, role)
	}
	c.mr.c, c.mw.c = c, c
	c.pkey, c.pmin = c.preparedKey()
	return c
}

// start starts what runs beside the caller's reads and writes: keepalive.
func (c *Conn) start() {
	if interval, timeout := c.opts.keepalive(); interval > 0 {
		go c.keepalive(interval, timeout)
	}
}

// connReader is what the Reader reads: nc, counting the reads that bring
// bytes for keepalive, and saying why nc was closed when it was.
type connReader struct{ c *Conn }

func (r connReader) Read(p []byte) (int, error) {
	n, err := r.c.nc.Read(p)
	if n > 0 {
		r.c.received.Add(1)
	}
	if err != nil {
		select {
		case <-r.c.done:
			err = r.c.cause
		default:
		}
	}
	return n, err
}

// HTTP2 reports whether the connection is a stream of an HTTP/2
// connection (RFC 8441) rather than an HTTP/1.1 connection of its own.
func (c *Conn) HTTP2() bool { return c.http2 }

// Subprotocol returns the subprotocol the handshake agreed on, or "".
func (c *Conn) Subprotocol() string { return c.protocol }

// Extensions returns the Sec-WebSocket-Extensions value of the server's
// reply, the extensions in use, or "".
func (c *Conn) Extensions() string { return c.extensions }

// Compression returns the permessage-deflate parameters the handshake
// agreed on, and whether it did.
func (c *Conn) Compression() (deflate.Params, bool) { return c.params, c.compressed }

// ResponseHeader returns the header fields of the server's reply to a
// client's handshake, or nil on a server's side.
func (c *Conn) ResponseHeader() http.Header { return c.header }

// Role returns the side of the connection this endpoint is.
func (c *Conn) Role() codec.Role { return c.role }

// LocalAddr returns the local network address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the peer's network address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// UnderlyingConn returns the connection the Conn reads and writes. Reading
// or writing it directly breaks the framing.
func (c *Conn) UnderlyingConn() net.Conn { return c.nc }

// Done returns a channel that is closed once the connection is closed, by
// either side or for any reason. An HTTP/2 handler that made c with
// Upgrade waits for it before returning, since the WebSocket is the
// request's stream: by the time Done is closed, what c wrote has been
// handed to net/http.
func (c *Conn) Done() <-chan struct{} { return c.gone }

// SetDeadline sets the read and write deadlines, as net.Conn's does.
func (c *Conn) SetDeadline(t time.Time) error {
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	c.readDL, c.writeDL = t, t
	c.userWriteDL.Store(!t.IsZero())
	c.armedUntil.Store(0)
	return c.nc.SetDeadline(t)
}

// SetReadDeadline sets the deadline for reads, as net.Conn's does. A read
// that passes it returns an error whose Timeout method reports true; the
// connection stays usable, and reading goes on once the deadline is
// extended.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	c.readDL = t
	return c.nc.SetReadDeadline(t)
}

// SetWriteDeadline sets the deadline for writes, as net.Conn's does. A
// write that passes it returns an error whose Timeout method reports
// true, and the connection stays usable (see Conn on what happens to a
// frame the deadline interrupted).
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	c.writeDL = t
	c.userWriteDL.Store(!t.IsZero())
	c.armedUntil.Store(0)
	return c.nc.SetWriteDeadline(t)
}

// armWrite sets the write timeout's deadline, unless the caller has a
// deadline of its own or the one set is still more than seven eighths of
// the timeout (and a tick) away. Every write and every chunk of a long
// frame arms it, so it measures the time the peer takes nothing, give or
// take an eighth: each write has at least 7/8 of the timeout to finish. A
// write that outlasts its deadline while the peer still takes bytes goes
// on over TCP, but not over TLS (see Conn), hence the small slack rather
// than half the timeout. It reads the coarse clock, not
// time.Now, which costs more than the rest of a small write here (50 ns
// on a VM, and a broadcast arms once per connection); the deadline is
// pushed one tick further so that it is never early.
func (c *Conn) armWrite() {
	t := c.writeTimeout
	if t <= 0 || c.userWriteDL.Load() {
		return
	}
	now := coarseNow() // at most a tick behind: count it against what is left
	if c.armedUntil.Load()-now > int64(t-t/8+clockTick) {
		return
	}
	until := now + int64(t+clockTick)
	c.armedUntil.Store(until)
	c.nc.SetWriteDeadline(time.Unix(0, until))
}

// clockTick is the coarse clock's resolution.
const clockTick = 50 * time.Millisecond

// clock is the coarse clock: Unix nanoseconds, at most clockTick behind,
// kept by one goroutine started with the first Conn that has a write
// timeout, for the life of the process (twenty wakeups a second).
var clock struct {
	once sync.Once
	ns   atomic.Int64
}

// coarseNow returns the coarse clock's time.
func coarseNow() int64 {
	clock.once.Do(func() {
		clock.ns.Store(time.Now().UnixNano())
		go func() {
			for t := range time.Tick(clockTick) {
				clock.ns.Store(t.UnixNano())
			}
		}()
	})
	return clock.ns.Load()
}

// aLongTimeAgo is a deadline that has passed: setting it wakes a blocked
// read or write at once.
var aLongTimeAgo = time.Unix(1, 0)

// binding makes one direction's deadline pass when a context ends.
type binding struct {
	c     *Conn
	ctx   context.Context
	write bool
	stop  func() bool
	fired sync.WaitGroup
}

// bind watches ctx for a read or a write; nil when ctx cannot end.
func (c *Conn) bind(ctx context.Context, write bool) *binding {
	if ctx.Done() == nil {
		return nil
	}
	b := &binding{c: c, ctx: ctx, write: write}
	b.fired.Add(1)
	b.stop = context.AfterFunc(ctx, b.fire)
	return b
}

func (b *binding) fire() {
	defer b.fired.Done()
	if b.write {
		b.c.nc.SetWriteDeadline(aLongTimeAgo)
	} else {
		b.c.nc.SetReadDeadline(aLongTimeAgo)
	}
}

// release stops watching and returns the context's error when it ended
// during the call, having put back the connection's own deadline.
func (b *binding) release() error {
	if b == nil || b.stop() {
		return nil
	}
	b.fired.Wait()
	c := b.c
	c.dlMu.Lock()
	defer c.dlMu.Unlock()
	if b.write {
		c.nc.SetWriteDeadline(c.writeDL)
		c.armedUntil.Store(0)
	} else {
		c.nc.SetReadDeadline(c.readDL)
	}
	return b.ctx.Err()
}
