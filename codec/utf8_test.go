package codec

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/wsframe/wsframe/internal/testenv"
)

// forEachUTF8Kernel runs f once with each UTF-8 validator this build has on
// this CPU selected, and reports the validators the CPU cannot run as
// skipped, naming the feature it lacks.
func forEachUTF8Kernel(t *testing.T, f func(t *testing.T)) {
	for _, k := range utf8Kernels {
		t.Run(k, func(t *testing.T) {
			defer setUTF8Kernel(k)()
			f(t)
		})
	}
	for _, k := range slices.Sorted(maps.Keys(utf8Unavailable)) {
		t.Run(k, func(t *testing.T) { t.Skipf("this CPU lacks %s", utf8Unavailable[k]) })
	}
}

// utf8Cases are the classic decoder stress cases (after Markus Kuhn's
// UTF-8 decoder capability test, as the Autobahn suite's section 6 uses
// them): well-formed text, the first and last code points of each length,
// boundaries around surrogates and U+10FFFF, the obsolete 5- and 6-byte
// forms, stray continuation bytes, lone and truncated lead bytes, overlong
// forms and surrogates.
var utf8Cases = []struct {
	name  string
	in    string
	valid bool
}{
	{"empty", "", true},
	{"kosme", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", true},
	{"hello", "Hello-µ@ßöäüàá-UTF-8!!", true},

	// First code point of each length.
	{"first 1-byte U+0000", "\x00", true},
	{"first 2-byte U+0080", "\xc2\x80", true},
	{"first 3-byte U+0800", "\xe0\xa0\x80", true},
	{"first 4-byte U+10000", "\xf0\x90\x80\x80", true},
	{"first 5-byte", "\xf8\x88\x80\x80\x80", false},
	{"first 6-byte", "\xfc\x84\x80\x80\x80\x80", false},

	// Last code point of each length.
	{"last 1-byte U+007F", "\x7f", true},
	{"last 2-byte U+07FF", "\xdf\xbf", true},
	{"last 3-byte U+FFFF", "\xef\xbf\xbf", true},
	{"last 4-byte form U+1FFFFF", "\xf7\xbf\xbf\xbf", false},
	{"last 5-byte form", "\xfb\xbf\xbf\xbf\xbf", false},
	{"last 6-byte form", "\xfd\xbf\xbf\xbf\xbf\xbf", false},

	// Other boundaries.
	{"U+D7FF", "\xed\x9f\xbf", true},
	{"U+E000", "\xee\x80\x80", true},
	{"U+FFFD", "\xef\xbf\xbd", true},
	{"U+10FFFF", "\xf4\x8f\xbf\xbf", true},
	{"U+110000", "\xf4\x90\x80\x80", false},
	{"U+13FFFF", "\xf4\xbf\xbf\xbf", false},
	{"F5 lead", "\xf5\x80\x80\x80", false},

	// Unexpected continuation bytes.
	{"first continuation 80", "\x80", false},
	{"last continuation BF", "\xbf", false},
	{"2 continuations", "\x80\xbf", false},
	{"3 continuations", "\x80\xbf\x80", false},
	{"4 continuations", "\x80\xbf\x80\xbf", false},
	{"5 continuations", "\x80\xbf\x80\xbf\x80", false},
	{"6 continuations", "\x80\xbf\x80\xbf\x80\xbf", false},
	{"7 continuations", "\x80\xbf\x80\xbf\x80\xbf\x80", false},
	{"all 64 continuations", string(byteRange(0x80, 0xbf)), false},
	{"continuation after ASCII", "a\x80", false},
	{"continuation after 2-byte", "\xc2\x80\x80", false},
	{"continuation after 3-byte", "\xe0\xa0\x80\x80", false},
	{"continuation after 4-byte", "\xf0\x90\x80\x80\x80", false},

	// Lone lead bytes followed by a space.
	{"lone 2-byte leads", spaced(0xc0, 0xdf), false},
	{"lone 3-byte leads", spaced(0xe0, 0xef), false},
	{"lone 4-byte leads", spaced(0xf0, 0xf7), false},
	{"lone 5-byte leads", spaced(0xf8, 0xfb), false},
	{"lone 6-byte leads", spaced(0xfc, 0xfd), false},

	// Sequences with their last continuation byte missing.
	{"truncated 2-byte U+0000", "\xc0", false},
	{"truncated 3-byte U+0000", "\xe0\x80", false},
	{"truncated 4-byte U+0000", "\xf0\x80\x80", false},
	{"truncated 5-byte U+0000", "\xf8\x80\x80\x80", false},
	{"truncated 6-byte U+0000", "\xfc\x80\x80\x80\x80", false},
	{"truncated 2-byte U+07FF", "\xdf", false},
	{"truncated 3-byte U+FFFF", "\xef\xbf", false},
	{"truncated 4-byte U+1FFFFF", "\xf7\xbf\xbf", false},
	{"truncated 5-byte", "\xfb\xbf\xbf\xbf", false},
	{"truncated 6-byte", "\xfd\xbf\xbf\xbf\xbf", false},
	{"truncated valid 2-byte", "\xc2", false},
	{"truncated valid 3-byte", "\xe0\xa0", false},
	{"truncated valid 4-byte", "\xf0\x90\x80", false},
	{"truncated, then ASCII", "\xe2\x82a", false},
	{"all truncations concatenated", "\xc0\xe0\x80\xf0\x80\x80\xf8\x80\x80\x80\xfc\x80\x80\x80\x80\xdf\xef\xbf\xf7\xbf\xbf\xfb\xbf\xbf\xbf\xfd\xbf\xbf\xbf\xbf", false},

	// Bytes that never appear.
	{"FE", "\xfe", false},
	{"FF", "\xff", false},
	{"FE FE FF FF", "\xfe\xfe\xff\xff", false},

	// Overlong forms of "/", the largest overlong of each length, and NUL.
	{"overlong / 2-byte", "\xc0\xaf", false},
	{"overlong / 3-byte", "\xe0\x80\xaf", false},
	{"overlong / 4-byte", "\xf0\x80\x80\xaf", false},
	{"overlong / 5-byte", "\xf8\x80\x80\x80\xaf", false},
	{"overlong / 6-byte", "\xfc\x80\x80\x80\x80\xaf", false},
	{"max overlong 2-byte U+007F", "\xc1\xbf", false},
	{"max overlong 3-byte U+07FF", "\xe0\x9f\xbf", false},
	{"max overlong 4-byte U+FFFF", "\xf0\x8f\xbf\xbf", false},
	{"max overlong 5-byte", "\xf8\x87\xbf\xbf\xbf", false},
	{"max overlong 6-byte", "\xfc\x83\xbf\xbf\xbf\xbf", false},
	{"overlong NUL 2-byte", "\xc0\x80", false},
	{"overlong NUL 3-byte", "\xe0\x80\x80", false},
	{"overlong NUL 4-byte", "\xf0\x80\x80\x80", false},
	{"overlong NUL 5-byte", "\xf8\x80\x80\x80\x80", false},
	{"overlong NUL 6-byte", "\xfc\x80\x80\x80\x80\x80", false},

	// Surrogates, single and paired.
	{"U+D800", "\xed\xa0\x80", false},
	{"U+DB7F", "\xed\xad\xbf", false},
	{"U+DB80", "\xed\xae\x80", false},
	{"U+DBFF", "\xed\xaf\xbf", false},
	{"U+DC00", "\xed\xb0\x80", false},
	{"U+DF80", "\xed\xbe\x80", false},
	{"U+DFFF", "\xed\xbf\xbf", false},
	{"U+D800 U+DC00", "\xed\xa0\x80\xed\xb0\x80", false},
	{"U+D800 U+DFFF", "\xed\xa0\x80\xed\xbf\xbf", false},
	{"U+DB7F U+DC00", "\xed\xad\xbf\xed\xb0\x80", false},
	{"U+DBFF U+DFFF", "\xed\xaf\xbf\xed\xbf\xbf", false},
	{"surrogate in text", "abc\xed\xa0\x80def", false},

	// Noncharacters are valid UTF-8.
	{"U+FFFE", "\xef\xbf\xbe", true},
	{"U+FDD0", "\xef\xb7\x90", true},
	{"U+FDEF", "\xef\xb7\xaf", true},
	{"U+1FFFE", "\xf0\x9f\xbf\xbe", true},
	{"U+10FFFE", "\xf4\x8f\xbf\xbe", true},

	// Autobahn 6.x texts.
	{"hello with replacement char", "Hello-\xef\xbf\xbd", true},
	{"kosme then invalid", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited", false},
}

// byteRange returns the bytes lo, lo+1, ..., hi.
func byteRange(lo, hi byte) []byte {
	var b []byte
	for c := int(lo); c <= int(hi); c++ {
		b = append(b, byte(c))
	}
	return b
}

// spaced returns each byte from lo to hi followed by a space.
func spaced(lo, hi byte) string {
	var b []byte
	for _, c := range byteRange(lo, hi) {
		b = append(b, c, ' ')
	}
	return string(b)
}

// utf8Background returns n bytes of ASCII text.
func utf8Background(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = "the quick brown fox 0123456789 "[i%31]
	}
	return b
}

func TestValidUTF8Cases(t *testing.T) {
	forEachUTF8Kernel(t, func(t *testing.T) {
		for _, tt := range utf8Cases {
			if std := utf8.ValidString(tt.in); std != tt.valid {
				t.Fatalf("%s: table says %v, utf8.Valid says %v", tt.name, tt.valid, std)
			}
			if got := ValidUTF8([]byte(tt.in)); got != tt.valid {
				t.Errorf("ValidUTF8(%s %q) = %v; want %v", tt.name, tt.in, got, tt.valid)
			}
			// Inside ASCII text long enough for the kernel, at every
			// offset in two blocks, and at the end.
			for pos := 0; pos < 64; pos++ {
				b := utf8Background(max(128, pos+len(tt.in)))
				copy(b[pos:], tt.in)
				if got := ValidUTF8(b); got != tt.valid {
					t.Errorf("ValidUTF8(%s at %d of %d) = %v; want %v", tt.name, pos, len(b), got, tt.valid)
				}
				b = append(utf8Background(32+pos), tt.in...)
				if got := ValidUTF8(b); got != tt.valid {
					t.Errorf("ValidUTF8(%s at the end of %d) = %v; want %v", tt.name, len(b), got, tt.valid)
				}
			}
		}
	})
}

// TestValidUTF8Exhaustive compares every validator with utf8.Valid on
// every sequence of one, two and three bytes and on every four-byte
// sequence that starts with F0 to F4, the lead bytes of the only four-byte
// sequences that can be valid. With -short or the race detector (which makes
// these loops ten times slower and has nothing to find in them), the last
// byte of the three- and four-byte sequences only takes the values of
// utf8Edges, and the four-byte lead bytes are F0 and F4.
//
// Short inputs never reach a kernel, so each sequence also goes at the end
// of a 32-byte ASCII block, which runs it through the same vector code as
// any other position within a 16-byte lane, and through the check of where
// the input ends; the three-byte sequences also go across the boundary
// between the two lanes. TestValidUTF8Offsets covers the other positions.
//
// The kernels are called directly (utf8KernelFunc), so that the subtests
// can share the CPUs.
func TestValidUTF8Exhaustive(t *testing.T) {
	leads4, lasts := byteRange(0xf0, 0xf4), byteRange(0, 0xff)
	if testing.Short() || testenv.RaceEnabled {
		leads4, lasts = []byte{0xf0, 0xf4}, utf8Edges
	}
	var funcs []func([]byte) bool
	for _, k := range utf8Kernels {
		funcs = append(funcs, utf8KernelFunc(k))
	}
	// check compares every validator with utf8.Valid on s, alone and at
	// offset pos of blk, which is ASCII.
	check := func(t *testing.T, blk, s []byte, pos int) {
		want := utf8.Valid(s)
		if got := validUTF8(s, false); got != want {
			t.Fatalf("validUTF8(%q, false) = %v; want %v", s, got, want)
		}
		copy(blk[pos:], s)
		for i, f := range funcs {
			if got := f(blk); got != want {
				t.Fatalf("%s: ValidUTF8(%q at %d of %d) = %v; want %v", utf8Kernels[i], s, pos, len(blk), got, want)
			}
		}
		copy(blk[pos:pos+len(s)], "    ")
	}
	for lo := 0; lo < 256; lo += 32 {
		t.Run(fmt.Sprintf("short/lead=%02X-%02X", lo, lo+31), func(t *testing.T) {
			t.Parallel()
			blk := bytes.Repeat([]byte{' '}, 32)
			var s [3]byte
			for a := lo; a < lo+32; a++ {
				s[0] = byte(a)
				check(t, blk, s[:1], 31)
				for b := 0; b < 256; b++ {
					s[1] = byte(b)
					check(t, blk, s[:2], 30)
					for _, c := range lasts {
						s[2] = c
						check(t, blk, s[:3], 29)
						check(t, blk, s[:3], 15)
					}
				}
			}
		})
	}
	for _, a := range leads4 {
		t.Run(fmt.Sprintf("4-byte/lead=%02X", a), func(t *testing.T) {
			t.Parallel()
			blk := bytes.Repeat([]byte{' '}, 32)
			s := [4]byte{a}
			for b := 0; b < 256; b++ {
				s[1] = byte(b)
				for c := 0; c < 256; c++ {
					s[2] = byte(c)
					for _, d := range lasts {
						s[3] = d
						check(t, blk, s[:], 28)
					}
				}
			}
		})
	}
}

// utf8Edges are the byte values where the rules change: ASCII, the
// continuation ranges that E0, ED, F0 and F4 accept or reject, the lead
// bytes at the ends of each class and bytes that never occur.
var utf8Edges = []byte{
	0x00, 0x41, 0x7f, 0x80, 0x81, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
	0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xff,
}

// utf8TailLengths are input lengths with a partial block after the last
// whole one: one to three bytes, or 30 or 31, after one to four whole
// blocks. The kernel checks such a tail again together with the bytes
// before it.
var utf8TailLengths = []int{33, 34, 35, 62, 63, 65, 66, 67, 94, 95, 97, 126, 127, 129, 158, 159}

// TestValidUTF8Offsets puts short sequences at every offset of the first
// two 32-byte blocks of a 128-byte ASCII buffer, at every offset of buffers
// of 16 to 31 bytes, at the end of buffers of every length from 32 to 127
// (every tail length, with and without a whole block before the tail), across the first 128-byte chunk boundary of a
// 256-byte buffer, and across the end of the last whole block of inputs of
// the utf8TailLengths. The sequences: every one- and two-byte sequence, every
// three-byte sequence of utf8Edges, and four-byte sequences of utf8Edges
// with a lead byte from each class. With -short or the race detector, only
// the two-byte sequences of utf8Edges and a quarter of the longer ones.
func TestValidUTF8Offsets(t *testing.T) {
	var seqs [][]byte
	for a := 0; a < 256; a++ {
		seqs = append(seqs, []byte{byte(a)})
		for b := 0; b < 256; b++ {
			seqs = append(seqs, []byte{byte(a), byte(b)})
		}
	}
	for _, a := range utf8Edges {
		for _, b := range utf8Edges {
			for _, c := range utf8Edges {
				seqs = append(seqs, []byte{a, b, c})
			}
		}
	}
	leads := []byte{0x41, 0x80, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5}
	conts := []byte{0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0}
	for _, a := range leads {
		for _, b := range conts {
			for _, c := range conts {
				for _, d := range conts {
					seqs = append(seqs, []byte{a, b, c, d})
				}
			}
		}
	}
	if testing.Short() || testenv.RaceEnabled {
		// Only the two-byte sequences of utf8Edges, and every fourth
		// longer one.
		short := seqs[:0:0]
		for i, s := range seqs {
			switch {
			case len(s) == 1,
				len(s) == 2 && bytes.IndexByte(utf8Edges, s[0]) >= 0 && bytes.IndexByte(utf8Edges, s[1]) >= 0,
				len(s) > 2 && i%4 == 0:
				short = append(short, s)
			}
		}
		seqs = short
	}
	for _, k := range utf8Kernels {
		valid := utf8KernelFunc(k)
		t.Run(k, func(t *testing.T) {
			t.Parallel()
			bg := utf8Background(256)
			buf := bytes.Clone(bg)
			check := func(s []byte, n, pos int, want bool) {
				b := buf[:n]
				copy(b[pos:], s)
				if got := valid(b); got != want {
					t.Fatalf("ValidUTF8(%q at %d of %d) = %v; want %v", s, pos, n, got, want)
				}
				copy(b[pos:], bg[pos:pos+len(s)])
			}
			for _, s := range seqs {
				want := utf8.Valid(s)
				for pos := 0; pos < 64; pos++ {
					check(s, 128, pos, want)
				}
				for n := 16; n < 128; n++ {
					check(s, n, n-len(s), want)
					if n < 32 {
						// Every offset of the short inputs.
						for pos := 0; pos+len(s) < n; pos++ {
							check(s, n, pos, want)
						}
					}
				}
				for pos := 120; pos < 136; pos++ {
					check(s, 256, pos, want)
				}
				for _, n := range utf8TailLengths {
					end := n - n%32
					for pos := max(0, end-5); pos <= end+1 && pos+len(s) <= n; pos++ {
						check(s, n, pos, want)
					}
				}
			}
		})
	}
}

// TestValidUTF8EveryPosition puts one thing at every position of ASCII
// buffers of lengths around the sizes where the kernel's loops change (32-,
// 128- and 256-byte steps): an FF byte, a stray continuation byte, a valid
// two- and four-byte code point, and a four-byte code point cut short. A
// loop that skips a block as ASCII without looking at all of it fails here.
func TestValidUTF8EveryPosition(t *testing.T) {
	lengths := []int{16, 19, 31, 32, 33, 63, 64, 95, 127, 128, 129, 255, 256, 257, 383, 384, 511, 512, 513, 767, 1024, 1100}
	things := []string{"\xff", "\x80", "é", "😀", "\xf0\x9f\x98"}
	forEachUTF8Kernel(t, func(t *testing.T) {
		for _, n := range lengths {
			bg := utf8Background(n)
			b := bytes.Clone(bg)
			for _, th := range things {
				for pos := 0; pos+len(th) <= n; pos++ {
					copy(b[pos:], th)
					if got, want := ValidUTF8(b), utf8.Valid(b); got != want {
						t.Fatalf("ValidUTF8(%q at %d of %d) = %v; want %v", th, pos, n, got, want)
					}
					copy(b[pos:], bg[pos:pos+len(th)])
				}
			}
		}
	})
}

// utf8Tokens are the pieces random texts are made of: ASCII, valid code
// points of every length and at the edges of the ranges, and invalid
// pieces, the last utf8InvalidTokens of them.
var utf8Tokens = []string{
	"a", " ", "Z", "\x00", "\x7f", "hello, ",
	"é", "ж", "Я", "\u0080", "\u07ff",
	"中", "文", "€", "\u0800", "\ud7ff", "\ue000", "\uffff", "\ufffd",
	"😀", "🚀", "\U00010000", "\U0010ffff",
	// Invalid from here.
	"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
	"\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xc2", "\xe2\x82", "\xf0\x9f\x98",
}

const utf8InvalidTokens = 14

// randomUTF8 returns text of about n bytes made of utf8Tokens; each token
// is invalid with probability 1/badOneIn (never, if badOneIn is 0).
func randomUTF8(rng *rand.Rand, n, badOneIn int) []byte {
	good := len(utf8Tokens) - utf8InvalidTokens
	var b []byte
	for len(b) < n {
		if badOneIn > 0 && rng.IntN(badOneIn) == 0 {
			b = append(b, utf8Tokens[good+rng.IntN(utf8InvalidTokens)]...)
		} else {
			b = append(b, utf8Tokens[rng.IntN(good)]...)
		}
	}
	return b
}

// TestValidUTF8Random compares ValidUTF8 with utf8.Valid on random texts of
// every length up to 1024 and some longer ones, valid and invalid, whole and
// cut short.
func TestValidUTF8Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	forEachUTF8Kernel(t, func(t *testing.T) {
		ns := []int{4095, 4096, 4097, 65536 + 13}
		for n := 0; n <= 1024; n++ {
			ns = append(ns, n)
		}
		for _, n := range ns {
			for _, bad := range []int{0, 2, 50, 1000} {
				b := randomUTF8(rng, n, bad)
				for _, p := range [][]byte{b, b[:n], b[:len(b)-min(len(b), 1)]} {
					if got, want := ValidUTF8(p), utf8.Valid(p); got != want {
						t.Fatalf("ValidUTF8(%q) = %v; want %v", p, got, want)
					}
				}
			}
		}
	})
}

