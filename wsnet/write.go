package wsnet

import (
	"context"
	"fmt"
	"io"

	"github.com/wsframe/wsframe/codec"
)

// WriteMessage writes p as one message of type op (codec.OpText or
// codec.OpBinary), compressed when the connection negotiated compression
// and p is long enough. It waits for a message another goroutine streams
// through NextWriter at most until ctx ends, and for a frame being
// written until it is written or its own deadline or context ends it.
func (c *Conn) WriteMessage(ctx context.Context, op codec.Opcode, p []byte) error {
	if op != codec.OpText && op != codec.OpBinary {
		return codec.ErrNotDataOpcode
	}
	c.armWrite()
	if err := c.w.lockWhole(ctx); err != nil {
		return err
	}
	b := c.bind(ctx, true)
	err := c.w.writeMessage(op, p)
	c.w.mu.Unlock()
	return c.writeEnd(b, err)
}

// NextWriter starts a message of type op whose payload is written through
// the returned io.WriteCloser, in frames as [Writer.NextWriter] sends
// them; ctx bounds the wait for the write side and every Write and the
// Close. The message holds the write side until its Close: other
// goroutines' messages wait for it, their pings and close frames do not.
func (c *Conn) NextWriter(ctx context.Context, op codec.Opcode) (io.WriteCloser, error) {
	if op != codec.OpText && op != codec.OpBinary {
		return nil, codec.ErrNotDataOpcode
	}
	if err := c.w.acquire(ctx); err != nil {
		return nil, err
	}
	if _, err := c.w.nextWriter(op); err != nil {
		return nil, err
	}
	c.mw.ctx = ctx
	return &c.mw, nil
}

// connMessageWriter is the io.WriteCloser of Conn.NextWriter.
type connMessageWriter struct {
	c   *Conn
	ctx context.Context
}

func (m *connMessageWriter) Write(p []byte) (int, error) {
	m.c.armWrite()
	b := m.c.bind(m.ctx, true)
	n, err := m.c.w.mw.Write(p)
	return n, m.c.writeEnd(b, err)
}

func (m *connMessageWriter) Close() error {
	m.c.armWrite()
	b := m.c.bind(m.ctx, true)
	return m.c.writeEnd(b, m.c.w.mw.Close())
}

// writeEnd ends a write: it returns ctx's error in place of the timeout it
// caused, and closes the connection when the write broke the stream of
// frames.
func (c *Conn) writeEnd(b *binding, err error) error {
	if err == nil {
		b.release()
		return nil
	}
	if cerr := b.release(); cerr != nil && isTimeout(err) {
		return cerr
	}
	switch {
	case c.w.broken():
		c.closeNow(err)
	case isTimeout(err) && c.writeTimeout > 0 && !c.userWriteDL.Load():
		// The Conn's own deadline: the peer took nothing for the
		// write timeout.
		c.closeNow(ErrWriteTimeout)
		err = fmt.Errorf("%w (%w)", ErrWriteTimeout, err)
	}
	return err
}
