package codec

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// maskRef is the one-line byte loop of RFC 6455 §5.3 that every kernel must
// match.
func maskRef(dst, src []byte, key [4]byte, pos int) int {
	for i := range src {
		dst[i] = src[i] ^ key[(pos+i)&3]
	}
	return (pos + len(src)) & 3
}

// forEachKernel runs f once with each masking kernel this build has on this
// CPU selected, and reports the kernels the CPU cannot run as skipped,
// naming the feature it lacks.
func forEachKernel(t *testing.T, f func(t *testing.T)) {
	for _, k := range kernels {
		t.Run(k, func(t *testing.T) {
			defer setKernel(k)()
			f(t)
		})
	}
	for _, k := range slices.Sorted(maps.Keys(unavailable)) {
		t.Run(k, func(t *testing.T) { t.Skipf("this CPU lacks %s", unavailable[k]) })
	}
}

// maskLengths returns every length up to 1024 and some large ones around
// the sizes where loops change.
func maskLengths(t *testing.T) []int {
	var ns []int
	for n := 0; n <= 1024; n++ {
		ns = append(ns, n)
	}
	ns = append(ns, 4095, 4096, 4097, 65536+13)
	if !testing.Short() {
		ns = append(ns, 1<<20+3)
	}
	return ns
}

const canary = 0xA5

// TestMaskKernels compares Mask and MaskCopy with maskRef for every length,
// key offset and 8 alignments of dst and src, and checks that no byte
// outside the slices changes.
func TestMaskKernels(t *testing.T) {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	rng := rand.New(rand.NewPCG(1, 2))
	const pad = 64
	forEachKernel(t, func(t *testing.T) {
		for _, n := range maskLengths(t) {
			src := make([]byte, n+2*pad)
			dstBuf := make([]byte, n+2*pad)
			want := make([]byte, n)
			orig := make([]byte, n)
			for i := range orig {
				orig[i] = byte(rng.Uint32())
			}
			aligns := 8
			if n > 1024 {
				aligns = 2
			}
			for pos := 0; pos < 4; pos++ {
				wantPos := maskRef(want, orig, key, pos)
				for sa := 0; sa < aligns; sa++ {
					// In place.
					clear(src)
					for i := range src {
						src[i] = canary
					}
					b := src[pad+sa : pad+sa+n]
					copy(b, orig)
					if got := Mask(b, key, pos); got != wantPos {
						t.Fatalf("Mask(n=%d, pos=%d) returned %d; want %d", n, pos, got, wantPos)
					}
					if !bytes.Equal(b, want) {
						t.Fatalf("Mask(n=%d, pos=%d, align=%d) = %x; want %x", n, pos, sa, b, want)
					}
					checkCanary(t, src, pad+sa, pad+sa+n, "Mask")
					// MaskCopy into a separate buffer, dst misaligned against src.
					for da := 0; da < aligns; da++ {
						for i := range dstBuf {
							dstBuf[i] = canary
						}
						s := src[pad+sa : pad+sa+n]
						copy(s, orig)
						d := dstBuf[pad+da : pad+da+n]
						if got := MaskCopy(d, s, key, pos); got != wantPos {
							t.Fatalf("MaskCopy(n=%d, pos=%d) returned %d; want %d", n, pos, got, wantPos)
						}
						if !bytes.Equal(d, want) {
							t.Fatalf("MaskCopy(n=%d, pos=%d, dst align=%d, src align=%d) = %x; want %x", n, pos, da, sa, d, want)
						}
						if !bytes.Equal(s, orig) {
							t.Fatalf("MaskCopy(n=%d) modified src", n)
						}
						checkCanary(t, dstBuf, pad+da, pad+da+n, "MaskCopy")
					}
					// MaskCopy with dst and src the same slice.
					copy(b, orig)
					MaskCopy(b, b, key, pos)
					if !bytes.Equal(b, want) {
						t.Fatalf("MaskCopy(b, b, n=%d, pos=%d) = %x; want %x", n, pos, b, want)
					}
				}
			}
		}
	})
}

func checkCanary(t *testing.T, buf []byte, lo, hi int, name string) {
	t.Helper()
	for i, c := range buf {
		if (i < lo || i >= hi) && c != canary {
			t.Fatalf("%s wrote byte %d outside [%d, %d)", name, i, lo, hi)
		}
	}
}

