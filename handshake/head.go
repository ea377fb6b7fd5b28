package handshake

import (
	"encoding/binary"
	"math/bits"
)

// Default limits of the package-level parsers.
const (
	DefaultMaxHeadBytes = 8 << 10
	DefaultMaxFields    = 64
)

// Limits bound the heads a parser accepts, so that no peer can make its
// caller buffer without bound. The zero value means the defaults.
type Limits struct {
	// MaxHeadBytes is the largest head accepted, from the first byte
	// through the blank line. A caller should stop reading once it has
	// buffered this many bytes without a complete head: the parser then
	// returns ErrHeadTooLarge. 0 means DefaultMaxHeadBytes.
	MaxHeadBytes int
	// MaxFields is the most header field lines accepted. 0 means
	// DefaultMaxFields.
	MaxFields int
}

func (l Limits) maxHead() int {
	if l.MaxHeadBytes > 0 {
		return l.MaxHeadBytes
	}
	return DefaultMaxHeadBytes
}

func (l Limits) maxFields() int {
	if l.MaxFields > 0 {
		return l.MaxFields
	}
	return DefaultMaxFields
}

// scanner walks the lines of a head in one pass: it finds each line's CRLF,
// rejects control characters on the way, and reports the head's end.
type scanner struct {
	b      []byte
	pos    int // start of the next line
	max    int // MaxHeadBytes
	fields int
	maxF   int
	folded bool // saw obsolete line folding
}

const (
	lo20 = 0x2020202020202020
	lo01 = 0x0101010101010101
	x7f  = 0x7F7F7F7F7F7F7F7F
	hi80 = 0x8080808080808080
)

// lineEnd returns the index in b of the CR that ends the line starting at
// from: the first CR, which must be followed by LF. It returns -1 if b ends
// before the line does, ErrBareLF for an LF without CR, and ErrFieldValue
// for any other control character but HTAB. It tests eight bytes at a time
// for a byte below 0x20 or equal to 0x7F; the lowest flagged byte of such a
// word is exact, so it jumps straight to it.
func lineEnd(b []byte, from int) (int, error) {
	i := from
	for i+8 <= len(b) {
		x := binary.LittleEndian.Uint64(b[i:])
		y := x ^ x7f
		m := ((x-lo20)&^x | (y-lo01)&^y) & hi80
		if m == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(m) >> 3
		if b[i] != '\t' {
			return ctlAt(b, i)
		}
		i++
	}
	for ; i < len(b); i++ {
		if c := b[i]; (c < 0x20 || c == 0x7F) && c != '\t' {
			return ctlAt(b, i)
		}
	}
	return -1, nil
}

// ctlAt judges the control character at b[i], which is not HTAB.
func ctlAt(b []byte, i int) (int, error) {
	switch b[i] {
	case '\r':
		if i+1 == len(b) {
			return -1, nil
		}
		if b[i+1] == '\n' {
			return i, nil
		}
	case '\n':
		return 0, ErrBareLF
	}
	return 0, ErrFieldValue
}

// line returns the next line, without its CRLF. ok is false and err nil
// when b ends before the line does. For the blank line that ends the head,
// line is empty and s.pos is the head's length.
func (s *scanner) line() (line []byte, ok bool, err error) {
	e, err := lineEnd(s.b, s.pos)
	if err != nil || e < 0 {
		if err == nil && len(s.b) >= s.max {
			err = ErrHeadTooLarge
		}
		return nil, false, err
	}
	if e+2 > s.max {
		return nil, false, ErrHeadTooLarge
	}
	line = s.b[s.pos:e]
	s.pos = e + 2
	return line, true, nil
}

// field returns the next header field's name and value, or ok false and
// err nil at the blank line. done is false when b ends before the head
// does. A field continued on the next line by obsolete folding comes back
// with its value still holding CRLF; the caller unfolds and parses again.
func (s *scanner) field() (name, value []byte, ok, done bool, err error) {
	start := s.pos
	line, ok, err := s.line()
	if !ok {
		return nil, nil, false, false, err
	}
	if len(line) == 0 {
		return nil, nil, false, true, nil
	}
	if line[0] == ' ' || line[0] == '\t' {
		// Whitespace before the first field (RFC 9112 §2.2 allows
		// rejecting it); continuations are consumed below.
		return nil, nil, false, false, ErrFieldSyntax
	}
	// obs-fold: following lines that start with whitespace continue this one.
	for {
		if s.pos == len(s.b) {
			if len(s.b) >= s.max {
				return nil, nil, false, false, ErrHeadTooLarge
			}
			return nil, nil, false, false, nil
		}
		if c := s.b[s.pos]; c != ' ' && c != '\t' {
			break
		}
		s.folded = true
		if _, ok, err := s.line(); !ok {
			return nil, nil, false, false, err
		}
		line = s.b[start : s.pos-2]
	}
	s.fields++
	if s.fields > s.maxF {
		return nil, nil, false, false, ErrTooManyFields
	}
	colon := 0
	for colon < len(line) && isTchar(line[colon]) {
		colon++
	}
	if colon == 0 || colon == len(line) || line[colon] != ':' {
		return nil, nil, false, false, ErrFieldSyntax
	}
	return line[:colon], trimOWS(line[colon+1:]), true, true, nil
}