// TestValidUTF8Mutations takes valid mixed text of lengths up to 300 and
// sets each byte in turn to each of utf8Edges.
func TestValidUTF8Mutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	lengths := []int{31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 160, 255, 256, 257, 300}
	forEachUTF8Kernel(t, func(t *testing.T) {
		for _, n := range lengths {
			orig := randomUTF8(rng, n, 0)[:n]
			b := bytes.Clone(orig)
			for i := range b {
				for _, c := range utf8Edges {
					b[i] = c
					if got, want := ValidUTF8(b), utf8.Valid(b); got != want {
						t.Fatalf("ValidUTF8(%q) = %v; want %v", b, got, want)
					}
				}
				b[i] = orig[i]
			}
		}
	})
}

// TestValidUTF8Texts checks the benchmark texts, which are valid, and the
// same texts with one byte broken near the end.
func TestValidUTF8Texts(t *testing.T) {
	forEachUTF8Kernel(t, func(t *testing.T) {
		for _, kind := range utf8TextKinds {
			for _, n := range utf8BenchSizes {
				p := utf8Text(kind, n)
				if !ValidUTF8(p) {
					t.Errorf("ValidUTF8(%s text of %d bytes) = false; want true", kind, n)
				}
				q := bytes.Clone(p)
				q[len(q)-2] = 0xff
				if ValidUTF8(q) {
					t.Errorf("ValidUTF8(%s text of %d bytes with FF) = true; want false", kind, n)
				}
			}
		}
	})
}

