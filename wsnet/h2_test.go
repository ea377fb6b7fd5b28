package wsnet_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/internal/testenv"
	"github.com/wsframe/wsframe/wsnet"
)

// h2Server starts a TLS server on loopback that speaks HTTP/2 and
// HTTP/1.1 and serves h, and returns its wss:// URL and the TLS
// configuration that trusts it.
func h2Server(t *testing.T, h http.Handler) (string, *tls.Config) {
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return "wss" + strings.TrimPrefix(srv.URL, "https") + "/", srv.Client().Transport.(*http.Transport).TLSClientConfig
}

func h2Context(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestHTTP2Messages runs messages of many sizes, compressed, a ping and
// the closing handshake over a WebSocket that is an HTTP/2 stream.
func TestHTTP2Messages(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	var serverHTTP2 atomic.Bool
	url, cfg := h2Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := wsnet.Upgrade(w, r, &wsnet.ServerOptions{Compression: &deflate.ServerOptions{}})
		if err != nil {
			return
		}
		serverHTTP2.Store(c.HTTP2())
		go echo(context.Background(), c)
		<-c.Done()
	}))
	ctx := h2Context(t)
	c, err := wsnet.Dial(ctx, url, &wsnet.DialOptions{TLSConfig: cfg, HTTP2: true, Compression: &deflate.ClientOptions{}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, ok := c.Compression(); !c.HTTP2() || !ok {
		t.Fatalf("HTTP2() = %v, compression %v; want HTTP/2 and compression", c.HTTP2(), ok)
	}
	for _, n := range []int{0, 1, 125, 126, 65535, 65536, 1 << 20} {
		msg := bytes.Repeat([]byte("Can you hear me? "), n/17+1)[:n]
		if err := c.WriteMessage(ctx, codec.OpText, msg); err != nil {
			t.Fatal(err)
		}
		op, got, err := c.ReadMessage(ctx, nil)
		if err != nil || op != codec.OpText || !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes: %v, %d bytes, %v", n, op, len(got), err)
		}
	}
	// The server's Conn said so before it echoed.
	if !serverHTTP2.Load() {
		t.Error("the server's Conn.HTTP2() = false")
	}
	go c.ReadMessage(ctx, nil) // sees the pong, then the close
	if _, err := c.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if err := c.Close(codec.CloseNormal, "bye"); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestHTTP2ReadResumes: a read that its context ends leaves the stream
// usable, as it does a TCP connection.
func TestHTTP2ReadResumes(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	url, cfg := h2Server(t, http.HandlerFunc(echoServer))
	ctx := h2Context(t)
	c, err := wsnet.Dial(ctx, url, &wsnet.DialOptions{TLSConfig: cfg, HTTP2: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, _, err := c.ReadMessage(short, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read with nothing to read: %v", err)
	}
	if err := c.WriteMessage(ctx, codec.OpBinary, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.ReadMessage(ctx, nil); err != nil || string(msg) != "still here" {
		t.Fatalf("after the timeout: %q, %v", msg, err)
	}
}

// TestHTTP2Shutdown: a Server's Shutdown sends 1001 to its WebSockets
// over HTTP/2 too, and their handlers return.
func TestHTTP2Shutdown(t *testing.T) {
	if !testenv.HTTP2(t) {
		return
	}
	var s wsnet.Server
	returned := make(chan struct{})
	url, cfg := h2Server(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.Upgrade(w, r)
		if err != nil {
			return
		}
		go echo(context.Background(), c)
		<-c.Done()
		close(returned)
	}))
	ctx := h2Context(t)
	c, err := wsnet.Dial(ctx, url, &wsnet.DialOptions{TLSConfig: cfg, HTTP2: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	go s.Shutdown(ctx)
	_, _, err = c.ReadMessage(ctx, nil)
	var ce *wsnet.ClosedError
	if !errors.As(err, &ce) || ce.Code != codec.CloseGoingAway {
		t.Fatalf("read during Shutdown: %v; want a close with 1001", err)
	}
	select {
	case <-returned:
	case <-ctx.Done():
		t.Fatal("the handler did not return after Shutdown")
	}
}
