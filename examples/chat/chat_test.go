package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/wsnet"
)

// testTimeout bounds every wait in these tests: generous, so that a slow
// machine or -race does not fail them, yet a hang ends.
const testTimeout = 10 * time.Second

// testConfig returns settings for a test server: keepalive off (the
// keepalive test turns it on), short close waits, and logs into the test's
// output.
func testConfig(t *testing.T) config {
	cfg := defaultConfig()
	cfg.KeepaliveInterval = 0
	cfg.CloseTimeout = time.Second
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.Log = slog.New(slog.NewTextHandler(newTestLog(t), nil))
	return cfg
}

// testLog writes log lines to the test's output until the test ends, and
// drops them after, when a late line would make testing panic.
type testLog struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

// newTestLog returns a testLog that goes quiet when t's cleanups run.
func newTestLog(t *testing.T) *testLog {
	l := &testLog{t: t}
	t.Cleanup(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.done = true
	})
	return l
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Logf("server: %s", bytes.TrimSuffix(p, []byte("\n")))
	}
	return len(p), nil
}

// testServer is a chat server running on a loopback port.
type testServer struct {
	*chat
	url      string // of the WebSocket, ws://127.0.0.1:port/ws
	http     string // of the page, http://127.0.0.1:port/
	stopOnce sync.Once
	cancel   context.CancelFunc
	served   chan error
	stopErr  error
}

// startServer starts a chat server with cfg and stops it when the test
// ends, if the test did not.
func startServer(t *testing.T, cfg config) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{
		chat:   newChat(cfg),
		url:    "ws://" + ln.Addr().String() + "/ws",
		http:   "http://" + ln.Addr().String() + "/",
		cancel: cancel,
		served: make(chan error, 1),
	}
	go func() { s.served <- s.serve(ctx, ln) }()
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s
}

// stop starts the graceful shutdown, as a signal does, and returns what
// serve returned.
func (s *testServer) stop() error {
	s.stopOnce.Do(func() {
		s.cancel()
		select {
		case s.stopErr = <-s.served:
		case <-time.After(testTimeout):
			s.stopErr = errors.New("serve did not return")
		}
	})
	return s.stopErr
}

// dial joins the room as name, offering compression, and returns the
// connection after reading the member's own join notice; after it, the
// member is in the room and sees every later message.
func dial(t *testing.T, s *testServer, name string) *wsnet.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := wsnet.Dial(ctx, withName(s.url, name), &wsnet.DialOptions{Compression: &deflate.ClientOptions{}})
	if err != nil {
		t.Fatalf("dial %s: %v", name, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	expect(t, name, read(t, c), Message{From: name, Text: name + " joined", Event: EventJoin})
	return c
}

// rawMessage is a message of the room as read, with its JSON kept, to
// check the fields it has.
type rawMessage struct {
	Message
	JSON []byte
}

// read reads the next message of c, which must be one of the room's.
func read(t *testing.T, c *wsnet.Conn) rawMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	op, p, err := c.ReadMessage(ctx, nil)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if op != codec.OpText {
		t.Fatalf("read a %v message, want text", op)
	}
	var m rawMessage
	m.JSON = p
	if err := json.Unmarshal(p, &m.Message); err != nil {
		t.Fatalf("message %q: %v", p, err)
	}
	return m
}

// expect checks that got, received by who, is want, whose Time is not
// checked but must be recent, and that its JSON has exactly the fields
// {from, text, time}, plus event for a notice.
func expect(t *testing.T, who string, got rawMessage, want Message) {
	t.Helper()
	if age := time.Since(got.Time); age < 0 || age > testTimeout {
		t.Errorf("%s: message time %v is %v old", who, got.Time, age)
	}
	got.Time = time.Time{}
	if got.Message != want {
		t.Errorf("%s received %+v, want %+v", who, got.Message, want)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(got.JSON, &fields); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range fields {
			if !yield(k) {
				return
			}
		}
	})
	wantKeys := []string{"from", "text", "time"}
	if want.Event != "" {
		wantKeys = []string{"event", "from", "text", "time"}
	}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("%s: JSON %s has fields %v, want %v", who, got.JSON, keys, wantKeys)
	}
}

// names returns the names of n members: m0, m1, ...
func names(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("m%d", i)
	}
	return s
}

// joinAll dials a member for each name, one after another, and reads on
// each the join notices of those after it, so that everyone is in the
// room and has read everything when it returns.
func joinAll(t *testing.T, s *testServer, names []string) []*wsnet.Conn {
	t.Helper()
	conns := make([]*wsnet.Conn, len(names))
	for i, name := range names {
		conns[i] = dial(t, s, name)
		for j := range i {
			expect(t, names[j], read(t, conns[j]), Message{From: name, Text: name + " joined", Event: EventJoin})
		}
	}
	return conns
}

