package loadgen

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

func TestFillJSON(t *testing.T) {
	for _, n := range []int{0, 1, 16, 100, 1024, 65536} {
		a, b, c := make([]byte, n), make([]byte, n), make([]byte, n)
		FillPayload(a, PayloadJSON, false, 1)
		FillPayload(b, PayloadJSON, false, 1)
		FillPayload(c, PayloadJSON, false, 2)
		if !bytes.Equal(a, b) {
			t.Errorf("%d bytes: two fills for one connection differ", n)
		}
		if n >= 100 && bytes.Equal(a, c) {
			t.Errorf("%d bytes: two connections got the same events", n)
		}
		if !utf8.Valid(a) || bytes.IndexByte(a, 0) >= 0 {
			t.Errorf("%d bytes: not text: %q", n, a)
		}
		if n >= 100 && !bytes.HasPrefix(a, []byte(`{"e":"trade","E":`)) {
			t.Errorf("%d bytes: starts %q", n, a[:20])
		}
	}
}
