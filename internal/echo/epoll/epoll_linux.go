//go:build linux

package epoll

import (
	"errors"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/echo"
)

// Available reports whether this system has the epoll engine: Linux.
const Available = true

// The epoll engine runs one event loop per P, each with its own epoll set,
// instead of a goroutine per connection. A readable connection costs one
// read: the loop never reads only to be told EAGAIN, and no goroutine
// parks or wakes per message. Loop 0 also accepts, and hands connections
// out round-robin. The HTTP side is sans-I/O: handshake.ParseRequest on
// the bytes read, AppendResponse or AppendReject for the reply, and the
// demo page or /stats for plain GETs.
//
// The engine defends itself as echo.Limits say: each loop keeps its
// connections' deadlines in a timer wheel (wheel_linux.go, timeouts_linux.go),
// loop 0 stops accepting at MaxConns or when descriptors run out
// (accept_linux.go), and output the socket does not take is held within
// the server's memory budget (output_linux.go).
type epollEngine struct {
	s     *echo.Server
	lim   *echo.Limits
	ln    net.Listener
	lf    *os.File // a dup of ln's socket, for epoll; it owns lfd
	lfd   int
	loops []*eloop
	next  atomic.Uint32
	wg    sync.WaitGroup
	base  time.Time // the engine's clock counts from here; see clock

	closing  atomic.Bool
	deadline atomic.Int64 // unix ns after which shutdown closes what is left

	open atomic.Int64 // connections open, against MaxConns

	// Accepting stops at MaxConns, or on an error such as EMFILE, by
	// taking the listener out of loop 0's epoll set.
	amu     sync.Mutex   // guards pausing and resuming
	paused  atomic.Int32 // why accepting stopped: 0 (it did not), pausedCap or pausedErr
	retryAt atomic.Int64 // when loop 0 tries again after an error, on the engine's clock; 0 none
	backoff time.Duration
	episode bool // accepting has stopped since the backlog was last empty; loop 0's
}

// eloop is one event loop.
type eloop struct {
	e      *epollEngine
	epfd   int
	wakefd int
	mu     sync.Mutex // guards conns and fresh: loop 0 adds to every loop
	conns  map[int]*econn
	events [256]unix.EpollEvent
	bufs   *echo.Buffers // lent to the loop's connections while they use them
	spare  spares        // copy buffers for output, lent the same way

	now   int64 // the engine's clock, read once per wakeup of the loop
	wheel wheel

	// Connections loop 0 accepted for this loop, not in its wheel yet.
	// A loop with no connections waits without a timeout (asleep), and
	// loop 0 wakes it for a fresh one, whose handshake deadline runs.
	fresh  []*econn
	nfresh atomic.Int32
	asleep atomic.Bool
}

// econn is one connection of the epoll engine.
type econn struct {
	*echo.Conn // nil until the handshake succeeds
	l          *eloop
	fd         int
	head       []byte // the request head while it arrives
	closing    bool   // close once the pending output is written
	broken     bool   // output failed or was refused: close, write nothing more
	closed     bool
	iov        [3][]byte
	iovecs     [3]unix.Iovec // for writev: unix.Writev would allocate its own on every call

	// Output the socket did not take yet, in order: out (copied), ref
	// (borrowed: the rest of a large payload, left where it is in the read
	// or message buffer, which nothing touches while output is pending,
	// since the connection does not read then), tail (copied). charged is
	// what out and tail hold of the server's memory budget.
	out, ref, tail []byte
	charged        int64

	// Times on the engine's clock, from which deadline works out the
	// connection's deadline when its wheel entry fires; at is that entry's
	// tick. A read stores lastRead, and that is all a message costs.
	at       int64
	born     int64 // accepted
	lastRead int64 // the last read that returned bytes, or output drained
	pingFor  int64 // lastRead when the idle ping went out
	wrote    int64 // output became pending, or the socket last took some
	closeAt  int64 // the server sent its close frame first; 0 it did not
}

// Listen serves s on addr with the epoll engine. It returns the address
// and a function that shuts the server down: close 1001 to every
// connection, then at most grace to wait for them to end.
func Listen(s *echo.Server, addr string) (net.Addr, func(grace time.Duration), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	// The clock starts a second back, so that no time on it is 0, which
	// the connections' time fields keep for "not set".
	e := &epollEngine{s: s, lim: s.Lim(), ln: ln, base: time.Now().Add(-time.Second)}
	if err := e.start(); err != nil {
		e.release()
		return nil, nil, err
	}
	for _, l := range e.loops {
		e.wg.Add(1)
		go l.run()
	}
	stop := func(grace time.Duration) {
		e.deadline.Store(time.Now().Add(grace).UnixNano())
		e.closing.Store(true)
		for _, l := range e.loops {
			l.wake()
		}
		e.wg.Wait() // each loop closed its descriptors as it ended
		e.loops = nil
		e.release()
	}
	return ln.Addr(), stop, nil
}