// TestBroadcast: five members, with compression, each send a line and
// one sends a long one; every member receives every line, as the room's
// JSON, in the same order as everyone else.
func TestBroadcast(t *testing.T) {
	s := startServer(t, testConfig(t))
	members := names(5)
	conns := joinAll(t, s, members)

	for i, c := range conns {
		p, ok := c.Compression()
		if !ok {
			t.Fatalf("%s: compression not negotiated (extensions %q)", members[i], c.Extensions())
		}
		if !p.ServerNoContextTakeover {
			t.Errorf("%s: server_no_context_takeover not agreed: %+v", members[i], p)
		}
	}
	if n := s.room.Len(); n != len(members) {
		t.Errorf("room has %d members, want %d", n, len(members))
	}

	// Each member says something, and m0 also sends a line long enough to
	// be compressed (deflate.MinSize is far below it).
	long := strings.Repeat("Loud and clear! ", 1000)
	want := make(map[Message]bool)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for i, c := range conns {
		text := fmt.Sprintf("Can you hear me? (%s)", members[i])
		if err := c.WriteMessage(ctx, codec.OpText, []byte(text)); err != nil {
			t.Fatal(err)
		}
		want[Message{From: members[i], Text: text}] = true
	}
	if err := conns[0].WriteMessage(ctx, codec.OpText, []byte(long)); err != nil {
		t.Fatal(err)
	}
	want[Message{From: members[0], Text: long}] = true

	var first []Message // the order m0 received the lines in
	for i, c := range conns {
		var order []Message
		for range want {
			m := read(t, c)
			got := m.Message
			got.Time = time.Time{}
			if !want[got] {
				t.Fatalf("%s received %.60q from %s, not sent", members[i], got.Text, got.From)
			}
			expect(t, members[i], m, got)
			order = append(order, got)
		}
		if i == 0 {
			first = order
		} else if !slices.Equal(order, first) {
			t.Errorf("%s received the lines in another order than %s", members[i], members[0])
		}
	}
}

