package wstest_test

import (
	"bytes"
	"errors"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/testenv"
	"github.com/wsframe/wsframe/wstest"
)

// A fixture is a small echo server built on codec.Decoder, correct but for
// at most one planted fault. The suite is trusted because it fails each
// faulty fixture in exactly the cases aimed at its fault, and passes the
// fixture with none.
type fault int

const (
	noFault         fault = iota
	noUTF8                // text is not checked for UTF-8
	lateUTF8              // text is checked only once the message is whole: no fail fast
	echoBadClose          // close frames with codes that may not be sent are echoed
	acceptHTTP10          // an HTTP/1.0 upgrade is accepted
	dropEarlyFrames       // frames that came in the request's read are dropped
	noSizeLimit           // any message size is accepted
	blindOffer            // the first subprotocol offered is chosen, and every extension offered agreed to

	// Faults of the HTTP/2 fixtures (startH2Fixture) only.
	protocolUnchecked // a CONNECT is taken for a WebSocket whatever its :protocol
	versionUnchecked  // Sec-WebSocket-Version is not checked
	resetStream       // the stream is reset (RST_STREAM) instead of ended after the closing handshake

	// Not a fault: echo each chunk of a message as a fragment as soon as
	// it is read, as relays do (gorilla's NextReader copied into
	// NextWriter), before reading the rest.
	streams
)

// fixture serves conns on ln until the test ends.
type fixture struct {
	fault fault
	ln    net.Listener
	wg    sync.WaitGroup
}

func startFixture(t *testing.T, fl fault) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{fault: fl, ln: ln}
	var mu sync.Mutex
	var conns []net.Conn
	fx.wg.Add(1)
	go func() {
		defer fx.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			fx.wg.Add(1)
			go func() { defer fx.wg.Done(); defer c.Close(); fx.serve(c) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		fx.wg.Wait()
	})
	return "ws://" + ln.Addr().String() + "/"
}

// serve does the handshake on raw bytes, then echoes.
func (fx *fixture) serve(c net.Conn) {
	buf := make([]byte, 0, 64<<10)
	var head []byte
	for {
		if i := bytes.Index(buf, []byte("\r\n\r\n")); i >= 0 {
			head, buf = buf[:i+4], buf[i+4:]
			break
		}
		if len(buf) == cap(buf) {
			return
		}
		n, err := c.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return
		}
	}
	if fx.fault == acceptHTTP10 {
		head = bytes.Replace(head, []byte(" HTTP/1.0\r\n"), []byte(" HTTP/1.1\r\n"), 1)
	}
	req, _, err := handshake.ParseRequest(head)
	var he *handshake.Error
	if errors.As(err, &he) {
		c.Write(handshake.AppendReject(nil, he.Status, he.Rule))
		return
	}
	var protocol, extensions string
	if fx.fault == blindOffer {
		for p := range req.Protocols.Elements {
			protocol = string(p)
			break
		}
		var exts []string
		for i := range req.Extensions.Len() {
			exts = append(exts, string(req.Extensions.Value(i)))
		}
		extensions = strings.Join(exts, ", ")
	}
	if _, err := c.Write(handshake.AppendResponse(nil, req.Key, protocol, extensions)); err != nil {
		return
	}
	if fx.fault == dropEarlyFrames {
		buf = buf[:0]
	}
	serveFrames(c, fx.fault, buf)
}

// serveFrames echoes on c, after the handshake, with the fault fl;
// buf holds the bytes read past the request, and its capacity is the
// read buffer's.
func serveFrames(c net.Conn, fl fault, buf []byte) {
	e := &fixtureConn{fault: fl, c: c, buf: buf[:cap(buf)], end: len(buf)}
	e.d = codec.Decoder{Role: codec.RoleServer, MaxMessage: 32 << 20}
	if fl == noSizeLimit {
		e.d.MaxMessage = math.MaxInt64
	}
	e.run()
}

type fixtureConn struct {
	fault      fault
	c          net.Conn
	d          codec.Decoder
	buf        []byte
	start, end int
	msg        []byte
	text       bool // the message under way is text, which the decoder was told is binary
}

// fill reads more bytes, keeping what is not decoded yet.
func (e *fixtureConn) fill() bool {
	if e.start > 0 {
		e.end = copy(e.buf, e.buf[e.start:e.end])
		e.start = 0
	}
	if e.end == len(e.buf) {
		e.buf = append(e.buf, make([]byte, len(e.buf))...)
	}
	n, err := e.c.Read(e.buf[e.end:])
	e.end += n
	return n > 0 || err == nil
}

