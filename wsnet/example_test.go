package wsnet_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/wsnet"
)

// seedHandler is the seed article's server on a Conn: it answers "Can you
// hear me?" with "Loud and clear!", compressing when the client offers,
// and pings every 30 seconds to find clients that went away silently.
func seedHandler(w http.ResponseWriter, r *http.Request) {
	c, err := wsnet.Upgrade(w, r, &wsnet.ServerOptions{
		Options:     wsnet.Options{KeepaliveInterval: 30 * time.Second},
		Compression: &deflate.ServerOptions{},
	})
	if err != nil {
		return // Upgrade has answered with 400, 403 or 426
	}
	defer c.CloseNow()
	for {
		op, msg, err := c.ReadMessage(r.Context(), nil)
		if err != nil {
			return // *wsnet.ClosedError: the peer closed, or went silent
		}
		if op == codec.OpText && string(msg) == "Can you hear me?" {
			msg = []byte("Loud and clear!")
		}
		c.WriteMessage(r.Context(), op, msg)
	}
}

// A server and a client: the client dials, offering compression, and
// closes with the closing handshake.
func ExampleUpgrade() {
	srv := httptest.NewServer(http.HandlerFunc(seedHandler))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := wsnet.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), &wsnet.DialOptions{
		Compression: &deflate.ClientOptions{},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	c.WriteMessage(ctx, codec.OpText, []byte("Can you hear me?"))
	_, reply, err := c.ReadMessage(ctx, nil)
	fmt.Printf("%s %v\n", reply, err)
	fmt.Println(c.Extensions())
	fmt.Println(c.Close(codec.CloseNormal, "bye"))
	// Output:
	// Loud and clear! <nil>
	// permessage-deflate
	// <nil>
}

// A server that shuts down gracefully: net/http's Shutdown stops new
// requests, and the wsnet.Server sends its connections 1001.
func ExampleServer_Shutdown() {
	ws := &wsnet.Server{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := ws.Upgrade(w, r)
		if err != nil {
			return
		}
		for {
			if _, _, err := c.ReadMessage(context.Background(), nil); err != nil {
				return
			}
		}
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := wsnet.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	go ws.Shutdown(ctx)
	_, _, err = c.ReadMessage(ctx, nil)
	fmt.Println(err)
	srv.Close()
	// Output: wsnet: connection closed: 1001 (going away): "server is shutting down"
}

// Ping measures the round trip; the pong is read by the goroutine that
// reads the connection.
func ExampleConn_Ping() {
	srv := httptest.NewServer(http.HandlerFunc(seedHandler))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := wsnet.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.CloseNow()
	go func() {
		for {
			if _, _, err := c.ReadMessage(ctx, nil); err != nil {
				return
			}
		}
	}()
	rtt, err := c.Ping(ctx)
	fmt.Println(rtt > 0, rtt < time.Second, err)
	// Output: true true <nil>
}

// A broadcast frames the message once for all connections.
func ExamplePreparedMessage() {
	var conns []*wsnet.Conn // the room's connections
	pm, err := wsnet.NewPreparedMessage(codec.OpText, []byte(`{"from":"ann","text":"Can you hear me?"}`))
	if err != nil {
		panic(err)
	}
	for _, c := range conns {
		c.WritePreparedMessage(context.Background(), pm)
	}
}

// NetConn carries a byte stream over binary messages: here a line-based
// protocol read with bufio.
func ExampleNetConn() {
	srv := httptest.NewServer(http.HandlerFunc(seedHandler)) // echoes
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := wsnet.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var nc net.Conn = wsnet.NetConn(c, codec.OpBinary)
	defer nc.Close()
	fmt.Fprint(nc, "HELLO ")
	fmt.Fprint(nc, "WORLD\n")
	line, err := bufio.NewReader(nc).ReadString('\n')
	fmt.Printf("%q %v\n", line, err)
	// Output: "HELLO WORLD\n" <nil>
}

// handOffHandler hands the connection to another goroutine, as a server
// with several writers per connection does. Over HTTP/2 the WebSocket is
// the request's stream, which ends when the handler returns: the handler
// waits for the connection to close.
func handOffHandler(w http.ResponseWriter, r *http.Request) {
	c, err := wsnet.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	go serve(c)
	<-c.Done() // needed over HTTP/2, harmless over HTTP/1.1
}

// serve answers "Can you hear me?" with "Loud and clear!" and echoes
// anything else, until the connection ends.
func serve(c *wsnet.Conn) {
	defer c.CloseNow()
	ctx := context.Background()
	for {
		op, msg, err := c.ReadMessage(ctx, nil)
		if err != nil {
			return
		}
		if op == codec.OpText && string(msg) == "Can you hear me?" {
			msg = []byte("Loud and clear!")
		}
		c.WriteMessage(ctx, op, msg)
	}
}

// A client that asks for HTTP/2, from a server on one TLS port for both
// protocols. The same handler serves both: over HTTP/2 the WebSocket is a
// stream of the connection (RFC 8441) when the server's process started
// with GODEBUG=http2xconnect=1, and over HTTP/1.1 otherwise, which Dial
// falls back to. Either way the messages are the same.
func ExampleDialOptions_http2() {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(handOffHandler))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := wsnet.Dial(ctx, "wss"+strings.TrimPrefix(srv.URL, "https"), &wsnet.DialOptions{
		TLSConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig,
		HTTP2:     true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	c.WriteMessage(ctx, codec.OpText, []byte("Can you hear me?"))
	_, reply, err := c.ReadMessage(ctx, nil)
	fmt.Printf("%s %v\n", reply, err)
	fmt.Println(c.HTTP2() == handshake.HTTP2Enabled())
	fmt.Println(c.Close(codec.CloseNormal, "bye"))
	// Output:
	// Loud and clear! <nil>
	// true
	// <nil>
}
