package wsnet_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/internal/testenv"
	"github.com/wsframe/wsframe/wsnet"
	"github.com/wsframe/wsframe/wstest"
)

// echoServer is a Conn-based echo handler that accepts compression.
func echoServer(w http.ResponseWriter, r *http.Request) {
	c, err := wsnet.Upgrade(w, r, &wsnet.ServerOptions{Compression: &deflate.ServerOptions{}})
	if err != nil {
		return
	}
	defer c.CloseNow()
	echo(r.Context(), c)
}

// echo sends back every message until the connection ends.
func echo(ctx context.Context, c *wsnet.Conn) error {
	var buf []byte
	for {
		op, msg, err := c.ReadMessage(ctx, buf[:0])
		if err != nil {
			return err
		}
		if err := c.WriteMessage(ctx, op, msg); err != nil {
			return err
		}
		buf = msg
	}
}

// echoClient is a Conn-based echo client that offers compression.
func echoClient(ctx context.Context, url string) error {
	c, err := wsnet.Dial(ctx, url, &wsnet.DialOptions{Compression: &deflate.ClientOptions{}})
	if err != nil {
		return err
	}
	defer c.CloseNow()
	return echo(context.Background(), c)
}

// TestConformanceServer runs the whole server suite, RFC 6455 and RFC
// 7692, against the Conn-based echo server.
func TestConformanceServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(echoServer))
	defer srv.Close()
	wstest.TestServer(t, "ws"+strings.TrimPrefix(srv.URL, "http")+"/", &wstest.Options{Deflate: true})
}

// TestConformanceServerHTTP2 runs the whole server suite over HTTP/2
// (RFC 8441) against the same echo server, served with TLS and HTTP/2
// in a process started with GODEBUG=http2xconnect=1.
func TestConformanceServerHTTP2(t *testing.T) {
	t.Parallel()
	if !testenv.HTTP2(t) {
		return
	}
	url, cfg := h2Server(t, http.HandlerFunc(echoServer))
	wstest.TestServer(t, url, &wstest.Options{HTTP2: true, TLSConfig: cfg, Deflate: true})
}

// TestConformanceClient runs the whole client suite against the
// Conn-based echo client.
func TestConformanceClient(t *testing.T) {
	t.Parallel()
	wstest.TestClient(t, echoClient, &wstest.Options{Deflate: true})
}
