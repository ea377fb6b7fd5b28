package wstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

// EchoClient is the client under test of RunClient and TestClient. It
// dials url, echoes every message it receives (text as text, binary as
// binary, one message for each) until the server closes the connection,
// and returns; ctx ends with the case. An error it returns is reported,
// not judged: what the client does on the wire is.
type EchoClient = func(ctx context.Context, url string) error

var errClientHTTP2 = errors.New("wstest: Options.HTTP2 applies to the server cases; the client cases serve HTTP/1.1 only")

// clientRun is what a client case does on its stage.
type clientRun func(s *stage) (Verdict, string)

// stage is the suite's side of one client case: the server the client
// under test dials. It has read and checked the client's opening
// handshake; the case writes the reply.
type stage struct {
	endpoint
	key        string   // Sec-WebSocket-Key
	protocols  []string // subprotocols offered
	extensions []string // Sec-WebSocket-Extensions elements offered
}

// ClientCases returns the client cases, in the order RunClient runs
// them, numbered as the server cases of the same subject are: 1 framing,
// 2 pings, 3 reserved bits, 4 opcodes, 5 fragmentation, M masking, 6
// UTF-8, 7 closing, 9 large messages, 10 resource limits, 12 and 13
// permessage-deflate (with Options.Deflate), H the server's opening
// handshake. The slice is new on each call; the cases are shared and
// must not be modified.
func ClientCases() []*Case { return append([]*Case(nil), clientCases()...) }

// RunClient runs the client cases that o selects against echo, one after
// another: each serves one connection on a loopback port of its own,
// calls echo with its URL (ws://127.0.0.1:PORT/ID), and judges what the
// client does. A case ends within Options.Timeout whatever the client
// does; a client that has not returned by then is reported and left
// running.
//
// RunClient returns the results of the cases that ended. It returns an
// error when the selection is unusable or o sets HTTP2, or, with the
// results so far, when ctx is done: the case under way then stops at once
// and is left out.
func RunClient(ctx context.Context, echo EchoClient, o *Options) ([]Result, error) {
	if o.http2() {
		return nil, errClientHTTP2
	}
	return runAll(ctx, ClientCases(), o, func(c *Case) Result { return runClientCase(ctx, echo, c, o) })
}

// TestClient runs the client cases that o selects against echo, each as a
// subtest named by its ID. A FAIL fails the subtest with what was
// expected and observed; NON-STRICT and INFO results are logged.
func TestClient(t *testing.T, echo EchoClient, o *Options) {
	t.Helper()
	if o.http2() {
		t.Fatal(errClientHTTP2)
	}
	cases, err := selectCases(ClientCases(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) { report(t, runClientCase(t.Context(), echo, c, o)) })
	}
}

// runClientCase serves c to echo and times it.
func runClientCase(ctx context.Context, echo EchoClient, c *Case, o *Options) Result {
	start := time.Now()
	end := start.Add(o.timeout())
	v, obs := serveCase(ctx, echo, c, end, o.quiet())
	return Result{Case: c, Verdict: v, Observed: obs, Elapsed: time.Since(start)}
}

func serveCase(ctx context.Context, echo EchoClient, c *Case, end time.Time, quiet time.Duration) (Verdict, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Fail, "listen: " + err.Error()
	}
	defer ln.Close()
	// The client's context outlives the case by a second, so that the
	// case's own deadline, not the client giving up, ends a case that the
	// client does not finish.
	cctx, cancel := context.WithDeadline(ctx, end.Add(time.Second))
	defer cancel()
	returned := make(chan error, 1)
	go func() {
		// A client that panics fails the case instead of ending the run.
		defer func() {
			if p := recover(); p != nil {
				returned <- panicked{p}
			}
		}()
		returned <- echo(cctx, "ws://"+ln.Addr().String()+"/"+c.ID)
	}()

	conn, err := accept(ln, end, returned)
	if err != nil {
		return Fail, err.Error()
	}
	s := &stage{endpoint: newEndpoint(codec.RoleServer, end, quiet)}
	s.attach(conn)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	v, obs := s.readRequest()
	if v == 0 {
		v, obs = c.client(s)
	}
	stop()
	s.out.stop() // the server closes TCP first (§7.1.1)

	// The client must return once its connection is closed.
	grace := max(time.Until(end), time.Second)
	select {
	case err := <-returned:
		var p panicked
		switch {
		case errors.As(err, &p):
			v, obs = Fail, obs+"; the client panicked: "+p.Error()
		case err != nil && v != Pass:
			obs += fmt.Sprintf(" (the client returned: %v)", err)
		}
	case <-time.After(grace):
		if v != Fail {
			v = Fail
			obs += fmt.Sprintf("; the client did not return within %v of the server closing the connection", grace.Round(time.Millisecond))
		}
	}
	return v, obs
}

// panicked is a panic of the client under test.
type panicked struct{ value any }

func (p panicked) Error() string { return fmt.Sprint(p.value) }

