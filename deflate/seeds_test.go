package deflate

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var writeSeeds = flag.Bool("writeseeds", false, "rewrite the seed corpora in testdata/fuzz")

// TestWriteSeeds writes the committed seed corpora of the fuzz targets:
// go test -run WriteSeeds -writeseeds.
func TestWriteSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("run with -writeseeds to rewrite testdata/fuzz")
	}
	write := func(target, name string, args ...any) {
		var b bytes.Buffer
		b.WriteString("go test fuzz v1\n")
		for _, a := range args {
			switch v := a.(type) {
			case []byte:
				fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
			case uint16:
				fmt.Fprintf(&b, "uint16(%d)\n", v)
			case int8:
				fmt.Fprintf(&b, "int8(%d)\n", v)
			case bool:
				fmt.Fprintf(&b, "bool(%v)\n", v)
			default:
				t.Fatalf("type %T", a)
			}
		}
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// FuzzDecompress: the RFC 7692 examples, what both libraries make of
	// JSON and text at several levels, invalid data, and a bomb.
	rfc := map[string]string{
		"rfc-7.2.3.1": "f2 48 cd c9 c9 07 00", "rfc-7.2.3.2": "f2 00 11 00 00",
		"rfc-7.2.3.3": "00 05 00 fa ff 48 65 6c 6c 6f 00", "rfc-7.2.3.4": "f3 48 cd c9 c9 07 00 00",
		"rfc-7.2.3.5": "f2 48 05 00 00 00 ff ff ca c9 c9 07 00", "rfc-7.2.3.6": "00",
	}
	for name, h := range rfc {
		data := unhex(h)
		write("FuzzDecompress", name, data, uint16(len(data)/2))
	}
	for _, lib := range []string{"std", "kp"} {
		for _, level := range []int{-2, 0, 1, 6, 9} {
			newW := stdWriter(level) // -2 is stdflate.HuffmanOnly
			if lib == "kp" {
				newW = kpWriter(level) // -2 is kpflate.ConstantCompression
			}
			for _, kind := range []string{"json", "text"} {
				for _, n := range []int{60, 700, 3000} {
					if n == 3000 && level != 1 && level != 9 {
						continue
					}
					msgs := messages(kind, n, 2)
					payloads := compressStream(t, newW, msgs, false)
					name := fmt.Sprintf("%s%d-%s-%d", lib, level, kind, n)
					write("FuzzDecompress", name, payloads[0], uint16(len(payloads[0])/3))
					if n == 700 {
						write("FuzzRoundTrip", name, msgs[0], msgs[1], int8(max(level, 0)%10), level%2 == 0, uint16(n/3), uint16(n/7))
					}
				}
			}
		}
	}
	write("FuzzDecompress", "bomb", bomb(t, 100<<10), uint16(10))
	write("FuzzDecompress", "no-eob", dynNoEOB(), uint16(3))
	write("FuzzDecompress", "fixed-286", fixedBlock(0, 'a', 286), uint16(1))
	write("FuzzDecompress", "fixed-far", fixedBlock(1, 'a', 257, -1), uint16(2))
	write("FuzzDecompress", "fixed-match", fixedBlock(0, 'a', 285, -1, 'b'), uint16(2))
	write("FuzzRoundTrip", "empty", []byte{}, []byte{}, int8(1), true, uint16(0), uint16(0))
	write("FuzzRoundTrip", "zeros", make([]byte, 3000), bytes.Repeat([]byte("ab"), 2000), int8(-2), false, uint16(1), uint16(2))
}
