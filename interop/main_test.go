package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/wsframe/wsframe/wsnet"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.RemoveWsbench()
	os.Exit(code)
}

// serveProc is a `wsbench serve` the test started.
type serveProc struct {
	*testenv.Proc
	addr string // host:port it listens on
}

// startServe runs `wsbench serve` on a free loopback port until the test
// ends (testenv.Start interrupts it then, as Ctrl-C would).
func startServe(t *testing.T, args ...string) serveProc {
	t.Helper()
	p, addr := testenv.Serve(t, nil, "", args...)
	return serveProc{p, addr}
}

// need skips t when a peer is missing, saying how to get it.
func need(t *testing.T, ok bool, what, install string) {
	t.Helper()
	if !ok {
		t.Skipf("%s is not installed (%s); .ci/run installs it", what, install)
	}
}

// freePort returns a loopback port nobody listens on now.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitListening waits until something accepts connections on addr.
func waitListening(t *testing.T, addr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s after %v", addr, d)
}

// wsClient is this module's client side of a connection to a peer.
type wsClient struct {
	conn net.Conn
	r    *wsnet.Reader
	w    *wsnet.Writer
}

func dial(t *testing.T, url string, opts *handshake.DialOptions) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, rest, err := handshake.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	c := &wsClient{conn: conn, w: wsnet.NewWriter(conn, codec.RoleClient)}
	c.r = wsnet.NewReader(io.MultiReader(bytes.NewReader(rest), conn), codec.RoleClient)
	c.r.Replies = c.w
	c.r.MaxMessage = 64 << 20
	return c
}

// echoMatrix checks that the echo server at url returns every message this
// module's client sends: every length encoding, text and binary, whole and
// fragmented, with pings between fragments; then that it answers a close
// with code and reason; and that it closes properly when it is the one
// asked to close first (skipped when closeFirst is empty).
func echoMatrix(t *testing.T, url string) {
	c := dial(t, url, nil)
	multibyte := "Can you hear me? κόσμε 世界 🌍"
	sizes := []int{0, 1, 125, 126, 127, 65535, 65536, 65537, 1<<20 + 3}
	for _, op := range []codec.Opcode{codec.OpText, codec.OpBinary} {
		for _, n := range sizes {
			payload := bytes.Repeat([]byte("wsframe!"), n/8+1)[:n]
			if err := c.w.WriteMessage(op, payload); err != nil {
				t.Fatalf("write %v %d: %v", op, n, err)
			}
			gotOp, got, err := c.r.ReadMessage(nil)
			if err != nil || gotOp != op || !bytes.Equal(got, payload) {
				t.Fatalf("echo of %v %d bytes: %v, %d bytes, %v", op, n, gotOp, len(got), err)
			}
		}
	}
	// Multibyte text, and a message fragmented by hand with a ping between
	// the fragments.
	if err := c.w.WriteMessage(codec.OpText, []byte(multibyte)); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.r.ReadMessage(nil); err != nil || string(got) != multibyte {
		t.Fatalf("multibyte echo %q, %v", got, err)
	}
	pongs := 0
	c.r.OnPong = func(p []byte) error {
		if string(p) != "between fragments" {
			return fmt.Errorf("pong payload %q", p)
		}
		pongs++
		return nil
	}
	enc := codec.Encoder{Role: codec.RoleClient}
	var b []byte
	b, _ = enc.AppendFrame(b, codec.OpText, 0, false, []byte("frag"))
	b, _ = enc.AppendPing(b, []byte("between fragments"))
	b, _ = enc.AppendFrame(b, codec.OpContinuation, 0, false, []byte("mented "))
	b, _ = enc.AppendFrame(b, codec.OpContinuation, 0, true, []byte("κόσμε"))
	if _, err := c.conn.Write(b); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.r.ReadMessage(nil); err != nil || string(got) != "fragmented κόσμε" || pongs != 1 {
		t.Fatalf("fragmented echo %q, %v, %d pongs", got, err, pongs)
	}
	// We start the closing handshake with a code and a reason; the peer
	// answers with a close frame.
	if err := c.w.WriteClose(4001, "interop done"); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.r.ReadMessage(nil)
	var ce *wsnet.ClosedError
	if !errors.As(err, &ce) {
		t.Fatalf("after our close: %v; want the peer's close frame", err)
	}
	if ce.Code != 4001 && ce.Code != codec.CloseNormal && ce.Code != codec.CloseNoStatus {
		t.Errorf("peer answered our close 4001 with %v", ce.Code)
	}
}
