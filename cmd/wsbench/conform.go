package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/handshake"
)

// Verdicts of a conformance case.
const (
	verdictPass      = "PASS"
	verdictNonStrict = "NON-STRICT" // failed the connection, but not with the code RFC 6455 names
	verdictFail      = "FAIL"
	verdictInfo      = "INFO" // measured, not judged
)

// ConformResult is the outcome of one case.
type ConformResult struct {
	ID       string `json:"id"`
	Desc     string `json:"description"`
	Expect   string `json:"expected"`
	RFC      string `json:"rfc"`
	Observed string `json:"observed"`
	Verdict  string `json:"verdict"`
	Millis   int64  `json:"ms"`
}

// confCase is one case of the catalogue: run talks to the server over a
// fresh connection (or, for handshake cases, a raw TCP connection) and
// returns the verdict and what it saw.
type confCase struct {
	id, desc, expect, rfc string
	raw                   bool                   // run gets a TCP connection without a handshake
	deflate               *deflate.ClientOptions // offer permessage-deflate with these options
	offer                 string                 // or make this raw offer (judged as the zero options)
	run                   func(c *confConn) (verdict, observed string)
}

// confConn is the client side of a case: it writes frames exactly as the
// case says, masked with fresh keys, and reads what the server answers.
type confConn struct {
	conn    net.Conn
	br      []byte // bytes read past the handshake, then the read buffer
	start   int
	end     int
	dec     codec.Decoder
	timeout time.Duration // how long to wait for an answer
	quiet   time.Duration // how long silence must last to count as silence
	addr    string        // host:port, for raw cases
	host    string
	path    string
	closed  bool // we sent a close frame

	// permessage-deflate, when the case offered it and the server accepted.
	ext    string
	params deflate.Params
	comp   *deflate.Compressor
	decomp *deflate.Decompressor
	plain  []byte
}

// frame builds one masked frame.
func frameBytes(fin bool, rsv uint8, op codec.Opcode, payload []byte) []byte {
	var key [4]byte
	rand.Read(key[:])
	h := codec.Header{Fin: fin, Rsv: rsv, Opcode: op, Masked: true, Key: key, Length: int64(len(payload))}
	b := codec.AppendHeader(nil, h)
	n := len(b)
	b = append(b, payload...)
	codec.Mask(b[n:], key, 0)
	return b
}

func (c *confConn) send(frames ...[]byte) error {
	for _, f := range frames {
		if _, err := c.conn.Write(f); err != nil {
			return err
		}
	}
	return nil
}

// sendChopped writes b in pieces of chunk bytes, pausing between them, so
// that the server sees frames arrive in fragments.
func (c *confConn) sendChopped(b []byte, chunk int, pause time.Duration) error {
	for len(b) > 0 {
		k := min(chunk, len(b))
		if _, err := c.conn.Write(b[:k]); err != nil {
			return err
		}
		b = b[k:]
		if pause > 0 && len(b) > 0 {
			time.Sleep(pause)
		}
	}
	return nil
}

// observation is one thing the server did.
type observation struct {
	kind    string // "message", "ping", "pong", "close", "eof", "timeout", "bad frame"
	op      codec.Opcode
	payload []byte
	code    codec.CloseCode
	err     error
}

func (o observation) String() string {
	switch o.kind {
	case "message":
		if len(o.payload) > 40 {
			return fmt.Sprintf("%v message of %d bytes", o.op, len(o.payload))
		}
		return fmt.Sprintf("%v message %q", o.op, o.payload)
	case "ping", "pong":
		return fmt.Sprintf("%s %q", o.kind, o.payload)
	case "close":
		return fmt.Sprintf("close %v", o.code)
	case "bad frame":
		return "invalid frame from server: " + o.err.Error()
	}
	return o.kind
}

