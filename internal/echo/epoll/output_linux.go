//go:build linux

package epoll

import (
	"errors"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/wsframe/wsframe/internal/echo"
)

// errBroken is what Writev returns once the connection's output failed
// or was refused: nothing more goes out, and the connection closes as
// soon as the protocol side returns.
var errBroken = errors.New("epoll: connection output failed")

// Writev writes a, b and d in order; what the socket does not take is
// kept as pending output, and the connection waits for EPOLLOUT instead of
// reading. a holds replies, b and d possibly a header and a large payload;
// the payload's rest is borrowed, not copied. Copied bytes come out of
// the server's memory budget.
func (c *econn) Writev(a, b, d []byte) error {
	if c.broken {
		return errBroken
	}
	if c.Pending() {
		if !c.charge(len(a) + len(b) + len(d)) {
			return c.breakOff()
		}
		if c.tail == nil {
			c.tail = c.l.spare.get()
		}
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
	if err == nil {
		err = c.keep(c.iov[:k], n, len(b)+len(d) > 0)
	}
	c.iov = [3][]byte{}
	if err != nil {
		return c.breakOff()
	}
	if c.Pending() {
		c.wait()
	}
	return nil
}

// keep holds what the socket did not take of bufs, of which it took n:
// the rest of a large payload at the end is borrowed if borrow says the
// last buffer is one (not the protocol side's write buffer, which it
// fills again for a close frame even while output is pending); the rest
// is copied.
func (c *econn) keep(bufs [][]byte, n int, borrow bool) error {
	for i, b := range bufs {
		switch {
		case n >= len(b):
			n -= len(b)
		case borrow && i == len(bufs)-1 && len(b) > echo.SmallEcho:
			c.ref = b[n:] // a large payload: borrow it
			n = 0
		default:
			if !c.charge(len(b) - n) {
				return errBroken
			}
			if c.out == nil {
				c.out = c.l.spare.get()
			}
			c.out = append(c.out, b[n:]...)
			n = 0
		}
	}
	return nil
}

// charge takes n bytes of the memory budget for copied output. When the
// budget is spent it counts the refusal: the connection is then closed,
// since its output is stuck and a close frame could not get through.
func (c *econn) charge(n int) bool {
	s := c.l.e.s
	if !s.Budget().Reserve(int64(n)) {
		s.Count(echo.RefusedMemory)
		s.Logf("output of a client that does not read is over the memory budget: closing it")
		return false
	}
	c.charged += int64(n)
	return true
}

// breakOff drops the connection's output after a failed write or a
// refused charge, and marks it to be closed once the protocol side has
// returned (closing it under the protocol side's feet would give its
// buffers back while it uses them).
func (c *econn) breakOff() error {
	c.dropOutput()
	c.broken, c.closing = true, true
	return errBroken
}

// wait starts waiting for the socket to take the pending output: only
// EPOLLOUT is watched meanwhile. Not EPOLLRDHUP: a client that shuts its
// side down while its output is pending would keep the level-triggered
// event up, and epoll_wait would return at once, forever; the loop reads
// again, and sees the end, when the output is out. Hang-ups and errors
// come regardless. The write timeout runs from now.
func (c *econn) wait() {
	c.wrote = c.l.now
	unix.EpollCtl(c.l.epfd, unix.EPOLL_CTL_MOD, c.fd, &unix.EpollEvent{Events: unix.EPOLLOUT, Fd: int32(c.fd)})
	c.l.schedule(c)
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

// drain writes pending output; any byte taken puts the write deadline
// back. Once it is all out, the connection reads again and goes on with
// the bytes it held back.
func (c *econn) drain() {
	if !c.Pending() {
		return
	}
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
	if n > 0 {
		c.wrote = c.l.now // the wheel finds the later deadline when it fires
	}
	c.out, n = consume(c.out, n)
	if n > 0 || len(c.out) == 0 {
		k := min(n, len(c.ref))
		c.ref, n = c.ref[k:], n-k
		c.tail, _ = consume(c.tail, n)
	}
	c.uncharge()
	if c.Pending() {
		return
	}
	c.dropOutput()
	if c.closing {
		c.close()
		return
	}
	unix.EpollCtl(c.l.epfd, unix.EPOLL_CTL_MOD, c.fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(c.fd)})
	// The client was reading all along: idle time counts from now.
	c.lastRead = c.l.now
	c.l.schedule(c)
	if c.Conn != nil {
		c.work()
	}
}

// uncharge gives back the budget of copied output that went out.
func (c *econn) uncharge() {
	held := int64(len(c.out) + len(c.tail))
	c.l.e.s.Budget().Release(c.charged - held)
	c.charged = held
}

// dropOutput lets go of all output: the copy buffers go back to the
// loop, their budget to the server.
func (c *econn) dropOutput() {
	c.l.spare.put(c.out)
	c.l.spare.put(c.tail)
	c.out, c.ref, c.tail = nil, nil, nil
	c.uncharge()
}

// consume drops the first n bytes of an owned buffer, keeping its memory,
// and returns what is left of n.
func consume(b []byte, n int) ([]byte, int) {
	k := min(n, len(b))
	return b[:copy(b, b[k:])], n - k
}

// spares keeps a loop's output copy buffers between stalls, so that a
// connection that stalls often does not allocate each time, and one that
// does not has none.
type spares struct {
	free [][]byte
}

// The most buffers spares keeps, and the largest.
const (
	maxSpares    = 64
	maxSpareSize = 64 << 10
)

// get returns an empty buffer, kept or new.
func (p *spares) get() []byte {
	n := len(p.free)
	if n == 0 {
		return make([]byte, 0, 4<<10)
	}
	b := p.free[n-1]
	p.free[n-1] = nil
	p.free = p.free[:n-1]
	return b
}

// put keeps b for reuse, unless it is too large or spares is full.
func (p *spares) put(b []byte) {
	if b != nil && cap(b) <= maxSpareSize && len(p.free) < maxSpares {
		p.free = append(p.free, b[:0])
	}
}
