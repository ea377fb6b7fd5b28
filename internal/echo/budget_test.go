package echo

import (
	"bytes"
	"testing"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// wire is a Sink that keeps what a connection writes.
type wire struct{ bytes.Buffer }

func (w *wire) Writev(a, b, c []byte) error {
	w.Write(a)
	w.Write(b)
	w.Write(c)
	return nil
}
func (w *wire) Pending() bool { return false }

// feed gives c the bytes in, in reads of at most chunk bytes, as an
// engine does, and reports whether the connection ended.
func feed(c *Conn, out Sink, in []byte, chunk int) bool {
	for len(in) > 0 {
		space := c.ReadSpace()
		n := copy(space[:min(len(space), chunk)], in)
		in = in[n:]
		c.Read(n)
		if c.Process(out) {
			return true
		}
	}
	return false
}

// closeCode returns the code of the close frame on w, or 0.
func closeCode(t *testing.T, w []byte) codec.CloseCode {
	t.Helper()
	d := codec.Decoder{Role: codec.RoleClient}
	var ev codec.Event
	for len(w) > 0 {
		n, err := d.Next(w, &ev)
		if err != nil {
			t.Fatalf("the server's output does not decode: %v", err)
		}
		w = w[n:]
		if ev.Kind == codec.EventClose {
			return ev.Code
		}
	}
	return 0
}

func budgetServer(limit int64) *Server {
	s := NewServer(64<<20, 16<<10, 16<<10, nil)
	s.Limits.MaxBuffered = limit
	return s
}

// TestHeaderCostsNothing: a header that declares a frame kept whole (up
// to 1 MiB) makes the connection allocate nothing until the payload
// arrives, and then as it arrives.
func TestHeaderCostsNothing(t *testing.T) {
	s := budgetServer(DefaultMaxBuffered)
	c := newConn(s, false, nil, NewBuffers(s))
	hdr := codec.AppendHeader(nil, codec.Header{Fin: true, Opcode: codec.OpBinary, Masked: true, Length: 1000 << 10})
	var out wire
	if feed(c, &out, append(hdr, make([]byte, 100)...), 1<<20) {
		t.Fatal("the connection ended")
	}
	if len(c.rb) > s.readBuf || s.Budget().Used() != 0 {
		t.Errorf("after the header: read buffer %d bytes, %d bytes of budget; want %d and 0", len(c.rb), s.Budget().Used(), s.readBuf)
	}
	feed(c, &out, make([]byte, 200<<10), 64<<10)
	if len(c.rb) > 512<<10 {
		t.Errorf("after 200 KiB: read buffer %d bytes", len(c.rb))
	}
	c.Free()
	if s.Budget().Used() != 0 {
		t.Errorf("%d bytes of budget still held after Free", s.Budget().Used())
	}
}

// TestBudgetRefusesReassembly: a fragmented message that would take the
// server over its budget fails with 1013, and gives its share back.
func TestBudgetRefusesReassembly(t *testing.T) {
	s := budgetServer(1 << 20)
	c := newConn(s, false, nil, NewBuffers(s))
	enc := codec.Encoder{Role: codec.RoleClient, FragmentSize: 64 << 10}
	msg, _ := enc.AppendMessage(nil, codec.OpBinary, make([]byte, 4<<20))
	var out wire
	if !feed(c, &out, msg, 16<<10) {
		t.Fatal("the connection did not end")
	}
	if code := closeCode(t, out.Bytes()); code != codec.CloseTryAgainLater {
		t.Errorf("close code %v; want 1013", code)
	}
	if st := s.Stats(); st.Refused.Memory != 1 || st.BufferedPeak > 1<<20 {
		t.Errorf("refused %d, peak %d; want 1 and at most the budget", st.Refused.Memory, st.BufferedPeak)
	}
	c.Free()
	if s.Budget().Used() != 0 {
		t.Errorf("%d bytes of budget still held", s.Budget().Used())
	}
}

// TestBudgetSharedByConns: the budget is the server's, so a second
// connection cannot have what the first holds.
func TestBudgetSharedByConns(t *testing.T) {
	s := budgetServer(1 << 20)
	enc := codec.Encoder{Role: codec.RoleClient, FragmentSize: 64 << 10}
	first, _ := enc.AppendMessage(nil, codec.OpBinary, make([]byte, 3<<20))
	part := first[:600<<10] // most of the budget, and the message unfinished
	var out1, out2 wire
	a := newConn(s, false, nil, NewBuffers(s))
	if feed(a, &out1, part, 16<<10) {
		t.Fatal("the first connection ended within the budget")
	}
	b := newConn(s, false, nil, NewBuffers(s))
	if !feed(b, &out2, part, 16<<10) || closeCode(t, out2.Bytes()) != codec.CloseTryAgainLater {
		t.Fatal("the second connection got memory the first holds")
	}
	a.Free()
	b.Free()
	if s.Budget().Used() != 0 {
		t.Errorf("%d bytes of budget still held", s.Budget().Used())
	}
}

// TestBudgetStopsZipBomb: a small compressed message that inflates to
// 31 MiB costs at most the budget, and fails with 1013.
func TestBudgetStopsZipBomb(t *testing.T) {
	s := budgetServer(2 << 20)
	c := newConn(s, false, nil, NewBuffers(s))
	c.useDeflate(deflate.Params{})
	z, err := deflate.NewCompressor(deflate.Params{}, codec.RoleClient, deflate.BestSpeed).AppendMessage(nil, make([]byte, 31<<20))
	if err != nil {
		t.Fatal(err)
	}
	enc := codec.Encoder{Role: codec.RoleClient}
	frame, _ := enc.AppendFrame(nil, codec.OpBinary, codec.Rsv1, true, z)
	var out wire
	if !feed(c, &out, frame, 16<<10) || closeCode(t, out.Bytes()) != codec.CloseTryAgainLater {
		t.Fatal("the bomb did not fail with 1013")
	}
	if peak := s.Stats().BufferedPeak; peak > 2<<20 {
		t.Errorf("peak %d bytes; the budget is %d", peak, 2<<20)
	}
	t.Logf("%d compressed bytes; peak %d bytes of budget", len(z), s.Stats().BufferedPeak)
	c.Free()
}

// TestBudgetCountsCompressionState: a connection with context takeover
// counts its compression state, and once the budget has no room for
// another, the server agrees only to no context takeover.
func TestBudgetCountsCompressionState(t *testing.T) {
	s := budgetServer(1 << 20)
	s.Deflate = &deflate.ServerOptions{}
	a := newConn(s, false, nil, NewBuffers(s))
	p, _, ok := deflate.NegotiateServer([]string{"permessage-deflate"}, s.deflateOptions())
	if !ok || p.ServerNoContextTakeover {
		t.Fatalf("first connection: %+v %v; want context takeover", p, ok)
	}
	a.useDeflate(p)
	if used := s.Budget().Used(); used < 800<<10 {
		t.Errorf("%d bytes counted for a connection with context takeover", used)
	}
	p, _, _ = deflate.NegotiateServer([]string{"permessage-deflate"}, s.deflateOptions())
	if !p.ServerNoContextTakeover || !p.ClientNoContextTakeover {
		t.Errorf("with the budget full: %+v; want no context takeover", p)
	}
	a.Free()
	if used := s.Budget().Used(); used != 0 {
		t.Errorf("%d bytes still counted after Free", used)
	}
}