// accept waits for the client's connection until end, or until echo
// returns without connecting.
func accept(ln net.Listener, end time.Time, returned chan error) (net.Conn, error) {
	ln.(*net.TCPListener).SetDeadline(end)
	var (
		conn net.Conn
		err  error
		wg   sync.WaitGroup
	)
	wg.Go(func() { conn, err = ln.Accept() })
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case rerr := <-returned:
		ln.Close()
		<-done
		returned <- rerr // for the caller, which waits for it too
		if conn == nil {
			return nil, fmt.Errorf("the client returned without connecting: %v", rerr)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("the client did not connect: %v", err)
	}
	return conn, nil
}

// readRequest reads and checks the client's opening handshake; a verdict
// other than 0 ends the case there.
func (s *stage) readRequest() (Verdict, string) {
	for {
		req, n, err := handshake.ParseRequest(s.buf[:s.n])
		if err == nil {
			s.key = string(req.Key)
			for p := range req.Protocols.Elements {
				s.protocols = append(s.protocols, string(p))
			}
			for e := range req.Extensions.Elements {
				s.extensions = append(s.extensions, string(e))
			}
			s.start = n
			return 0, ""
		}
		var he *handshake.Error
		if errors.As(err, &he) {
			s.out.queue(handshake.AppendReject(nil, he.Status, he.Rule), 0)
			return Fail, "the client's opening handshake breaks RFC 6455 §4.1: " + he.Rule
		}
		k, rerr := s.conn.Read(s.buf[s.n:])
		s.n += k
		if k == 0 && rerr != nil {
			return Fail, "no opening handshake: " + rerr.Error()
		}
	}
}

// offered reports whether the client offered permessage-deflate, and
// whether with client_max_window_bits.
func (s *stage) offered() (deflateOffered, windowBits bool) {
	for _, e := range s.extensions {
		name, params, ok := handshake.ParseExtension([]byte(e))
		if !ok || !strings.EqualFold(string(name), deflate.ExtensionName) {
			continue
		}
		deflateOffered = true
		for name, _, rest, ok := handshake.NextParam(params); ok && name != nil; name, _, rest, ok = handshake.NextParam(rest) {
			windowBits = windowBits || strings.EqualFold(string(name), "client_max_window_bits")
		}
	}
	return deflateOffered, windowBits
}

// accept answers the handshake with 101, accepting permessage-deflate
// with opts when opts is set and the client offered it. It reports
// whether compression is on.
func (s *stage) accept(opts *deflate.ServerOptions) bool {
	ext := ""
	if opts != nil {
		var elems [][]byte
		for _, e := range s.extensions {
			elems = append(elems, []byte(e))
		}
		p, resp, ok := deflate.NegotiateServerElements(slices.Values(elems), *opts)
		if ok {
			s.useDeflate(p)
			s.ext = resp
			ext = resp
		}
	}
	s.out.queue(s.response("", ext), 0)
	return s.comp != nil
}

// response is a valid 101 reply to the client's key.
func (s *stage) response(protocol, ext string) []byte {
	return handshake.AppendResponse(nil, []byte(s.key), protocol, ext)
}

// finish ends a case that the client passed so far with the closing
// handshake, which it does not judge (group 7 does).
func (s *stage) finish(v Verdict, obs string) (Verdict, string) {
	if v == Fail {
		return v, obs
	}
	s.sendClose(closeFrame(codec.CloseNormal, ""))
	for {
		o := s.next(s.wait())
		if o.kind != gotMessage && o.kind != gotPong && o.kind != gotPing {
			return v, obs
		}
	}
}

// expectCloseReply checks that the client answers the server's close
// frame with want (CloseNoStatus: an empty close frame or 1000). Echoes
// of messages sent before the close may come first.
func (s *stage) expectCloseReply(want codec.CloseCode) (Verdict, string) {
	for {
		o := s.next(s.wait())
		switch {
		case o.kind == gotMessage || o.kind == gotPong:
			continue
		case o.kind != gotClose:
			return Fail, o.String() + " instead of a close frame"
		case o.code == want || want == codec.CloseNoStatus && o.code == codec.CloseNormal:
			return Pass, o.String()
		case o.code == codec.CloseNormal || o.code == codec.CloseNoStatus:
			return NonStrict, o.String() + fmt.Sprintf(" (§5.5.1: the endpoint typically echos the status code it received, %v)", want)
		}
		return Fail, o.String() + fmt.Sprintf(" (expected %v)", want)
	}
}

// expectRefusal checks that the client refused the server's reply: it
// must close the connection without a frame (§4.1: the client MUST _Fail
// the WebSocket Connection_ before it is established). A close frame is
// NON-STRICT; an echo of the message the server sent after its reply
// fails.
func (s *stage) expectRefusal() (Verdict, string) {
	s.send(whole(text, "refuse this connection"))
	o := s.next(s.wait())
	switch o.kind {
	case gotEOF:
		return Pass, "closed the connection without a frame"
	case gotClose:
		return NonStrict, o.String() + ": a close frame on a connection that should not have opened"
	case gotMessage:
		return Fail, "accepted the reply: echoed " + o.String()
	case gotTimeout:
		return Fail, "kept the connection open"
	}
	return Fail, "accepted the reply: sent " + o.String()
}
