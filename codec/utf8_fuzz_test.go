package codec

import (
	"testing"
	"unicode/utf8"
)

// FuzzValidUTF8 compares every validator with utf8.Valid on p alone, on p
// after pad%64 ASCII bytes (so that it ends the input and starts at any
// offset of a kernel block) and on p with ASCII on both sides, at least 64
// bytes in all.
func FuzzValidUTF8(f *testing.F) {
	for i, tt := range utf8Cases {
		f.Add([]byte(tt.in), uint8(i))
	}
	f.Fuzz(func(t *testing.T, p []byte, pad uint8) {
		want := utf8.Valid(p)
		before := append(utf8Background(int(pad%64)), p...)
		around := append(before[:len(before):len(before)], utf8Background(max(64-len(before), 3))...)
		for _, k := range utf8Kernels {
			valid := utf8KernelFunc(k)
			for _, in := range [][]byte{p, before, around} {
				if got := valid(in); got != want {
					t.Fatalf("%s: ValidUTF8(%q) = %v; want %v", k, in, got, want)
				}
			}
		}
	})
}

// FuzzUTF8Validator feeds p to a UTF8Validator in chunks whose sizes are
// the bytes of sizes (an empty chunk for a zero; the rest of p in the last
// chunk) with every validator, and checks each Feed result against the
// first prefix of p that cannot begin valid UTF-8, and Done against
// utf8.Valid.
func FuzzUTF8Validator(f *testing.F) {
	for i, tt := range utf8Cases {
		f.Add([]byte("ж"+tt.in+"中"), []byte{byte(i % 5), 1, 2, 3, 40})
	}
	f.Fuzz(func(t *testing.T, p, sizes []byte) {
		fail := utf8FailAt(p)
		ns := make([]int, len(sizes))
		for i, c := range sizes {
			ns[i] = int(c)
		}
		for _, k := range utf8Kernels {
			restore := setUTF8Kernel(k)
			feedChunks(t, p, ns, fail)
			restore()
		}
	})
}
