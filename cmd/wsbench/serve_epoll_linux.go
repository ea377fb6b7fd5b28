//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

const haveEpoll = true

// The epoll engine runs one event loop per P, each with its own epoll set,
// instead of a goroutine per connection. A readable connection costs one
// read: the loop never reads only to be told EAGAIN, and no goroutine
// parks or wakes per message. Loop 0 also accepts, and hands connections
// out round-robin. The HTTP side is sans-I/O: handshake.ParseRequest on
// the bytes read, AppendResponse or AppendReject for the reply, and the
// demo page or /stats for plain GETs.
type epollEngine struct {
	s     *server
	ln    net.Listener
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
	bufs   *buffers // lent to the loop's connections while they use them
}

// econn is one connection of the epoll engine.
type econn struct {
	*echoConn // nil until the handshake succeeds
	l         *eloop
	fd        int
	head      []byte // the request head while it arrives
	closing   bool   // close once the pending output is written
	iov       [3][]byte
	iovecs    [3]unix.Iovec // for writev: unix.Writev would allocate its own on every call

	// Output the socket did not take yet, in order: out (copied), ref
	// (borrowed: the rest of a large payload, left where it is in the read
	// or message buffer, which nothing touches while output is pending,
	// since the connection does not read then), tail (copied).
	out, ref, tail []byte
}

// listenEpoll starts the epoll engine for s on addr.
func (s *server) listenEpoll(addr string) (net.Addr, func(time.Duration), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	f, err := ln.(*net.TCPListener).File() // a dup of the socket, for epoll
	if err != nil {
		ln.Close()
		return nil, nil, err
	}
	lfd := int(f.Fd())
	if err := unix.SetNonblock(lfd, true); err != nil {
		ln.Close()
		return nil, nil, err
	}
	e := &epollEngine{s: s, ln: ln, lfd: lfd}
	for i := 0; i < runtime.GOMAXPROCS(0); i++ {
		l, err := newLoop(e)
		if err != nil {
			ln.Close()
			return nil, nil, err
		}
		e.loops = append(e.loops, l)
	}
	if err := unix.EpollCtl(e.loops[0].epfd, unix.EPOLL_CTL_ADD, lfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(lfd)}); err != nil {
		ln.Close()
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
		e.wg.Wait()
		unix.Close(lfd)
		f.Close()
		ln.Close()
	}
	return ln.Addr(), stop, nil
}

func newLoop(e *epollEngine) (*eloop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	l := &eloop{e: e, epfd: epfd, wakefd: wfd, conns: map[int]*econn{}, bufs: newBuffers(e.s)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wfd)}); err != nil {
		return nil, err
	}
	return l, nil
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
			l.e.s.active.Add(-1)
		}
		l.conns = nil
		l.mu.Unlock()
		unix.Close(l.epfd)
		unix.Close(l.wakefd)
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
			l.e.s.logf("epoll_wait: %v", err)
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
			if ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 && !c.pending() {
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
				e.s.logf("accept: %v", err)
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
		e.s.active.Add(1)
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
	c.l.e.s.active.Add(-1)
}

// readable reads once and acts on what arrived.
func (c *econn) readable() {
	var buf []byte
	if c.echoConn == nil {
		if len(c.head) == cap(c.head) {
			c.head = append(c.head, 0)[:len(c.head)]
		}
		buf = c.head[len(c.head):cap(c.head)]
	} else {
		buf = c.readSpace()
	}
	n, err := unix.Read(c.fd, buf)
	if err == unix.EAGAIN || err == unix.EINTR {
		return
	}
	if n <= 0 {
		c.close() // EOF or error: the peer is gone
		return
	}
	if c.echoConn == nil {
		c.head = c.head[:len(c.head)+n]
		c.handshake()
		return
	}
	c.read(n)
	c.work()
}

// work lets the protocol run on what was read and writes its replies.
func (c *econn) work() {
	done := c.process(c)
	if len(c.wb) > 0 {
		c.writev(c.wb, nil, nil)
		c.wb = c.wb[:0]
	}
	if done {
		c.closing = true
	}
	if c.pending() {
		return
	}
	if c.closing {
		c.close()
		return
	}
	c.release()
}

