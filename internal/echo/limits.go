package echo

import (
	"sync/atomic"
	"time"

	"github.com/wsframe/wsframe/internal/fdlimit"
)

// Limits are what the echo server grants one client and all of them
// together, in both engines. The zero value of a field means its default.
type Limits struct {
	// HandshakeTimeout bounds the opening handshake: a connection whose
	// request head has not arrived whole by then is closed. Default 10 s.
	HandshakeTimeout time.Duration
	// IdleTimeout is how long an upgraded connection may stay silent:
	// after it the server sends a ping, and closes the connection when
	// nothing arrives within PingTimeout more. Default 120 s.
	IdleTimeout time.Duration
	// PingTimeout is how long the idle ping waits for an answer (any
	// byte). Default 10 s.
	PingTimeout time.Duration
	// WriteTimeout bounds how long output may wait for a client that does
	// not read: when the socket takes no byte of it for that long, the
	// connection is closed. Default 30 s.
	WriteTimeout time.Duration
	// CloseTimeout bounds the closing handshake the server starts (on
	// shutdown, or to fail a connection): after sending its close frame
	// it waits that long for the client's. Default 5 s.
	CloseTimeout time.Duration
	// MaxConns caps open connections, upgraded or not. At the cap the
	// server stops accepting until one closes. It counts TCP
	// connections: over HTTP/2 one carries up to HTTP2Streams WebSockets. Default: the descriptor
	// limit less an eighth of it (at least 32) for everything else.
	MaxConns int
	// MaxBuffered bounds the bytes all connections together hold beyond
	// their fixed read and write buffers: messages being reassembled or
	// inflated, frames kept whole, compressed replies, output waiting for
	// slow clients, and compression state kept between messages. A
	// connection that would take the server over it fails with close
	// code 1013 (try again later); when there is no room left for
	// compression state, new connections get permessage-deflate without
	// context takeover. Default 256 MiB.
	MaxBuffered int64
}

// The defaults of Limits.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultIdleTimeout      = 120 * time.Second
	DefaultPingTimeout      = 10 * time.Second
	DefaultWriteTimeout     = 30 * time.Second
	DefaultCloseTimeout     = 5 * time.Second
	DefaultMaxBuffered      = 256 << 20
)

// withDefaults returns l with every zero field set to its default.
func (l Limits) withDefaults() Limits {
	set := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	set(&l.HandshakeTimeout, DefaultHandshakeTimeout)
	set(&l.IdleTimeout, DefaultIdleTimeout)
	set(&l.PingTimeout, DefaultPingTimeout)
	set(&l.WriteTimeout, DefaultWriteTimeout)
	set(&l.CloseTimeout, DefaultCloseTimeout)
	if l.MaxConns <= 0 {
		l.MaxConns = fdlimit.MaxConns()
	}
	if l.MaxBuffered <= 0 {
		l.MaxBuffered = DefaultMaxBuffered
	}
	return l
}

// Budget is a count of bytes against a limit, shared by all connections:
// each takes its share before it grows a buffer or keeps output, and gives
// it back when it lets the memory go.
type Budget struct {
	limit int64
	used  atomic.Int64
	peak  atomic.Int64
}

// Reserve takes n bytes of the budget and reports whether they were
// there; on false nothing is taken.
func (b *Budget) Reserve(n int64) bool {
	if n <= 0 {
		return true
	}
	for {
		used := b.used.Load()
		if used+n > b.limit {
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			for p := b.peak.Load(); used+n > p && !b.peak.CompareAndSwap(p, used+n); p = b.peak.Load() {
			}
			return true
		}
	}
}

// add takes n bytes (or gives back -n) whatever the limit, for memory
// already allocated by code that cannot ask first.
func (b *Budget) add(n int64) {
	used := b.used.Add(n)
	for p := b.peak.Load(); used > p && !b.peak.CompareAndSwap(p, used); p = b.peak.Load() {
	}
}

// Release gives back n bytes taken with Reserve.
func (b *Budget) Release(n int64) {
	if n > 0 {
		b.used.Add(-n)
	}
}

// Used returns the bytes taken now.
func (b *Budget) Used() int64 { return b.used.Load() }

// Event is something the server counts for Stats.
type Event int

// The events the engines count.
const (
	TimeoutHandshake Event = iota // a handshake did not complete in time
	TimeoutIdle                   // a silent connection did not answer the idle ping
	TimeoutWrite                  // a client did not read its output in time
	TimeoutClose                  // a client did not answer the server's close in time
	RefusedConns                  // a connection turned away at MaxConns
	RefusedMemory                 // a connection failed with 1013 for the memory budget
	AcceptPaused                  // accepting paused: at MaxConns, or out of descriptors
	numEvents
)

// Count adds one to the counter of ev.
func (s *Server) Count(ev Event) { s.events[ev].Add(1) }
