package wsnet

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
	"github.com/wsframe/wsframe/internal/corpus"
	"github.com/wsframe/wsframe/internal/testenv"
)

// Compressed messages through Writer and Reader, whose Compress and
// Decompress fields take a deflate.Compressor and a deflate.Decompressor.

var (
	_ MessageCompressor   = (*deflate.Compressor)(nil)
	_ MessageDecompressor = (*deflate.Decompressor)(nil)
)

// interopMessages are small and large JSON and text, binary data that does
// not compress, and an empty message.
func interopMessages() [][]byte {
	var msgs [][]byte
	for _, n := range []int{1, 60, 500, 3000, 40 << 10, 300 << 10} {
		msgs = append(msgs, corpus.Messages("json", max(n, 2), 2)...)
		msgs = append(msgs, corpus.Messages("text", max(n, 2), 1)...)
	}
	rnd := make([]byte, 70000)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range rnd {
		rnd[i] = byte(r.Uint32())
	}
	return append(msgs, rnd, []byte{}, bytes.Repeat([]byte("ab"), 1<<20))
}

// bomb returns a compressed message that inflates to n zero bytes.
func bomb(t testing.TB, n int) []byte {
	c := deflate.NewCompressor(deflate.Params{ServerNoContextTakeover: true}, codec.RoleServer, deflate.BestSpeed)
	z, err := c.AppendMessage(nil, make([]byte, n))
	if err != nil {
		t.Fatal(err)
	}
	return z
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
func writeRW(w *Writer, op codec.Opcode, m []byte, streamed bool) error {
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
	for _, p := range []deflate.Params{
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
					w := NewWriter(io.MultiWriter(&wire, a), role)
					w.Compress = deflate.NewCompressor(p, role, deflate.DefaultLevel)
					for i, m := range msgs {
						if err := writeRW(w, opFor(m), m, i%2 == 1); err != nil {
							done <- err
							return
						}
					}
					done <- w.WriteClose(codec.CloseNormal, "")
				}()
				r := NewReaderSize(b, peer, 4096)
				r.MaxMessage = 64 << 20
				r.Decompress = deflate.NewDecompressor(p, peer, 64<<20)
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
	ce, ok := err.(*ClosedError)
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
		if want := len(msgs[i]) >= deflate.MinSize; (ev.Rsv&codec.Rsv1 != 0) != want {
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
		r := NewReader(bytes.NewReader(in.Bytes()), codec.RoleServer)
		r.Replies = NewWriter(&replies, codec.RoleServer)
		if tc.decompress {
			r.Decompress = deflate.NewDecompressor(deflate.Params{}, codec.RoleServer, 1<<20)
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
	msgs := corpus.Messages("json", 4<<10, 8)
	for _, takeover := range []bool{true, false} {
		p := deflate.Params{ServerNoContextTakeover: !takeover, ClientNoContextTakeover: !takeover}
		var wire bytes.Buffer
		w := NewWriter(&wire, codec.RoleClient)
		w.Compress = deflate.NewCompressor(p, codec.RoleClient, deflate.DefaultLevel)
		src := bytes.NewReader(nil)
		r := NewReader(src, codec.RoleServer)
		r.Decompress = deflate.NewDecompressor(p, codec.RoleServer, 1<<20)
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
