package wsnet

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// eofConn is a memConn whose reads end: it reads in once, then io.EOF.
type eofConn struct {
	memConn
	in *bytes.Reader
}

func (c *eofConn) Read(p []byte) (int, error) { return c.in.Read(p) }

// FuzzConn reads whatever a client could send through a server's Conn,
// with and without compression: it must not panic, must stop (every
// message read consumes input), and must end with the peer's close, a
// protocol error carrying a close code, or the end of the input as 1006.
func FuzzConn(f *testing.F) {
	enc := codec.Encoder{Role: codec.RoleClient}
	seed, _ := enc.AppendMessage(nil, codec.OpText, []byte("Can you hear me?"))
	seed, _ = enc.AppendPing(seed, []byte("p"))
	seed, _ = enc.AppendClose(seed, codec.CloseNormal, "bye")
	f.Add(seed, false)
	z, _ := deflate.NewCompressor(deflate.Params{}, codec.RoleClient, 0).AppendMessage(nil, bytes.Repeat([]byte("Loud and clear! "), 40))
	zf, _ := enc.AppendFrame(nil, codec.OpText, codec.Rsv1, true, z)
	f.Add(zf, true)
	f.Add([]byte{0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, false)
	f.Fuzz(func(t *testing.T, in []byte, compressed bool) {
		var params *deflate.Params
		if compressed {
			params = &deflate.Params{}
		}
		c := NewConn(&eofConn{in: bytes.NewReader(in)}, nil, codec.RoleServer, params, &Options{MaxMessage: 1 << 20})
		var buf []byte
		for i := 0; ; i++ {
			if i > len(in) {
				t.Fatalf("%d messages from %d bytes", i, len(in))
			}
			_, msg, err := c.ReadMessage(context.Background(), buf[:0])
			if err == nil {
				buf = msg
				continue
			}
			var ce *ClosedError
			var pe *codec.ProtocolError
			switch {
			case errors.As(err, &pe):
			case errors.As(err, &ce) && (ce.Code != codec.CloseAbnormal || errors.Is(err, io.ErrUnexpectedEOF)):
			default:
				t.Fatalf("read ended with %v", err)
			}
			return
		}
	})
}
