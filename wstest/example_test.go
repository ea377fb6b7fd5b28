package wstest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/internal/testenv"
	"github.com/wsframe/wsframe/wsnet"
	"github.com/wsframe/wsframe/wstest"
)

// echoHandler stands for the server under test: any library's echo
// handler. This one is a wsnet.Conn of this module; with gorilla/websocket
// it would be an Upgrader and a loop of NextReader and NextWriter.
func echoHandler(w http.ResponseWriter, r *http.Request) {
	c, err := wsnet.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	var msg []byte
	for {
		op, p, err := c.ReadMessage(r.Context(), msg[:0])
		if err != nil {
			return // the Conn answered the close frame or the protocol error
		}
		if err := c.WriteMessage(r.Context(), op, p); err != nil {
			return
		}
		msg = p
	}
}

// TestConformance is what a library's own tests hold to run the suite
// against its echo server from go test, each case a subtest named by its
// ID; the package documentation and the README show it.
func TestConformance(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(echoHandler))
	defer srv.Close()
	wstest.TestServer(t, "ws"+strings.TrimPrefix(srv.URL, "http")+"/", &wstest.Options{Deflate: true})
}

// TestConformanceHTTP2 runs the suite over HTTP/2 (RFC 8441) against the
// same handler, served by an httptest server with TLS and HTTP/2 whose
// certificate Options.TLSConfig trusts. Over HTTP/2 the handler's return
// ends the stream: echoHandler echoes until the WebSocket ends, and one
// that hands the connection to another goroutine must wait for its end.
//
// net/http accepts WebSockets over HTTP/2 only in a process started with
// GODEBUG=http2xconnect=1. testenv.HTTP2, internal to this module, runs
// the test again in such a process; a library's own test would rather
// skip unless it was started so:
//
//	if !handshake.HTTP2Enabled() {
//		t.Skip("run with GODEBUG=http2xconnect=1 go test")
//	}
func TestConformanceHTTP2(t *testing.T) {
	t.Parallel()
	if !testenv.HTTP2(t) {
		return
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(echoHandler))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	wstest.TestServer(t, "wss"+strings.TrimPrefix(srv.URL, "https")+"/", &wstest.Options{
		HTTP2:     true,
		TLSConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig,
		Deflate:   true,
	})
}

// Run returns the results, for a report of one's own.
func ExampleRun() {
	srv := httptest.NewServer(http.HandlerFunc(echoHandler))
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/"

	res, err := wstest.Run(context.Background(), url, &wstest.Options{Cases: []string{"1", "2", "3", "4", "5"}, Quiet: 100 * time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	passed := 0
	for _, r := range res {
		if r.Verdict == wstest.Pass {
			passed++
		} else {
			fmt.Printf("%s %v: %s\n", r.Case.ID, r.Verdict, r.Observed)
		}
	}
	fmt.Printf("%d of %d cases passed\n", passed, len(res))
	// Output: 65 of 65 cases passed
}

// RunClient tests a client: the function dials the URL it is given and
// echoes until the server closes. This one is this module's client.
func ExampleRunClient() {
	echo := func(ctx context.Context, url string) error {
		c, err := wsnet.Dial(ctx, url, nil)
		if err != nil {
			return err
		}
		defer c.CloseNow()
		for {
			op, p, err := c.ReadMessage(ctx, nil)
			if err != nil {
				return err
			}
			if err := c.WriteMessage(ctx, op, p); err != nil {
				return err
			}
		}
	}
	res, err := wstest.RunClient(context.Background(), echo, &wstest.Options{Cases: []string{"1", "2", "6", "7", "H"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	failed := 0
	for _, r := range res {
		if r.Verdict == wstest.Fail {
			failed++
			fmt.Printf("%s: %s\n", r.Case.ID, r.Observed)
		}
	}
	fmt.Printf("%d cases, %d failed\n", len(res), failed)
	// Output: 61 cases, 0 failed
}
