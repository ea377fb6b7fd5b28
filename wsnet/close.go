package wsnet

import (
	"net"
	"time"

	"github.com/wsframe/wsframe/codec"
)

// Close runs the closing handshake (RFC 6455 §7.1.2): it sends a close
// frame with code and reason, waits for the peer's close frame at most
// Options.CloseTimeout, then closes the TCP connection. It returns
// [ErrCloseTimeout] when the peer's close did not come in time.
//
// It may be called from any goroutine, also while others are blocked
// reading or writing: a blocked read sees the peer's close and returns
// its *ClosedError; a write blocked on a peer that does not read gives up
// at the timeout. Data messages written after Close fail with
// codec.ErrCloseSent. A second call waits for the first to end. Codes
// that may not be sent (codec.CloseCode.IsValid) and reasons over 123
// bytes are refused, and the connection is then closed at once.
func (c *Conn) Close(code codec.CloseCode, reason string) error {
	if !c.closing.CompareAndSwap(false, true) {
		<-c.gone
		return nil
	}
	deadline := time.Now().Add(c.opts.closeTimeout())
	// A writer blocked on a peer that does not read holds the frame lock:
	// make its write give up by the deadline. Set as the connection's own
	// deadline, it is also what a write whose context ends puts back.
	c.SetWriteDeadline(deadline)
	err := c.w.WriteClose(code, reason)
	if err != nil && err != codec.ErrCloseSent {
		c.closeNow(net.ErrClosed)
		return err
	}
	ok := c.awaitClose(deadline)
	c.closeNow(net.ErrClosed)
	if !ok {
		return ErrCloseTimeout
	}
	return nil
}

// awaitClose waits until the deadline for the peer's close frame, reading
// for it when no other goroutine reads, and reports whether it came.
func (c *Conn) awaitClose(deadline time.Time) bool {
	if c.readMu.TryLock() {
		defer c.readMu.Unlock()
		c.nc.SetReadDeadline(deadline)
		for {
			// Data still arriving is discarded; the peer's close, a
			// timeout or a failure ends the loop.
			if _, _, err := c.r.NextReader(); err != nil {
				return peerClosed(err)
			}
		}
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-c.ended:
		return peerClosed(c.r.err)
	case <-t.C:
		return false
	}
}

// CloseNow closes the TCP connection at once, without a closing
// handshake. Blocked reads and writes return; reads then report a
// *ClosedError with code 1006 wrapping net.ErrClosed. Only the first
// call closes; later calls return what it returned.
func (c *Conn) CloseNow() error { return c.closeNow(net.ErrClosed) }

// closeNow closes nc once, recording why for the reads it wakes.
func (c *Conn) closeNow(cause error) error {
	c.closeOnce.Do(func() {
		c.cause = cause
		close(c.done)
		c.closeErr = c.nc.Close()
		close(c.gone)
		if c.untrack != nil {
			c.untrack()
		}
	})
	return c.closeErr
}
