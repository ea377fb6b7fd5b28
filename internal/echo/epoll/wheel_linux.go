//go:build linux

package epoll

import (
	"time"

	"github.com/wsframe/wsframe/internal/echo"
)

// wheelSlots is the number of slots of a timer wheel. A deadline more
// than that many ticks away stays in its slot for more than one turn:
// each turn checks it once, and keeps it.
const wheelSlots = 256

// wheel is a loop's coarse timer wheel: the deadlines of its connections,
// each in the slot of its tick. It is lazy, so that a message costs
// nothing: a connection whose deadline moves later (a read pushes its
// idle deadline back) stays where it is, and when its slot fires the
// loop works out its real deadline and puts it back further on. Only a
// deadline that moves earlier (output stalls, a close frame goes out)
// adds an entry; the one it replaces turns stale, and is dropped when its
// slot comes round. Only the loop's goroutine touches it.
type wheel struct {
	res   int64 // nanoseconds per tick
	tick  int64 // the last tick run
	n     int   // connections with a live entry: at != 0
	slots [wheelSlots][]wentry
	due   []*econn // what the last advance found due, reused
}

// wentry is a connection's place in a slot: live while c.at is still at.
type wentry struct {
	c  *econn
	at int64
}

// tickFor returns the tick of a wheel whose smallest timeout is shortest:
// an eighth of it, so that a deadline fires at most an eighth late, and
// between 5 ms and 1 s, so that short test timeouts work and long ones
// do not wake an idle loop often.
func tickFor(shortest time.Duration) int64 {
	return int64(max(min(shortest/8, time.Second), 5*time.Millisecond))
}

// minTimeout returns the smallest timeout of lim.
func minTimeout(lim *echo.Limits) time.Duration {
	return min(lim.HandshakeTimeout, lim.IdleTimeout, lim.PingTimeout, lim.WriteTimeout, lim.CloseTimeout)
}

// add makes c due at d (nanoseconds on the engine's clock), in the first
// tick not earlier and not yet run, unless its entry already fires no
// later: then that entry will find the new deadline when it fires.
func (w *wheel) add(c *econn, d int64) {
	t := max((d+w.res-1)/w.res, w.tick+1)
	if c.at != 0 && c.at <= t {
		return
	}
	if c.at == 0 {
		w.n++
	}
	c.at = t
	s := &w.slots[t%wheelSlots]
	*s = append(*s, wentry{c, t})
}

// remove takes c out of the wheel; its entry turns stale.
func (w *wheel) remove(c *econn) {
	if c.at != 0 {
		c.at = 0
		w.n--
	}
}

// next returns when the next tick is due.
func (w *wheel) next() int64 { return (w.tick + 1) * w.res }

// advance runs every tick up to now and returns the connections whose
// entries came due, out of the wheel, for the loop to check; the slice is
// reused by the next call. Entries of later turns stay; stale ones go.
func (w *wheel) advance(now int64) []*econn {
	target := now / w.res
	if target <= w.tick {
		return nil
	}
	from := max(w.tick+1, target-wheelSlots+1) // each slot once
	w.tick = target
	if w.n == 0 {
		return nil // only stale entries: they go when their slots next run
	}
	clear(w.due)
	w.due = w.due[:0]
	for k := from; k <= target; k++ {
		s := w.slots[k%wheelSlots]
		keep := s[:0]
		for _, e := range s {
			switch {
			case e.at > target:
				keep = append(keep, e)
			case e.c.at == e.at:
				e.c.at = 0
				w.n--
				w.due = append(w.due, e.c)
			}
		}
		clear(s[len(keep):]) // let closed connections go
		w.slots[k%wheelSlots] = keep
	}
	return w.due
}
