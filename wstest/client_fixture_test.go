package wstest_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net"
	"net/url"
	"testing"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/wstest"
)

// A client fixture is a small echo client built on codec.Decoder and a
// hand-made handshake, correct but for at most one planted fault. The
// client suite is trusted because it fails each faulty one in exactly the
// cases aimed at its fault, and passes the one with none.
type clientFault int

const (
	noClientFault     clientFault = iota
	statusOnly                    // of the server's reply, checks only that the status is 101
	noOfferCheck                  // accepts a subprotocol or an extension it did not offer
	dropsEarlyFrames              // drops frames read with the server's reply
	fixedMaskKey                  // masks every frame with the same key
	clientNoUTF8                  // does not check text for UTF-8
	clientNoSizeLimit             // accepts any message size
	panicsOnPing                  // panics when a ping arrives
)

func faultyClient(fl clientFault) wstest.EchoClient {
	return func(ctx context.Context, raw string) error {
		u, err := url.Parse(raw)
		if err != nil {
			return err
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", u.Host)
		if err != nil {
			return err
		}
		defer conn.Close()
		defer context.AfterFunc(ctx, func() { conn.Close() })()
		key := handshake.NewKey()
		if _, err := conn.Write(handshake.AppendRequest(nil, u.Host, u.RequestURI(), key[:], nil)); err != nil {
			return err
		}
		buf := make([]byte, 64<<10)
		n, end := 0, -1
		for end < 0 {
			k, err := conn.Read(buf[n:])
			if k == 0 {
				return err
			}
			n += k
			end = bytes.Index(buf[:n], []byte("\r\n\r\n"))
		}
		head := buf[:end+4]
		if fl == statusOnly {
			if !bytes.HasPrefix(head, []byte("HTTP/1.1 101 ")) {
				return errors.New("status is not 101")
			}
		} else {
			resp, _, err := handshake.ParseResponse(head, key[:])
			if err != nil {
				return err
			}
			if err := resp.CheckOffer(nil, ""); err != nil && fl != noOfferCheck {
				return err
			}
		}
		c := &fixtureClient{fault: fl, conn: conn, buf: buf, start: end + 4, end: n}
		if fl == dropsEarlyFrames {
			c.start = n
		}
		c.d = codec.Decoder{Role: codec.RoleClient, MaxMessage: 32 << 20}
		if fl == clientNoSizeLimit {
			c.d.MaxMessage = math.MaxInt64
		}
		return c.run()
	}
}

type fixtureClient struct {
	fault      clientFault
	conn       net.Conn
	d          codec.Decoder
	buf        []byte
	start, end int
	msg        []byte
	text       bool
}

func (c *fixtureClient) run() error {
	var ev codec.Event
	for {
		if c.start == c.end || c.needHeader() {
			c.end = copy(c.buf, c.buf[c.start:c.end])
			c.start = 0
			k, err := c.conn.Read(c.buf[c.end:])
			if k == 0 {
				return err
			}
			c.end += k
			continue
		}
		k, err := c.d.Next(c.buf[c.start:c.end], &ev)
		c.start += k
		var pe *codec.ProtocolError
		if errors.As(err, &pe) {
			c.write(codec.OpClose, codec.AppendClose(nil, pe.Code, ""))
			return err
		}
		switch ev.Kind {
		case codec.EventData:
			if ev.Start {
				c.msg = c.msg[:0]
			}
			c.msg = append(c.msg, ev.Payload...)
			if ev.End {
				op := ev.Opcode
				if c.text {
					op = codec.OpText
				}
				c.write(op, c.msg)
			}
		case codec.EventPing:
			if c.fault == panicsOnPing {
				panic("a planted panic")
			}
			c.write(codec.OpPong, ev.Payload)
		case codec.EventClose:
			c.write(codec.OpClose, codec.AppendClose(nil, codec.CloseReply(ev.Code), ""))
			return nil
		}
	}
}

// needHeader reports whether the next frame's header is incomplete, when
// the fault needs to see it before the decoder does; it hides text
// messages from the decoder of a client that does not check UTF-8.
func (c *fixtureClient) needHeader() bool {
	if c.fault != clientNoUTF8 || c.d.InFrame() {
		return false
	}
	b := c.buf[c.start:c.end]
	h, _, err := codec.ParseHeader(b)
	if err == codec.ErrShortHeader {
		return true
	}
	if err == nil && (h.Opcode == codec.OpText || h.Opcode == codec.OpBinary) {
		c.text = markText(b)
	}
	return false
}

var fixedKey = [4]byte{0x12, 0x34, 0x56, 0x78}

// write sends one masked frame.
func (c *fixtureClient) write(op codec.Opcode, p []byte) {
	h := codec.Header{Fin: true, Opcode: op, Length: int64(len(p))}
	enc := codec.Encoder{Role: codec.RoleClient}
	enc.PrepareHeader(&h)
	if c.fault == fixedMaskKey {
		h.Key = fixedKey
	}
	b := codec.AppendHeader(nil, h)
	n := len(b)
	b = append(b, p...)
	codec.Mask(b[n:], h.Key, 0)
	c.conn.Write(b)
}

// TestPlantedClientFaults runs every RFC 6455 client case against each
// client fixture, all at once.
func TestPlantedClientFaults(t *testing.T) {
	t.Parallel()
	var fixtures []planted
	for _, fx := range []struct {
		name  string
		fault clientFault
		cases []string // nil: all
		fails []string
	}{
		{"none", noClientFault, nil, nil},
		{"checks only the reply's status", statusOnly, nil, []string{"H.1", "H.2", "H.4", "H.5", "H.6", "H.7", "H.8"}},
		{"accepts what it did not offer", noOfferCheck, nil, []string{"H.7", "H.8"}},
		// Only H.9 sends a frame in the same write as the reply on
		// purpose; in other cases the first frame may or may not arrive
		// with the reply, and this fixture then loses it too.
		{"drops frames read with the reply", dropsEarlyFrames, []string{"H.9"}, []string{"H.9"}},
		{"masks every frame with the same key", fixedMaskKey, nil, []string{"M.1"}},
		{"text not checked for UTF-8", clientNoUTF8, nil, []string{"6.3", "6.4", "6.5.1", "6.5.2", "6.5.3", "6.5.4", "6.5.5", "6.5.6"}},
		{"no size limit", clientNoSizeLimit, nil, []string{"10.1"}},
		{"panics on a ping", panicsOnPing, nil, []string{"2.1", "2.2", "2.3", "2.6", "5.2"}},
	} {
		fixtures = append(fixtures, planted{name: fx.name, fails: fx.fails, run: func() ([]wstest.Result, error) {
			o := faultOptions()
			if fx.cases != nil {
				o.Cases = fx.cases
			}
			return wstest.RunClient(t.Context(), faultyClient(fx.fault), o)
		}})
	}
	checkPlanted(t, fixtures)
}
