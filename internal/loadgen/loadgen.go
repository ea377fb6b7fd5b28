// Package loadgen is the load generator of `wsbench client` and of the
// default run's echo table: it opens connections to any echo server,
// sends messages in a closed loop (a fixed number in flight per
// connection) or an open loop (on a schedule, whatever the echoes do),
// checks every echo byte for byte, and reports throughput, latency
// percentiles from a Histogram, and the CPU time and heap allocations of
// its own process per message.
package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

// Config is what a load run is asked to do.
type Config struct {
	URL      string
	Conns    int
	Size     int
	Duration time.Duration
	Pipeline int     // messages in flight per connection (closed loop)
	Binary   bool    // send binary messages instead of text
	Rate     float64 // messages per second over all connections; 0: closed loop
	Deflate  bool    // offer permessage-deflate and compress when accepted
	Payload  string  // PayloadPattern (the default when empty) or PayloadJSON
	// TLS configures TLS for a wss:// URL; nil means the defaults.
	TLS *tls.Config
	// HTTP2, for a wss:// URL, opens the WebSockets as streams of HTTP/2
	// connections (RFC 8441) when the server offers them, and over
	// HTTP/1.1 when it does not. With HTTP2Own each WebSocket has an
	// HTTP/2 connection of its own; without, they share one, as a
	// browser's WebSockets to one server do, and another only once the
	// server's limit on streams per connection is reached.
	HTTP2    bool
	HTTP2Own bool
	// Messages, when positive, makes each connection send this many
	// messages in a closed loop (Rate must be 0), and the run end once all
	// are echoed:
	// results that do not depend on the machine's speed. Duration then
	// only bounds the run (0: a minute).
	Messages int
}

// Result is what a load run measured.
type Result struct {
	URL      string  `json:"url"`
	Conns    int     `json:"conns"`
	Size     int     `json:"size"`
	Pipeline int     `json:"pipeline"`
	Binary   bool    `json:"binary"`
	Rate     float64 `json:"rate,omitempty"`
	Payload  string  `json:"payload"`
	Deflate  string  `json:"deflate,omitempty"` // the server's permessage-deflate response, when it accepted
	// With permessage-deflate, payload bytes on the wire over plain
	// payload bytes, of the messages sent and of the echoes received.
	SentWireRatio float64 `json:"sent_wire_ratio,omitempty"`
	EchoWireRatio float64 `json:"echo_wire_ratio,omitempty"`
	Seconds       float64 `json:"seconds"`
	Messages      uint64  `json:"messages"`
	MsgsPerS      float64 `json:"msgs_per_sec"`
	MBPerS        float64 `json:"mb_per_sec"` // payload MB (10^6) per second, one way
	P50us         float64 `json:"p50_us"`
	P90us         float64 `json:"p90_us"`
	P99us         float64 `json:"p99_us"`
	P999us        float64 `json:"p999_us"`
	MaxUs         float64 `json:"max_us"`
	CPUusPerM     float64 `json:"client_cpu_us_per_msg"`
	// AllocsPerMsg is heap allocations per message in this process from
	// the moment every connection was up until the end of the run.
	AllocsPerMsg float64 `json:"allocs_per_msg"`

	DialErrors     int `json:"dial_errors"`
	Mismatches     int `json:"mismatches"`
	ProtocolErrors int `json:"protocol_errors"`
	Dropped        int `json:"dropped"` // connections that ended before the run did
	Lost           int `json:"lost"`    // messages never echoed

	FirstError string `json:"first_error,omitempty"`

	// With Config.HTTP2, HTTP2 counts the connections that are streams of
	// HTTP/2 connections, and HTTP2Conns the TCP connections those
	// streams use.
	HTTP2Offered bool `json:"http2_offered,omitempty"`
	HTTP2        int  `json:"http2"`
	HTTP2Conns   int  `json:"http2_conns"`
}

// Failed reports whether anything went wrong.
func (r *Result) Failed() bool {
	return r.DialErrors+r.Mismatches+r.ProtocolErrors+r.Dropped+r.Lost > 0
}

