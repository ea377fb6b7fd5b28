package peers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"
	"github.com/lxzan/gws"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/wsnet"
)

// The benchmarks here compare whole connections, server side, of wsframe
// (package wsnet), gorilla, coder and gws:
//
//   - BenchmarkConcurrentWrite: 8 goroutines write 1 KiB binary messages
//     to one connection whose writes go to an in-memory sink; an op is one
//     message.
//   - BenchmarkPing: ping round trips between a client and a server of the
//     same library over loopback TCP, each with a goroutine reading; an op
//     is one round trip, and its allocations are both ends'.
//   - BenchmarkBroadcast: one 1 KiB JSON text message to 10,000 server
//     connections over in-memory sinks, with and without permessage-deflate
//     (no context takeover either way); an op is one broadcast, and
//     allocs/conn is the allocations per connection written.
//
// TestBroadcastFrames checks that what wsframe writes for a prepared
// message decodes back to the message.

// memConn is one end of an in-memory connection: writes are discarded (or
// kept in a capture buffer), reads block until Close, as a peer that sends
// nothing would.
type memConn struct {
	closed  chan struct{}
	once    sync.Once
	capture atomic.Pointer[bytes.Buffer] // when set, writes are appended to it
	onWrite func()                       // when set, called after each write
}

func newMemConn() *memConn { return &memConn{closed: make(chan struct{})} }

var memAddr net.Addr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}

func (c *memConn) Read([]byte) (int, error) {
	<-c.closed
	return 0, net.ErrClosed
}

func (c *memConn) Write(p []byte) (int, error) {
	if buf := c.capture.Load(); buf != nil {
		buf.Write(p)
	}
	if c.onWrite != nil {
		c.onWrite()
	}
	return len(p), nil
}

func (c *memConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

func (c *memConn) LocalAddr() net.Addr              { return memAddr }
func (c *memConn) RemoteAddr() net.Addr             { return memAddr }
func (c *memConn) SetDeadline(time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

// memResponse is the http.ResponseWriter of a request whose connection is
// a memConn: it hijacks to it, as net/http's does to the TCP connection.
type memResponse struct {
	h  http.Header
	nc net.Conn
}

func (w *memResponse) Header() http.Header         { return w.h }
func (w *memResponse) Write(p []byte) (int, error) { return w.nc.Write(p) }
func (w *memResponse) WriteHeader(int)             {}
func (w *memResponse) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.nc, bufio.NewReadWriter(bufio.NewReaderSize(w.nc, 4096), bufio.NewWriterSize(w.nc, 4096)), nil
}

// noTakeoverOffer is a client's permessage-deflate offer without context
// takeover on either side, what a server that broadcasts compressed
// messages wants.
const noTakeoverOffer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"

// upgradeRequest is a browser-like opening handshake request, offering
// compression when compress is set.
func upgradeRequest(compress bool) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://example.com/feed", nil)
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	r.Header.Set("Sec-WebSocket-Version", "13")
	if compress {
		r.Header.Set("Sec-WebSocket-Extensions", noTakeoverOffer)
	}
	return r
}

// noTakeoverParams are the permessage-deflate parameters the offer above
// agrees on.
var noTakeoverParams = deflate.Params{
	ServerNoContextTakeover: true,
	ClientNoContextTakeover: true,
	ServerMaxWindowBits:     15,
	ClientMaxWindowBits:     15,
}

// Server connections over a memConn, one per library, made as a server
// makes them; compressed when compress is set.

func wsframeMemConn(nc *memConn, compress bool) *wsnet.Conn {
	var params *deflate.Params
	if compress {
		p := noTakeoverParams
		params = &p
	}
	return wsnet.NewConn(nc, nil, codec.RoleServer, params, nil)
}

func gorillaMemConn(tb testing.TB, nc *memConn, compress bool) *websocket.Conn {
	up := websocket.Upgrader{
		CheckOrigin:       func(*http.Request) bool { return true },
		EnableCompression: compress,
	}
	c, err := up.Upgrade(&memResponse{h: http.Header{}, nc: nc}, upgradeRequest(compress), nil)
	if err != nil {
		tb.Fatal(err)
	}
	if compress {
		c.EnableWriteCompression(true)
	}
	return c
}