func (e *fixtureConn) run() {
	var ev codec.Event
	for {
		if e.start == e.end {
			if !e.fill() {
				return
			}
			continue
		}
		switch e.planted() {
		case stop:
			return
		case needMore:
			if !e.fill() {
				return
			}
			continue
		}
		k, err := e.d.Next(e.buf[e.start:e.end], &ev)
		e.start += k
		var pe *codec.ProtocolError
		if errors.As(err, &pe) {
			e.close(pe.Code)
			return
		}
		switch ev.Kind {
		case codec.EventData:
			if e.fault == streams {
				op := codec.OpContinuation
				if ev.Start {
					op = ev.Opcode
				}
				e.write(codec.Header{Fin: ev.End, Opcode: op, Length: int64(len(ev.Payload))}, ev.Payload)
				continue
			}
			if ev.Start {
				e.msg = e.msg[:0]
			}
			e.msg = append(e.msg, ev.Payload...)
			if !ev.End {
				continue
			}
			op := ev.Opcode
			if e.text {
				op = codec.OpText
				if e.fault == lateUTF8 && !codec.ValidUTF8(e.msg) {
					e.close(codec.CloseInvalidPayload)
					return
				}
			}
			e.write(codec.Header{Fin: true, Opcode: op, Length: int64(len(e.msg))}, e.msg)
		case codec.EventPing:
			e.write(codec.Header{Fin: true, Opcode: codec.OpPong, Length: int64(len(ev.Payload))}, ev.Payload)
		case codec.EventClose:
			e.close(codec.CloseReply(ev.Code))
			return
		}
	}
}

// What planted tells the loop.
const (
	goOn     = iota // let the decoder have the bytes
	needMore        // read more first
	stop            // the connection is over
)

// planted does what the fault changes before the decoder sees the next
// frame.
func (e *fixtureConn) planted() int {
	if e.d.InFrame() || (e.fault != noUTF8 && e.fault != lateUTF8 && e.fault != echoBadClose) {
		return goOn
	}
	b := e.buf[e.start:e.end]
	h, n, err := codec.ParseHeader(b)
	if err == codec.ErrShortHeader {
		return needMore
	}
	if err != nil {
		return goOn // the decoder reports it
	}
	switch {
	case (h.Opcode == codec.OpText || h.Opcode == codec.OpBinary) && e.fault != echoBadClose:
		e.text = markText(b)
	case h.Opcode == codec.OpClose && e.fault == echoBadClose && h.Length >= 2:
		if int64(len(b)) < int64(n)+h.Length {
			return needMore
		}
		var code [2]byte
		codec.MaskCopy(code[:], b[n:n+2], h.Key, 0)
		if cc := codec.CloseCode(code[0])<<8 | codec.CloseCode(code[1]); !cc.IsValid() {
			e.write(codec.Header{Fin: true, Opcode: codec.OpClose, Length: 2}, code[:])
			return stop
		}
	}
	return goOn
}

// markText hides a text message from a decoder, which checks UTF-8 as
// fragments arrive: b starts with the header of the first frame of a text
// or binary message, and a text one is made binary. It reports whether
// the message is text.
func markText(b []byte) (text bool) {
	if codec.Opcode(b[0]&0x0f) != codec.OpText {
		return false
	}
	b[0] = b[0]&0xf0 | byte(codec.OpBinary)
	return true
}

func (e *fixtureConn) write(h codec.Header, p []byte) {
	e.c.Write(append(codec.AppendHeader(nil, h), p...))
}

func (e *fixtureConn) close(code codec.CloseCode) {
	p := codec.AppendClose(nil, code, "")
	e.write(codec.Header{Fin: true, Opcode: codec.OpClose, Length: int64(len(p))}, p)
}

// faultOptions are the options of the planted-fault runs: every RFC 6455
// case, but under the race detector, which slows large messages tenfold
// and the seven fixtures run at once, not group 9, which measures
// throughput and which no planted fault touches.
func faultOptions() *wstest.Options {
	o := &wstest.Options{Timeout: 3 * time.Second, Quiet: 300 * time.Millisecond}
	if testenv.RaceEnabled {
		o.Cases = []string{"1", "2", "3", "4", "5", "M", "6", "7", "10", "H"} // M: the client cases of masking
		o.Timeout = 10 * time.Second
	}
	return o
}