// Run runs a load test and returns its result. progress, when not nil, is
// called now and then with the messages echoed so far.
func Run(ctx context.Context, cfg Config, progress func(done uint64)) *Result {
	cfg.Pipeline = max(cfg.Pipeline, 1)
	res := &Result{URL: cfg.URL, Conns: cfg.Conns, Size: cfg.Size, Pipeline: cfg.Pipeline, Binary: cfg.Binary, Rate: cfg.Rate, Payload: cfg.Payload, HTTP2Offered: cfg.HTTP2}
	if res.Payload == "" {
		res.Payload = PayloadPattern
	}
	var wireOut, plainOut, wireIn, plainIn int64
	var (
		mu    sync.Mutex
		hist  Histogram
		count atomic.Uint64
	)
	fail := func(kind *int, err error) {
		mu.Lock()
		*kind++
		if res.FirstError == "" && err != nil {
			res.FirstError = err.Error()
		}
		mu.Unlock()
	}

	// Connect everything first, so that the run measures messages only.
	var h2 *sharedHTTP2
	if cfg.HTTP2 && !cfg.HTTP2Own {
		h2 = newSharedHTTP2(cfg.TLS)
		defer h2.tr.CloseIdleConnections()
	}
	conns := make([]*loadConn, 0, cfg.Conns)
	for i := 0; i < cfg.Conns; i++ {
		c, err := dialLoad(ctx, cfg, i, h2)
		if err != nil {
			fail(&res.DialErrors, err)
			continue
		}
		conns = append(conns, c)
		res.Deflate = c.ext
		if c.conn.(*handshake.ClientConn).HTTP2() {
			res.HTTP2++
		}
	}
	res.HTTP2Conns = res.HTTP2
	if h2 != nil {
		res.HTTP2Conns = int(h2.dialed.Load())
	}
	cpu0 := cpuTime()
	start := time.Now()
	limit := cfg.Duration
	if cfg.Messages > 0 && limit <= 0 {
		limit = time.Minute
	}
	deadline := start.Add(limit)
	allocs0 := exactAllocs()
	// The allocations are read when the run's last counted message came:
	// at the deadline, or when the last of Messages per connection was
	// echoed.
	var allocs1, atDeadline atomic.Uint64
	var once sync.Once
	snapshot := func() {
		once.Do(func() {
			allocs1.Store(exactAllocs())
			atDeadline.Store(count.Load())
		})
	}
	if cfg.Messages > 0 {
		target := uint64(cfg.Messages * len(conns))
		for _, c := range conns {
			c.target, c.atTarget = target, snapshot
		}
	} else {
		allocTimer := time.AfterFunc(cfg.Duration, snapshot)
		defer allocTimer.Stop()
	}
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(deadline, &count)
			mu.Lock()
			hist.Merge(&c.hist)
			res.Mismatches += c.mismatches
			wireOut, plainOut, wireIn, plainIn = wireOut+c.wireOut, plainOut+c.plainOut, wireIn+c.wireIn, plainIn+c.plainIn
			res.Lost += c.lost
			if c.err != nil {
				var pe *codec.ProtocolError
				if errors.As(c.err, &pe) {
					res.ProtocolErrors++
				} else {
					res.Dropped++
				}
				if res.FirstError == "" {
					res.FirstError = c.err.Error()
				}
			}
			mu.Unlock()
		}()
	}
	if progress != nil {
		stop := make(chan struct{})
		go func() {
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					progress(count.Load())
				}
			}
		}()
		defer close(stop)
	}
	wg.Wait()
	cpu := cpuTime() - cpu0
	res.Seconds = cfg.Duration.Seconds()
	if cfg.Messages > 0 {
		res.Seconds = time.Since(start).Seconds()
	}
	res.Messages = count.Load()
	res.MsgsPerS = float64(res.Messages) / res.Seconds
	res.MBPerS = res.MsgsPerS * float64(cfg.Size) / 1e6
	us := func(d time.Duration) float64 { return float64(d) / 1e3 }
	res.P50us, res.P90us, res.P99us, res.P999us = us(hist.Quantile(0.5)), us(hist.Quantile(0.9)), us(hist.Quantile(0.99)), us(hist.Quantile(0.999))
	res.MaxUs = us(hist.Max())
	if res.Deflate != "" && plainOut > 0 && plainIn > 0 {
		res.SentWireRatio = float64(wireOut) / float64(plainOut)
		res.EchoWireRatio = float64(wireIn) / float64(plainIn)
	}
	if hist.Count() > 0 {
		res.CPUusPerM = float64(cpu.Microseconds()) / float64(hist.Count())
	}
	if n := atDeadline.Load(); n > 0 {
		res.AllocsPerMsg = float64(allocs1.Load()-allocs0) / float64(n)
	}
	return res
}

