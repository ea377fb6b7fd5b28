package codec

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// frameVector is one record of testdata/frames.txt.
type frameVector struct {
	name, source string
	frame        []byte
	header       Header
	payload      *string // nil when the file gives none
}

func loadFrameVectors(t *testing.T) []frameVector {
	t.Helper()
	f, err := os.Open("../testdata/frames.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		vs  []frameVector
		cur *frameVector
	)
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if strings.HasPrefix(text, "#") {
			continue
		}
		if strings.TrimSpace(text) == "" {
			cur = nil
			continue
		}
		field, value, ok := strings.Cut(text, ": ")
		if !ok {
			t.Fatalf("frames.txt:%d: no field: %q", line, text)
		}
		if cur == nil {
			vs = append(vs, frameVector{})
			cur = &vs[len(vs)-1]
		}
		switch field {
		case "name":
			cur.name = value
		case "source":
			cur.source = value
		case "hex":
			b, err := hex.DecodeString(strings.ReplaceAll(value, " ", ""))
			if err != nil {
				t.Fatalf("frames.txt:%d: %v", line, err)
			}
			cur.frame = b
		case "header":
			h, err := parseHeaderFields(value)
			if err != nil {
				t.Fatalf("frames.txt:%d: %v", line, err)
			}
			cur.header = h
		case "payload":
			cur.payload = &value
		default:
			t.Fatalf("frames.txt:%d: unknown field %q", line, field)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatal("frames.txt holds no vectors")
	}
	return vs
}

func parseHeaderFields(s string) (Header, error) {
	var h Header
	for _, kv := range strings.Fields(s) {
		k, v, _ := strings.Cut(kv, "=")
		if k == "key" {
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != 4 {
				return h, fmt.Errorf("bad key %q", v)
			}
			h.Key = [4]byte(b)
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return h, fmt.Errorf("bad %s: %v", k, err)
		}
		switch k {
		case "fin":
			h.Fin = n == 1
		case "rsv":
			h.Rsv = uint8(n)
		case "opcode":
			h.Opcode = Opcode(n)
		case "masked":
			h.Masked = n == 1
		case "length":
			h.Length = n
		default:
			return h, fmt.Errorf("unknown header field %q", k)
		}
	}
	return h, nil
}

// TestFrameVectors decodes the RFC 6455 §5.7 examples and the seed's frames.
func TestFrameVectors(t *testing.T) {
	for _, v := range loadFrameVectors(t) {
		t.Run(v.name, func(t *testing.T) {
			h, n, err := ParseHeader(v.frame)
			if err != nil {
				t.Fatalf("ParseHeader(%x) error: %v", v.frame, err)
			}
			if h != v.header {
				t.Fatalf("ParseHeader(%x) = %+v; want %+v", v.frame, h, v.header)
			}
			if got := AppendHeader(nil, h); string(got) != string(v.frame[:n]) {
				t.Errorf("AppendHeader(%+v) = %x; want %x", h, got, v.frame[:n])
			}
			role := RoleClient
			if h.Masked {
				role = RoleServer
			}
			if err := h.Validate(role, 0); err != nil {
				t.Errorf("Validate(%v) = %v; want nil", role, err)
			}
			if v.payload == nil {
				return
			}
			payload := v.frame[n:]
			if int64(len(payload)) != h.Length {
				t.Fatalf("frame holds %d payload bytes; header says %d", len(payload), h.Length)
			}
			got := make([]byte, len(payload))
			if h.Masked {
				MaskCopy(got, payload, h.Key, 0)
			} else {
				copy(got, payload)
			}
			if string(got) != *v.payload {
				t.Errorf("payload = %q; want %q", got, *v.payload)
			}
		})
	}
}
