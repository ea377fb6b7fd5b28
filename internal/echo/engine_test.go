package echo_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/wsnet"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/echo"
	"github.com/wsframe/wsframe/internal/echo/engine"
	"github.com/wsframe/wsframe/internal/loadgen"
	"github.com/wsframe/wsframe/internal/testenv"
)

// start serves s with the named engine on a loopback port and returns
// its address and a function that shuts it down (also called when the
// test ends).
func start(t *testing.T, name string, s *echo.Server) (string, func()) {
	t.Helper()
	addr, stop, err := engine.Listen(name, s, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	halt := func() {
		if !stopped {
			stopped = true
			stop(2 * time.Second)
		}
	}
	t.Cleanup(halt)
	return addr.String(), halt
}

func newServer() *echo.Server {
	s := echo.NewServer(32<<20, 16<<10, 16<<10, nil)
	s.Deflate = &deflate.ServerOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true}
	return s
}

func forEngine(t *testing.T, f func(t *testing.T, engine string)) {
	for _, name := range engine.Available() {
		t.Run(name, func(t *testing.T) { f(t, name) })
	}
}

// TestLoad runs the load generator against each engine for a short,
// bounded time and checks the counts.
func TestLoad(t *testing.T) {
	forEngine(t, func(t *testing.T, engine string) {
		addr, _ := start(t, engine, newServer())
		for _, tc := range []loadgen.Config{
			{Conns: 3, Size: 16, Duration: 300 * time.Millisecond, Pipeline: 1},
			{Conns: 2, Size: 70000, Duration: 300 * time.Millisecond, Pipeline: 4, Binary: true},
			{Conns: 2, Size: 1000, Duration: 300 * time.Millisecond, Rate: 2000},
			{Conns: 2, Size: 5000, Duration: 300 * time.Millisecond, Pipeline: 2, Deflate: true},
			{Conns: 1, Size: 200000, Duration: 300 * time.Millisecond, Binary: true, Deflate: true},
			{Conns: 1, Size: 16, Duration: 200 * time.Millisecond, Deflate: true},
			{Conns: 2, Size: 4096, Duration: 300 * time.Millisecond, Deflate: true, Payload: loadgen.PayloadJSON},
			{Conns: 3, Size: 100, Messages: 50, Pipeline: 3},
		} {
			tc.URL = "ws://" + addr + "/echo"
			began := time.Now()
			res := loadgen.Run(t.Context(), tc, nil)
			if res.Failed() || res.Messages == 0 {
				t.Fatalf("%+v: %+v", tc, res)
			}
			// A hang check, not a speed test: the run ends when its time is up.
			if d := time.Since(began); d > tc.Duration+3*time.Second {
				t.Errorf("%+v: the run took %v", tc, d)
			}
			if tc.Messages > 0 && res.Messages != uint64(tc.Messages*tc.Conns) {
				t.Errorf("%+v: %d messages", tc, res.Messages)
			}
			if tc.Deflate != strings.HasPrefix(res.Deflate, "permessage-deflate") {
				t.Errorf("%+v: negotiated %q", tc, res.Deflate)
			}
			// The wire ratios the client reports: messages under 64 bytes go
			// out plain both ways; the letter pattern shrinks to a few
			// percent; the JSON feed to between a tenth and a half.
			if tc.Deflate {
				lo, hi := 0.0, 0.1
				switch {
				case tc.Size < 64:
					lo, hi = 1, 1
				case tc.Payload == loadgen.PayloadJSON:
					lo, hi = 0.1, 0.5
				}
				for _, r := range []float64{res.SentWireRatio, res.EchoWireRatio} {
					if r < lo || r > hi {
						t.Errorf("%+v: wire ratios %.3f sent, %.3f echoed; want %.2f to %.2f", tc, res.SentWireRatio, res.EchoWireRatio, lo, hi)
					}
				}
			}
			if tc.Rate > 0 && (res.MsgsPerS < tc.Rate*0.5 || res.MsgsPerS > tc.Rate*1.2) {
				t.Errorf("open loop at %v msgs/s measured %.0f", tc.Rate, res.MsgsPerS)
			}
			if res.P50us <= 0 || res.P99us < res.P50us || res.MaxUs < res.P99us {
				t.Errorf("latencies %+v", res)
			}
		}
	})
}

