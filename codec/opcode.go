package codec

// Opcode is the 4-bit frame type of RFC 6455 §5.2. Values above 0xF cannot
// come off the wire; they are treated as reserved.
type Opcode uint8

// The opcodes RFC 6455 §11.8 registers. The rest of 0x0-0xF is reserved.
const (
	OpContinuation Opcode = 0x0 // continues a fragmented message (§5.4)
	OpText         Opcode = 0x1 // a text message: UTF-8 (§5.6)
	OpBinary       Opcode = 0x2 // a binary message (§5.6)
	OpClose        Opcode = 0x8 // starts or answers the closing handshake (§5.5.1)
	OpPing         Opcode = 0x9 // asks for a pong (§5.5.2)
	OpPong         Opcode = 0xA // answers a ping, or is sent unsolicited (§5.5.3)
)

// IsControl reports whether op is a control opcode. RFC 6455 §5.5:
// "Control frames are identified by opcodes where the most significant bit of
// the opcode is 1." Reserved control opcodes (0xB-0xF) count too.
func (op Opcode) IsControl() bool { return op&0x8 != 0 && op <= 0xF }

// IsData reports whether op is one of the defined opcodes that carry message
// data: continuation, text or binary (§5.6). Reserved data opcodes (0x3-0x7)
// are not data: see [Opcode.IsReserved].
func (op Opcode) IsData() bool { return op <= OpBinary }

// IsReserved reports whether op has no meaning in RFC 6455: 0x3-0x7 and
// 0xB-0xF, which §5.2 reserves for extensions, and anything above 0xF.
// A receiver that has not negotiated such an extension must fail the
// connection with [CloseProtocolError].
func (op Opcode) IsReserved() bool {
	return op > 0xF || (op&0x7) > 2
}

var opcodeNames = [16]string{
	OpContinuation: "continuation",
	OpText:         "text",
	OpBinary:       "binary",
	0x3:            "reserved(0x3)",
	0x4:            "reserved(0x4)",
	0x5:            "reserved(0x5)",
	0x6:            "reserved(0x6)",
	0x7:            "reserved(0x7)",
	OpClose:        "close",
	OpPing:         "ping",
	OpPong:         "pong",
	0xB:            "reserved(0xB)",
	0xC:            "reserved(0xC)",
	0xD:            "reserved(0xD)",
	0xE:            "reserved(0xE)",
	0xF:            "reserved(0xF)",
}

// String returns the opcode's lower-case name, such as "text" or "ping", or
// "reserved(0xB)" for a reserved value. It does not allocate.
func (op Opcode) String() string {
	if op > 0xF {
		return "invalid"
	}
	return opcodeNames[op]
}