// TestGracefulShutdown: when the server shuts down (as on SIGINT), every
// member's read ends with the server's close frame, 1001 (going away),
// and serve returns nil with nothing left open.
func TestGracefulShutdown(t *testing.T) {
	s := startServer(t, testConfig(t))
	members := names(5)
	conns := joinAll(t, s, members)

	// Members keep reading: it is the reader that sees the server's close
	// frame and echoes it, which lets the server's Close return early.
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			for {
				if _, _, err := c.ReadMessage(ctx, nil); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	start := time.Now()
	if err := s.stop(); err != nil {
		t.Fatalf("serve returned %v", err)
	}
	// Every close frame was echoed: nothing waited for a close timeout.
	if d := time.Since(start); d >= s.cfg.CloseTimeout {
		t.Errorf("shutdown took %v, as long as a close timeout", d)
	}
	wg.Wait()
	for i, err := range errs {
		var ce *wsnet.ClosedError
		if !errors.As(err, &ce) || ce.Code != codec.CloseGoingAway {
			t.Errorf("%s: read returned %v, want a *wsnet.ClosedError with 1001", members[i], err)
		}
	}
	if n, m := s.ws.Len(), s.room.Len(); n != 0 || m != 0 {
		t.Errorf("after shutdown: %d connections, %d members", n, m)
	}
}

// TestKeepaliveDropsSilentPeer: a client that completes the handshake and
// then neither reads nor answers is dropped within interval + timeout,
// while a member that reads (and so answers the pings) stays.
func TestKeepaliveDropsSilentPeer(t *testing.T) {
	const interval, timeout, tolerance = 100 * time.Millisecond, 100 * time.Millisecond, 900 * time.Millisecond
	cfg := testConfig(t)
	cfg.KeepaliveInterval, cfg.KeepaliveTimeout = interval, timeout
	s := startServer(t, cfg)
	watch := dial(t, s, "watch")

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	mute, _, err := handshake.Dial(ctx, withName(s.url, "mute"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	start := time.Now()

	expect(t, "watch", read(t, watch), Message{From: "mute", Text: "mute joined", Event: EventJoin})
	expect(t, "watch", read(t, watch), Message{From: "mute", Text: "mute left", Event: EventLeave})
	took := time.Since(start)
	t.Logf("silent peer dropped after %v", took)
	if took < interval || took > interval+timeout+tolerance {
		t.Errorf("silent peer dropped after %v, want between %v and %v", took, interval, interval+timeout+tolerance)
	}

	// From now on watch reads in the background, as a member must to see
	// the pings it answers; nothing more is said in the room.
	watched := make(chan error, 1)
	go func() {
		_, _, err := watch.ReadMessage(ctx, nil)
		watched <- err
	}()

	// The server closed the silent peer's TCP connection: reading it now
	// finds the pings and notices it was sent, then the end.
	mute.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := io.Copy(io.Discard, mute); err != nil && !isReset(err) {
		t.Errorf("silent peer's connection: %v, want it closed", err)
	}

	// The member that reads answered every ping and is still there,
	// several intervals later.
	select {
	case err := <-watched:
		t.Fatalf("the reading member's read ended: %v", err)
	case <-time.After(4 * (interval + timeout)):
	}
	if n := s.room.Len(); n != 1 {
		t.Errorf("room has %d members, want 1", n)
	}
	// Shutting down ends watch's read with 1001; the cleanup would do it,
	// but the read must end before the test does.
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	var ce *wsnet.ClosedError
	if err := <-watched; !errors.As(err, &ce) || ce.Code != codec.CloseGoingAway {
		t.Errorf("watch's read: %v, want 1001", err)
	}
}

// isReset reports whether err is the peer resetting the connection, which
// a close with unread data may do.
func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// TestSlowMemberDropped: a member that never reads falls behind; its queue
// fills and it is dropped, while a member that reads gets every one of
// the same messages, in order, without waiting for it.
func TestSlowMemberDropped(t *testing.T) {
	cfg := testConfig(t)
	cfg.QueueSize = 8
	cfg.CloseTimeout = 300 * time.Millisecond
	s := startServer(t, cfg)
	fast := dial(t, s, "fast")

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	slow, _, err := handshake.Dial(ctx, withName(s.url, "slow"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	expect(t, "fast", read(t, fast), Message{From: "slow", Text: "slow joined", Event: EventJoin})

	// fast sends large lines until slow is gone: the server's socket
	// buffers toward slow fill, then slow's queue. At most window lines
	// are in flight, so that fast itself never falls QueueSize behind.
	const window, limit = 4, 5000
	filler := strings.Repeat("x", 48<<10)
	received := make(chan int, limit)
	var slowLeft atomic.Bool
	readErr := make(chan error, 1)
	var got int // lines fast received; set before readErr
	go func() {
		var err error
		got, err = readFlood(ctx, fast, received, &slowLeft)
		readErr <- err
	}()
	sent := 0
	for ; sent < limit && !slowLeft.Load(); sent++ {
		if sent >= window {
			select {
			case <-received:
			case err := <-readErr:
				t.Fatalf("fast: %v", err)
			}
		}
		line := fmt.Sprintf("%d %s", sent, filler)
		if err := fast.WriteMessage(ctx, codec.OpText, []byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if err := fast.WriteMessage(ctx, codec.OpText, []byte("end")); err != nil {
		t.Fatal(err)
	}
	if err := <-readErr; err != nil {
		t.Fatalf("fast: %v", err)
	}
	if !slowLeft.Load() {
		t.Fatalf("slow was not dropped after %d lines", sent)
	}
	if got != sent {
		t.Errorf("fast received %d lines, want %d", got, sent)
	}
	t.Logf("slow dropped; fast sent and received %d lines of %d KiB", sent, len(filler)>>10)
	if n := s.room.Len(); n != 1 {
		t.Errorf("room has %d members, want 1", n)
	}
}

// readFlood reads fast's messages until its "end" line: it checks that
// fast's own lines come back numbered in order, reports each on received
// and returns how many came; it sets slowLeft when the room says slow
// left.
func readFlood(ctx context.Context, fast *wsnet.Conn, received chan<- int, slowLeft *atomic.Bool) (int, error) {
	next := 0
	var buf []byte
	for {
		_, p, err := fast.ReadMessage(ctx, buf[:0])
		if err != nil {
			return next, err
		}
		buf = p
		var m Message
		if err := json.Unmarshal(p, &m); err != nil {
			return next, err
		}
		switch {
		case m.Event == EventLeave && m.From == "slow":
			slowLeft.Store(true)
		case m.Event != "":
			return next, fmt.Errorf("unexpected notice %+v", m)
		case m.Text == "end":
			return next, nil
		default:
			var n int
			if _, err := fmt.Sscanf(m.Text, "%d ", &n); err != nil || n != next {
				return next, fmt.Errorf("received line %.10q, want line %d", m.Text, next)
			}
			next++
			received <- n
		}
	}
}

// TestRefused: the room relays text messages up to MaxMessage; a binary
// message ends the member's connection with 1003 (unsupported data), a
// longer one with 1009 (message too big). Each case has a room of its own,
// where the member is alone and receives no other notice.
func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   codec.Opcode
		size int
		code codec.CloseCode
	}{
		{"binary", codec.OpBinary, 3, codec.CloseUnsupportedData},
		{"big", codec.OpText, int(defaultConfig().MaxMessage) + 1, codec.CloseMessageTooBig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, testConfig(t))
			c := dial(t, s, tc.name)
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			if err := c.WriteMessage(ctx, tc.op, bytes.Repeat([]byte("a"), tc.size)); err != nil {
				t.Fatal(err)
			}
			op, msg, err := c.ReadMessage(ctx, nil)
			var ce *wsnet.ClosedError
			if !errors.As(err, &ce) || ce.Code != tc.code {
				t.Errorf("read returned %v %.80q, %v; want a *wsnet.ClosedError with %d", op, msg, err, tc.code)
			}
		})
	}
}

// TestClient drives the client mode as a user would, through run and its
// flags: the lines of stdin go to the room and what the room says comes
// out, blank lines skipped.
func TestClient(t *testing.T) {
	s := startServer(t, testConfig(t))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	stdin := strings.NewReader("Can you hear me?\n\n   \nLoud and clear!\n")
	if code := run(ctx, []string{"-client", s.url, "-name", "ann"}, stdin, &stdout, &stderr); code != 0 {
		t.Fatalf("run returned %d; stderr: %s", code, &stderr)
	}
	const want = "* ann joined\nann: Can you hear me?\nann: Loud and clear!\n"
	if got := stdout.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
}

// TestClientServerShutdown: a client waiting on its input learns that the
// server shut down, and runClient says so with the server's 1001.
func TestClientServerShutdown(t *testing.T) {
	s := startServer(t, testConfig(t))
	stdin, input := io.Pipe() // input that never comes
	defer input.Close()
	var stdout syncBuffer
	done := make(chan error, 1)
	go func() { done <- runClient(context.Background(), s.url+"?name=bob", stdin, &stdout) }()
	// Shut down once bob has printed its join: a notice still queued when
	// the server's close frame goes out is never sent.
	deadline := time.Now().Add(testTimeout)
	for stdout.String() == "" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		var ce *wsnet.ClosedError
		if !errors.As(err, &ce) || ce.Code != codec.CloseGoingAway {
			t.Errorf("runClient returned %v, want a *wsnet.ClosedError with 1001", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("runClient did not return")
	}
	if got := stdout.String(); got != "* bob joined\n" {
		t.Errorf("stdout %q", got)
	}
}

// syncBuffer is a bytes.Buffer that one goroutine may write while another
// reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestPage: "/" serves the chat page; "/ws" wants a WebSocket handshake.
func TestPage(t *testing.T) {
	s := startServer(t, testConfig(t))
	client := &http.Client{Timeout: testTimeout}
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"", http.StatusOK, "new WebSocket(url)"},
		{"ws", http.StatusBadRequest, ""},
		{"nope", http.StatusNotFound, ""},
	} {
		resp, err := client.Get(s.http + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !bytes.Contains(body, []byte(tc.body)) {
			t.Errorf("GET /%s: %d, want %d with %q", tc.path, resp.StatusCode, tc.status, tc.body)
		}
		if tc.path == "" && resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("GET /: Content-Type %q", resp.Header.Get("Content-Type"))
		}
	}
}

// TestRun: the server serves until its context ends (as a signal ends
// main's) and exits 0; bad flags exit 2.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var stderr bytes.Buffer
	if code := run(ctx, []string{"-addr", "127.0.0.1:0", "-shutdown-timeout", "2s"}, nil, io.Discard, &stderr); code != 0 {
		t.Errorf("run returned %d; stderr: %s", code, &stderr)
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("stderr: %s", &stderr)
	}
	if code := run(context.Background(), []string{"-queue", "many"}, nil, io.Discard, io.Discard); code != 2 {
		t.Errorf("bad flag: run returned %d, want 2", code)
	}
	if code := run(context.Background(), []string{"extra"}, nil, io.Discard, io.Discard); code != 2 {
		t.Errorf("extra argument: run returned %d, want 2", code)
	}
}

// TestCleanName: names are trimmed, bounded and never empty.
func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"ann":                   "ann",
		"  ann  ":               "ann",
		"":                      "anonymous",
		"   ":                   "anonymous",
		"\xff":                  "\uFFFD",
		strings.Repeat("é", 40): strings.Repeat("é", maxName),
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}