// TestDemoPageAndSeed fetches the demo page and talks to /seed as the
// page does, over a real connection with this module's client.
func TestDemoPageAndSeed(t *testing.T) {
	forEngine(t, func(t *testing.T, engine string) {
		addr, _ := start(t, engine, newServer())
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(page), `"/seed"`) || !strings.Contains(string(page), "Can you hear me?") ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("demo page: %d %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
		}
		for _, tc := range []struct {
			path     string
			op       codec.Opcode
			send     string
			wantOp   codec.Opcode
			wantText string
		}{
			{"/seed", codec.OpText, "Can you hear me?", codec.OpText, "Loud and clear!"},
			{"/seed", codec.OpText, "anything at all", codec.OpText, "Loud and clear!"},
			{"/echo", codec.OpText, "Can you hear me?", codec.OpText, "Can you hear me?"},
			{"/", codec.OpBinary, "\x00\x01", codec.OpBinary, "\x00\x01"},
		} {
			c := dial(t, "ws://"+addr+tc.path)
			if err := c.w.WriteMessage(tc.op, []byte(tc.send)); err != nil {
				t.Fatal(err)
			}
			op, msg, err := c.r.ReadMessage(nil)
			if err != nil || op != tc.wantOp || string(msg) != tc.wantText {
				t.Errorf("%s answered %v %q, %v; want %v %q", tc.path, op, msg, err, tc.wantOp, tc.wantText)
			}
			c.w.WriteClose(codec.CloseNormal, "")
		}
		// /stats counts them.
		resp, err = http.Get("http://" + addr + "/stats")
		if err != nil {
			t.Fatal(err)
		}
		stats, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Contains(stats, []byte(`"messages":4`)) {
			t.Errorf("/stats = %s", stats)
		}
	})
}

type client struct {
	r *wsnet.Reader
	w *wsnet.Writer
}

func dial(t *testing.T, url string) client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, rest, err := handshake.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	c := client{w: wsnet.NewWriter(conn, codec.RoleClient), r: wsnet.NewReader(io.MultiReader(bytes.NewReader(rest), conn), codec.RoleClient)}
	c.r.Replies = c.w
	return c
}

// TestShutdownSendsGoingAway checks that stopping the server sends close
// 1001 to an open connection.
func TestShutdownSendsGoingAway(t *testing.T) {
	forEngine(t, func(t *testing.T, engine string) {
		addr, stop := start(t, engine, newServer())
		c := dial(t, "ws://"+addr+"/")
		done := make(chan error, 1)
		go func() { _, _, err := c.r.ReadMessage(nil); done <- err }()
		time.Sleep(50 * time.Millisecond)
		stop()
		var ce *wsnet.ClosedError
		if err := <-done; !errors.As(err, &ce) || ce.Code != codec.CloseGoingAway {
			t.Errorf("client saw %v; want close 1001", err)
		}
	})
}

// TestAllocs runs the load generator against each engine and counts the
// heap allocations of the whole process, server and client together, over
// a fixed number of messages: plain or compressed, small or large. A new
// connection's buffers grow to the size of its messages during its first
// few, so each connection may allocate some dozens of times; an
// allocation per message would be hundreds.
func TestAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	const perConn = 64
	forEngine(t, func(t *testing.T, engine string) {
		addr, _ := start(t, engine, newServer())
		for _, tc := range []loadgen.Config{
			{Conns: 4, Size: 16},
			{Conns: 2, Size: 64 << 10, Binary: true},
			{Conns: 2, Size: 1 << 10, Deflate: true, Payload: loadgen.PayloadJSON},
			{Conns: 2, Size: 64 << 10, Deflate: true, Payload: loadgen.PayloadJSON},
			{Conns: 1, Size: 200 << 10, Pipeline: 2, Binary: true},
		} {
			tc.URL, tc.Messages = "ws://"+addr+"/", 300
			res := loadgen.Run(t.Context(), tc, nil)
			if res.Failed() || res.Messages != 300*uint64(tc.Conns) {
				t.Fatalf("%+v: %+v", tc, res)
			}
			n := res.AllocsPerMsg * float64(res.Messages)
			t.Logf("%d conns x %d B, deflate %v: %.0f allocations in %d messages", tc.Conns, tc.Size, tc.Deflate, n, res.Messages)
			if n > perConn*float64(tc.Conns) {
				t.Errorf("%d conns x %d B, deflate %v: %.0f allocations in %d messages; want at most %d per connection",
					tc.Conns, tc.Size, tc.Deflate, n, res.Messages, perConn)
			}
		}
	})
}
