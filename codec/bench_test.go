package codec

import (
	"fmt"
	"testing"
)

// benchSizes are the payload sizes the issue and the README report: empty,
// tiny, a typical chat message, the largest control frame, and bulk sizes.
var benchSizes = []int{0, 2, 16, 125, 1 << 10, 4 << 10, 64 << 10, 1 << 20}

var benchKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

func forEachSize(b *testing.B, f func(b *testing.B, n int)) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			b.ReportAllocs()
			f(b, n)
		})
	}
}

// BenchmarkMask masks in place with the kernel chosen for this CPU.
func BenchmarkMask(b *testing.B) {
	forEachSize(b, func(b *testing.B, n int) {
		buf := make([]byte, n)
		for b.Loop() {
			Mask(buf, benchKey, 1)
		}
	})
}

// BenchmarkMaskKernel masks in place with each kernel in turn.
func BenchmarkMaskKernel(b *testing.B) {
	for _, k := range kernels {
		b.Run("kernel="+k, func(b *testing.B) {
			defer setKernel(k)()
			forEachSize(b, func(b *testing.B, n int) {
				buf := make([]byte, n)
				for b.Loop() {
					Mask(buf, benchKey, 1)
				}
			})
		})
	}
}

// BenchmarkMaskCopy unmasks from one buffer into another, as a reader does
// when it copies a payload out of its read buffer.
func BenchmarkMaskCopy(b *testing.B) {
	forEachSize(b, func(b *testing.B, n int) {
		src, dst := make([]byte, n), make([]byte, n)
		for b.Loop() {
			MaskCopy(dst, src, benchKey, 1)
		}
	})
}

// BenchmarkCopy is the baseline for Mask and MaskCopy: the built-in copy of
// the same sizes, in the same run.
func BenchmarkCopy(b *testing.B) {
	forEachSize(b, func(b *testing.B, n int) {
		src, dst := make([]byte, n), make([]byte, n)
		for b.Loop() {
			copy(dst, src)
		}
	})
}

// BenchmarkCopyThenMask is what MaskCopy replaces: a copy, then a second
// pass to unmask.
func BenchmarkCopyThenMask(b *testing.B) {
	forEachSize(b, func(b *testing.B, n int) {
		src, dst := make([]byte, n), make([]byte, n)
		for b.Loop() {
			copy(dst, src)
			Mask(dst, benchKey, 1)
		}
	})
}

// headerCases are one header of each encoded size.
var headerCases = []struct {
	name string
	h    Header
}{
	{"len=2", Header{Fin: true, Opcode: OpText, Length: 16}},
	{"len=6", Header{Fin: true, Opcode: OpText, Length: 16, Masked: true, Key: benchKey}},
	{"len=8", Header{Fin: true, Opcode: OpBinary, Length: 1024, Masked: true, Key: benchKey}},
	{"len=14", Header{Fin: true, Opcode: OpBinary, Length: 1 << 20, Masked: true, Key: benchKey}},
}

func BenchmarkParseHeader(b *testing.B) {
	for _, c := range headerCases {
		enc := AppendHeader(nil, c.h)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h, _, err := ParseHeader(enc)
				if err != nil || h.Length != c.h.Length {
					b.Fatal("bad parse")
				}
			}
		})
	}
}

// BenchmarkHeaderParse is BenchmarkParseHeader into a Header the caller
// holds.
func BenchmarkHeaderParse(b *testing.B) {
	for _, c := range headerCases {
		enc := AppendHeader(nil, c.h)
		b.Run(c.name, func(b *testing.B) {
			var h Header
			b.ReportAllocs()
			for b.Loop() {
				if _, err := h.Parse(enc); err != nil || h.Length != c.h.Length {
					b.Fatal("bad parse")
				}
			}
		})
	}
}

// BenchmarkParseValidate is the per-frame work of a reader: parse, then check.
func BenchmarkParseValidate(b *testing.B) {
	enc := AppendHeader(nil, headerCases[1].h)
	b.ReportAllocs()
	for b.Loop() {
		h, _, err := ParseHeader(enc)
		if err == nil {
			err = h.Validate(RoleServer, 0)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendHeader(b *testing.B) {
	for _, c := range headerCases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, MaxHeaderLen)
			for b.Loop() {
				buf = AppendHeader(buf[:0], c.h)
			}
		})
	}
}

func BenchmarkPutHeader(b *testing.B) {
	for _, c := range headerCases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var buf [MaxHeaderLen]byte
			for b.Loop() {
				PutHeader(buf[:], c.h)
			}
		})
	}
}

func BenchmarkParseClose(b *testing.B) {
	p := AppendClose(nil, CloseGoingAway, "server is restarting")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseClose(p); err != nil {
			b.Fatal(err)
		}
	}
}
