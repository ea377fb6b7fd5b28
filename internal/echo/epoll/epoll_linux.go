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
	"unsafe"

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
type epollEngine struct {
	s     *echo.Server
	ln    net.Listener
	lf    *os.File // a dup of ln's socket, for epoll; it owns lfd
	lfd   int
	loops []*eloop
	next  atomic.Uint32
	wg    sync.WaitGroup

	closing  atomic.Bool
	deadline atomic.Int64 // unix ns after which shutdown closes what is left
}

// eloop is one event loop.
type eloop struct {
	e      *epollEngine
	epfd   int
	wakefd int
	mu     sync.Mutex // guards conns: loop 0 adds to every loop
	conns  map[int]*econn
	events [256]unix.EpollEvent
	bufs   *echo.Buffers // lent to the loop's connections while they use them
}

// econn is one connection of the epoll engine.
type econn struct {
	*echo.Conn // nil until the handshake succeeds
	l          *eloop
	fd         int
	head       []byte // the request head while it arrives
	closing    bool   // close once the pending output is written
	iov        [3][]byte
	iovecs     [3]unix.Iovec // for writev: unix.Writev would allocate its own on every call

	// Output the socket did not take yet, in order: out (copied), ref
	// (borrowed: the rest of a large payload, left where it is in the read
	// or message buffer, which nothing touches while output is pending,
	// since the connection does not read then), tail (copied).
	out, ref, tail []byte
}

// Listen serves s on addr with the epoll engine. It returns the address
// and a function that shuts the server down: close 1001 to every
// connection, then at most grace to wait for them to end.
func Listen(s *echo.Server, addr string) (net.Addr, func(grace time.Duration), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	e := &epollEngine{s: s, ln: ln}
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
	return unix.EpollCtl(e.loops[0].epfd, unix.EPOLL_CTL_ADD, e.lfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(e.lfd)})
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

func newLoop(e *epollEngine) (*eloop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	l := &eloop{e: e, epfd: epfd, wakefd: -1, conns: map[int]*econn{}, bufs: echo.NewBuffers(e.s)}
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

func (l *eloop) wake() {
	var one = [8]byte{1}
	unix.Write(l.wakefd, one[:])
}

func (l *eloop) run() {
	defer l.e.wg.Done()
	defer func() {
		l.mu.Lock()
		for _, c := range l.conns {
			unix.Close(c.fd)
			l.e.s.Closed()
		}
		l.conns = nil
		l.mu.Unlock()
		l.closeFDs()
	}()
	shutdownSent := false
	for {
		timeout := -1
		if l.e.closing.Load() {
			if !shutdownSent {
				l.goingAway()
				shutdownSent = true
			}
			l.mu.Lock()
			left := len(l.conns)
			l.mu.Unlock()
			if left == 0 || time.Now().UnixNano() > l.e.deadline.Load() {
				return
			}
			timeout = 50
		}
		n, err := unix.EpollWait(l.epfd, l.events[:], timeout)
		if err != nil && err != unix.EINTR {
			l.e.s.Logf("epoll_wait: %v", err)
			return
		}
		for i := 0; i < n; i++ {
			ev := &l.events[i]
			fd := int(ev.Fd)
			switch fd {
			case l.e.lfd:
				l.e.accept()
				continue
			case l.wakefd:
				var b [8]byte
				unix.Read(l.wakefd, b[:])
				continue
			}
			l.mu.Lock()
			c := l.conns[fd]
			l.mu.Unlock()
			if c == nil {
				continue
			}
			if ev.Events&unix.EPOLLOUT != 0 {
				c.drain()
			}
			if ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 && !c.Pending() {
				c.readable()
			}
		}
	}
}

// accept takes every pending connection and gives each to a loop.
func (e *epollEngine) accept() {
	for {
		fd, _, err := unix.Accept4(e.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			if err != unix.EAGAIN && err != unix.EINTR {
				e.s.Logf("accept: %v", err)
			}
			return
		}
		if e.closing.Load() {
			unix.Close(fd)
			continue
		}
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		l := e.loops[int(e.next.Add(1))%len(e.loops)]
		c := &econn{l: l, fd: fd, head: make([]byte, 0, 1024)}
		l.mu.Lock()
		l.conns[fd] = c
		l.mu.Unlock()
		e.s.Opened()
		if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(fd)}); err != nil {
			c.close()
		}
	}
}