// exactAllocs returns the heap allocations of the process so far. Unlike
// runtime/metrics, which counts a span's objects when the span is handed
// back, so that recent allocations show up late, runtime.ReadMemStats
// counts every one; it stops the world for a moment, which the client does
// twice per run.
func exactAllocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// loadConn is one connection of a load run.
type loadConn struct {
	cfg  Config
	conn net.Conn
	pre  []byte // bytes read past the handshake
	op   codec.Opcode

	enc codec.Encoder
	dec codec.Decoder

	// permessage-deflate, when the server accepted it.
	ext    string
	comp   *deflate.Compressor
	decomp *deflate.Decompressor
	zb     []byte // a compressed message to send
	plain  []byte // an echo, inflated
	tmpl   []byte // the payload sent; its first bytes are stamped with the sequence number
	base   []byte // the payload before stamping, read-only: the receiver's template
	want   []byte // the expected payload of the message being received
	wb     []byte
	rb     []byte

	sent    []atomic.Int64 // send times (ns since start) by sequence, a ring
	startNS time.Time

	// Open loop: the pacing goroutine sends, the run loop receives.
	pacedSent atomic.Uint64
	recvd     atomic.Uint64
	writeErr  error // set by the pacing goroutine before it ends
	nextSend  uint64
	nextRecv  uint64
	got       int // bytes of the current echo checked so far

	// Payload bytes sent and received, on the wire and plain.
	wireOut, plainOut, wireIn, plainIn int64

	// With Config.Messages: the messages echoed over all connections at
	// which atTarget is called.
	target   uint64
	atTarget func()

	hist       Histogram
	mismatches int
	lost       int
	err        error
}

// sharedHTTP2 is the HTTP/2 client that the WebSockets of a run share.
type sharedHTTP2 struct {
	tr     *http2.Transport
	dialed atomic.Int64 // TCP connections it opened
}

func newSharedHTTP2(cfg *tls.Config) *sharedHTTP2 {
	h := &sharedHTTP2{}
	h.tr = &http2.Transport{
		TLSClientConfig:    cfg,
		DisableCompression: true,
		DialTLSContext: func(ctx context.Context, network, addr string, cfg *tls.Config) (net.Conn, error) {
			d := &tls.Dialer{Config: cfg}
			c, err := d.DialContext(ctx, network, addr)
			if err == nil {
				h.dialed.Add(1)
			}
			return c, err
		},
	}
	return h
}

func dialLoad(ctx context.Context, cfg Config, id int, h2 *sharedHTTP2) (*loadConn, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	opts := handshake.DialOptions{TLSConfig: cfg.TLS, HTTP2: cfg.HTTP2}
	if h2 != nil {
		opts.HTTP2Conn = h2.tr
	}
	var offer deflate.ClientOptions
	if cfg.Deflate {
		opts.Extensions = deflate.ClientOffer(offer)
	}
	conn, rest, err := handshake.Dial(dctx, cfg.URL, &opts)
	if err != nil {
		return nil, err
	}
	c := &loadConn{cfg: cfg, conn: conn, pre: rest, op: codec.OpText}
	if ext := conn.(*handshake.ClientConn).Extensions(); ext != "" {
		p, ok, err := deflate.ParseResponse([]byte(ext), offer)
		if err != nil || !ok {
			conn.Close()
			return nil, fmt.Errorf("server's Sec-WebSocket-Extensions %q: %v", ext, err)
		}
		c.ext = ext
		c.comp = deflate.NewCompressor(p, codec.RoleClient, deflate.DefaultLevel)
		c.decomp = deflate.NewDecompressor(p, codec.RoleClient, int64(max(cfg.Size, 1<<20)))
		c.dec.AllowedRsv = codec.Rsv1
	}
	if cfg.Binary {
		c.op = codec.OpBinary
	}
	c.enc.Role = codec.RoleClient
	c.dec.Role = codec.RoleClient
	c.dec.MaxMessage = int64(max(cfg.Size, 1<<20))
	c.tmpl = make([]byte, cfg.Size)
	FillPayload(c.tmpl, cfg.Payload, cfg.Binary, id)
	c.base = append([]byte(nil), c.tmpl...)
	c.want = make([]byte, cfg.Size)
	c.wb = make([]byte, 0, 4096)
	c.rb = make([]byte, 64<<10)
	ring := cfg.Pipeline
	if cfg.Rate > 0 {
		ring = 1 << 16
	}
	c.sent = make([]atomic.Int64, ring)
	return c, nil
}

