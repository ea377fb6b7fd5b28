package wsnet

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
)

// tcpPair is rawPair with a 10-second deadline on both sockets, for the
// tests of the Reader and Writer, which do not bound their own waits.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	client, server = rawPair(t)
	deadline := time.Now().Add(10 * time.Second)
	client.SetDeadline(deadline)
	server.SetDeadline(deadline)
	return client, server
}

// TestReaderWriterEcho runs an echo server on a Reader and Writer and
// checks messages of every length encoding, in both frame styles.
func TestReaderWriterEcho(t *testing.T) {
	cc, sc := tcpPair(t)
	srvW := NewWriter(sc, codec.RoleServer)
	srvR := NewReader(sc, codec.RoleServer)
	srvR.Replies = srvW
	done := make(chan error, 1)
	go func() {
		var buf []byte
		for {
			op, msg, err := srvR.ReadMessage(buf[:0])
			if err != nil {
				done <- err
				return
			}
			buf = msg
			if err := srvW.WriteMessage(op, msg); err != nil {
				done <- err
				return
			}
		}
	}()

	cliW := NewWriter(cc, codec.RoleClient)
	cliR := NewReaderSize(cc, codec.RoleClient, 300) // small buffer: messages span many reads
	cliR.Replies = cliW
	sizes := []int{0, 1, 125, 126, 127, 65535, 65536, 65537, 1 << 20}
	for _, n := range sizes {
		payload := bytes.Repeat([]byte("wsframe!"), n/8+1)[:n]
		for _, streamed := range []bool{false, true} {
			var err error
			if streamed {
				var w io.WriteCloser
				w, err = cliW.NextWriter(codec.OpBinary)
				if err == nil {
					for p := payload; len(p) > 0; {
						k := min(len(p), 10000)
						w.Write(p[:k])
						p = p[k:]
					}
					err = w.Close()
				}
			} else {
				err = cliW.WriteMessage(codec.OpBinary, payload)
			}
			if err != nil {
				t.Fatalf("write %d bytes: %v", n, err)
			}
			op, r, err := cliR.NextReader()
			if err != nil {
				t.Fatalf("read echo of %d bytes: %v", n, err)
			}
			got, err := io.ReadAll(r)
			if err != nil || op != codec.OpBinary || !bytes.Equal(got, payload) {
				t.Fatalf("echo of %d bytes (streamed %v): op %v, %d bytes, %v", n, streamed, op, len(got), err)
			}
		}
	}
	// Text, and a ping in the middle: the server's Reader answers it.
	pongs := 0
	cliR.OnPong = func(p []byte) error {
		if string(p) != "are you there" {
			t.Errorf("pong payload %q", p)
		}
		pongs++
		return nil
	}
	cliW.WritePing([]byte("are you there"))
	cliW.WriteMessage(codec.OpText, []byte("Can you hear me?"))
	op, msg, err := cliR.ReadMessage(nil)
	if err != nil || op != codec.OpText || string(msg) != "Can you hear me?" || pongs != 1 {
		t.Fatalf("text echo: %v %q %v, %d pongs", op, msg, err, pongs)
	}
	// The client starts the closing handshake; the server echoes the code.
	if err := cliW.WriteClose(codec.CloseGoingAway, "done"); err != nil {
		t.Fatal(err)
	}
	if err := cliW.WriteMessage(codec.OpText, []byte("late")); err != codec.ErrCloseSent {
		t.Errorf("write after close: %v; want ErrCloseSent", err)
	}
	_, _, err = cliR.ReadMessage(nil)
	var ce *ClosedError
	if !errors.As(err, &ce) || ce.Code != codec.CloseGoingAway {
		t.Fatalf("client saw %v; want the echo of 1001", err)
	}
	if err := <-done; !errors.As(err, &ce) || ce.Code != codec.CloseGoingAway || ce.Reason != "done" {
		t.Fatalf("server saw %v; want ClosedError 1001 \"done\"", err)
	}
}