func (c *econn) close() {
	c.l.mu.Lock()
	if _, ok := c.l.conns[c.fd]; !ok {
		c.l.mu.Unlock()
		return
	}
	delete(c.l.conns, c.fd)
	c.l.mu.Unlock()
	unix.EpollCtl(c.l.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
	unix.Close(c.fd)
	c.l.e.s.Closed()
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
	if c.Pending() {
		return
	}
	if c.closing {
		c.close()
		return
	}
	c.Release()
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
		c.work() // frames that came with the request
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
	if !c.Pending() {
		c.close()
	}
}

// Writev writes a, b and d in order; what the socket does not take is
// kept as pending output, and the connection waits for EPOLLOUT instead of
// reading. a holds replies, b and d possibly a header and a large payload;
// the payload's rest is borrowed, not copied.
func (c *econn) Writev(a, b, d []byte) error {
	if c.Pending() {
		c.tail = append(append(append(c.tail, a...), b...), d...)
		return nil
	}
	k := 0
	for _, b := range [3][]byte{a, b, d} {
		if len(b) > 0 {
			c.iov[k] = b
			k++
		}
	}
	n, err := c.send(c.iov[:k])
	for i, b := range c.iov[:k] {
		switch {
		case n >= len(b):
			n -= len(b)
		case i == k-1 && len(b) > echo.SmallEcho:
			c.ref = b[n:] // a large payload: borrow it
			n = 0
		default:
			c.out = append(c.out, b[n:]...)
			n = 0
		}
	}
	c.iov = [3][]byte{}
	if err != nil {
		c.out, c.ref, c.tail = c.out[:0], nil, c.tail[:0]
		c.closing = true
		return err
	}
	if c.Pending() {
		unix.EpollCtl(c.l.epfd, unix.EPOLL_CTL_MOD, c.fd, &unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLRDHUP, Fd: int32(c.fd)})
	}
	return nil
}

// send writes bufs with one write or writev and returns how much the
// socket took; EAGAIN is not an error.
func (c *econn) send(bufs [][]byte) (int, error) {
	var n int
	var err error
	switch len(bufs) {
	case 0:
		return 0, nil
	case 1:
		n, err = unix.Write(c.fd, bufs[0])
	default:
		for i, b := range bufs {
			c.iovecs[i].Base = &b[0]
			c.iovecs[i].SetLen(len(b))
		}
		r, _, errno := unix.Syscall(unix.SYS_WRITEV, uintptr(c.fd), uintptr(unsafe.Pointer(&c.iovecs[0])), uintptr(len(bufs)))
		n = int(r)
		if errno != 0 {
			n, err = 0, errno
		}
		c.iovecs = [3]unix.Iovec{}
	}
	if err == unix.EAGAIN || err == unix.EINTR {
		return max(n, 0), nil
	}
	return max(n, 0), err
}

// Pending reports whether output waits for the socket to take it.
func (c *econn) Pending() bool { return len(c.out)+len(c.ref)+len(c.tail) > 0 }

// drain writes pending output; once it is all out, the connection reads
// again and goes on with the bytes it held back.
func (c *econn) drain() {
	k := 0
	for _, b := range [][]byte{c.out, c.ref, c.tail} {
		if len(b) > 0 {
			c.iov[k] = b
			k++
		}
	}
	n, err := c.send(c.iov[:k])
	c.iov = [3][]byte{}
	if err != nil {
		c.close()
		return
	}
	c.out, n = consume(c.out, n)
	if n > 0 || len(c.out) == 0 {
		k := min(n, len(c.ref))
		c.ref, n = c.ref[k:], n-k
		c.tail, _ = consume(c.tail, n)
	}
	if c.Pending() {
		return
	}
	c.ref = nil
	if c.closing {
		c.close()
		return
	}
	unix.EpollCtl(c.l.epfd, unix.EPOLL_CTL_MOD, c.fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(c.fd)})
	if c.Conn != nil {
		c.work()
	}
}

// consume drops the first n bytes of an owned buffer, keeping its memory,
// and returns what is left of n.
func consume(b []byte, n int) ([]byte, int) {
	k := min(n, len(b))
	return b[:copy(b, b[k:])], n - k
}

// goingAway sends close 1001 on every WebSocket connection of the loop and
// closes the others.
func (l *eloop) goingAway() {
	l.mu.Lock()
	conns := make([]*econn, 0, len(l.conns))
	for _, c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		if c.Conn == nil {
			c.close()
			continue
		}
		c.GoingAway(c)
	}
}