// TestMaskChunks masks messages in random chunks, passing the returned
// offset along, and compares with masking the whole message at once.
func TestMaskChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	forEachKernel(t, func(t *testing.T) {
		for iter := 0; iter < 300; iter++ {
			n := rng.IntN(5000)
			msg := make([]byte, n)
			for i := range msg {
				msg[i] = byte(rng.Uint32())
			}
			key := [4]byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())}
			start := rng.IntN(4)
			want := make([]byte, n)
			wantPos := maskRef(want, msg, key, start)

			inPlace := bytes.Clone(msg)
			copied := make([]byte, n)
			pos, cpos := start, start
			for off := 0; off < n; {
				c := min(n-off, 1+rng.IntN(200))
				pos = Mask(inPlace[off:off+c], key, pos)
				cpos = MaskCopy(copied[off:off+c], msg[off:off+c], key, cpos)
				off += c
			}
			if !bytes.Equal(inPlace, want) || pos != wantPos {
				t.Fatalf("chunked Mask of %d bytes differs from one-shot", n)
			}
			if !bytes.Equal(copied, want) || cpos != wantPos {
				t.Fatalf("chunked MaskCopy of %d bytes differs from one-shot", n)
			}
		}
	})
}

// TestMaskInvolution checks that masking twice restores the input, for
// every kernel and a range of lengths.
func TestMaskInvolution(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		for _, n := range []int{0, 1, 7, 8, 63, 64, 65, 127, 128, 129, 1000, 70000} {
			orig := make([]byte, n)
			for i := range orig {
				orig[i] = byte(i * 7)
			}
			b := bytes.Clone(orig)
			key := [4]byte{1, 2, 3, 4}
			p := Mask(b, key, 3)
			if n > 3 && bytes.Equal(b, orig) {
				t.Fatalf("Mask of %d bytes changed nothing", n)
			}
			Mask(b, key, 3)
			if !bytes.Equal(b, orig) {
				t.Fatalf("masking %d bytes twice did not restore them", n)
			}
			if p != (3+n)&3 {
				t.Fatalf("Mask returned %d; want %d", p, (3+n)&3)
			}
		}
	})
}

func TestMaskNegativePos(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	b := []byte("abcdefgh")
	want := make([]byte, len(b))
	maskRef(want, b, key, 3) // -1 & 3 == 3
	if got := Mask(b, key, -1); got != (-1+8)&3 {
		t.Errorf("Mask(pos=-1) returned %d; want %d", got, (-1+8)&3)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("Mask(pos=-1) = %x; want %x", b, want)
	}
}

func TestMaskCopyPanics(t *testing.T) {
	buf := make([]byte, 100)
	key := [4]byte{1, 2, 3, 4}
	tests := []struct {
		name     string
		dst, src []byte
		want     string
	}{
		{"short dst", buf[:10], buf[50:61], "codec: MaskCopy: dst shorter than src"},
		{"dst after src", buf[1:41], buf[0:40], "codec: MaskCopy: dst and src overlap"},
		{"dst before src", buf[0:40], buf[39:79], "codec: MaskCopy: dst and src overlap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); fmt.Sprint(r) != tt.want {
					t.Errorf("panic = %v; want %q", r, tt.want)
				}
			}()
			MaskCopy(tt.dst, tt.src, key, 0)
		})
	}
	// Adjacent and identical slices are fine, and a longer dst is only
	// written up to len(src).
	MaskCopy(buf[0:50], buf[50:100], key, 0)
	MaskCopy(buf[10:20], buf[10:20], key, 0)
	dst := bytes.Repeat([]byte{canary}, 20)
	MaskCopy(dst, make([]byte, 10), key, 0)
	if !bytes.Equal(dst[10:], bytes.Repeat([]byte{canary}, 10)) {
		t.Errorf("MaskCopy wrote past len(src) in dst: %x", dst)
	}
}

// TestSeedFrameMask unmasks the 16 bytes from the seed article with its key
// and gets its question back.
func TestSeedFrameMask(t *testing.T) {
	key := [4]byte{80, 191, 161, 254}
	b := []byte{19, 222, 207, 222, 41, 208, 212, 222, 56, 218, 192, 140, 112, 210, 196, 193}
	forEachKernel(t, func(t *testing.T) {
		got := bytes.Clone(b)
		Mask(got, key, 0)
		if string(got) != "Can you hear me?" {
			t.Errorf("unmasked seed payload = %q; want %q", got, "Can you hear me?")
		}
	})
}