// clock returns the engine's time: monotonic nanoseconds since base.
func (e *epollEngine) clock() int64 { return int64(time.Since(e.base)) }

// start makes the listening descriptor and one loop per P, without
// running them. On error, release frees what it made.
func (e *epollEngine) start() error {
	f, err := e.ln.(*net.TCPListener).File() // a dup of the socket, for epoll
	if err != nil {
		return err
	}
	e.lf, e.lfd = f, int(f.Fd())
	if err := unix.SetNonblock(e.lfd, true); err != nil {
		return err
	}
	for i := 0; i < runtime.GOMAXPROCS(0); i++ {
		l, err := newLoop(e)
		if err != nil {
			return err
		}
		e.loops = append(e.loops, l)
	}
	return e.watchListener(unix.EPOLL_CTL_ADD)
}

// release closes the listener, its duplicate and the descriptors of loops
// that never ran; each descriptor once.
func (e *epollEngine) release() {
	for _, l := range e.loops {
		l.closeFDs()
	}
	if e.lf != nil {
		e.lf.Close() // closes lfd
	}
	e.ln.Close()
}

// newLoop makes a loop's epoll set and wake descriptor.
func newLoop(e *epollEngine) (*eloop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	l := &eloop{e: e, epfd: epfd, wakefd: -1, conns: map[int]*econn{}, bufs: echo.NewBuffers(e.s)}
	l.wheel.res = tickFor(minTimeout(e.lim))
	l.now = e.clock()
	l.wheel.tick = l.now / l.wheel.res
	if l.wakefd, err = unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC); err == nil {
		err = unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, l.wakefd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(l.wakefd)})
	}
	if err != nil {
		l.closeFDs()
		return nil, err
	}
	return l, nil
}

// closeFDs closes the loop's epoll and wake descriptors.
func (l *eloop) closeFDs() {
	unix.Close(l.epfd)
	if l.wakefd >= 0 {
		unix.Close(l.wakefd)
	}
}

// wake makes the loop's epoll_wait return.
func (l *eloop) wake() {
	var one = [8]byte{1}
	unix.Write(l.wakefd, one[:])
}

// run is the loop: wait for events or the next tick, act on the events,
// then on the deadlines that passed.
func (l *eloop) run() {
	defer l.e.wg.Done()
	defer l.closeFDs()
	defer l.closeAll()
	shutdownSent := false
	for {
		if l.e.closing.Load() {
			if !shutdownSent {
				l.goingAway()
				shutdownSent = true
			}
			if l.done() {
				return
			}
		}
		timeout := l.timeout()
		n, err := unix.EpollWait(l.epfd, l.events[:], timeout)
		if timeout < 0 {
			l.asleep.Store(false)
		}
		if err != nil && err != unix.EINTR {
			l.e.s.Logf("epoll_wait: %v", err)
			return
		}
		l.now = l.e.clock()
		l.takeFresh()
		for i := 0; i < n; i++ {
			l.handle(&l.events[i])
		}
		l.expire()
	}
}

// done reports, during shutdown, whether the loop may end: its
// connections are gone, or the grace period is over.
func (l *eloop) done() bool {
	l.mu.Lock()
	left := len(l.conns)
	l.mu.Unlock()
	return left == 0 || time.Now().UnixNano() > l.e.deadline.Load()
}

// timeout returns epoll_wait's timeout in milliseconds: until the next
// tick while the loop has connections, until loop 0 tries to accept
// again, 50 ms while shutting down; otherwise none, and then loop 0
// wakes the loop when it hands it a connection.
func (l *eloop) timeout() int {
	ms := -1
	if l.wheel.n > 0 {
		ms = msUntil(l.wheel.next() - l.now)
	}
	if l == l.e.loops[0] {
		if r := l.e.retryAt.Load(); r != 0 {
			ms = earlier(ms, msUntil(r-l.now))
		}
	}
	if l.e.closing.Load() {
		ms = earlier(ms, 50)
	}
	if ms < 0 {
		// Loop 0 stores nfresh, then loads asleep; this loop stores
		// asleep, then loads nfresh: one of them sees the other's store.
		l.asleep.Store(true)
		if l.nfresh.Load() != 0 {
			l.asleep.Store(false)
			ms = 0
		}
	}
	return ms
}

// msUntil rounds ns up to whole milliseconds, at least 0.
func msUntil(ns int64) int {
	return int(max(0, (ns+int64(time.Millisecond)-1)/int64(time.Millisecond)))
}

// earlier returns the shorter of two epoll_wait timeouts, -1 being none.
func earlier(a, b int) int {
	if a < 0 || (b >= 0 && b < a) {
		return b
	}
	return a
}

