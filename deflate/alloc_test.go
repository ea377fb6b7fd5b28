package deflate

import (
	"fmt"
	"testing"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/internal/testenv"
)

// allocsPerMessage compresses and inflates msgs in turn, reusing every
// buffer, and returns the average allocations of one compression and of
// one inflation in steady state, over 2*len(msgs) of each.
func allocsPerMessage(t *testing.T, msgs [][]byte, takeover bool, bits int) (comp, decomp uint64) {
	p := Params{ServerNoContextTakeover: !takeover, ClientNoContextTakeover: !takeover, ServerMaxWindowBits: bits, ClientMaxWindowBits: bits}
	pooled := !takeover || bits < 15 // the compressor's writer comes from a pool
	c := NewCompressor(p, codec.RoleClient, 0)
	d := NewDecompressor(p, codec.RoleServer, 0)
	payloads := make([][]byte, len(msgs))
	out := make([]byte, 0, 2*len(msgs[0]))
	for i, m := range msgs { // warm up and keep the payloads
		payload, err := c.AppendMessage(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		payloads[i] = payload
		if out, err = d.AppendMessage(out[:0], codec.OpText, payload); err != nil {
			t.Fatal(err)
		}
	}
	// Compress the same messages again: with takeover the window now
	// holds them, so the payloads differ, and the buffer has room.
	buf := make([]byte, 0, 2*len(msgs[0]))
	i := 0
	comp = testenv.Allocs(2*len(msgs), func() {
		buf, _ = c.AppendMessage(buf[:0], msgs[i%len(msgs)])
		i++
	})
	// Inflate the stream of payloads, from its start whenever it wraps.
	i = 0
	inflate := func() {
		k := i % len(payloads)
		if k == 0 {
			d.Reset()
		}
		i++
		var err error
		if out, err = d.AppendMessage(out[:0], codec.OpText, payloads[k]); err != nil {
			t.Fatal(err)
		}
	}
	decomp = testenv.Allocs(2*len(msgs), inflate)
	// The same with testing.AllocsPerRun, which rounds its average down.
	if avg := testing.AllocsPerRun(len(msgs), inflate); avg != 0 && (takeover || !testenv.RaceEnabled) {
		t.Errorf("AllocsPerRun: %v allocations per inflation", avg)
	}
	if avg := testing.AllocsPerRun(len(msgs), func() { buf, _ = c.AppendMessage(buf[:0], msgs[i%len(msgs)]); i++ }); avg != 0 && (!pooled || !testenv.RaceEnabled) {
		t.Errorf("AllocsPerRun: %v allocations per compression", avg)
	}
	return comp, decomp
}

// TestNoAllocs proves that compressing and inflating a message allocates
// nothing once running, with context takeover; without it, and with it
// for windows under 15 bits, the compressor's state comes from pools,
// which allocate only after a garbage collection empties them.
func TestNoAllocs(t *testing.T) {
	for _, n := range []int{16, 1 << 10, 64 << 10} {
		for _, kind := range []string{"json", "text"} {
			msgs := messages(kind, n, 20)
			for _, tc := range []struct {
				takeover bool
				bits     int
			}{{true, 15}, {false, 15}, {true, 12}} {
				t.Run(fmt.Sprintf("%s/%d/takeover=%v/bits=%d", kind, n, tc.takeover, tc.bits), func(t *testing.T) {
					comp, decomp := allocsPerMessage(t, msgs, tc.takeover, tc.bits)
					t.Logf("allocations in all: %d to compress %d messages, %d to inflate them", comp, 2*len(msgs), decomp)
					if testenv.RaceEnabled && (!tc.takeover || tc.bits < 15) {
						return // the race detector's sync.Pool drops items
					}
					if comp != 0 || decomp != 0 {
						t.Errorf("got %v allocs to compress and %v to inflate, want 0", comp, decomp)
					}
				})
			}
		}
	}
}
