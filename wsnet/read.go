package wsnet

import (
	"context"
	"errors"
	"io"

	"github.com/wsframe/wsframe/codec"
)

// ReadMessage reads the next data message whole, appends its payload to
// dst and returns the message's type and the extended buffer. Options'
// MaxMessage bounds how far dst grows. Pings are answered and the peer's
// close frame echoed on the way.
//
// When the connection ends, ReadMessage returns a *[ClosedError]: the
// peer's close code and reason, or 1006 and the cause (such as
// [ErrKeepaliveTimeout]); or the *codec.ProtocolError the peer committed,
// after sending the close frame that carries its code. When ctx ends or
// the read deadline passes first, it returns ctx's error or the timeout
// and what it read of a message appended to dst: pass that slice to the
// next call, which goes on with the message (as [Reader.ReadMessage]).
func (c *Conn) ReadMessage(ctx context.Context, dst []byte) (codec.Opcode, []byte, error) {
	if err := ctx.Err(); err != nil {
		return 0, dst, err
	}
	c.readMu.Lock()
	defer c.readMu.Unlock()
	b := c.bind(ctx, false)
	op, dst, err := c.r.ReadMessage(dst)
	return op, dst, c.readEnd(b, err)
}

// NextReader returns the type of the next data message and a reader for
// its payload, which returns io.EOF at the end of the message and honours
// ctx and the read deadline in each Read. The reader is valid until the
// next call of NextReader or ReadMessage, which discard what is left of
// the message. Errors are as ReadMessage's.
func (c *Conn) NextReader(ctx context.Context) (codec.Opcode, io.Reader, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	c.readMu.Lock()
	defer c.readMu.Unlock()
	b := c.bind(ctx, false)
	op, _, err := c.r.NextReader()
	if err = c.readEnd(b, err); err != nil {
		return 0, nil, err
	}
	c.mr.ctx = ctx
	return op, &c.mr, nil
}

// connMessageReader is the io.Reader of Conn.NextReader.
type connMessageReader struct {
	c   *Conn
	ctx context.Context
}

func (m *connMessageReader) Read(p []byte) (int, error) {
	if err := m.ctx.Err(); err != nil {
		return 0, err
	}
	c := m.c
	c.readMu.Lock()
	defer c.readMu.Unlock()
	b := c.bind(m.ctx, false)
	n, err := c.r.mr.Read(p)
	return n, c.readEnd(b, err)
}

// readEnd ends a read: it returns ctx's error in place of the timeout it
// caused, and once reading has ended for good, closes the connection.
func (c *Conn) readEnd(b *binding, err error) error {
	if cerr := b.release(); cerr != nil && err != nil && isTimeout(err) {
		return cerr
	}
	if err == nil || err == io.EOF || isTimeout(err) {
		return err
	}
	// The peer's close frame was echoed, or the close frame of a
	// protocol error sent: nothing more can come, and the server closes
	// the TCP connection first (§7.1.1); a client has nothing to wait for
	// either once the frames are exchanged.
	c.endOnce.Do(func() { close(c.ended) })
	c.closeNow(err)
	return err
}

// peerClosed reports whether err says the peer's close frame arrived.
func peerClosed(err error) bool {
	var ce *ClosedError
	return errors.As(err, &ce) && ce.Code != codec.CloseAbnormal
}