// next returns the server's next message, control frame, close or silence
// within d.
func (c *confConn) next(d time.Duration) observation {
	c.conn.SetReadDeadline(time.Now().Add(d))
	var ev codec.Event
	var msg []byte
	var op codec.Opcode
	for {
		for c.start < c.end {
			n, err := c.dec.Next(c.br[c.start:c.end], &ev)
			c.start += n
			if err != nil {
				return observation{kind: "bad frame", err: err}
			}
			switch ev.Kind {
			case codec.EventNone:
			case codec.EventData:
				if ev.Start {
					msg, op = msg[:0], ev.Opcode
				}
				if ev.Rsv&codec.Rsv1 != 0 && c.decomp != nil {
					var err error
					if msg, err = c.decomp.AppendChunk(msg, ev.Opcode, ev.Payload, ev.End); err != nil {
						return observation{kind: "bad frame", err: err}
					}
				} else {
					msg = append(msg, ev.Payload...)
				}
				if ev.End {
					return observation{kind: "message", op: op, payload: msg}
				}
			case codec.EventPing:
				return observation{kind: "ping", payload: append([]byte(nil), ev.Payload...)}
			case codec.EventPong:
				return observation{kind: "pong", payload: append([]byte(nil), ev.Payload...)}
			case codec.EventClose:
				return observation{kind: "close", code: ev.Code}
			}
		}
		c.start, c.end = 0, 0
		n, err := c.conn.Read(c.br)
		c.end = n
		if n == 0 && err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return observation{kind: "timeout"}
			}
			return observation{kind: "eof", err: err}
		}
	}
}

// expectEcho checks that the server answers with op and payload.
func (c *confConn) expectEcho(op codec.Opcode, payload []byte) (string, string) {
	o := c.next(c.timeout)
	if o.kind == "message" && o.op == op && string(o.payload) == string(payload) {
		return verdictPass, o.String()
	}
	if o.kind == "message" {
		return verdictFail, fmt.Sprintf("%v message of %d bytes that differs from what was sent", o.op, len(o.payload))
	}
	return verdictFail, o.String()
}

// expectPong checks for a pong with payload.
func (c *confConn) expectPong(payload []byte) (string, string) {
	o := c.next(c.timeout)
	if o.kind == "pong" && string(o.payload) == string(payload) {
		return verdictPass, o.String()
	}
	return verdictFail, o.String()
}

// expectSilence checks that the server sends nothing for d.
func (c *confConn) expectSilence(d time.Duration) (string, string) {
	o := c.next(d)
	if o.kind == "timeout" {
		return verdictPass, "nothing, as expected"
	}
	return verdictFail, o.String()
}

// expectFail checks that the server fails the connection (§7.1.7): a close
// frame with code is PASS; a different close code, or the TCP connection
// closing without a close frame, is NON-STRICT; anything else fails. Frames
// the server answers before failing (pongs, echoes of earlier messages)
// are skipped if allowed says so.
func (c *confConn) expectFail(code codec.CloseCode, allowed ...string) (string, string) {
	var seen []string
	for {
		o := c.next(c.timeout)
		switch o.kind {
		case "close":
			c.replyClose(o.code)
			obs := strings.Join(append(seen, o.String()), ", then ")
			if o.code == code {
				return verdictPass, obs
			}
			return verdictNonStrict, obs + fmt.Sprintf(" (RFC 6455 names %v)", code)
		case "eof":
			return verdictNonStrict, strings.Join(append(seen, "TCP closed without a close frame"), ", then ")
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == o.kind
		}
		if !ok {
			return verdictFail, strings.Join(append(seen, o.String()), ", then ")
		}
		seen = append(seen, o.String())
	}
}

// expectClose checks that the server answers a close frame with code
// (CloseNoStatus: an empty close frame or 1000) and then closes TCP.
func (c *confConn) expectClose(code codec.CloseCode) (string, string) {
	o := c.next(c.timeout)
	if o.kind != "close" {
		return verdictFail, o.String()
	}
	if o.code == code || code == codec.CloseNoStatus && o.code == codec.CloseNormal {
		after := c.next(c.timeout)
		if after.kind == "eof" {
			return verdictPass, o.String() + ", then TCP closed"
		}
		return verdictNonStrict, o.String() + ", then " + after.String() + " instead of closing TCP"
	}
	return verdictFail, o.String() + fmt.Sprintf(" (expected %v)", code)
}

func (c *confConn) replyClose(code codec.CloseCode) {
	if !c.closed {
		c.closed = true
		c.send(frameBytes(true, 0, codec.OpClose, codec.AppendClose(nil, codec.CloseReply(code), "")))
	}
}