// stamp writes seq into p's first bytes: 8 bytes little endian for
// binary, 16 hex digits for text (as many as fit).
func stamp(p []byte, seq uint64, binaryMsg bool) {
	if binaryMsg {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], seq)
		copy(p, b[:])
		return
	}
	const hex = "0123456789abcdef"
	for i := 0; i < len(p) && i < 16; i++ {
		p[i] = hex[(seq>>(4*uint(i)))&0xF]
	}
}

// queue appends message seq to the write buffer and notes when it left.
func (c *loadConn) queue(seq uint64, at int64) {
	stamp(c.tmpl, seq, c.cfg.Binary)
	if c.comp != nil && len(c.tmpl) >= deflate.MinSize {
		c.zb, _ = c.comp.AppendMessage(c.zb[:0], c.tmpl)
		c.wb, _ = c.enc.AppendFrame(c.wb, c.op, codec.Rsv1, true, c.zb)
		c.wireOut += int64(len(c.zb))
	} else {
		c.wb, _ = c.enc.AppendMessage(c.wb, c.op, c.tmpl)
		c.wireOut += int64(len(c.tmpl))
	}
	c.plainOut += int64(len(c.tmpl))
	c.sent[seq%uint64(len(c.sent))].Store(at)
}

func (c *loadConn) flush() error {
	if len(c.wb) == 0 {
		return nil
	}
	_, err := c.conn.Write(c.wb)
	c.wb = c.wb[:0]
	return err
}

func (c *loadConn) since() int64 { return int64(time.Since(c.startNS)) }

// run sends and checks messages until deadline, then drains what is in
// flight and closes the connection with the closing handshake.
func (c *loadConn) run(deadline time.Time, count *atomic.Uint64) {
	defer c.conn.Close()
	c.startNS = time.Now()
	openLoop := c.cfg.Rate > 0
	var writerDone chan struct{}
	if openLoop {
		writerDone = make(chan struct{})
		go c.paced(deadline, writerDone)
	} else {
		for i := 0; i < c.cfg.Pipeline && (c.cfg.Messages == 0 || i < c.cfg.Messages); i++ {
			c.queue(c.nextSend, c.since())
			c.nextSend++
		}
		if c.err = c.flush(); c.err != nil {
			return
		}
	}
	var sentTotal *atomic.Uint64
	if openLoop {
		sentTotal = &c.pacedSent
	}
	hardDeadline := deadline.Add(5 * time.Second) // for the last echoes
	c.conn.SetReadDeadline(hardDeadline)
	ev := codec.Event{}
	start, end := 0, copy(c.rb, c.pre)
	draining := false
	for {
		if !draining && (!time.Now().Before(deadline) || (c.cfg.Messages > 0 && c.nextSend >= uint64(c.cfg.Messages))) {
			draining = true
		}
		inFlight := c.nextSend - c.nextRecv
		if openLoop {
			inFlight = sentTotal.Load() - c.nextRecv
		}
		if draining && inFlight == 0 && (!openLoop || isClosed(writerDone)) {
			break
		}
		if openLoop && isClosed(writerDone) && c.writeErr != nil {
			break
		}
		for start < end {
			n, err := c.dec.Next(c.rb[start:end], &ev)
			start += n
			if err != nil {
				c.err = err
				return
			}
			if ev.Kind != codec.EventData {
				if ev.Kind == codec.EventNone {
					break
				}
				continue // pings and pongs need no answer here
			}
			if ev.Start {
				copy(c.want, c.base)
				stamp(c.want, c.nextRecv, c.cfg.Binary)
				c.got = 0
			}
			chunk := ev.Payload
			c.wireIn += int64(len(ev.Payload))
			if ev.Rsv&codec.Rsv1 != 0 {
				// Inflate this chunk and check what it adds.
				c.plain, err = c.decomp.AppendChunk(c.plain[:0], ev.Opcode, ev.Payload, ev.End)
				if err != nil {
					c.err = err
					return
				}
				chunk = c.plain
			}
			if ev.Opcode != c.op || c.got+len(chunk) > len(c.want) || !bytes.Equal(chunk, c.want[c.got:c.got+len(chunk)]) {
				c.mismatches++
			}
			c.got += len(chunk)
			c.plainIn += int64(len(chunk))
			if !ev.End {
				continue
			}
			if c.got != len(c.want) {
				c.mismatches++
			}
			now := c.since()
			c.hist.Record(time.Duration(now - c.sent[c.nextRecv%uint64(len(c.sent))].Load()))
			c.nextRecv++
			c.recvd.Store(c.nextRecv)
			if c.cfg.Messages > 0 {
				if count.Add(1) == c.target {
					c.atTarget()
				}
				if c.nextSend < uint64(c.cfg.Messages) {
					c.queue(c.nextSend, now)
					c.nextSend++
				}
			} else if !draining {
				count.Add(1)
				if !openLoop {
					c.queue(c.nextSend, now)
					c.nextSend++
				}
			}
		}
		start, end = 0, 0
		if !openLoop {
			if c.err = c.flush(); c.err != nil {
				return
			}
		}
		if draining && (c.nextSend == c.nextRecv && !openLoop) {
			break
		}
		if openLoop {
			// The echoes may all be in when the run's time is up, or when
			// the pacing goroutine ends: wake then, and every few
			// milliseconds while draining, instead of waiting for an echo
			// that will not come.
			wake := deadline
			if draining {
				wake = time.Now().Add(5 * time.Millisecond)
			}
			c.conn.SetReadDeadline(minTime(wake, hardDeadline))
		}
		n, err := c.conn.Read(c.rb)
		end = n
		if n == 0 && openLoop && isTimeout(err) && time.Now().Before(hardDeadline) {
			continue
		}
		if n == 0 && err != nil {
			c.err = fmt.Errorf("connection ended during the run: %w", err)
			sent := c.nextSend
			if openLoop {
				<-writerDone
				sent = c.pacedSent.Load()
			}
			c.lost += int(sent - c.nextRecv)
			return
		}
	}
	if openLoop {
		<-writerDone
		if c.writeErr != nil {
			c.err = c.writeErr
			c.lost += int(c.pacedSent.Load() - c.nextRecv)
			return
		}
	}
	c.closeHandshake(start, end)
}