func coderMemConn(tb testing.TB, nc *memConn, compress bool) *coder.Conn {
	opts := &coder.AcceptOptions{InsecureSkipVerify: true, CompressionMode: coder.CompressionDisabled}
	if compress {
		opts.CompressionMode = coder.CompressionNoContextTakeover
	}
	c, err := coder.Accept(&memResponse{h: http.Header{}, nc: nc}, upgradeRequest(compress), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// gwsUpgrader makes gws server connections; one serves all the
// connections of a benchmark, as in a server (it holds the compressors).
func gwsUpgrader(compress bool) *gws.Upgrader {
	return gws.NewUpgrader(gws.BuiltinEventHandler{}, &gws.ServerOption{
		PermessageDeflate: gws.PermessageDeflate{Enabled: compress},
	})
}

func gwsMemConn(tb testing.TB, up *gws.Upgrader, nc *memConn, compress bool) *gws.Conn {
	c, err := up.Upgrade(&memResponse{h: http.Header{}, nc: nc}, upgradeRequest(compress))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// BenchmarkConcurrentWrite has 8 goroutines write 1 KiB binary messages,
// as fast as they can, to one server connection whose writes go to an
// in-memory sink. An op is one message: ns/op is the wall time per
// message of all writers together, and msgs/s its inverse.
func BenchmarkConcurrentWrite(b *testing.B) {
	const size = 1 << 10
	payload := make([]byte, size)
	rand.NewChaCha8([32]byte{}).Read(payload)
	ctx := context.Background()

	b.Run("lib=wsframe", func(b *testing.B) {
		c := wsframeMemConn(newMemConn(), false)
		defer c.CloseNow()
		concurrentWrites(b, payload, func(p []byte) error {
			return c.WriteMessage(ctx, codec.OpBinary, p)
		})
	})
	b.Run("lib=gorilla", func(b *testing.B) {
		c := gorillaMemConn(b, newMemConn(), false)
		defer c.Close()
		// gorilla allows one writer at a time and panics on concurrent
		// writes: its users must serialize writes themselves, as here.
		var mu sync.Mutex
		concurrentWrites(b, payload, func(p []byte) error {
			mu.Lock()
			defer mu.Unlock()
			return c.WriteMessage(websocket.BinaryMessage, p)
		})
	})
	b.Run("lib=coder", func(b *testing.B) {
		c := coderMemConn(b, newMemConn(), false)
		defer c.CloseNow()
		// coder's Write is safe for concurrent use.
		concurrentWrites(b, payload, func(p []byte) error {
			return c.Write(ctx, coder.MessageBinary, p)
		})
	})
	b.Run("lib=gws", func(b *testing.B) {
		c := gwsMemConn(b, gwsUpgrader(false), newMemConn(), false)
		defer c.NetConn().Close()
		// gws's WriteMessage takes the connection's lock: safe for
		// concurrent use.
		concurrentWrites(b, payload, func(p []byte) error {
			return c.WriteMessage(gws.OpcodeBinary, p)
		})
	})
}

// concurrentWrites runs b.N writes of payload, shared among exactly 8
// goroutines whatever GOMAXPROCS is, and reports messages per second.
func concurrentWrites(b *testing.B, payload []byte, write func([]byte) error) {
	const writers = 8
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		fail  error
	)
	failed := func(err error) { // keeps the loop from taking err's address, which would allocate it per write
		mu.Lock()
		defer mu.Unlock()
		if fail == nil {
			fail = err
		}
	}
	for i := range writers {
		n := b.N / writers
		if i < b.N%writers {
			n++
		}
		wg.Go(func() {
			<-start
			for range n {
				if err := write(payload); err != nil {
					failed(err)
					return
				}
			}
		})
	}
	b.ResetTimer()
	close(start)
	wg.Wait()
	b.StopTimer()
	if fail != nil {
		b.Fatal(fail)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkPing measures ping round trips over loopback TCP between a
// client and a server of the same library, each with a goroutine reading
// (which answers pings and sees pongs). An op is one round trip, from the
// client; allocs/op counts both ends.
func BenchmarkPing(b *testing.B) {
	ctx := context.Background()
	payload := []byte("01234567") // 8 bytes, as wsframe's pings carry

	b.Run("lib=wsframe", func(b *testing.B) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := wsnet.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			go wsnetDrain(c, nil)
		}))
		defer srv.Close()
		c, err := wsnet.Dial(ctx, wsURL(srv), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseNow()
		go wsnetDrain(c, nil)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Ping(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("lib=gorilla", func(b *testing.B) {
		up := websocket.Upgrader{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			// The default ping handler answers with a pong.
			go gorillaDrain(c, nil)
		}))
		defer srv.Close()
		c, _, err := websocket.DefaultDialer.Dial(wsURL(srv), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		pong, dead := make(chan struct{}, 1), make(chan struct{})
		c.SetPongHandler(func(string) error {
			pong <- struct{}{}
			return nil
		})
		go gorillaDrain(c, dead)
		b.ReportAllocs()
		for b.Loop() {
			if err := c.WriteControl(websocket.PingMessage, payload, time.Time{}); err != nil {
				b.Fatal(err)
			}
			select {
			case <-pong:
			case <-dead:
				b.Fatal("connection closed")
			}
		}
	})

	b.Run("lib=coder", func(b *testing.B) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := coder.Accept(w, r, nil)
			if err != nil {
				return
			}
			// CloseRead reads in a goroutine, answering pings.
			c.CloseRead(context.Background())
		}))
		defer srv.Close()
		c, _, err := coder.Dial(ctx, wsURL(srv), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.CloseNow()
		c.CloseRead(ctx)
		b.ReportAllocs()
		for b.Loop() {
			if err := c.Ping(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("lib=gws", func(b *testing.B) {
		// BuiltinEventHandler answers pings with a pong.
		up := gws.NewUpgrader(gws.BuiltinEventHandler{}, nil)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r)
			if err != nil {
				return
			}
			go c.ReadLoop()
		}))
		defer srv.Close()
		h := &gwsPongs{pong: make(chan struct{}, 1), dead: make(chan struct{})}
		c, _, err := gws.NewClient(h, &gws.ClientOption{Addr: wsURL(srv)})
		if err != nil {
			b.Fatal(err)
		}
		defer c.NetConn().Close()
		go c.ReadLoop()
		b.ReportAllocs()
		for b.Loop() {
			if err := c.WritePing(payload); err != nil {
				b.Fatal(err)
			}
			select {
			case <-h.pong:
			case <-h.dead:
				b.Fatal("connection closed")
			}
		}
	})
}

