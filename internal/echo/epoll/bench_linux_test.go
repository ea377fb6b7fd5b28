package epoll

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/echo"
	"github.com/wsframe/wsframe/wsnet"
)

// benchConn is a client connection of the benchmark: frames written and
// read by this module's Writer and Reader over a raw socket.
type benchConn struct {
	nc net.Conn
	r  *wsnet.Reader
	w  *wsnet.Writer
}

// dialBench opens a WebSocket connection to url for a test or benchmark;
// it is closed when tb ends.
func dialBench(tb testing.TB, url string) benchConn {
	tb.Helper()
	c, err := dialWS(url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.nc.Close() })
	return c
}

// dialWS opens a WebSocket connection to url, within 10 s.
func dialWS(url string) (benchConn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, rest, err := handshake.Dial(ctx, url, nil)
	if err != nil {
		return benchConn{}, err
	}
	c := benchConn{nc: nc, w: wsnet.NewWriter(nc, codec.RoleClient), r: wsnet.NewReader(io.MultiReader(bytes.NewReader(rest), nc), codec.RoleClient)}
	c.r.Replies = c.w
	return c, nil
}

// BenchmarkEchoEpoll measures the echo hot path of the epoll engine: 64
// connections over loopback, each sending a 1 KiB binary message and
// waiting for its echo, b.N messages in all. The clients run in the same
// process, so the figure is the whole round trip's, server and client.
func BenchmarkEchoEpoll(b *testing.B) {
	const conns, size = 64, 1 << 10
	s := echo.NewServer(32<<20, 16<<10, 16<<10, nil)
	addr, stop, err := Listen(s, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer stop(time.Second)
	cs := make([]benchConn, conns)
	for i := range cs {
		cs[i] = dialBench(b, "ws://"+addr.String()+"/")
	}
	msg := bytes.Repeat([]byte{'x'}, size)
	b.SetBytes(size)
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, c := range cs {
		n := b.N / conns
		if i < b.N%conns {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for range n {
				if err := c.w.WriteMessage(codec.OpBinary, msg); err != nil {
					b.Error(err)
					return
				}
				var err error
				if _, buf, err = c.r.ReadMessage(buf[:0]); err != nil || len(buf) != size {
					b.Errorf("echo: %d bytes, %v", len(buf), err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