// TestReaderProtocolErrorSendsClose checks that a protocol error is
// answered with a close frame carrying its code (§7.1.7).
func TestReaderProtocolErrorSendsClose(t *testing.T) {
	var out bytes.Buffer
	in := bytes.NewReader(frame(true, 0, codec.OpText, false, "unmasked")) // to a server: must be masked
	r := NewReader(in, codec.RoleServer)
	r.Replies = NewWriter(&out, codec.RoleServer)
	if _, _, err := r.ReadMessage(nil); err != codec.ErrUnmaskedFrame {
		t.Fatalf("error %v; want ErrUnmaskedFrame", err)
	}
	d := codec.Decoder{Role: codec.RoleClient}
	got, err := feed(t, &d, [][]byte{out.Bytes()})
	if err != nil || len(got) != 1 || got[0].kind != codec.EventClose || got[0].code != codec.CloseProtocolError {
		t.Fatalf("reply %v %v; want a close frame with 1002", got, err)
	}
}

// TestReaderAbnormalClose: a connection that ends without a close frame
// is reported as 1006 with the cause.
func TestReaderAbnormalClose(t *testing.T) {
	r := NewReader(bytes.NewReader(frame(false, 0, codec.OpBinary, true, "part")), codec.RoleServer)
	_, _, err := r.ReadMessage(nil)
	var ce *ClosedError
	if !errors.As(err, &ce) || ce.Code != codec.CloseAbnormal || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("error %v; want ClosedError 1006 wrapping io.ErrUnexpectedEOF", err)
	}
}

// TestReaderEmptyCloseReply: a close without a code is answered with 1000.
func TestReaderEmptyCloseReply(t *testing.T) {
	var out bytes.Buffer
	r := NewReader(bytes.NewReader(frame(true, 0, codec.OpClose, true, "")), codec.RoleServer)
	r.Replies = NewWriter(&out, codec.RoleServer)
	_, _, err := r.ReadMessage(nil)
	var ce *ClosedError
	if !errors.As(err, &ce) || ce.Code != codec.CloseNoStatus {
		t.Fatalf("error %v; want ClosedError 1005", err)
	}
	if want := frame(true, 0, codec.OpClose, false, "\x03\xe8"); !bytes.Equal(out.Bytes(), want) {
		t.Errorf("reply % x; want % x", out.Bytes(), want)
	}
}

// TestNextReaderDiscards: an unread message is skipped by the next call.
func TestNextReaderDiscards(t *testing.T) {
	e := codec.Encoder{Role: codec.RoleClient, FragmentSize: 7}
	b, _ := e.AppendMessage(nil, codec.OpBinary, []byte(strings.Repeat("skip me ", 100)))
	b, _ = e.AppendMessage(b, codec.OpText, []byte("second"))
	r := NewReaderSize(bytes.NewReader(b), codec.RoleServer, 256)
	if _, mr, err := r.NextReader(); err != nil {
		t.Fatal(err)
	} else {
		var two [2]byte
		mr.Read(two[:])
	}
	op, msg, err := r.ReadMessage(nil)
	if err != nil || op != codec.OpText || string(msg) != "second" {
		t.Fatalf("after discarding: %v %q %v", op, msg, err)
	}
}

// TestWriterConcurrentControl writes a long streamed message from one
// goroutine while another sends pings: every frame must arrive whole, with
// the pings between fragments (run with -race).
func TestWriterConcurrentControl(t *testing.T) {
	var out lockedBuffer
	w := NewWriter(&out, codec.RoleClient)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			if err := w.WritePing([]byte("p")); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	payload := bytes.Repeat([]byte("0123456789"), 50000)
	mw, _ := w.NextWriter(codec.OpBinary)
	for p := payload; len(p) > 0; p = p[min(len(p), 3000):] {
		mw.Write(p[:min(len(p), 3000)])
	}
	mw.Close()
	wg.Wait()
	d := codec.Decoder{}
	got, err := feed(t, &d, [][]byte{out.Bytes()})
	if err != nil {
		t.Fatal(err)
	}
	pings, data := 0, ""
	for _, m := range got {
		switch m.kind {
		case codec.EventPing:
			pings++
		case codec.EventData:
			data = m.payload
		}
	}
	if pings != 200 || data != string(payload) {
		t.Fatalf("%d pings, %d data bytes; want 200 and %d", pings, len(data), len(payload))
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}
