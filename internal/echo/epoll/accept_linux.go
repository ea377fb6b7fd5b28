//go:build linux

package epoll

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/wsframe/wsframe/internal/echo"
)

// Why accepting stopped.
const (
	pausedCap = 1 + iota // MaxConns connections are open
	pausedErr            // accept4 failed: out of descriptors or memory
)

// The back-off after an accept4 error, doubled on each error in a row.
const (
	minBackoff = 5 * time.Millisecond
	maxBackoff = time.Second
)

// accept takes pending connections and gives each to a loop, until none
// is left, MaxConns are open, or accept4 fails. In the last two cases the
// listener leaves loop 0's epoll set: a listener that stays readable
// while the loop cannot accept would wake it at once, forever. It runs on
// loop 0, whose clock reads now.
func (e *epollEngine) accept(now int64) {
	for {
		if e.open.Load() >= int64(e.lim.MaxConns) {
			e.pause(pausedCap, nil, now)
			return
		}
		fd, _, err := unix.Accept4(e.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch err {
		case nil:
		case unix.EAGAIN:
			e.caughtUp()
			return
		case unix.EINTR, unix.ECONNABORTED:
			continue // this one is gone; the next may be there
		default:
			// EMFILE, ENFILE, ENOBUFS, ENOMEM, or anything else that a
			// retry at once would only meet again.
			e.pause(pausedErr, err, now)
			return
		}
		e.backoff = 0
		if e.closing.Load() {
			unix.Close(fd)
			continue
		}
		e.adopt(fd, now)
	}
}

// adopt hands an accepted descriptor to the next loop. That loop puts it
// in its wheel when it next wakes: now, if it was waiting with no
// timeout.
func (e *epollEngine) adopt(fd int, now int64) {
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	l := e.loops[int(e.next.Add(1))%len(e.loops)]
	c := &econn{l: l, fd: fd, born: now, head: make([]byte, 0, 1024)}
	e.open.Add(1)
	e.s.Opened()
	l.mu.Lock()
	var err error = unix.EINVAL // the loop has ended
	if l.conns != nil {
		err = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(fd)})
	}
	if err == nil {
		l.conns[fd] = c
		l.fresh = append(l.fresh, c)
		l.nfresh.Store(1)
	}
	l.mu.Unlock()
	if err != nil {
		unix.Close(fd)
		e.s.Closed()
		e.closed()
		return
	}
	if l.asleep.Load() {
		l.wake()
	}
}

// takeFresh puts the connections loop 0 handed this loop in its wheel.
func (l *eloop) takeFresh() {
	if l.nfresh.Load() == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nfresh.Store(0)
	for i, c := range l.fresh {
		l.schedule(c)
		l.fresh[i] = nil
	}
	l.fresh = l.fresh[:0]
}

// pause takes the listener out of loop 0's epoll set. After an error,
// loop 0 puts it back after a back-off, and a connection that closes
// puts it back at once; at MaxConns, a connection that closes does. An
// episode (from the first pause until the backlog is empty again) is
// logged and counted once, however often it pauses.
func (e *epollEngine) pause(why int32, err error, now int64) {
	e.amu.Lock()
	defer e.amu.Unlock()
	e.watchListener(unix.EPOLL_CTL_DEL)
	e.paused.Store(why)
	if why == pausedErr {
		e.backoff = min(max(2*e.backoff, minBackoff), maxBackoff)
		e.retryAt.Store(now + int64(e.backoff))
	}
	if !e.episode {
		e.episode = true
		e.s.Count(echo.AcceptPaused)
		if why == pausedCap {
			e.s.Logf("accepting paused: %d connections open, the most allowed", e.lim.MaxConns)
		} else {
			e.s.Logf("accepting paused: %v", err)
		}
	}
	// A connection may have closed before paused was stored, seeing no
	// pause to end.
	if why == pausedCap && e.open.Load() < int64(e.lim.MaxConns) {
		e.resumeLocked()
	}
}

// caughtUp ends an episode of pauses: accept found the backlog empty.
func (e *epollEngine) caughtUp() {
	if e.episode {
		e.episode = false
		e.s.Logf("accepting again: the backlog is empty")
	}
}

// closed counts a connection out of MaxConns, and lets accepting resume
// if it paused: below the cap, or with a descriptor free.
func (e *epollEngine) closed() {
	e.open.Add(-1)
	if e.paused.Load() != 0 {
		e.resume()
	}
}

// resume puts the listener back in loop 0's epoll set if it was out and
// the reason is gone, or may be: it is called when a connection closes,
// and by loop 0 when the back-off is over.
func (e *epollEngine) resume() {
	e.amu.Lock()
	defer e.amu.Unlock()
	if e.paused.Load() == pausedCap && e.open.Load() >= int64(e.lim.MaxConns) {
		return
	}
	e.resumeLocked()
}

// resumeLocked puts the listener back; e.amu is held. Not during
// shutdown: loop 0 may have closed its epoll descriptor already, and its
// number may belong to another file by now.
func (e *epollEngine) resumeLocked() {
	if e.paused.Load() == 0 || e.closing.Load() {
		return
	}
	e.paused.Store(0)
	e.retryAt.Store(0)
	e.watchListener(unix.EPOLL_CTL_ADD)
}

// watchListener adds the listener to loop 0's epoll set, or deletes it.
func (e *epollEngine) watchListener(op int) error {
	return unix.EpollCtl(e.loops[0].epfd, op, e.lfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(e.lfd)})
}

// retry ends a back-off that is over, on loop 0.
func (l *eloop) retry() {
	if r := l.e.retryAt.Load(); r != 0 && l.now >= r {
		l.e.resume()
	}
}
