package main

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
)

// chromiumOffer is the permessage-deflate offer of Chromium, which
// `wsbench client -deflate` makes too: context takeover both ways, 15-bit
// windows, and a client that accepts a limit on its window.
const chromiumOffer = "permessage-deflate; client_max_window_bits"

// minCompress is the size from which the dialer compresses a message, as
// `wsbench client -deflate` does.
const minCompress = 64

// wsConn is a small WebSocket client for the sweep's memory mode: one
// message in flight, checked
// byte for byte. It compresses with compress/flate at level 1, each
// message on its own, which suits any server's answer (a client may
// always drop its context), and inflates the server's messages keeping
// the last 32 KiB of them when the server keeps its context.
type wsConn struct {
	conn net.Conn
	ext  string // the server's Sec-WebSocket-Extensions; "" if it declined
	enc  codec.Encoder
	dec  codec.Decoder

	rb         []byte
	start, end int // rb[start:end] is not decoded yet
	wb         []byte

	fw       *flate.Writer
	zb       bytes.Buffer
	takeover bool   // the server compresses with context takeover
	hist     []byte // its last 32 KiB of plain text, when it does
	msg      []byte // the message being received, as received
	plain    []byte
}

// dialWS opens a connection to the echo server at addr, offering
// permessage-deflate as Chromium does when deflate is set.
func dialWS(ctx context.Context, addr string, deflate bool) (*wsConn, error) {
	var opts handshake.DialOptions
	if deflate {
		opts.Extensions = chromiumOffer
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, rest, err := handshake.Dial(dctx, "ws://"+addr+"/", &opts)
	if err != nil {
		return nil, err
	}
	c := &wsConn{conn: conn, ext: conn.(*handshake.ClientConn).Extensions()}
	c.enc.Role = codec.RoleClient
	c.dec.Role = codec.RoleClient
	c.dec.MaxMessage = 64 << 20
	c.rb = make([]byte, 64<<10)
	c.end = copy(c.rb, rest)
	if c.ext != "" {
		// The offer allowed permessage-deflate only; handshake.Dial has
		// checked that nothing else was accepted.
		params := strings.ToLower(c.ext)
		level := flate.BestSpeed
		if strings.Contains(params, "client_max_window_bits=") && !strings.Contains(params, "client_max_window_bits=15") {
			// compress/flate always matches within 32 KiB; without
			// matches any window is honoured.
			level = flate.HuffmanOnly
		}
		c.takeover = !strings.Contains(params, "server_no_context_takeover")
		c.dec.AllowedRsv = codec.Rsv1
		c.fw, _ = flate.NewWriter(&c.zb, level)
	}
	return c, nil
}

// textPayload returns the text payload of `wsbench client -size n` on its
// first connection for message seq: letters a to z over and over, the
// first 16 of them overwritten with seq in hexadecimal.
func textPayload(n int, seq uint64) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = 'a' + byte(i%26)
	}
	const hex = "0123456789abcdef"
	for i := 0; i < len(p) && i < 16; i++ {
		p[i] = hex[(seq>>(4*uint(i)))&0xF]
	}
	return p
}

// compress returns p compressed as a permessage-deflate payload (RFC 7692
// §7.2.1): a sync flush with its 00 00 ff ff tail removed.
func (c *wsConn) compress(p []byte) []byte {
	c.zb.Reset()
	c.fw.Reset(&c.zb)
	c.fw.Write(p)
	c.fw.Flush()
	return bytes.TrimSuffix(c.zb.Bytes(), []byte{0, 0, 0xff, 0xff})
}

// inflate returns the plain text of a compressed message.
func (c *wsConn) inflate(z []byte) ([]byte, error) {
	// The removed tail, then an empty final block so that the reader ends
	// at EOF rather than with io.ErrUnexpectedEOF.
	in := append(z, 0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff)
	var r io.ReadCloser
	if c.takeover {
		r = flate.NewReaderDict(bytes.NewReader(in), c.hist)
	} else {
		r = flate.NewReader(bytes.NewReader(in))
	}
	var out bytes.Buffer
	_, err := out.ReadFrom(r)
	if err != nil {
		return nil, err
	}
	if c.takeover {
		c.hist = append(c.hist, out.Bytes()...)
		if len(c.hist) > 32<<10 {
			c.hist = append(c.hist[:0], c.hist[len(c.hist)-32<<10:]...)
		}
	}
	return out.Bytes(), nil
}

// echo sends p as a text message, compressed when permessage-deflate is in
// use and p has minCompress bytes or more, and waits for the echo. It
// returns the payload sizes on the wire of the message sent and of the
// echo (compressed, if so), and fails if the echo differs from p.
func (c *wsConn) echo(p []byte, timeout time.Duration) (sent, got int, err error) {
	c.conn.SetDeadline(time.Now().Add(timeout))
	defer c.conn.SetDeadline(time.Time{})
	payload, rsv := p, uint8(0)
	if c.fw != nil && len(p) >= minCompress {
		payload, rsv = c.compress(p), codec.Rsv1
	}
	if c.wb, err = c.enc.AppendFrame(c.wb[:0], codec.OpText, rsv, true, payload); err != nil {
		return 0, 0, err
	}
	if _, err := c.conn.Write(c.wb); err != nil {
		return 0, 0, err
	}
	var ev codec.Event
	c.msg = c.msg[:0]
	compressed := false
	for {
		for c.start < c.end {
			n, err := c.dec.Next(c.rb[c.start:c.end], &ev)
			c.start += n
			if err != nil {
				return 0, 0, err
			}
			switch ev.Kind {
			case codec.EventNone:
				continue
			case codec.EventClose:
				return 0, 0, fmt.Errorf("server closed the connection: %v %q", ev.Code, ev.Reason)
			case codec.EventData:
			default:
				continue // pings and pongs
			}
			if ev.Start {
				compressed = ev.Rsv&codec.Rsv1 != 0
			}
			c.msg = append(c.msg, ev.Payload...)
			if !ev.End {
				continue
			}
			plain := c.msg
			if compressed {
				if plain, err = c.inflate(c.msg); err != nil {
					return 0, 0, fmt.Errorf("inflating the echo: %v", err)
				}
			}
			if ev.Opcode != codec.OpText || !bytes.Equal(plain, p) {
				return 0, 0, errors.New("the echo differs from the message sent")
			}
			return len(payload), len(c.msg), nil
		}
		c.start, c.end = 0, 0
		n, err := c.conn.Read(c.rb)
		c.end = n
		if n == 0 && err != nil {
			return 0, 0, err
		}
	}
}

// close sends a close frame and closes the connection without waiting for
// the answer.
func (c *wsConn) close() {
	c.conn.SetWriteDeadline(time.Now().Add(time.Second))
	if b, err := c.enc.AppendClose(c.wb[:0], codec.CloseNormal, ""); err == nil {
		c.conn.Write(b)
	}
	c.conn.Close()
}