// utf8IsPrefix reports whether t, of at most four bytes, is the start of
// the encoding of one code point, or the whole of it, by trying
// completions with utf8.Valid. Only the second byte of a sequence has a
// range that depends on the lead byte, so it tries every continuation byte
// there and 80 for the bytes after.
func utf8IsPrefix(t []byte) bool {
	if len(t) > 0 && utf8.Valid(t) && utf8.RuneCount(t) == 1 {
		return true
	}
	for m := len(t) + 1; m <= 4; m++ {
		for c := 0x80; c <= 0xbf; c++ {
			u := append([]byte(nil), t...)
			for len(u) < m {
				if len(u) == 1 {
					u = append(u, byte(c))
				} else {
					u = append(u, 0x80)
				}
			}
			if utf8.Valid(u) && utf8.RuneCount(u) == 1 {
				return true
			}
		}
	}
	return false
}

// utf8FailAt returns the length of the shortest prefix of p that is not the
// beginning of any valid UTF-8 text, or -1 if p is such a beginning.
func utf8FailAt(p []byte) int {
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		if r != utf8.RuneError || size > 1 {
			i += size
			continue
		}
		for j := 1; j <= 4 && i+j <= len(p); j++ {
			if !utf8IsPrefix(p[i : i+j]) {
				return i + j
			}
		}
		return -1 // p ends in the first bytes of a code point
	}
	return -1
}