// TestPlantedFaults runs every RFC 6455 case against each fixture: the
// one without a fault passes every case, and each faulty one fails
// exactly the cases aimed at its fault. The fixtures run at the same time
// (they mostly wait: for silence, or for a timeout where a fault makes a
// fixture wait for bytes that never come).
func TestPlantedFaults(t *testing.T) {
	t.Parallel()
	invalidUTF8 := []string{"6.4.1", "6.4.2", "6.5.1", "6.5.2", "6.5.3"}
	for i := 14; i <= 42; i++ {
		invalidUTF8 = append(invalidUTF8, "6.6."+strconv.Itoa(i))
	}
	var badCodes []string
	for i := 1; i <= 12; i++ {
		badCodes = append(badCodes, "7.9."+strconv.Itoa(i))
	}
	var fixtures []planted
	for _, fx := range []struct {
		name  string
		fault fault
		fails []string
	}{
		{"none", noFault, nil},
		{"text not checked for UTF-8", noUTF8, invalidUTF8},
		{"no fail fast inside a fragmented text message", lateUTF8, []string{"6.5.1", "6.5.2", "6.5.3"}},
		{"invalid close codes echoed", echoBadClose, badCodes},
		{"HTTP/1.0 upgrade accepted", acceptHTTP10, []string{"H.7"}},
		{"frames sent with the request dropped", dropEarlyFrames, []string{"H.9"}},
		{"no size limit", noSizeLimit, []string{"10.1", "10.2"}},
		{"offers agreed to blindly", blindOffer, []string{"H.12", "H.13"}},
	} {
		url := startFixture(t, fx.fault)
		fixtures = append(fixtures, planted{name: fx.name, fails: fx.fails, run: func() ([]wstest.Result, error) {
			return wstest.Run(t.Context(), url, faultOptions())
		}})
	}
	checkPlanted(t, fixtures)
}

// planted is a fixture with a planted fault, the run of the suite
// against it, and the cases it must fail, and those it must get
// NON-STRICT for.
type planted struct {
	name      string
	fails     []string
	nonStrict []string
	run       func() ([]wstest.Result, error)
}

// checkPlanted runs every fixture at once and checks, in a subtest each,
// that it failed exactly its cases, and got NON-STRICT for exactly its
// others.
func checkPlanted(t *testing.T, fixtures []planted) {
	results := make([][]wstest.Result, len(fixtures))
	errs := make([]error, len(fixtures))
	var wg sync.WaitGroup
	for i, fx := range fixtures {
		wg.Go(func() { results[i], errs[i] = fx.run() })
	}
	wg.Wait()
	for i, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			var failed, nonStrict []string
			for _, r := range results[i] {
				switch r.Verdict {
				case wstest.Fail:
					failed = append(failed, r.Case.ID)
				case wstest.NonStrict:
					nonStrict = append(nonStrict, r.Case.ID)
				}
			}
			if !slices.Equal(nonStrict, fx.nonStrict) {
				for _, r := range results[i] {
					if r.Verdict == wstest.NonStrict {
						t.Logf("%s: NON-STRICT: %s", r.Case.ID, r.Observed)
					}
				}
				t.Errorf("NON-STRICT for %q\nwant %q", nonStrict, fx.nonStrict)
			}
			if !slices.Equal(failed, fx.fails) {
				for _, r := range results[i] {
					if r.Verdict == wstest.Fail {
						t.Logf("%s: %s", r.Case.ID, r.Observed)
					}
				}
				t.Errorf("failed %q\nwant %q", failed, fx.fails)
			}
		})
	}
}

// TestStreamingServer runs the cases of large and fragmented messages
// against a server that echoes each piece as it reads it: the suite must
// read while it writes, or both sides' socket buffers fill and the 16 MiB
// cases deadlock.
func TestStreamingServer(t *testing.T) {
	t.Parallel()
	allPass(t)(wstest.Run(t.Context(), startFixture(t, streams), &wstest.Options{Cases: []string{"1", "5", "9"}}))
}

// TestStalledServer checks that every case ends within its timeout
// against a server that completes the handshake and then reads nothing,
// and one that accepts TCP connections and does nothing at all.
func TestStalledServer(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for _, handshake := range []bool{true, false} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				if handshake {
					go stallAfterHandshake(c)
				}
			}
		}()
		const timeout = 700 * time.Millisecond
		wg.Go(func() {
			res, err := wstest.Run(t.Context(), "ws://"+ln.Addr().String()+"/", &wstest.Options{Cases: []string{"2.1", "9.1.6", "H.8"}, Timeout: timeout})
			if err != nil {
				t.Error(err)
			}
			for _, r := range res {
				if r.Verdict != wstest.Fail || r.Elapsed > timeout+500*time.Millisecond {
					t.Errorf("handshake %v: %s: %v after %v: %s", handshake, r.Case.ID, r.Verdict, r.Elapsed, r.Observed)
				}
			}
		})
	}
	wg.Wait()
}

// stallAfterHandshake answers the opening handshake, then neither reads
// nor writes.
func stallAfterHandshake(c net.Conn) {
	buf := make([]byte, 4096)
	n := 0
	for !bytes.Contains(buf[:n], []byte("\r\n\r\n")) && n < len(buf) {
		k, err := c.Read(buf[n:])
		if err != nil {
			return
		}
		n += k
	}
	if req, _, err := handshake.ParseRequest(buf[:n]); err == nil {
		c.Write(handshake.AppendResponse(nil, req.Key, "", ""))
	}
}
