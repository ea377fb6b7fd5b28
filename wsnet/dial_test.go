package wsnet_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/wsnet"
)

// TestDialTLS dials wss:// with the caller's tls.Config, which trusts the
// test server's certificate; without it, the certificate is refused.
func TestDialTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(echoServer))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	url := "wss" + strings.TrimPrefix(srv.URL, "https") + "/"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := wsnet.Dial(ctx, url, nil); err == nil {
		t.Fatal("Dial trusted a self-signed certificate")
	}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c, err := wsnet.Dial(ctx, url, &wsnet.DialOptions{TLSConfig: &tls.Config{RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.WriteMessage(ctx, codec.OpText, []byte("over TLS"))
	if _, msg, err := c.ReadMessage(ctx, nil); err != nil || string(msg) != "over TLS" {
		t.Fatalf("echo %q, %v", msg, err)
	}
	if err := c.Close(codec.CloseNormal, ""); err != nil {
		t.Error(err)
	}
}

// TestDialProxyOption: the Proxy option reaches the handshake, with the
// URL's scheme mapped as net/http's proxy functions expect. (The proxies
// themselves are tested in package handshake, against tinyproxy and
// microsocks.)
func TestDialProxyOption(t *testing.T) {
	refused := errors.New("no proxy for you")
	var asked *url.URL
	opts := &wsnet.DialOptions{Proxy: func(r *http.Request) (*url.URL, error) {
		asked = r.URL
		return nil, refused
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := wsnet.Dial(ctx, "wss://example.com/chat", opts); !errors.Is(err, refused) {
		t.Errorf("Dial: %v; want the Proxy function's error", err)
	}
	if asked == nil || asked.Scheme != "https" || asked.Host != "example.com" {
		t.Errorf("Proxy was asked for %v; want https://example.com/chat", asked)
	}
}
