package peers

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gobwas/ws"
	"github.com/wsframe/wsframe/codec"
)

var sizes = []int{0, 2, 16, 125, 1 << 10, 4 << 10, 64 << 10, 1 << 20}

var key = [4]byte{0x37, 0xfa, 0x21, 0x3d}

func forEachSize(b *testing.B, f func(b *testing.B, buf []byte)) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("size=%d", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			b.ReportAllocs()
			f(b, make([]byte, n))
		})
	}
}

// BenchmarkMask runs each library's in-place masker over the same sizes.
// The copy() row is the baseline the targets are stated against.
func BenchmarkMask(b *testing.B) {
	b.Run("lib=wsframe", func(b *testing.B) {
		forEachSize(b, func(b *testing.B, buf []byte) {
			for b.Loop() {
				codec.Mask(buf, key, 1)
			}
		})
	})
	b.Run("lib=gobwas", func(b *testing.B) {
		forEachSize(b, func(b *testing.B, buf []byte) {
			for b.Loop() {
				ws.Cipher(buf, key, 1)
			}
		})
	})
	b.Run("lib=copy", func(b *testing.B) {
		forEachSize(b, func(b *testing.B, buf []byte) {
			dst := make([]byte, len(buf))
			for b.Loop() {
				copy(dst, buf)
			}
		})
	})
}

var (
	frameHeader = ws.Header{Fin: true, OpCode: ws.OpText, Masked: true, Mask: key, Length: 1024}
	codecHeader = codec.Header{Fin: true, Opcode: codec.OpText, Masked: true, Key: key, Length: 1024}
)

// BenchmarkParseHeader decodes a masked 8-byte header (16-bit length).
func BenchmarkParseHeader(b *testing.B) {
	enc := codec.AppendHeader(nil, codecHeader)
	b.Run("lib=wsframe", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h, _, err := codec.ParseHeader(enc)
			if err != nil || h.Length != 1024 {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=wsframe/Header.Parse", func(b *testing.B) {
		var h codec.Header
		b.ReportAllocs()
		for b.Loop() {
			if _, err := h.Parse(enc); err != nil || h.Length != 1024 {
				b.Fatal(err)
			}
		}
	})
	r := bytes.NewReader(enc)
	b.Run("lib=gobwas/ReadHeader", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r.Reset(enc)
			h, err := ws.ReadHeader(r)
			if err != nil || h.Length != 1024 {
				b.Fatal(err)
			}
		}
	})
	b.Run("lib=gobwas/ReadHeaderBuffer", func(b *testing.B) {
		b.ReportAllocs()
		var buf [ws.MaxHeaderSize - 2]byte
		for b.Loop() {
			r.Reset(enc)
			h, err := ws.ReadHeaderBuffer(r, buf[:])
			if err != nil || h.Length != 1024 {
				b.Fatal(err)
			}
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkAppendHeader encodes the same header.
func BenchmarkAppendHeader(b *testing.B) {
	b.Run("lib=wsframe", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, codec.MaxHeaderLen)
		for b.Loop() {
			buf = codec.AppendHeader(buf[:0], codecHeader)
		}
	})
	b.Run("lib=gobwas/WriteHeaderBuffer", func(b *testing.B) {
		b.ReportAllocs()
		var buf [ws.MaxHeaderSize]byte
		var w discard
		for b.Loop() {
			if err := ws.WriteHeaderBuffer(w, frameHeader, buf[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