// runConform runs every case whose ID starts with one of filters (all when
// empty) against the echo server at rawURL.
func runConform(ctx context.Context, rawURL string, filters []string, timeout, quiet time.Duration, p *progress) ([]ConformResult, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "ws" || u.Host == "" {
		return nil, fmt.Errorf("conform needs a ws:// URL with a host, got %q", rawURL)
	}
	path := u.RequestURI()
	var out []ConformResult
	for _, cs := range conformCases() {
		if !matchesFilter(cs.id, filters) {
			continue
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		p.update("conform: case %s", cs.id)
		res := ConformResult{ID: cs.id, Desc: cs.desc, Expect: cs.expect, RFC: cs.rfc}
		start := time.Now()
		res.Verdict, res.Observed = runCase(ctx, cs, u.Host, path, timeout, quiet)
		res.Millis = time.Since(start).Milliseconds()
		out = append(out, res)
	}
	return out, nil
}

func matchesFilter(id string, filters []string) bool {
	if len(filters) == 0 {
		return true
	}
	for _, f := range filters {
		if id == f || strings.HasPrefix(id, f+".") {
			return true
		}
	}
	return false
}

func runCase(ctx context.Context, cs confCase, host, path string, timeout, quiet time.Duration) (string, string) {
	c := &confConn{br: make([]byte, 256<<10), timeout: timeout, quiet: quiet, addr: host, host: host, path: path}
	c.dec.Role = codec.RoleClient
	c.dec.MaxMessage = 64 << 20
	if cs.raw {
		conn, err := net.DialTimeout("tcp", host, timeout)
		if err != nil {
			return verdictFail, "dial: " + err.Error()
		}
		defer conn.Close()
		c.conn = conn
		conn.SetDeadline(time.Now().Add(4 * timeout))
		return cs.run(c)
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	offer, opts := cs.offer, deflate.ClientOptions{}
	if cs.deflate != nil {
		offer, opts = deflate.ClientOffer(*cs.deflate), *cs.deflate
	}
	conn, rest, err := handshake.Dial(dctx, "ws://"+host+path, &handshake.DialOptions{Extensions: offer})
	if err != nil {
		return verdictFail, "handshake: " + err.Error()
	}
	defer conn.Close()
	c.conn = conn
	c.end = copy(c.br, rest)
	if c.ext = conn.(*handshake.ClientConn).Extensions(); c.ext != "" {
		p, ok, err := deflate.ParseResponse([]byte(c.ext), opts)
		if err != nil || !ok {
			return verdictFail, fmt.Sprintf("invalid permessage-deflate response %q to %q: %v", c.ext, offer, err)
		}
		c.params = p
		c.comp = deflate.NewCompressor(p, codec.RoleClient, deflate.DefaultLevel)
		c.decomp = deflate.NewDecompressor(p, codec.RoleClient, c.dec.MaxMessage)
		c.dec.AllowedRsv = codec.Rsv1
	}
	return cs.run(c)
}

// rawHandshake sends head (split into pieces of chunk bytes when chunk > 0)
// and returns the status code of the reply and its head. Bytes after the
// head stay in c's buffer for next.
func (c *confConn) rawHandshake(head string, chunk int) (int, string, error) {
	var err error
	if chunk > 0 {
		err = c.sendChopped([]byte(head), chunk, time.Millisecond)
	} else {
		_, err = io.WriteString(c.conn, head)
	}
	if err != nil {
		return 0, "", err
	}
	c.conn.SetReadDeadline(time.Now().Add(c.timeout))
	c.start, c.end = 0, 0
	for {
		if i := strings.Index(string(c.br[:c.end]), "\r\n\r\n"); i >= 0 {
			reply := string(c.br[:i+4])
			c.start = i + 4
			var major, minor, status int
			fmt.Sscanf(reply, "HTTP/%d.%d %d", &major, &minor, &status)
			return status, reply, nil
		}
		if c.end == len(c.br) {
			return 0, "", errors.New("reply head too large")
		}
		n, err := c.conn.Read(c.br[c.end:])
		c.end += n
		if n == 0 && err != nil {
			return 0, string(c.br[:c.end]), err
		}
	}
}
