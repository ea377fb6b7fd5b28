package wsnet

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/internal/testenv"
)

// memConn is a net.Conn in memory: reads replay a stream forever, writes
// are discarded.
type memConn struct{ repeatReader }

func (c *memConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *memConn) Close() error                     { return nil }
func (c *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// TestConnNoAllocs proves that a Conn in steady state allocates nothing
// per message, reading and writing, plain and compressed, on both sides,
// and for prepared messages.
func TestConnNoAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	json := bytes.Repeat([]byte(`{"user":"ann","text":"Can you hear me?","n":12345},`), 20)
	for _, compressed := range []bool{false, true} {
		for _, role := range []codec.Role{codec.RoleServer, codec.RoleClient} {
			peer := codec.RoleClient
			if role == codec.RoleClient {
				peer = codec.RoleServer
			}
			var params *deflate.Params
			rsv := uint8(0)
			payload := json
			if compressed {
				params = &deflate.Params{}
				z, err := deflate.NewCompressor(*params, peer, deflate.DefaultLevel).AppendMessage(nil, json)
				if err != nil {
					t.Fatal(err)
				}
				rsv, payload = codec.Rsv1, z
			}
			enc := codec.Encoder{Role: peer}
			stream, _ := enc.AppendFrame(nil, codec.OpText, rsv, true, payload)
			stream = bytes.Repeat(stream, 3)
			c := NewConn(&memConn{repeatReader{b: stream}}, nil, role, params, nil)
			name := role.String()
			if compressed {
				name += " compressed"
			}
			ctx := context.Background()
			buf := make([]byte, 0, 4096)
			testenv.NoAllocs(t, name+": ReadMessage", func() {
				if _, m, err := c.ReadMessage(ctx, buf[:0]); err != nil || len(m) != len(json) {
					t.Fatalf("ReadMessage: %d bytes, %v", len(m), err)
				}
			})
			testenv.NoAllocs(t, name+": WriteMessage", func() {
				if err := c.WriteMessage(ctx, codec.OpText, json); err != nil {
					t.Fatal(err)
				}
			})
			testenv.NoAllocs(t, name+": NextWriter", func() {
				mw, _ := c.NextWriter(ctx, codec.OpText)
				mw.Write(json[:100])
				mw.Write(json[100:])
				mw.Close()
			})
			pm, _ := NewPreparedMessage(codec.OpText, json)
			c.WritePreparedMessage(ctx, pm) // makes the form
			testenv.NoAllocs(t, name+": WritePreparedMessage", func() {
				if err := c.WritePreparedMessage(ctx, pm); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