func wsURL(srv *httptest.Server) string { return "ws" + strings.TrimPrefix(srv.URL, "http") }

// wsnetDrain reads c until it fails, then closes dead (when not nil).
func wsnetDrain(c *wsnet.Conn, dead chan struct{}) {
	var buf []byte
	for {
		var err error
		if _, buf, err = c.ReadMessage(context.Background(), buf[:0]); err != nil {
			c.CloseNow()
			if dead != nil {
				close(dead)
			}
			return
		}
	}
}

// gorillaDrain reads c until it fails, then closes dead (when not nil).
func gorillaDrain(c *websocket.Conn, dead chan struct{}) {
	for {
		if _, _, err := c.NextReader(); err != nil {
			c.Close()
			if dead != nil {
				close(dead)
			}
			return
		}
	}
}

// gwsPongs is a gws client's event handler that signals pongs.
type gwsPongs struct {
	gws.BuiltinEventHandler
	pong chan struct{}
	dead chan struct{}
}

func (h *gwsPongs) OnPong(*gws.Conn, []byte) { h.pong <- struct{}{} }
func (h *gwsPongs) OnClose(*gws.Conn, error) { close(h.dead) }

// broadcastConns is how many connections a broadcast goes to.
const broadcastConns = 10_000

// broadcastJSON is a 1 KiB JSON text message: a batch of market ticks, as
// a server pushes to its subscribers.
func broadcastJSON() []byte {
	type tick struct {
		ID     int     `json:"id"`
		Symbol string  `json:"symbol"`
		Price  float64 `json:"price"`
		Size   int     `json:"size"`
		Side   string  `json:"side"`
		Venue  string  `json:"venue"`
		Time   string  `json:"ts"`
	}
	type batch struct {
		Type    string `json:"type"`
		Channel string `json:"channel"`
		Seq     int    `json:"seq"`
		Ticks   []tick `json:"ticks"`
		Trace   string `json:"trace"`
	}
	const size = 1 << 10
	rng := rand.New(rand.NewPCG(1, 2))
	symbols := []string{"AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "AMD"}
	venues := []string{"XNAS", "XNYS", "ARCX", "BATS"}
	m := batch{Type: "ticks", Channel: "market.equities.us", Seq: 4821377}
	t0 := time.Date(2026, 11, 25, 16, 15, 0, 0, time.UTC)
	var out []byte
	for {
		m.Ticks = append(m.Ticks, tick{
			ID:     90210000 + rng.IntN(100000),
			Symbol: symbols[rng.IntN(len(symbols))],
			Price:  float64(10000+rng.IntN(40000)) / 100,
			Size:   100 * (1 + rng.IntN(20)),
			Side:   []string{"buy", "sell"}[rng.IntN(2)],
			Venue:  venues[rng.IntN(len(venues))],
			Time:   t0.Add(time.Duration(len(m.Ticks)) * 1733 * time.Microsecond).Format("2006-01-02T15:04:05.000000Z"),
		})
		b, _ := json.Marshal(m)
		if len(b) > size {
			m.Ticks = m.Ticks[:len(m.Ticks)-1]
			break
		}
		out = b
	}
	// Pad to exactly 1 KiB with the trace id.
	m.Trace = strings.Repeat("0123456789abcdef", 64)[:size-len(out)]
	out, _ = json.Marshal(m)
	if len(out) != size || !json.Valid(out) {
		panic(fmt.Sprintf("broadcastJSON: %d bytes", len(out)))
	}
	return out
}

// BenchmarkBroadcast writes one 1 KiB JSON text message to 10,000 server
// connections, one after another, over in-memory sinks; an op is one
// broadcast. wsframe and gorilla frame (and compress) the message once
// per broadcast in a prepared message; gws does so in its Broadcaster,
// which queues the writes to each connection's writer goroutine (the op
// waits until all are written); coder has neither and writes (and
// compresses) the message for each connection. Compression, when on, is
// permessage-deflate without context takeover at level 1 (BestSpeed), the
// default of all four.
func BenchmarkBroadcast(b *testing.B) {
	msg := broadcastJSON()
	ctx := context.Background()
	for _, compress := range []bool{false, true} {
		mode := map[bool]string{false: "compression=off", true: "compression=on"}[compress]

		b.Run("lib=wsframe/"+mode, func(b *testing.B) {
			sinks, conns := memConns(broadcastConns), make([]*wsnet.Conn, broadcastConns)
			for i := range conns {
				conns[i] = wsframeMemConn(sinks[i], compress)
			}
			broadcastBench(b, msg, sinks[0], compress, func() error {
				pm, err := wsnet.NewPreparedMessage(codec.OpText, msg)
				if err != nil {
					return err
				}
				for _, c := range conns {
					if err := c.WritePreparedMessage(ctx, pm); err != nil {
						return err
					}
				}
				return nil
			})
		})

		b.Run("lib=gorilla/"+mode, func(b *testing.B) {
			sinks, conns := memConns(broadcastConns), make([]*websocket.Conn, broadcastConns)
			for i := range conns {
				conns[i] = gorillaMemConn(b, sinks[i], compress)
			}
			broadcastBench(b, msg, sinks[0], compress, func() error {
				pm, err := websocket.NewPreparedMessage(websocket.TextMessage, msg)
				if err != nil {
					return err
				}
				for _, c := range conns {
					if err := c.WritePreparedMessage(pm); err != nil {
						return err
					}
				}
				return nil
			})
		})

		b.Run("lib=coder/"+mode, func(b *testing.B) {
			// No prepared messages: each connection frames (and
			// compresses) the message itself.
			sinks, conns := memConns(broadcastConns), make([]*coder.Conn, broadcastConns)
			for i := range conns {
				conns[i] = coderMemConn(b, sinks[i], compress)
			}
			broadcastBench(b, msg, sinks[0], compress, func() error {
				for _, c := range conns {
					if err := c.Write(ctx, coder.MessageText, msg); err != nil {
						return err
					}
				}
				return nil
			})
		})

		b.Run("lib=gws/"+mode, func(b *testing.B) {
			// gws's Broadcaster frames (and compresses) once, then queues
			// a write on each connection's own writer goroutine: the
			// broadcast waits for all 10,000 writes to reach the sinks.
			up := gwsUpgrader(compress)
			var written sync.WaitGroup
			sinks, conns := memConns(broadcastConns), make([]*gws.Conn, broadcastConns)
			for i := range conns {
				conns[i] = gwsMemConn(b, up, sinks[i], compress)
				sinks[i].onWrite = written.Done // after the handshake's write
			}
			broadcastBench(b, msg, sinks[0], compress, func() error {
				written.Add(len(conns))
				bc := gws.NewBroadcaster(gws.OpcodeText, msg)
				for _, c := range conns {
					if err := bc.Broadcast(c); err != nil {
						return err
					}
				}
				bc.Close()
				written.Wait()
				return nil
			})
		})
	}
}

func memConns(n int) []*memConn {
	s := make([]*memConn, n)
	for i := range s {
		s[i] = newMemConn()
	}
	return s
}

// broadcastBench runs broadcast once and checks, on first's sink, that it
// wrote the message in one text frame, with RSV1 set exactly when
// compressing; then it times broadcasts and reports allocs/conn, the
// allocations of all goroutines per connection written.
func broadcastBench(b *testing.B, msg []byte, first *memConn, compress bool, broadcast func() error) {
	var out bytes.Buffer
	first.capture.Store(&out)
	if err := broadcast(); err != nil {
		b.Fatal(err)
	}
	first.capture.Store(nil)
	if err := checkTextFrame(out.Bytes(), msg, compress); err != nil {
		b.Fatal(err)
	}

	b.SetBytes(int64(len(msg)) * broadcastConns)
	b.ReportAllocs()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		if err := broadcast(); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*broadcastConns), "allocs/conn")
}