// errBacklog means the server fell so far behind an open-loop schedule
// that the send-time ring would wrap.
var errBacklog = errors.New("more messages in flight than the client tracks (65536 per connection): the server is not keeping up with -rate")

// paced sends messages on a fixed schedule, conns/rate apart, whatever the
// echoes do: an open loop. Each message's latency counts from the time it
// was due, not from when it went out, so a stalled server shows up in the
// latency (no coordinated omission).
func (c *loadConn) paced(deadline time.Time, done chan struct{}) {
	defer close(done)
	interval := int64(float64(c.cfg.Conns) / c.cfg.Rate * 1e9)
	end := int64(deadline.Sub(c.startNS))
	next := int64(0)
	for next < end {
		now := c.since()
		if next > now {
			time.Sleep(time.Duration(next - now))
			continue
		}
		for next <= now && next < end {
			seq := c.pacedSent.Load()
			if seq-c.recvd.Load() >= uint64(len(c.sent)) {
				c.writeErr = errBacklog
				return
			}
			c.queue(seq, next)
			c.pacedSent.Add(1)
			next += interval
		}
		if err := c.flush(); err != nil {
			c.writeErr = err
			return
		}
	}
}

// closeHandshake sends a close frame and waits briefly for the answer.
func (c *loadConn) closeHandshake(start, end int) {
	c.wb, _ = c.enc.AppendClose(c.wb[:0], codec.CloseNormal, "")
	if c.flush() != nil {
		return
	}
	c.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	var ev codec.Event
	for {
		for start < end {
			n, err := c.dec.Next(c.rb[start:end], &ev)
			start += n
			if err != nil || ev.Kind == codec.EventClose {
				return
			}
			if ev.Kind == codec.EventNone {
				break
			}
		}
		n, err := c.conn.Read(c.rb)
		start, end = 0, n
		if n == 0 && err != nil {
			return
		}
	}
}

// isTimeout reports whether err is a deadline passing. (A function of its
// own: the net.Error that errors.As fills escapes, and would be
// allocated on every pass of the read loop that declared it.)
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
