package handshake

// Helpers for the comma-separated lists of RFC 9110 §5.6.1, as used by
// Connection, Upgrade, Sec-WebSocket-Protocol and Sec-WebSocket-Extensions.
// They return subslices of their input and never allocate.

// NextElement returns the first non-empty element of a comma-separated list,
// without surrounding whitespace, and the rest of the list after its comma.
// Commas inside double-quoted strings do not split. elem is nil when list
// holds no more elements.
//
//	for elem, rest := handshake.NextElement(list); elem != nil; elem, rest = handshake.NextElement(rest) {
//		fmt.Printf("%s\n", elem)
//	}
func NextElement(list []byte) (elem, rest []byte) {
	for len(list) > 0 {
		end := len(list)
		inQuote := false
	scan:
		for i := 0; i < len(list); i++ {
			switch c := list[i]; {
			case inQuote && c == '\\':
				i++ // skip the escaped byte
			case c == '"':
				inQuote = !inQuote
			case !inQuote && c == ',':
				end = i
				break scan
			}
		}
		elem = trimOWS(list[:end])
		if end < len(list) {
			rest = list[end+1:]
		} else {
			rest = nil
		}
		if len(elem) > 0 {
			return elem, rest
		}
		list = rest
	}
	return nil, nil
}

// HasToken reports whether the comma-separated list contains token,
// compared without regard to ASCII case, as Connection: Upgrade and
// Upgrade: websocket are (§4.2.1).
func HasToken(list []byte, token string) bool {
	for elem, rest := NextElement(list); elem != nil; elem, rest = NextElement(rest) {
		if equalFold(elem, token) {
			return true
		}
	}
	return false
}

// ParseExtension splits one element of a Sec-WebSocket-Extensions list,
// such as "permessage-deflate; client_max_window_bits", into the extension
// name and its parameters: the text after the first ';', untrimmed, for
// [NextParam]. ok is false when name is not a token.
func ParseExtension(elem []byte) (name, params []byte, ok bool) {
	end := len(elem)
	for i, c := range elem {
		if c == ';' {
			end = i
			params = elem[i+1:]
			break
		}
	}
	name = trimOWS(elem[:end])
	return name, params, isToken(name)
}

// NextParam returns the first parameter of an extension's parameter list,
// as [ParseExtension] returns it, and the rest of the list. A parameter is
// a name, or name=value where value is a token or a quoted string (returned
// without its quotes). ok is false when the parameter is malformed,
// including a quoted value with a backslash escape, which no WebSocket
// extension needs. name is nil when params holds no more parameters.
func NextParam(params []byte) (name, value, rest []byte, ok bool) {
	params = trimOWS(params)
	if len(params) == 0 {
		return nil, nil, nil, true
	}
	end := len(params)
	inQuote := false
	for i, c := range params {
		if c == '"' {
			inQuote = !inQuote
		} else if c == ';' && !inQuote {
			end = i
			break
		}
	}
	if end < len(params) {
		rest = params[end+1:]
	}
	p := params[:end]
	eq := -1
	for i, c := range p {
		if c == '=' {
			eq = i
			break
		}
	}
	if eq < 0 {
		name = trimOWS(p)
		return name, nil, rest, isToken(name)
	}
	name, value = trimOWS(p[:eq]), trimOWS(p[eq+1:])
	if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
		value = value[1 : len(value)-1]
		for _, c := range value {
			if c == '\\' || c == '"' {
				return name, value, rest, false
			}
		}
	}
	return name, value, rest, isToken(name) && isToken(value)
}

// trimOWS removes optional whitespace (SP and HTAB) from both ends of b.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// isName reports whether the field name b equals lower, which must hold
// only lower-case letters and '-', without regard to ASCII case. OR-ing
// 0x20 lowers a letter and leaves '-' alone, and no other byte of a token
// becomes a lower-case letter or '-', so one OR per byte compares.
func isName(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// equalFold reports whether b equals s without regard to ASCII case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// isToken reports whether b is a non-empty token (RFC 9110 §5.6.2).
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isTchar(c) {
			return false
		}
	}
	return true
}

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
var tcharTable = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func isTchar(c byte) bool { return tcharTable[c] }