// handle acts on one event.
func (l *eloop) handle(ev *unix.EpollEvent) {
	fd := int(ev.Fd)
	switch fd {
	case l.e.lfd:
		l.e.accept(l.now)
		return
	case l.wakefd:
		var b [8]byte
		unix.Read(l.wakefd, b[:])
		return
	}
	l.mu.Lock()
	c := l.conns[fd]
	l.mu.Unlock()
	if c == nil {
		return
	}
	if ev.Events&unix.EPOLLOUT != 0 {
		c.drain()
	}
	switch {
	case c.closed:
	case c.Pending():
		// Only EPOLLOUT is watched now, but hang-ups and errors come
		// anyway: a peer that is gone takes no more output.
		if ev.Events&(unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			c.close()
		}
	case ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0:
		c.readable()
	}
}

// closeAll closes every connection left when the loop ends. It leaves
// conns nil, so that loop 0 closes what it accepts for this loop from
// now on instead of handing it over.
func (l *eloop) closeAll() {
	l.mu.Lock()
	conns := l.conns
	l.conns, l.fresh = nil, nil
	l.mu.Unlock()
	for _, c := range conns {
		c.close()
	}
}

// snapshot returns the loop's connections, for acting on each without
// holding mu, which close takes.
func (l *eloop) snapshot() []*econn {
	l.mu.Lock()
	defer l.mu.Unlock()
	conns := make([]*econn, 0, len(l.conns))
	for _, c := range l.conns {
		conns = append(conns, c)
	}
	return conns
}

// close ends the connection, whatever state it is in: every way a
// connection ends comes here, once. It gives back what the connection
// holds: its descriptor, its wheel entry, its output buffers and their
// share of the budget, the protocol side's lent buffers and share, and
// its place under MaxConns.
func (c *econn) close() {
	if c.closed {
		return
	}
	c.closed = true
	l := c.l
	l.mu.Lock()
	delete(l.conns, c.fd)
	l.mu.Unlock()
	l.wheel.remove(c)
	unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
	unix.Close(c.fd)
	c.dropOutput()
	if c.Conn != nil {
		c.Conn.Free()
	}
	c.head = nil
	l.e.s.Closed()
	l.e.closed()
}

// readable reads once and acts on what arrived.
func (c *econn) readable() {
	var buf []byte
	if c.Conn == nil {
		if len(c.head) == cap(c.head) {
			c.head = append(c.head, 0)[:len(c.head)]
		}
		buf = c.head[len(c.head):cap(c.head)]
	} else {
		buf = c.ReadSpace()
	}
	n, err := unix.Read(c.fd, buf)
	if err == unix.EAGAIN || err == unix.EINTR {
		return
	}
	if n <= 0 {
		c.close() // EOF or error: the peer is gone
		return
	}
	c.lastRead = c.l.now // the idle deadline moves on; the wheel sees it when it fires
	if c.Conn == nil {
		c.head = c.head[:len(c.head)+n]
		c.handshake()
		return
	}
	c.Read(n)
	c.work()
}

// work lets the protocol run on what was read and writes its replies.
func (c *econn) work() {
	if c.Process(c) {
		c.closing = true
	}
	c.settle()
}

// settle acts on the state the protocol side left an upgraded connection
// in: close it if its output failed, or once its output is out if it is
// done; start the close timeout if the server sent its close frame first;
// give the lent buffers back if it is idle.
func (c *econn) settle() {
	if c.broken {
		c.close()
		return
	}
	if !c.closing && c.closeAt == 0 && c.CloseSent() {
		c.closeAt = c.l.now
		c.l.schedule(c)
	}
	switch {
	case c.Pending():
	case c.closing:
		c.close()
	default:
		c.Release()
	}
}

// handshake answers the request head once it is complete.
func (c *econn) handshake() {
	s := c.l.e.s
	req, n, err := handshake.ParseRequest(c.head)
	switch {
	case err == handshake.ErrIncomplete:
		return
	case err == nil:
		var buf [512]byte
		var reply []byte
		c.Conn, reply = s.Open(buf[:0], &req, c.head[n:], c.l.bufs)
		c.Writev(reply, nil, nil)
		c.head = nil
		c.l.schedule(c) // the handshake deadline gives way to the idle one
		c.work()        // frames that came with the request
		return
	}
	var he *handshake.Error
	if errors.As(err, &he) && !echo.WantsWebSocket(c.head) {
		c.Writev(s.PlainResponse(c.head), nil, nil)
	} else if he != nil {
		s.Logf("handshake refused: %v", err)
		c.Writev(handshake.AppendReject(nil, he.Status, he.Rule), nil, nil)
	}
	c.closing = true
	if c.broken || !c.Pending() {
		c.close()
	}
}

// goingAway sends close 1001 on every WebSocket connection of the loop and
// closes the others. Each then has CloseTimeout to answer.
func (l *eloop) goingAway() {
	for _, c := range l.snapshot() {
		switch {
		case c.closed:
		case c.Conn == nil:
			c.close()
		case !c.closing: // else its close frame is out already, or going
			c.GoingAway(c)
			c.settle()
		}
	}
}
