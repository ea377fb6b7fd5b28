package wsnet_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/wsnet"
)

// wsURL turns an httptest server's URL into a WebSocket one.
func wsURL(srv *httptest.Server, path string) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + path
}

// TestServerShutdown: Shutdown sends every connection 1001, waits for
// them, and refuses new ones with 503.
func TestServerShutdown(t *testing.T) {
	s := &wsnet.Server{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.Upgrade(w, r)
		if err != nil {
			return
		}
		echo(context.Background(), c)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var clients []*wsnet.Conn
	for range 5 {
		c, err := wsnet.Dial(ctx, wsURL(srv, "/"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		clients = append(clients, c)
	}
	// Every connection is up once it echoes.
	for _, c := range clients {
		c.WriteMessage(ctx, codec.OpText, []byte("hi"))
		if _, _, err := c.ReadMessage(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Len(); n != 5 {
		t.Fatalf("Len = %d; want 5", n)
	}
	errs := make(chan error, len(clients))
	for _, c := range clients {
		go func() {
			_, _, err := c.ReadMessage(ctx, nil)
			errs <- err
		}()
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for range clients {
		var ce *wsnet.ClosedError
		if err := <-errs; !errors.As(err, &ce) || ce.Code != codec.CloseGoingAway {
			t.Errorf("client read %v; want 1001", err)
		}
	}
	if n := s.Len(); n != 0 {
		t.Errorf("Len = %d after Shutdown", n)
	}
	_, err := wsnet.Dial(ctx, wsURL(srv, "/"), nil)
	if !errors.Is(err, handshake.ErrStatus) || !strings.Contains(err.Error(), "503") {
		t.Errorf("Dial during shutdown: %v; want status 503", err)
	}
}

// TestServerShutdownDeadline: a client that never answers the close keeps
// Shutdown only until its context ends, and is then dropped.
func TestServerShutdownDeadline(t *testing.T) {
	s := &wsnet.Server{ServerOptions: wsnet.ServerOptions{Options: wsnet.Options{CloseTimeout: time.Minute}}}
	up := make(chan *wsnet.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := s.Upgrade(w, r); err == nil {
			up <- c
		}
	}))
	defer srv.Close()
	nc, _, err := handshake.Dial(context.Background(), wsURL(srv, "/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c := <-up
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := s.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Errorf("Shutdown: %v; want DeadlineExceeded", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Shutdown took %v", took)
	}
	select {
	case <-c.Done():
	case <-time.After(time.Second):
		t.Error("the silent client's connection is still open")
	}
}

// TestAccept serves a raw listener with Accept: subprotocol, compression
// and extra reply fields reach the client, frames sent with the request
// are kept, and a bad request gets its 4xx.
func TestAccept(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	opts := &wsnet.ServerOptions{
		Protocols:   []string{"chat.v2", "chat.v1"},
		Compression: &deflate.ServerOptions{ServerNoContextTakeover: true},
		Header:      http.Header{"X-Served-By": {"accept"}},
	}
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				c, err := wsnet.Accept(ctx, nc, nil, opts)
				if err != nil {
					return
				}
				echo(ctx, c)
			}()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := wsnet.Dial(ctx, "ws://"+ln.Addr().String()+"/", &wsnet.DialOptions{
		Protocols:   []string{"chat.v1", "chat.v2"},
		Compression: &deflate.ClientOptions{},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	p, ok := c.Compression()
	if c.Subprotocol() != "chat.v2" || !ok || !p.ServerNoContextTakeover || c.ResponseHeader().Get("X-Served-By") != "accept" {
		t.Errorf("subprotocol %q, compression %+v %v, header %v", c.Subprotocol(), p, ok, c.ResponseHeader())
	}
	msg := []byte(strings.Repeat("Can you hear me? ", 20))
	if err := c.WriteMessage(ctx, codec.OpText, msg); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.ReadMessage(ctx, nil); err != nil || string(got) != string(msg) {
		t.Fatalf("echo %q, %v", got, err)
	}
	if err := c.Close(codec.CloseNormal, ""); err != nil {
		t.Errorf("Close: %v", err)
	}

	// A request and a frame in one write: the frame is not lost.
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	key := handshake.NewKey()
	req := handshake.AppendRequest(nil, ln.Addr().String(), "/", key[:], nil)
	enc := codec.Encoder{Role: codec.RoleClient}
	req, _ = enc.AppendMessage(req, codec.OpText, []byte("eager"))
	nc.Write(req)
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("reply %v, %v", resp, err)
	}
	echoed := make([]byte, 7)
	if _, err := io.ReadFull(br, echoed); err != nil || string(echoed[2:]) != "eager" {
		t.Errorf("echo of the eager frame: %q, %v", echoed, err)
	}

	// No key: 400.
	bad, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	bad.SetDeadline(time.Now().Add(5 * time.Second))
	bad.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	if resp, err := http.ReadResponse(bufio.NewReader(bad), nil); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("request without a key: %v, %v; want 400", resp, err)
	}
}

// TestUpgradeRejects: a cross-origin request gets 403 unless CheckOrigin
// allows it.
func TestUpgradeRejects(t *testing.T) {
	var opts wsnet.ServerOptions
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := wsnet.Upgrade(w, r, &opts); err == nil {
			c.Close(codec.CloseNormal, "")
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dopts := &wsnet.DialOptions{Header: http.Header{"Origin": {"https://elsewhere.example"}}}
	if _, err := wsnet.Dial(ctx, wsURL(srv, "/"), dopts); !errors.Is(err, handshake.ErrStatus) || !strings.Contains(err.Error(), "403") {
		t.Errorf("cross-origin Dial: %v; want 403", err)
	}
	opts.CheckOrigin = func(*http.Request) bool { return true }
	c, err := wsnet.Dial(ctx, wsURL(srv, "/"), dopts)
	if err != nil {
		t.Fatalf("Dial with CheckOrigin allowing it: %v", err)
	}
	c.CloseNow()
}

// TestServerMaxConns: at the cap a Server refuses with 503, and takes
// connections again once one closes.
func TestServerMaxConns(t *testing.T) {
	s := &wsnet.Server{ServerOptions: wsnet.ServerOptions{MaxConns: 2}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := s.Upgrade(w, r); err == nil {
			echo(context.Background(), c)
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var open []*wsnet.Conn
	for range 2 {
		c, err := wsnet.Dial(ctx, wsURL(srv, "/"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		open = append(open, c)
	}
	// The server counts a connection once its handler has it, a moment
	// after the client has the reply.
	for deadline := time.Now().Add(2 * time.Second); s.Len() < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := wsnet.Dial(ctx, wsURL(srv, "/"), nil); !errors.Is(err, handshake.ErrStatus) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("third Dial: %v; want 503", err)
	}
	open[0].Close(codec.CloseNormal, "")
	for deadline := time.Now().Add(2 * time.Second); s.Len() > 1 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	c, err := wsnet.Dial(ctx, wsURL(srv, "/"), nil)
	if err != nil {
		t.Fatalf("Dial after one closed: %v", err)
	}
	c.CloseNow()
}
