package wsnet

import (
	"context"
	"encoding/binary"
	"sync"
	"time"
)

// pongChans holds the channels Ping waits on, so that pinging does not
// allocate.
var pongChans = sync.Pool{New: func() any { return make(chan struct{}, 1) }}

// Ping sends a ping and waits for its pong, at most until ctx ends, and
// returns the round-trip time. Each ping carries its own 8-byte payload,
// so concurrent pings each get their own pong. The pong is seen by the
// goroutine reading the connection: Ping needs one.
func (c *Conn) Ping(ctx context.Context) (time.Duration, error) {
	ch := pongChans.Get().(chan struct{})
	c.pingMu.Lock()
	c.pingSeq++
	id := c.pingSeq
	if c.pings == nil {
		c.pings = make(map[uint64]chan struct{})
	}
	c.pings[id] = ch
	c.pingMu.Unlock()

	var payload [8]byte
	binary.BigEndian.PutUint64(payload[:], id)
	start := time.Now()
	b := c.bind(ctx, true)
	err := c.writeEnd(b, c.w.WritePing(payload[:]))
	if err == nil {
		select {
		case <-ch:
			rtt := time.Since(start)
			pongChans.Put(ch)
			return rtt, nil
		case <-ctx.Done():
			err = ctx.Err()
		case <-c.done:
			err = c.cause
		}
	}
	c.pingMu.Lock()
	delete(c.pings, id)
	c.pingMu.Unlock()
	select { // a pong that came after all
	case <-ch:
	default:
	}
	pongChans.Put(ch)
	return 0, err
}

// onPong hands a pong to the Ping waiting for it.
func (c *Conn) onPong(p []byte) error {
	if len(p) != 8 {
		return nil // not one of Ping's: keepalive's, or unsolicited (§5.5.3)
	}
	id := binary.BigEndian.Uint64(p)
	c.pingMu.Lock()
	if ch, ok := c.pings[id]; ok {
		delete(c.pings, id)
		ch <- struct{}{}
	}
	c.pingMu.Unlock()
	return nil
}

// sendKeepalivePing writes an empty ping on a goroutine of its own,
// unless the last one is still waiting for the frame lock: busy writers
// delay a ping by a frame each, and a writer stuck on a peer that does
// not read holds it up for good. Either way the keepalive clock runs from
// the attempt, so a peer that neither answers nor sends is found.
func (c *Conn) sendKeepalivePing() {
	if !c.pinging.CompareAndSwap(false, true) {
		return
	}
	go func() {
		c.w.WritePing(nil)
		c.pinging.Store(false)
	}()
}

// keepalive pings every interval and closes the connection when nothing
// arrives within timeout of a ping. Since the timeout is at most the
// interval, a peer that goes silent is found within interval + timeout.
func (c *Conn) keepalive(interval, timeout time.Duration) {
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-c.done:
			return
		}
		start := time.Now()
		mark := c.received.Load()
		c.sendKeepalivePing()
		t.Reset(timeout)
		select {
		case <-t.C:
		case <-c.done:
			return
		}
		if c.received.Load() == mark {
			c.closeNow(ErrKeepaliveTimeout)
			return
		}
		t.Reset(interval - time.Since(start))
	}
}