// feedChunks feeds p to a fresh validator in chunks of the given sizes
// (the last chunk takes what is left) and checks every Feed result against
// failAt and Done against utf8.Valid.
func feedChunks(t *testing.T, p []byte, sizes []int, failAt int) {
	t.Helper()
	var v UTF8Validator
	off := 0
	for i := 0; off < len(p) || i == 0; i++ {
		n := len(p) - off
		if i < len(sizes) {
			n = min(n, sizes[i])
		}
		off += n
		want := failAt < 0 || off < failAt
		if got := v.Feed(p[off-n : off]); got != want {
			t.Fatalf("Feed of %q in chunks %v: call %d (bytes %d..%d) = %v; want %v (first bad prefix: %d bytes)",
				p, sizes, i, off-n, off, got, want, failAt)
		}
	}
	if got, want := v.Done(), utf8.Valid(p); got != want {
		t.Fatalf("Done after feeding %q in chunks %v = %v; want %v", p, sizes, got, want)
	}
	// Once false, false until Reset.
	if failAt >= 0 && (v.Feed([]byte("ok")) || v.Feed(nil) || v.Done()) {
		t.Fatalf("validator accepted input after rejecting %q", p)
	}
	v.Reset()
	if !v.Feed([]byte("ok")) || !v.Done() {
		t.Fatalf("validator rejected input after Reset")
	}
}