// unfold replaces every obs-fold in head (CRLF followed by SP or HTAB) with
// spaces, in place.
func unfold(head []byte) {
	for i := 0; i+2 < len(head); i++ {
		if head[i] == '\r' && head[i+1] == '\n' && (head[i+2] == ' ' || head[i+2] == '\t') {
			head[i], head[i+1] = ' ', ' '
		}
	}
}

// maxListLines is how many field lines of one list header (such as
// Sec-WebSocket-Extensions) a head may carry.
const maxListLines = 8

// List holds the values of a header field that may be repeated and whose
// values are comma-separated lists, such as Sec-WebSocket-Protocol and
// Sec-WebSocket-Extensions. Several lines mean the same as one line holding
// all their elements (RFC 9110 §5.3). The values alias the parsed head.
type List struct {
	vals [maxListLines][]byte
	n    int
}

func (l *List) add(v []byte) error {
	if l.n == maxListLines {
		return ErrTooManyLines
	}
	l.vals[l.n] = v
	l.n++
	return nil
}

// Len returns the number of field lines.
func (l *List) Len() int { return l.n }

// Value returns the value of field line i.
func (l *List) Value(i int) []byte { return l.vals[:l.n][i] }

// Elements calls yield with each element of every line, in order, until
// yield returns false. It is an iterator for a range loop:
//
//	for p := range req.Protocols.Elements {
//		fmt.Printf("%s\n", p)
//	}
func (l *List) Elements(yield func(elem []byte) bool) {
	for _, v := range l.vals[:l.n] {
		for elem, rest := NextElement(v); elem != nil; elem, rest = NextElement(rest) {
			if !yield(elem) {
				return
			}
		}
	}
}

// Contains reports whether some element equals s exactly.
func (l *List) Contains(s string) bool {
	for e := range l.Elements {
		if string(e) == s {
			return true
		}
	}
	return false
}

// checkProtocols checks in one pass that every element of a
// Sec-WebSocket-Protocol value is a token (§4.1).
func checkProtocols(v []byte) bool {
	inTok, afterTok := false, false
	for _, c := range v {
		switch {
		case isTchar(c):
			if afterTok {
				return false
			}
			inTok = true
		case c == ' ' || c == '\t':
			if inTok {
				inTok, afterTok = false, true
			}
		case c == ',':
			inTok, afterTok = false, false
		default:
			return false
		}
	}
	return true
}

// checkExtensions checks in one pass the syntax of a
// Sec-WebSocket-Extensions value (§9.1): comma-separated extension tokens,
// each followed by ";"-separated parameters that are a token or
// token=value, where value is a token or a quoted token without escapes.
// It accepts exactly what NextElement, ParseExtension and NextParam accept.
func checkExtensions(v []byte) bool {
	const (
		elemStart   = iota // OWS or commas before an extension name
		name               // in a name (extension, parameter or value)
		afterName          // OWS after a name or value
		paramStart         // after ';'
		param              // in a parameter name
		afterParam         // OWS after a parameter name
		valueStart         // after '='
		quotedStart        // after the opening quote
		quoted             // inside a quoted value
	)
	st := elemStart
	for _, c := range v {
		t, ows := isTchar(c), c == ' ' || c == '\t'
		switch st {
		case elemStart:
			if t {
				st = name
			} else if !ows && c != ',' {
				return false
			}
		case name, afterName, param, afterParam:
			switch {
			case t && (st == name || st == param):
			case ows:
				if st == name {
					st = afterName
				} else if st == param {
					st = afterParam
				}
			case c == ';':
				st = paramStart
			case c == ',':
				st = elemStart
			case c == '=' && (st == param || st == afterParam):
				st = valueStart
			default:
				return false
			}
		case paramStart:
			if t {
				st = param
			} else if !ows {
				return false
			}
		case valueStart:
			if t {
				st = name
			} else if c == '"' {
				st = quotedStart
			} else if !ows {
				return false
			}
		case quotedStart, quoted:
			if t {
				st = quoted
			} else if c == '"' && st == quoted {
				st = afterName
			} else {
				return false
			}
		}
	}
	return st <= afterParam && st != paramStart
}

// headerValue returns the first value of the field called name in a head
// that has been parsed successfully, or nil.
func headerValue(head []byte, name string) []byte {
	for n, v := range fields(head) {
		if equalFold(n, name) {
			return v
		}
	}
	return nil
}

// fields returns an iterator over the header fields of a parsed head.
func fields(head []byte) func(yield func(name, value []byte) bool) {
	return func(yield func(name, value []byte) bool) {
		s := scanner{b: head, max: len(head), maxF: len(head)}
		if _, ok, _ := s.line(); !ok {
			return
		}
		for {
			n, v, ok, _, _ := s.field()
			if !ok || !yield(n, v) {
				return
			}
		}
	}
}

// parseHTTPVersion parses "HTTP/x.y" and reports whether it is 1.1 or later.
func parseHTTPVersion(v []byte) (ok, atLeast11 bool) {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' || !isDigit(v[5]) || !isDigit(v[7]) {
		return false, false
	}
	major, minor := v[5]-'0', v[7]-'0'
	return true, major > 1 || major == 1 && minor >= 1
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
