package interop

import (
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/wsframe/wsframe/wsnet"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/testenv"
)

// TestLibwebsockets runs this module's client against Debian's
// libwebsockets-test-server (libwebsockets 4.1) and its two classic
// subprotocols:
//
//   - dumb-increment-protocol sends a text message with the next integer,
//     counting from 0, every 50 ms, and starts again from 0 when it
//     receives exactly "reset\n".
//   - lws-mirror-protocol sends what it receives to every client connected
//     with it, the sender included. It re-sends each piece it read from
//     the socket as a message of its own, and always as text: a message
//     longer than one read comes back as several, a binary message comes
//     back as text (which this module's Reader rightly refuses with 1007
//     unless it is UTF-8), and under load it drops pieces. So only short
//     text messages are mirrored as they were sent, and that is what this
//     test sends.
func TestLibwebsockets(t *testing.T) {
	const server = "libwebsockets-test-server"
	testenv.NeedCommand(t, server, "apt-get install libwebsockets-test-server")
	port := freePort(t)
	// By default it listens on port 7681 of every interface; --interface=lo
	// keeps it on loopback. testenv.Start stops it when the test ends,
	// failed or not.
	testenv.Start(t, nil, server, "--port="+strconv.Itoa(port), "--interface=lo")
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	waitListening(t, addr, 20*time.Second)
	url := "ws://" + addr + "/"

	t.Run("dumb-increment", func(t *testing.T) {
		c := dial(t, url, &handshake.DialOptions{Protocols: []string{"dumb-increment-protocol"}})
		if p := c.conn.(*handshake.ClientConn).Protocol(); p != "dumb-increment-protocol" {
			t.Fatalf("negotiated subprotocol %q; want dumb-increment-protocol", p)
		}
		next := func() int {
			t.Helper()
			op, b, err := c.r.ReadMessage(nil)
			if err != nil {
				t.Fatal(err)
			}
			n, aerr := strconv.Atoi(string(b))
			if op != codec.OpText || aerr != nil {
				t.Fatalf("got %v %q; want a text message with an integer", op, b)
			}
			return n
		}
		want := 0
		for range 5 {
			if n := next(); n != want {
				t.Fatalf("got %d; want %d", n, want)
			}
			want++
		}

		if err := c.w.WriteMessage(codec.OpText, []byte("reset\n")); err != nil {
			t.Fatal(err)
		}
		// Numbers sent before the reset arrived keep counting up; then the
		// count starts again from 0.
		last := want - 1
		for i := 0; ; i++ {
			n := next()
			if n <= last {
				if n != 0 {
					t.Fatalf("after %d, got %d; want the count to restart at 0", last, n)
				}
				break
			}
			if n != last+1 {
				t.Fatalf("got %d after %d", n, last)
			}
			if i == 20 {
				t.Fatalf("still counting up (%d) 20 messages after the reset", n)
			}
			last = n
		}
		for want := 1; want <= 3; want++ {
			if n := next(); n != want {
				t.Fatalf("after reset: got %d; want %d", n, want)
			}
		}

		lwsClose(t, c, 4000, "bye, lws")
	})

	t.Run("mirror", func(t *testing.T) {
		c := dial(t, url, &handshake.DialOptions{Protocols: []string{"lws-mirror-protocol"}})
		if p := c.conn.(*handshake.ClientConn).Protocol(); p != "lws-mirror-protocol" {
			t.Fatalf("negotiated subprotocol %q; want lws-mirror-protocol", p)
		}
		for _, msg := range []string{"Can you hear me?", "wsframe → lws: κόσμε 世界 🌍", ""} {
			if err := c.w.WriteMessage(codec.OpText, []byte(msg)); err != nil {
				t.Fatal(err)
			}
			op, got, err := c.r.ReadMessage(nil)
			if err != nil || op != codec.OpText || string(got) != msg {
				t.Fatalf("mirrored %v %q, %v; want text %q", op, got, err, msg)
			}
		}
		lwsClose(t, c, codec.CloseNormal, "")
	})
}

// lwsClose starts the closing handshake with code and reason, reads until
// the server's close frame, which lws echoes, and checks that the server
// then ends the TCP connection.
func lwsClose(t *testing.T, c *wsClient, code codec.CloseCode, reason string) {
	t.Helper()
	if err := c.w.WriteClose(code, reason); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 0; err == nil; i++ {
		if i == 100 {
			t.Fatal("no close frame after 100 messages")
		}
		_, _, err = c.r.ReadMessage(nil) // dumb-increment may still be counting
	}
	var ce *wsnet.ClosedError
	if !errors.As(err, &ce) {
		t.Fatalf("after our close: %v; want the server's close frame", err)
	}
	if ce.Code != code || ce.Reason != reason {
		t.Errorf("server answered close %v %q with %v %q", code, reason, ce.Code, ce.Reason)
	}
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.conn.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("after the closing handshake: read %d bytes, %v; want the server to close the connection (EOF)", n, err)
	}
}