// checkTextFrame decodes p, what a server wrote for one message, as a
// client does, and checks that it is msg in one text message, compressed
// (RSV1) exactly when compress is set.
func checkTextFrame(p, msg []byte, compress bool) error {
	got, rsv, err := decodeServerMessages(p, compress)
	if err != nil {
		return err
	}
	if len(got) != 1 {
		return fmt.Errorf("wrote %d messages, want 1", len(got))
	}
	if want := map[bool]uint8{false: 0, true: codec.Rsv1}[compress]; rsv[0] != want {
		return fmt.Errorf("RSV bits %#x, want %#x (%d bytes on the wire for %d)", rsv[0], want, len(p), len(msg))
	}
	if !bytes.Equal(got[0], msg) {
		return errors.New("payload does not round-trip")
	}
	return nil
}

// decodeServerMessages decodes the text messages in p, as a client that
// agreed on permessage-deflate without context takeover, and returns
// their payloads and the RSV bits of their first frames.
func decodeServerMessages(p []byte, compress bool) (msgs [][]byte, rsv []uint8, err error) {
	dec := codec.Decoder{Role: codec.RoleClient}
	var z *deflate.Decompressor
	if compress {
		dec.AllowedRsv = codec.Rsv1
		z = deflate.NewDecompressor(noTakeoverParams, codec.RoleClient, 0)
	}
	var ev codec.Event
	var cur []byte
	for len(p) > 0 {
		n, err := dec.Next(p, &ev)
		if err != nil {
			return nil, nil, err
		}
		p = p[n:]
		if ev.Kind != codec.EventData {
			if ev.Kind != codec.EventNone {
				return nil, nil, fmt.Errorf("unexpected %v frame", ev.Kind)
			}
			continue
		}
		if ev.Opcode != codec.OpText {
			return nil, nil, fmt.Errorf("opcode %v, want text", ev.Opcode)
		}
		if ev.Start {
			cur = nil
			rsv = append(rsv, ev.Rsv)
		}
		if ev.Rsv&codec.Rsv1 != 0 {
			if cur, err = z.AppendChunk(cur, ev.Opcode, ev.Payload, ev.End); err != nil {
				return nil, nil, err
			}
		} else {
			cur = append(cur, ev.Payload...)
		}
		if ev.End {
			msgs = append(msgs, cur)
		}
	}
	if dec.InMessage() || dec.InFrame() {
		return nil, nil, errors.New("stream ends inside a message")
	}
	return msgs, rsv, nil
}