// utf8StreamInputs returns the texts the streaming tests feed: the stress
// cases, each embedded in other text, and random texts.
func utf8StreamInputs() [][]byte {
	var in [][]byte
	for _, tt := range utf8Cases {
		in = append(in, []byte(tt.in), []byte("ж"+tt.in+"中a"))
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 200; i++ {
		in = append(in, randomUTF8(rng, rng.IntN(100), []int{0, 0, 5, 30}[i%4]))
	}
	for _, kind := range utf8TextKinds {
		in = append(in, utf8Text(kind, 300))
	}
	return in
}

func TestUTF8ValidatorFailFast(t *testing.T) {
	tests := []struct {
		chunks []string
		want   []bool // Feed results
		done   bool
	}{
		{[]string{"\xed", "\xa0"}, []bool{true, false}, false},
		{[]string{"\xed", "\x9f", "\xbf"}, []bool{true, true, true}, true},
		{[]string{"\xf4\x90"}, []bool{false}, false},
		{[]string{"\xf4", "\x8f", "\xbf", "\xbf"}, []bool{true, true, true, true}, true},
		{[]string{"\xe0\x80"}, []bool{false}, false},
		{[]string{"\xe0", "\xa0"}, []bool{true, true}, false},
		{[]string{"\xc0"}, []bool{false}, false},
		{[]string{"\xc1"}, []bool{false}, false},
		{[]string{"\xf5"}, []bool{false}, false},
		{[]string{"\xf0", "\x8f"}, []bool{true, false}, false},
		{[]string{"\xf0\x90", "\x80", "a"}, []bool{true, true, false}, false},
		{[]string{"abc\xe2", "\x82", "\xac", "def"}, []bool{true, true, true, true}, true},
		{[]string{"abc\xe2\x82", ""}, []bool{true, true}, false},
		{[]string{"\x80"}, []bool{false}, false},
		{[]string{"a", "\x80"}, []bool{true, false}, false},
		{[]string{"\xc3", "\xa9\xc3"}, []bool{true, true}, false},
		{[]string{"\xc3", "\xa9\xc3", "\xa9"}, []bool{true, true, true}, true},
		{[]string{"\xed", "\xa0", "\x80"}, []bool{true, false, false}, false},
	}
	for _, tt := range tests {
		var v UTF8Validator
		for i, c := range tt.chunks {
			if got := v.Feed([]byte(c)); got != tt.want[i] {
				t.Errorf("%q: Feed(%q) = %v; want %v", tt.chunks, c, got, tt.want[i])
			}
		}
		if got := v.Done(); got != tt.done {
			t.Errorf("%q: Done() = %v; want %v", tt.chunks, got, tt.done)
		}
	}
}

func TestUTF8ValidatorZero(t *testing.T) {
	var v UTF8Validator
	if !v.Done() {
		t.Error("zero UTF8Validator: Done() = false; want true")
	}
	if !v.Feed(nil) || !v.Done() {
		t.Error("Feed(nil) on a zero UTF8Validator failed")
	}
}

// TestUTF8ValidatorSplits feeds each input split in two at every point, in
// three pieces at every pair of points for short inputs, one byte at a
// time, and in random chunks, and checks every result against utf8FailAt
// and utf8.Valid.
func TestUTF8ValidatorSplits(t *testing.T) {
	inputs := utf8StreamInputs()
	fails := make([]int, len(inputs))
	for i, p := range inputs {
		fails[i] = utf8FailAt(p)
	}
	rng := rand.New(rand.NewPCG(11, 12))
	forEachUTF8Kernel(t, func(t *testing.T) {
		for i, p := range inputs {
			fail := fails[i]
			feedChunks(t, p, nil, fail)
			for k := 0; k <= len(p); k++ {
				feedChunks(t, p, []int{k}, fail)
			}
			if len(p) <= 24 {
				for j := 0; j <= len(p); j++ {
					for k := 0; j+k <= len(p); k++ {
						feedChunks(t, p, []int{j, k}, fail)
					}
				}
			}
			ones := make([]int, len(p))
			for j := range ones {
				ones[j] = 1
			}
			feedChunks(t, p, ones, fail)
			for r := 0; r < 20; r++ {
				var sizes []int
				for s := 0; s < len(p); {
					c := rng.IntN([]int{2, 5, 40}[r%3])
					sizes = append(sizes, c)
					s += c
				}
				feedChunks(t, p, sizes, fail)
			}
		}
	})
}

// TestUTF8ValidatorLong feeds long texts, with an error placed at various
// distances from the end, in chunks large enough for the kernel.
func TestUTF8ValidatorLong(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	forEachUTF8Kernel(t, func(t *testing.T) {
		for iter := 0; iter < 100; iter++ {
			p := randomUTF8(rng, 500+rng.IntN(5000), 0)
			if iter%2 == 1 {
				pos := rng.IntN(len(p))
				bad := utf8Tokens[len(utf8Tokens)-utf8InvalidTokens+rng.IntN(utf8InvalidTokens)]
				p = append(p[:pos:pos], append([]byte(bad), p[pos:]...)...)
			}
			fail := utf8FailAt(p)
			var sizes []int
			for s := 0; s < len(p); {
				c := 1 + rng.IntN(300)
				sizes = append(sizes, c)
				s += c
			}
			feedChunks(t, p, sizes, fail)
		}
	})
}

// TestUTF8FailAt checks the streaming reference itself on cases worked out
// by hand.
func TestUTF8FailAt(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", -1}, {"abc", -1}, {"\xe2\x82", -1}, {"\xe2\x82\xac", -1},
		{"\xed\xa0", 2}, {"\xf4\x90", 2}, {"\xe0\x80", 2}, {"\xc0", 1}, {"\xf5", 1},
		{"ab\x80", 3}, {"\xc3a", 2}, {"\xf0\x90\x80a", 4}, {"\xf0\x90\x80\x80\x80", 5},
	}
	for _, tt := range tests {
		if got := utf8FailAt([]byte(tt.in)); got != tt.want {
			t.Errorf("utf8FailAt(%q) = %d; want %d", tt.in, got, tt.want)
		}
	}
}

