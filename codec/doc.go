// Package codec reads and writes WebSocket frames (RFC 6455) in buffers the
// caller owns. It does no I/O and keeps no state between calls, so it fits
// goroutine-per-connection servers, event loops and proxies alike, and none
// of its functions allocate.
//
// # Frames
//
// Every WebSocket message travels as one or more frames (§5.2):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-------+-+-------------+-------------------------------+
//	|F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//	|I|S|S|S|  (4)  |A|     (7)     |            (16/64)            |
//	|N|V|V|V|       |S|             |  (if payload len==126/127)    |
//	| |1|2|3|       |K|             |                               |
//	+-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//	|    Extended payload length continued, if payload len == 127   |
//	+ - - - - - - - - - - - - - - - +-------------------------------+
//	|                               | Masking-key, if MASK set to 1 |
//	+-------------------------------+-------------------------------+
//	|    Masking-key (continued)    |          Payload Data         |
//	+-------------------------------- - - - - - - - - - - - - - - - +
//
// A header is 2 to [MaxHeaderLen] (14) bytes. [ParseHeader] decodes one
// from the front of a buffer and says how many bytes it used, or how many
// it still needs; [PutHeader] and [AppendHeader] encode one. [Header.Validate]
// applies the rules a single header can break: reserved opcodes and RSV
// bits (§5.2), control frames that are fragmented or too long (§5.5), and
// masking in the wrong direction (§5.1).
//
// # Masking
//
// Clients mask every payload they send with a 4-byte key (§5.3, §10.3).
// [Mask] unmasks in place and [MaskCopy] while copying out of a read
// buffer; both take the key offset at which to start and return the one at
// which to go on, so a payload can be processed in pieces as it arrives. On
// amd64 they run AVX2 (or SSE2) kernels for payloads of 64 bytes and more
// and inline Go word operations below that; elsewhere, and with the purego
// build tag, a word-at-a-time Go loop.
//
// # Closing
//
// A close frame's payload is an optional status code and UTF-8 reason
// (§5.5.1, §7.4). [ParseClose] validates one, and [AppendClose] writes one.
//
// # Messages
//
// A [Decoder] turns bytes into messages for callers that push whatever
// arrived, such as event loops and proxies: it accepts any chunking down to
// one byte, unmasks payloads in place, checks UTF-8 as text arrives, and
// enforces the rules of RFC 6455 §5 and §7 that span frames, including the
// message size limit (§10.4). An [Encoder] writes messages, fragments and
// control frames, masking a client's frames with fresh keys (§10.3).
//
// The package does no I/O. Package github.com/wsframe/wsframe/wsnet does
// the same over connections: a Reader and a Writer over an io.Reader and
// an io.Writer, and a Conn safe for concurrent writers with deadlines,
// contexts, keepalive and the closing handshake.
//
// [ValidUTF8] and [UTF8Validator] check UTF-8 (RFC 3629) at vector speed.
//
// None of these allocate per message once running.
//
// # Errors
//
// [ErrShortHeader] means "read more". Anything the peer did wrong is a
// *[ProtocolError] whose Code is the close code to fail the connection with
// (§7.1.7, §7.4.1), such as 1002 for a protocol violation or 1007 for text
// that is not UTF-8.
package codec
