// Package testvectors holds the captured bytes that the module's tests
// share: the frames of RFC 6455 §5.7 and of the seed article
// (frames.txt), and the opening handshakes that browsers and libraries
// sent and answered (handshake/*.http, described in handshake/SOURCES.md).
// They are embedded, so a test in any package reads them by name instead
// of by a path relative to its folder.
//
// The package imports nothing of the module's own, so that the in-package
// tests of codec and handshake can use it.
package testvectors

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

//go:embed frames.txt handshake/*.http
var files embed.FS

// Head returns the bytes of the captured handshake head name, such as
// "request-chromium.http". It panics if there is none: names are literals
// in tests.
func Head(name string) []byte {
	b, err := files.ReadFile(path.Join("handshake", name))
	if err != nil {
		panic("testvectors: " + err.Error())
	}
	return b
}

// Heads returns the captured heads whose file names match pattern (as
// path.Match reads it), by file name. It panics if none does.
func Heads(pattern string) map[string][]byte {
	names, err := fs.Glob(files, path.Join("handshake", pattern))
	if err != nil || len(names) == 0 {
		panic(fmt.Sprintf("testvectors: no head matches %q (%v)", pattern, err))
	}
	heads := make(map[string][]byte, len(names))
	for _, n := range names {
		heads[path.Base(n)] = Head(path.Base(n))
	}
	return heads
}

// Header is a frame header as frames.txt gives it, in plain types so that
// this package need not import codec.
type Header struct {
	Fin    bool
	Rsv    uint8
	Opcode uint8
	Masked bool
	Key    [4]byte
	Length int64
}

// Frame is one record of frames.txt.
type Frame struct {
	Name, Source string
	Bytes        []byte  // the frame, or only its header where the source gives no payload
	Header       Header  // what the header decodes to
	Payload      *string // the unmasked payload, or nil where the file gives none
}

// Frames returns the records of frames.txt in file order.
func Frames() ([]Frame, error) {
	b, err := files.ReadFile("frames.txt")
	if err != nil {
		return nil, err
	}
	var (
		fs  []Frame
		cur *Frame
	)
	sc := bufio.NewScanner(bytes.NewReader(b))
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
			return nil, fmt.Errorf("frames.txt:%d: no field: %q", line, text)
		}
		if cur == nil {
			fs = append(fs, Frame{})
			cur = &fs[len(fs)-1]
		}
		if err := cur.set(field, value); err != nil {
			return nil, fmt.Errorf("frames.txt:%d: %v", line, err)
		}
	}
	if len(fs) == 0 {
		return nil, fmt.Errorf("frames.txt holds no records")
	}
	return fs, sc.Err()
}

func (f *Frame) set(field, value string) error {
	switch field {
	case "name":
		f.Name = value
	case "source":
		f.Source = value
	case "hex":
		b, err := hex.DecodeString(strings.ReplaceAll(value, " ", ""))
		if err != nil {
			return err
		}
		f.Bytes = b
	case "header":
		return f.Header.parse(value)
	case "payload":
		f.Payload = &value
	default:
		return fmt.Errorf("unknown field %q", field)
	}
	return nil
}

// parse reads "fin=1 rsv=0 opcode=1 masked=1 key=37fa213d length=5".
func (h *Header) parse(s string) error {
	for _, kv := range strings.Fields(s) {
		k, v, _ := strings.Cut(kv, "=")
		if k == "key" {
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != 4 {
				return fmt.Errorf("bad key %q", v)
			}
			h.Key = [4]byte(b)
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("bad %s: %v", k, err)
		}
		switch k {
		case "fin":
			h.Fin = n == 1
		case "rsv":
			h.Rsv = uint8(n)
		case "opcode":
			h.Opcode = uint8(n)
		case "masked":
			h.Masked = n == 1
		case "length":
			h.Length = n
		default:
			return fmt.Errorf("unknown header field %q", k)
		}
	}
	return nil
}
