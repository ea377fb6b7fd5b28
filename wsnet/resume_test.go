package wsnet

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// timeoutError is what a net.Conn returns when its deadline passes.
type timeoutError struct{}

func (timeoutError) Error() string { return "i/o timeout" }
func (timeoutError) Timeout() bool { return true }

// stallWriter accepts up to room bytes, then fails like a write whose
// deadline passed, having written what fit.
type stallWriter struct {
	out  bytes.Buffer
	room int
}

func (s *stallWriter) Write(p []byte) (int, error) {
	n := min(len(p), s.room)
	s.out.Write(p[:n])
	s.room -= n
	if n < len(p) {
		return n, timeoutError{}
	}
	return n, nil
}

// TestWriterResumesFrame cuts a frame at many places with a deadline,
// then writes on: the wire must hold whole frames, the cut message in
// full unless it had not begun (and was not compressed), and the next
// message after it.
func TestWriterResumesFrame(t *testing.T) {
	for _, role := range []codec.Role{codec.RoleServer, codec.RoleClient} {
		for _, compress := range []bool{false, true} {
			for _, n := range []int{100, 10000, 200000} {
				for _, cut := range []int{0, 1, 5, n / 2, n} {
					for _, streamed := range []bool{false, true} {
						name := fmt.Sprintf("%v/compress=%v/n=%d/cut=%d/streamed=%v", role, compress, n, cut, streamed)
						t.Run(name, func(t *testing.T) { resumeCase(t, role, compress, n, cut, streamed) })
					}
				}
			}
		}
	}
}

func resumeCase(t *testing.T, role codec.Role, compress bool, n, cut int, streamed bool) {
	sw := &stallWriter{room: cut}
	w := NewWriter(sw, role)
	peer := codec.RoleClient
	if role == codec.RoleClient {
		peer = codec.RoleServer
	}
	var dec *deflate.Decompressor
	if compress {
		w.Compress = deflate.NewCompressor(deflate.Params{}, role, deflate.DefaultLevel)
		dec = deflate.NewDecompressor(deflate.Params{}, peer, 0)
	}
	first := bytes.Repeat([]byte("first message "), n/14+1)[:n]
	var err error
	if streamed {
		mw, _ := w.NextWriter(codec.OpBinary)
		var k int
		if k, err = mw.Write(first); err == nil {
			sw.room = 0 // cut the last frame instead
			err = mw.Close()
		} else {
			// A Write cut short reports what it took; the caller
			// writes the rest once the deadline is extended.
			sw.room = 1 << 30
			if _, err := mw.Write(first[k:]); err != nil {
				t.Fatal(err)
			}
			mw.Close()
		}
	} else {
		err = w.WriteMessage(codec.OpBinary, first)
	}
	if err != nil && !isTimeout(err) {
		t.Fatalf("cut write: %v; want a timeout", err)
	}
	sw.room = 1 << 30
	if err := w.WriteMessage(codec.OpText, []byte("second")); err != nil {
		t.Fatal(err)
	}
	got := decodeAll(t, sw.out.Bytes(), peer, dec)
	// Compressed, the message may fit; otherwise the cut message goes out
	// whole when it had begun, or was committed to a compressor or a
	// stream.
	begun := err == nil || cut > 0 || compress || streamed
	switch {
	case begun && (len(got) != 2 || !bytes.Equal(got[0], first)):
		t.Fatalf("%d messages; want the cut one whole, then the next", len(got))
	case !begun && len(got) != 1:
		t.Fatalf("%d messages; want only the next (the cut one had not begun)", len(got))
	}
	if string(got[len(got)-1]) != "second" {
		t.Fatalf("last message %q", got[len(got)-1])
	}
}

// decodeAll returns the data messages on wire, inflated when dec is set.
func decodeAll(t *testing.T, wire []byte, role codec.Role, dec *deflate.Decompressor) [][]byte {
	t.Helper()
	d := codec.Decoder{Role: role, AllowedRsv: codec.Rsv1}
	var ev codec.Event
	var msgs [][]byte
	var cur []byte
	compressed := false
	for len(wire) > 0 {
		k, err := d.Next(wire, &ev)
		if err != nil {
			t.Fatalf("the wire does not decode: %v", err)
		}
		wire = wire[k:]
		if ev.Kind != codec.EventData {
			continue
		}
		if ev.Start {
			compressed = ev.Rsv&codec.Rsv1 != 0
		}
		if compressed {
			if cur, err = dec.AppendChunk(cur, ev.Opcode, ev.Payload, ev.End); err != nil {
				t.Fatal(err)
			}
		} else {
			cur = append(cur, ev.Payload...)
		}
		if ev.End {
			msgs, cur = append(msgs, cur), nil
		}
	}
	if d.InFrame() {
		t.Fatal("the wire ends inside a frame")
	}
	return msgs
}
