package wstest

import (
	"crypto/rand"

	"github.com/wsframe/wsframe/codec"
)

// Shorthands for the case tables.
const (
	text   = codec.OpText
	bin    = codec.OpBinary
	cont   = codec.OpContinuation
	ping   = codec.OpPing
	pong   = codec.OpPong
	closeO = codec.OpClose
)

// frame is a frame as a case writes it: any header the wire can carry,
// valid or not. The mask key is drawn when the bytes are made, fresh for
// every frame, as a client's must be (RFC 6455 §5.3).
type frame struct {
	fin     bool
	rsv     uint8
	op      codec.Opcode
	payload []byte
	masked  bool // masked even when the suite is the server, which must not mask
}

// f is a frame of op with payload p, FIN set when fin is.
func f(fin bool, op codec.Opcode, p string) frame { return frame{fin: fin, op: op, payload: []byte(p)} }

// whole is a single-frame message or a control frame.
func whole(op codec.Opcode, p string) frame { return f(true, op, p) }

// withRsv is a whole frame with RSV bits set.
func withRsv(rsv uint8, op codec.Opcode, p string) frame {
	return frame{fin: true, rsv: rsv, op: op, payload: []byte(p)}
}

// closeFrame is a close frame with code and reason, written as given even
// when the code may not be sent (CloseNoStatus writes an empty body).
func closeFrame(code codec.CloseCode, reason string) frame {
	return frame{fin: true, op: closeO, payload: codec.AppendClose(nil, code, reason)}
}

// rawClose is a close frame whose body is exactly b.
func rawClose(b string) frame { return whole(closeO, b) }

// appendFrame appends fr to dst, masked with a fresh key when masked is
// set (a client's frame) and unmasked otherwise (a server's).
func appendFrame(dst []byte, fr frame, masked bool) []byte {
	masked = masked || fr.masked
	h := codec.Header{Fin: fr.fin, Rsv: fr.rsv, Opcode: fr.op, Masked: masked, Length: int64(len(fr.payload))}
	if masked {
		rand.Read(h.Key[:])
	}
	dst = codec.AppendHeader(dst, h)
	n := len(dst)
	dst = append(dst, fr.payload...)
	if masked {
		codec.Mask(dst[n:], h.Key, 0)
	}
	return dst
}

// message returns the opcode and payload of the message that the data
// frames among frames make: the first one's opcode and their payloads in
// order. Control frames among them are left out.
func message(frames []frame) (op codec.Opcode, p []byte) {
	for _, fr := range frames {
		if fr.op.IsControl() {
			continue
		}
		if op == 0 && fr.op != cont {
			op = fr.op
		}
		p = append(p, fr.payload...)
	}
	return op, p
}

// fragments splits a message of op into frames of at most size payload
// bytes each (one empty frame for an empty message).
func fragments(op codec.Opcode, p []byte, size int) []frame {
	var out []frame
	for off := 0; off < len(p) || off == 0; off += size {
		fop := cont
		if off == 0 {
			fop = op
		}
		end := min(off+size, len(p))
		out = append(out, frame{fin: end == len(p), op: fop, payload: p[off:end]})
		if end == len(p) {
			break
		}
	}
	return out
}