// TestUTF8NoAllocs checks that ValidUTF8 and the validator's methods do not
// allocate, with every kernel, on valid and invalid input.
func TestUTF8NoAllocs(t *testing.T) {
	var sink bool
	for _, k := range utf8Kernels {
		restore := setUTF8Kernel(k)
		for _, n := range []int{0, 3, 16, 40, 125, 1024, 65536} {
			p := utf8Text("mixed", n)
			bad := append(bytes.Clone(p), 0xff)
			testenv.NoAllocs(t, fmt.Sprintf("ValidUTF8 %s n=%d", k, n), func() { sink = ValidUTF8(p) })
			testenv.NoAllocs(t, fmt.Sprintf("ValidUTF8 %s invalid n=%d", k, n), func() { sink = ValidUTF8(bad) })
			var v UTF8Validator
			testenv.NoAllocs(t, fmt.Sprintf("UTF8Validator %s n=%d", k, n), func() {
				v.Reset()
				half := len(p) / 2
				sink = v.Feed(p[:half]) && v.Feed(p[half:]) && v.Done()
			})
			testenv.NoAllocs(t, fmt.Sprintf("UTF8Validator %s invalid n=%d", k, n), func() {
				v.Reset()
				sink = v.Feed(bad) || v.Done()
			})
		}
		restore()
	}
	_ = sink
}

