package wsnet

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/wsframe/wsframe/codec"
)

// NetConn returns a net.Conn that carries a byte stream over c's
// messages of type op (codec.OpBinary or codec.OpText), for code that
// wants a net.Conn, such as a TLS, HTTP/2 or SSH layer over WebSockets.
//
// Read reads across message boundaries, as if the messages were one
// stream; it returns io.EOF once the peer closes with 1000 (normal) or
// 1001 (going away), and a message of the other type is an error. Write
// sends p as one message, so with op codec.OpText each Write must be
// valid UTF-8 on its own. The deadlines are c's. Close runs c's closing
// handshake with 1000; the connection is closed when it returns, whether
// or not the peer answered in time.
func NetConn(c *Conn, op codec.Opcode) net.Conn {
	return &netConn{c: c, op: op}
}

type netConn struct {
	c  *Conn
	op codec.Opcode

	mu sync.Mutex // one Read at a time, owning r
	r  io.Reader  // the message being read, nil between messages
}

// errWrongType is a Read's error for a message of the other type.
var errWrongType = errors.New("wsnet: NetConn: a message of the wrong type arrived")

func (n *netConn) Read(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for {
		if n.r == nil {
			op, r, err := n.c.NextReader(context.Background())
			if err != nil {
				return 0, streamError(err)
			}
			if op != n.op {
				n.c.Close(codec.CloseUnsupportedData, "wrong message type")
				return 0, errWrongType
			}
			n.r = r
		}
		k, err := n.r.Read(p)
		if err == io.EOF {
			n.r = nil
			if k == 0 && len(p) > 0 {
				continue // an empty message, or the end of one
			}
			err = nil
		}
		return k, streamError(err)
	}
}

// streamError maps the end of the WebSocket connection to the end of the
// stream.
func streamError(err error) error {
	var ce *ClosedError
	if errors.As(err, &ce) && (ce.Code == codec.CloseNormal || ce.Code == codec.CloseGoingAway) {
		return io.EOF
	}
	return err
}

func (n *netConn) Write(p []byte) (int, error) {
	if err := n.c.WriteMessage(context.Background(), n.op, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (n *netConn) Close() error {
	if err := n.c.Close(codec.CloseNormal, ""); err != nil && err != ErrCloseTimeout {
		return err
	}
	return nil
}

func (n *netConn) LocalAddr() net.Addr                { return n.c.LocalAddr() }
func (n *netConn) RemoteAddr() net.Addr               { return n.c.RemoteAddr() }
func (n *netConn) SetDeadline(t time.Time) error      { return n.c.SetDeadline(t) }
func (n *netConn) SetReadDeadline(t time.Time) error  { return n.c.SetReadDeadline(t) }
func (n *netConn) SetWriteDeadline(t time.Time) error { return n.c.SetWriteDeadline(t) }
