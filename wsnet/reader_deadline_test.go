package wsnet

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
)

// TestReaderDeadline checks that a read deadline that passes is an error
// the caller recovers from, as with net.Conn: between messages, in the
// middle of a message read with ReadMessage (the next call appends the
// rest), in the middle of a frame header, and in a message read through
// NextReader.
func TestReaderDeadline(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	enc := codec.Encoder{Role: codec.RoleClient}
	var wire []byte
	wire, _ = enc.AppendMessage(wire, codec.OpText, []byte("first"))
	wire, _ = enc.AppendFrame(wire, codec.OpText, 0, false, []byte("sec"))
	split := len(wire) + 3 // in the middle of the next frame's header
	wire, _ = enc.AppendFrame(wire, codec.OpContinuation, 0, true, []byte("ond"))
	wire, _ = enc.AppendMessage(wire, codec.OpBinary, bytes.Repeat([]byte("x"), 300))
	feed := func(b []byte) {
		go client.Write(b)
	}
	r := NewReaderSize(server, codec.RoleServer, 256)
	expired := func(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

	// Nothing yet: the deadline passes between messages.
	server.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, _, err := r.ReadMessage(nil); !expired(err) {
		t.Fatalf("with nothing sent, ReadMessage = %v; want a timeout", err)
	}
	server.SetReadDeadline(time.Time{})
	feed(wire[:split])
	op, msg, err := r.ReadMessage(nil)
	if err != nil || op != codec.OpText || string(msg) != "first" {
		t.Fatalf("after a timeout, ReadMessage = %v %q %v", op, msg, err)
	}
	// The second message's first fragment came, and 3 bytes of the next
	// header: the deadline passes in the middle of the message.
	server.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	op, msg, err = r.ReadMessage(nil)
	if !expired(err) || op != codec.OpText || string(msg) != "sec" {
		t.Fatalf("ReadMessage in the middle of a message = %v %q %v; want text \"sec\" and a timeout", op, msg, err)
	}
	server.SetReadDeadline(time.Time{})
	feed(wire[split:])
	op, msg, err = r.ReadMessage(msg)
	if err != nil || op != codec.OpText || string(msg) != "second" {
		t.Fatalf("ReadMessage resumed = %v %q %v; want text \"second\"", op, msg, err)
	}
	// Through NextReader: the message reader times out and reads on.
	op, mr, err := r.NextReader()
	if err != nil || op != codec.OpBinary {
		t.Fatalf("NextReader = %v %v", op, err)
	}
	got, _ := io.ReadAll(mr)
	if len(got) != 300 {
		t.Fatalf("read %d bytes of 300", len(got))
	}
	w := NewWriter(client, codec.RoleClient)
	server.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, _, err := r.ReadMessage(nil); !expired(err) {
		t.Fatalf("ReadMessage = %v; want a timeout", err)
	}
	server.SetReadDeadline(time.Time{})
	go w.WriteMessage(codec.OpBinary, []byte("after"))
	if _, msg, err := r.ReadMessage(nil); err != nil || string(msg) != "after" {
		t.Fatalf("after the second timeout, ReadMessage = %q %v", msg, err)
	}
}
