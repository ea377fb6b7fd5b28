//go:build linux

package epoll

import (
	"time"

	"github.com/wsframe/wsframe/internal/echo"
)

// pingDue is what deadline returns when the idle deadline is next: what
// is due then is a ping, not a close.
const pingDue echo.Event = -1

// deadline returns when the connection must next be acted on, on the
// engine's clock, and the timeout that closes it then (or pingDue). It is
// worked out from the connection's times, only when its wheel entry
// fires or its deadline may have moved earlier, so that reads need not
// keep it up to date.
func (c *econn) deadline(lim *echo.Limits) (int64, echo.Event) {
	at := func(t int64, d time.Duration) int64 { return t + int64(d) }
	switch {
	case c.Pending():
		// Output the client does not take; a close frame the server sent
		// first waits no longer than CloseTimeout either way.
		if c.closeAt != 0 && at(c.closeAt, lim.CloseTimeout) < at(c.wrote, lim.WriteTimeout) {
			return at(c.closeAt, lim.CloseTimeout), echo.TimeoutClose
		}
		return at(c.wrote, lim.WriteTimeout), echo.TimeoutWrite
	case c.Conn == nil:
		return at(c.born, lim.HandshakeTimeout), echo.TimeoutHandshake
	case c.closeAt != 0:
		return at(c.closeAt, lim.CloseTimeout), echo.TimeoutClose
	case c.pingFor == c.lastRead:
		// Pinged, and nothing read since.
		return at(c.lastRead, lim.IdleTimeout+lim.PingTimeout), echo.TimeoutIdle
	}
	return at(c.lastRead, lim.IdleTimeout), pingDue
}

// schedule puts c in the wheel at its deadline, if that is earlier than
// where it is now: after anything that may have moved it earlier.
func (l *eloop) schedule(c *econn) {
	if c.closed {
		return
	}
	d, _ := c.deadline(l.e.lim)
	l.wheel.add(c, d)
}

// expire runs the wheel up to now and acts on each connection it finds
// due: a deadline that moved later goes back in the wheel; one that
// passed sends the idle ping or closes the connection. On loop 0 it also
// ends a back-off of accepting that is over.
func (l *eloop) expire() {
	if l == l.e.loops[0] {
		l.retry()
	}
	if l.now < l.wheel.next() {
		return
	}
	for _, c := range l.wheel.advance(l.now) {
		if c.closed {
			continue
		}
		d, ev := c.deadline(l.e.lim)
		switch {
		case d > l.now:
			l.wheel.add(c, d)
		case ev == pingDue:
			c.ping()
		default:
			l.e.s.Count(ev)
			c.close()
		}
	}
}

// ping sends the idle ping; the connection then has PingTimeout to show
// it is there.
func (c *econn) ping() {
	c.pingFor = c.lastRead
	c.Ping(c)
	c.settle()
	c.l.schedule(c)
}