// handshake answers the request head once it is complete.
func (c *econn) handshake() {
	req, n, err := handshake.ParseRequest(c.head)
	switch {
	case err == handshake.ErrIncomplete:
		return
	case err == nil:
		s := c.l.e.s
		c.echoConn = newEchoConn(s, string(req.Target) == "/seed", c.head[n:], c.l.bufs)
		s.logf("handshake: %s", req.Target)
		var ext string
		if s.deflate != nil && req.Extensions.Len() > 0 {
			if p, resp, ok := deflate.NegotiateServerElements(req.Extensions.Elements, *s.deflate); ok {
				c.useDeflate(p)
				ext = resp
			}
		}
		var buf [512]byte
		reply := handshake.AppendResponse(buf[:0], req.Key, "", ext)
		c.writev(reply, nil, nil)
		c.head = nil
		c.work() // frames that came with the request
		return
	}
	var he *handshake.Error
	if errors.As(err, &he) && !wantsWebSocket(c.head) {
		c.writev(plainHTTP(c.l.e.s, c.head), nil, nil)
	} else if he != nil {
		c.l.e.s.logf("handshake refused: %v", err)
		c.writev(handshake.AppendReject(nil, he.Status, he.Rule), nil, nil)
	}
	c.closing = true
	if !c.pending() {
		c.close()
	}
}

// wantsWebSocket reports whether a head carries an Upgrade or a
// Sec-WebSocket-Key header, as isUpgrade does for the net/http engine.
func wantsWebSocket(head []byte) bool {
	for _, line := range bytes.Split(head, []byte("\r\n"))[1:] {
		name, _, ok := bytes.Cut(line, []byte(":"))
		if ok && (bytes.EqualFold(name, []byte("upgrade")) || bytes.EqualFold(name, []byte("sec-websocket-key"))) {
			return true
		}
	}
	return false
}

// plainHTTP answers a request that is not a WebSocket handshake: the demo
// page, /stats, or 404, each closing the connection.
func plainHTTP(s *server, head []byte) []byte {
	line, _, _ := bytes.Cut(head, []byte("\r\n"))
	parts := bytes.Fields(line)
	status, ctype, body := "404 Not Found", "text/plain; charset=utf-8", []byte("404 page not found\n")
	switch {
	case len(parts) != 3:
		status, body = "400 Bad Request", []byte("malformed request line\n")
	case string(parts[0]) != "GET":
		status, body = "405 Method Not Allowed", []byte("only GET is served here\n")
	case string(parts[1]) == "/":
		status, ctype, body = "200 OK", "text/html; charset=utf-8", demoPage
	case string(parts[1]) == "/stats":
		status, ctype = "200 OK", "application/json"
		body, _ = json.Marshal(s.stats())
	}
	out := []byte("HTTP/1.1 " + status + "\r\nContent-Type: " + ctype + "\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n")
	return append(out, body...)
}

// writev writes bufs in order; what the socket does not take is kept as
// pending output, and the connection waits for EPOLLOUT instead of reading.
// a holds replies queued in wb, b and c possibly a header and a large
// payload; the payload's rest is borrowed, not copied.
func (c *econn) writev(a, b, d []byte) error {
	if c.pending() {
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
		case i == k-1 && len(b) > smallEcho:
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
	if c.pending() {
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

func (c *econn) pending() bool { return len(c.out)+len(c.ref)+len(c.tail) > 0 }

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
	if c.pending() {
		return
	}
	c.ref = nil
	if c.closing {
		c.close()
		return
	}
	unix.EpollCtl(c.l.epfd, unix.EPOLL_CTL_MOD, c.fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(c.fd)})
	if c.echoConn != nil {
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
		if c.echoConn == nil {
			c.close()
			continue
		}
		c.sendClose(codec.CloseGoingAway, "server shutting down")
		c.writev(c.wb, nil, nil)
		c.wb = c.wb[:0]
	}
}