// TestUTF8Tables checks utf8Seq, utf8SecondLo and utf8SecondHi against
// utf8.Valid: for every lead byte, the sequence length and the second bytes
// that some valid sequence of that length has.
func TestUTF8Tables(t *testing.T) {
	for c := 0; c < 256; c++ {
		k := utf8Seq[c]
		size := int(k & 7)
		wantSize := 0
		lo, hi := -1, -1
		for m := 1; m <= 4 && wantSize == 0; m++ {
			for c1 := 0; c1 < 256; c1++ {
				s := append([]byte{byte(c), byte(c1)}, 0x80, 0x80)[:m]
				if utf8.Valid(s) && utf8.RuneCount(s) == 1 {
					wantSize = m
					if m == 1 {
						break
					}
					if lo < 0 {
						lo = c1
					}
					hi = c1
				}
			}
		}
		if size != wantSize {
			t.Errorf("utf8Seq[%#02x] length = %d; want %d", c, size, wantSize)
		}
		if wantSize > 1 && (int(utf8SecondLo[k>>4]) != lo || int(utf8SecondHi[k>>4]) != hi) {
			t.Errorf("second byte range for %#02x = %#02x..%#02x; want %#02x..%#02x",
				c, utf8SecondLo[k>>4], utf8SecondHi[k>>4], lo, hi)
		}
	}
}
