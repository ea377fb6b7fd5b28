package deflate

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/internal/testenv"
)

// Compressed messages through codec.Writer and codec.Reader, whose
// Compress and Decompress fields take a Compressor and a Decompressor.

var (
	_ codec.MessageCompressor   = (*Compressor)(nil)
	_ codec.MessageDecompressor = (*Decompressor)(nil)
)

// exchangeRW is exchange with codec.Writer and codec.Reader: it writes
// msgs, every other one through NextWriter in three writes, compressing
// everything but the empty message, and reads each echo whole with
// ReadMessage, which inflates it.
func exchangeRW(t *testing.T, conn net.Conn, pending []byte, role codec.Role, p Params, msgs [][]byte) {
	t.Helper()
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	w := codec.NewWriter(conn, role)
	w.Compress, w.CompressMin = NewCompressor(p, role, DefaultLevel), 1
	errc := make(chan error, 1)
	go func() {
		r := codec.NewReaderSize(io.MultiReader(bytes.NewReader(pending), conn), role, 16<<10)
		r.Replies, r.MaxMessage = w, 64<<20
		r.Decompress = NewDecompressor(p, role, 64<<20)
		var msg []byte
		for i, want := range msgs {
			op, m, err := r.ReadMessage(msg[:0])
			msg = m
			if err != nil {
				errc <- fmt.Errorf("echo %d: %v", i, err)
				return
			}
			if op != opFor(want) || !bytes.Equal(msg, want) {
				errc <- fmt.Errorf("echo %d: %v of %d bytes; sent %v of %d", i, op, len(msg), opFor(want), len(want))
				return
			}
		}
		errc <- nil
	}()
	for i, m := range msgs {
		if err := writeRW(w, opFor(m), m, i%2 == 1); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	w.WriteClose(codec.CloseNormal, "")
}

// opFor is the type the tests send m as.
func opFor(m []byte) codec.Opcode {
	if codec.ValidUTF8(m) {
		return codec.OpText
	}
	return codec.OpBinary
}

// writeRW writes m with WriteMessage, or through NextWriter in three
// writes when streamed is set.
func writeRW(w *codec.Writer, op codec.Opcode, m []byte, streamed bool) error {
	if !streamed {
		return w.WriteMessage(op, m)
	}
	mw, err := w.NextWriter(op)
	if err != nil {
		return err
	}
	piece := max(len(m)/3, 1)
	for off := 0; off < len(m); off += piece {
		if _, err := mw.Write(m[off:min(off+piece, len(m))]); err != nil {
			return err
		}
	}
	return mw.Close()
}

// TestReadWriter sends messages from a Writer to a Reader over a pipe, in
// both roles, for each kind of agreement, and checks what arrives and
// what the frames on the wire look like.
func TestReadWriter(t *testing.T) {
	msgs := interopMessages()
	for _, p := range []Params{
		{},
		{ServerNoContextTakeover: true, ClientNoContextTakeover: true},
		{ServerMaxWindowBits: 9, ClientMaxWindowBits: 8},
		{ServerNoContextTakeover: true, ServerMaxWindowBits: 12, ClientMaxWindowBits: 10},
	} {
		for _, role := range []codec.Role{codec.RoleServer, codec.RoleClient} {
			peer := codec.RoleClient
			if role == codec.RoleClient {
				peer = codec.RoleServer
			}
			t.Run(fmt.Sprintf("%v/%+v", role, p), func(t *testing.T) {
				a, b := net.Pipe()
				defer a.Close()
				// The wire is teed off to a Decoder that checks every
				// frame's RSV bits.
				var wire bytes.Buffer
				done := make(chan error, 1)
				go func() {
					// The sender: writes as role, reaching the reader
					// through the tee.
					w := codec.NewWriter(io.MultiWriter(&wire, a), role)
					w.Compress = NewCompressor(p, role, DefaultLevel)
					for i, m := range msgs {
						if err := writeRW(w, opFor(m), m, i%2 == 1); err != nil {
							done <- err
							return
						}
					}
					done <- w.WriteClose(codec.CloseNormal, "")
				}()
				r := codec.NewReaderSize(b, peer, 4096)
				r.MaxMessage = 64 << 20
				r.Decompress = NewDecompressor(p, peer, 64<<20)
				var msg []byte
				for i, want := range msgs {
					op, m, err := r.ReadMessage(msg[:0])
					msg = m
					if err != nil || op != opFor(want) || !bytes.Equal(m, want) {
						t.Fatalf("message %d: %v of %d bytes, %v; want %v of %d", i, op, len(m), err, opFor(want), len(want))
					}
				}
				if _, _, err := r.ReadMessage(nil); !isClose(err, codec.CloseNormal) {
					t.Errorf("after the messages: %v; want close 1000", err)
				}
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				checkWire(t, wire.Bytes(), peer, msgs)
			})
		}
	}
}

func isClose(err error, code codec.CloseCode) bool {
	ce, ok := err.(*codec.ClosedError)
	return ok && ce.Code == code
}

// checkWire decodes the frames a Writer sent and checks RFC 7692's rules
// for them: RSV1 on the first frame of a message only, set exactly when the
// message reached the compression minimum, and no control frame with it.
func checkWire(t *testing.T, wire []byte, role codec.Role, msgs [][]byte) {
	t.Helper()
	dec := codec.Decoder{Role: role, AllowedRsv: codec.Rsv1, MaxMessage: 64 << 20}
	var ev codec.Event
	i, frames := 0, 0
	for len(wire) > 0 {
		n, err := dec.Next(wire, &ev)
		if err != nil {
			t.Fatalf("the Writer's frames: %v", err)
		}
		wire = wire[n:]
		if ev.Kind != codec.EventData || !ev.End {
			continue
		}
		frames++
		if want := len(msgs[i]) >= codec.DefaultCompressMin; (ev.Rsv&codec.Rsv1 != 0) != want {
			t.Errorf("message %d of %d bytes: RSV %#x; want compression %v", i, len(msgs[i]), ev.Rsv, want)
		}
		i++
	}
	if i != len(msgs) {
		t.Errorf("the wire held %d messages; want %d", i, len(msgs))
	}
}

// TestReaderLimits: a Reader with a Decompressor fails a zip bomb with
// 1009 and sends that close code, and refuses RSV1 without one.
func TestReaderLimits(t *testing.T) {
	z := bomb(t, 8<<20)
	var in bytes.Buffer
	enc := codec.Encoder{Role: codec.RoleClient}
	frame, _ := enc.AppendFrame(nil, codec.OpBinary, codec.Rsv1, true, z)
	in.Write(frame)
	for _, tc := range []struct {
		decompress bool
		code       codec.CloseCode
	}{{true, codec.CloseMessageTooBig}, {false, codec.CloseProtocolError}} {
		var replies bytes.Buffer
		r := codec.NewReader(bytes.NewReader(in.Bytes()), codec.RoleServer)
		r.Replies = codec.NewWriter(&replies, codec.RoleServer)
		if tc.decompress {
			r.Decompress = NewDecompressor(Params{}, codec.RoleServer, 1<<20)
		}
		_, msg, err := r.ReadMessage(nil)
		pe, ok := err.(*codec.ProtocolError)
		if !ok || pe.Code != tc.code || len(msg) > 0 {
			t.Errorf("decompress %v: %d bytes, %v; want a *ProtocolError with %v", tc.decompress, len(msg), err, tc.code)
		}
		var ev codec.Event
		dec := codec.Decoder{Role: codec.RoleClient}
		if _, err := dec.Next(replies.Bytes(), &ev); err != nil || ev.Kind != codec.EventClose || ev.Code != tc.code {
			t.Errorf("decompress %v: the Reader answered %+v, %v; want close %v", tc.decompress, ev, err, tc.code)
		}
	}
}

// TestReadWriterNoAllocs: once running, a Writer compressing and a
// Reader inflating allocate nothing per message, with and without context
// takeover.
func TestReadWriterNoAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	msgs := messages("json", 4<<10, 8)
	for _, takeover := range []bool{true, false} {
		p := Params{ServerNoContextTakeover: !takeover, ClientNoContextTakeover: !takeover}
		var wire bytes.Buffer
		w := codec.NewWriter(&wire, codec.RoleClient)
		w.Compress = NewCompressor(p, codec.RoleClient, DefaultLevel)
		src := bytes.NewReader(nil)
		r := codec.NewReader(src, codec.RoleServer)
		r.Decompress = NewDecompressor(p, codec.RoleServer, 1<<20)
		buf := make([]byte, 0, 8<<10)
		i := 0
		roundTrip := func() {
			m := msgs[i%len(msgs)]
			i++
			wire.Reset()
			if err := writeRW(w, codec.OpText, m, i%2 == 0); err != nil {
				t.Fatal(err)
			}
			src.Reset(wire.Bytes())
			var err error
			if _, buf, err = r.ReadMessage(buf[:0]); err != nil || !bytes.Equal(buf, m) {
				t.Fatalf("message %d: %d bytes, %v", i, len(buf), err)
			}
		}
		for range 2 * len(msgs) { // grow every buffer
			roundTrip()
		}
		if n := testenv.Allocs(4*len(msgs), roundTrip); n > 0 {
			t.Errorf("takeover %v: %d allocations in %d messages; want 0", takeover, n, 4*len(msgs))
		}
	}
}