// TestBroadcastFrames checks what wsframe connections write for a
// prepared message, with and without compression: two connections (the
// second reuses the form the first made) each write two prepared
// messages, and a client's decoder and decompressor must get them back.
func TestBroadcastFrames(t *testing.T) {
	msg := broadcastJSON()
	other := bytes.ToUpper(msg) // a second message, compressed apart
	ctx := context.Background()
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compression=%v", compress), func(t *testing.T) {
			pm1, err := wsnet.NewPreparedMessage(codec.OpText, msg)
			if err != nil {
				t.Fatal(err)
			}
			pm2, err := wsnet.NewPreparedMessage(codec.OpText, other)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				nc := newMemConn()
				var out bytes.Buffer
				nc.capture.Store(&out)
				c := wsframeMemConn(nc, compress)
				for _, pm := range []*wsnet.PreparedMessage{pm1, pm2} {
					if err := c.WritePreparedMessage(ctx, pm); err != nil {
						t.Fatal(err)
					}
				}
				got, rsv, err := decodeServerMessages(out.Bytes(), compress)
				if err != nil {
					t.Fatalf("conn %d: %v", i, err)
				}
				if len(got) != 2 || !bytes.Equal(got[0], msg) || !bytes.Equal(got[1], other) {
					t.Fatalf("conn %d: messages do not round-trip: got %d", i, len(got))
				}
				for j, r := range rsv {
					if want := map[bool]uint8{false: 0, true: codec.Rsv1}[compress]; r != want {
						t.Errorf("conn %d, message %d: RSV %#x, want %#x", i, j, r, want)
					}
				}
				if compress && out.Len() >= 2*len(msg) {
					t.Errorf("conn %d: %d bytes on the wire for 2×%d: not compressed", i, out.Len(), len(msg))
				}
				c.CloseNow()
			}
		})
	}
}
