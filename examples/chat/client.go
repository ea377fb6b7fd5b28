package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/wsnet"
)

// Client timing.
const (
	// dialTimeout bounds the connection and the opening handshake.
	dialTimeout = 10 * time.Second
	// flushTimeout bounds the wait, at the end of the input, for the room
	// to send back the client's last lines.
	flushTimeout = 2 * time.Second
)

// runClient joins the room at rawURL (ws://host/ws?name=...), offering
// compression. It prints what the room says to stdout, one line per
// message ("ann: hello", or "* ann joined" for notices), and sends each
// non-empty line of stdin as a text message. At the end of stdin, or when
// ctx ends, it closes the connection (1000 or 1001) and returns nil; when
// the server ends the connection first, it returns why (a
// *wsnet.ClosedError, such as 1001 when the server shuts down).
//
// stdout is written only by runClient's own goroutines, all ended when it
// returns. A read of stdin that blocks (a terminal) is left behind when
// the connection ends first, which only a process's exit ends.
func runClient(ctx context.Context, rawURL string, stdin io.Reader, stdout io.Writer) error {
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	conn, err := wsnet.Dial(dctx, rawURL, &wsnet.DialOptions{Compression: &deflate.ClientOptions{}})
	cancel()
	if err != nil {
		return err
	}
	p := &printer{out: stdout, name: cleanName(nameOf(rawURL)), own: make(chan struct{}, 1)}
	read := make(chan error, 1)
	go func() { read <- p.readLoop(conn) }()

	stop := make(chan struct{})
	defer close(stop)
	lines, scanErr := scanLines(stdin, stop)
	sent := 0
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return p.finish(conn, sent, read, *scanErr)
			}
			if err := conn.WriteMessage(ctx, codec.OpText, []byte(line)); err != nil {
				conn.CloseNow()
				return serverEnded(<-read, err)
			}
			sent++
		case err := <-read:
			return err
		case <-ctx.Done():
			conn.Close(codec.CloseGoingAway, "client leaving")
			<-read
			return nil
		}
	}
}

// nameOf returns the name query parameter of rawURL, or "".
func nameOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Query().Get("name")
}

// scanLines sends the non-empty lines of r, made valid UTF-8 as text
// messages must be, until r ends or stop is closed; then it closes the
// returned channel, after setting the error it returns a pointer to.
func scanLines(r io.Reader, stop <-chan struct{}) (<-chan string, *error) {
	lines := make(chan string)
	errp := new(error)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(r)
		s.Buffer(nil, int(defaultConfig().MaxMessage))
		for s.Scan() {
			line := strings.ToValidUTF8(s.Text(), "\uFFFD")
			if strings.TrimSpace(line) == "" {
				continue
			}
			select {
			case lines <- line:
			case <-stop:
				return
			}
		}
		*errp = s.Err()
	}()
	return lines, errp
}

// serverEnded returns the reason the server gave for ending the
// connection, when readErr carries one, else err.
func serverEnded(readErr, err error) error {
	var ce *wsnet.ClosedError
	if errors.As(readErr, &ce) && ce.Code != codec.CloseAbnormal {
		return readErr
	}
	return err
}

// printer prints what the room sends and counts the client's own lines
// coming back.
type printer struct {
	out     io.Writer
	name    string        // as the room calls this client
	ownSeen atomic.Int64  // own lines received
	own     chan struct{} // a signal, not a count: ownSeen is the count
}

// readLoop prints every message conn receives until the connection ends,
// and returns why it ended.
func (p *printer) readLoop(conn *wsnet.Conn) error {
	var buf []byte
	for {
		_, msg, err := conn.ReadMessage(context.Background(), buf[:0])
		if err != nil {
			return err
		}
		p.print(msg)
		buf = msg
	}
}

// print prints one message of the room, or msg as it is when it is not
// the room's JSON.
func (p *printer) print(msg []byte) {
	var m Message
	if err := json.Unmarshal(msg, &m); err != nil {
		fmt.Fprintf(p.out, "%s\n", msg)
		return
	}
	if m.Event != "" {
		fmt.Fprintf(p.out, "* %s\n", m.Text)
		return
	}
	fmt.Fprintf(p.out, "%s: %s\n", m.From, m.Text)
	if m.From == p.name {
		p.ownSeen.Add(1)
		select {
		case p.own <- struct{}{}:
		default:
		}
	}
}

// finish ends the session at the end of the input: it waits, at most
// flushTimeout, until the room has sent back the sent lines, then closes
// with 1000. Without the wait a piped input would end in a close frame
// right behind its last lines, and the server, echoing the close at once,
// would never send them back. It returns scanErr, or why the server ended
// the connection first.
func (p *printer) finish(conn *wsnet.Conn, sent int, read <-chan error, scanErr error) error {
	timeout := time.NewTimer(flushTimeout)
	defer timeout.Stop()
	for p.ownSeen.Load() < int64(sent) {
		select {
		case <-p.own:
		case <-timeout.C:
			sent = 0 // give up waiting
		case err := <-read:
			return err
		}
	}
	code, reason := codec.CloseNormal, "bye"
	if scanErr != nil {
		code, reason = codec.CloseGoingAway, "input failed"
	}
	conn.Close(code, reason)
	<-read
	return scanErr
}
