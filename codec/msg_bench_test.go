package codec

import (
	"bytes"
	"fmt"
	"testing"
)

// benchDecode feeds a stream of masked messages of n bytes to a server's
// Decoder in chunks of chunk bytes and reports messages per second. The
// stream is about 256 KiB, so it stays in L2, and it is decoded again and
// again without copying: unmasking in place only toggles the payload, and
// the key's bytes are below 0x80, so ASCII text stays valid UTF-8 in both
// states.
func benchDecode(b *testing.B, op Opcode, n, chunk int) {
	payload := bytes.Repeat([]byte("a"), n)
	one := AppendHeader(nil, Header{Fin: true, Opcode: op, Masked: true, Key: [4]byte{0x11, 0x22, 0x33, 0x44}, Length: int64(n)})
	one = append(one, payload...)
	per := max(1, (256<<10)/len(one))
	stream := bytes.Repeat(one, per)
	var d Decoder
	var ev Event
	b.SetBytes(int64(n * per))
	b.ReportAllocs()
	msgs := 0
	for b.Loop() {
		for p := stream; len(p) > 0; {
			c := p[:min(chunk, len(p))]
			p = p[len(c):]
			for len(c) > 0 {
				k, err := d.Next(c, &ev)
				if err != nil {
					b.Fatal(err)
				}
				c = c[k:]
				if ev.End {
					msgs++
				}
			}
		}
	}
	b.ReportMetric(float64(msgs)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkDecoder decodes masked messages fed in 4 KiB chunks. Compare
// the 64 KiB case with BenchmarkMask/size=65536: the decoder's own work on
// top of unmasking is a header every 64 KiB and 16 calls.
func BenchmarkDecoder(b *testing.B) {
	for _, op := range []Opcode{OpBinary, OpText} {
		for _, n := range []int{16, 1 << 10, 64 << 10} {
			b.Run(fmt.Sprintf("op=%v/size=%d/chunk=4096", op, n), func(b *testing.B) { benchDecode(b, op, n, 4096) })
		}
	}
}

func BenchmarkEncoder(b *testing.B) {
	for _, role := range []Role{RoleServer, RoleClient} {
		for _, n := range []int{16, 1 << 10, 64 << 10} {
			b.Run(fmt.Sprintf("role=%v/size=%d", role, n), func(b *testing.B) {
				e := Encoder{Role: role}
				payload := bytes.Repeat([]byte("a"), n)
				out := make([]byte, 0, n+MaxHeaderLen)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				for b.Loop() {
					out, _ = e.AppendMessage(out[:0], OpBinary, payload)
				}
			})
		}
	}
}
