// Package deflate implements permessage-deflate, the WebSocket compression
// extension of [RFC 7692], for the frames of package codec and the
// handshakes of package handshake.
//
// It compresses with github.com/klauspost/compress, which a program that
// imports only codec and handshake does not compile. Inflating is done by
// this package's own decoder, which, unlike compress/flate's and
// klauspost's readers, can stop at any byte of its input and go on when
// more arrives: compressed messages are inflated chunk by chunk as a
// [codec.Decoder] hands them out, without waiting for a whole message.
//
// # Negotiation
//
// A client offers permessage-deflate in its Sec-WebSocket-Extensions
// header, with parameters (RFC 7692 §7.1): server_no_context_takeover and
// client_no_context_takeover ask that a side compress every message on its
// own, and server_max_window_bits and client_max_window_bits limit the
// LZ77 window a side compresses with, from 8 to 15 bits. The server
// accepts one offer, or none, and answers with the parameters that then
// hold; [Params] holds them.
//
// A server passes the offers to [NegotiateServer], for example from the
// hook of handshake.Upgrade in a net/http handler, and turns compression
// on only when the negotiation succeeded (from the example of
// NegotiateServer):
//
//	var p deflate.Params
//	var compress bool
//	opts := &handshake.Options{Extensions: func(offers []string) string {
//		var response string
//		p, response, compress = deflate.NegotiateServer(offers, deflate.ServerOptions{})
//		return response
//	}}
//	conn, rw, err := handshake.Upgrade(w, r, opts)
//	if err != nil {
//		return
//	}
//	defer conn.Close()
//	out := wsnet.NewWriter(conn, codec.RoleServer)
//	in := wsnet.NewReader(rw.Reader, codec.RoleServer) // rw.Reader, not conn: it holds what came with the request
//	in.Replies = out
//	if compress { // the client offered it, and the offer was valid
//		out.Compress = deflate.NewCompressor(p, codec.RoleServer, deflate.DefaultLevel)
//		in.Decompress = deflate.NewDecompressor(p, codec.RoleServer, 16<<20)
//	}
//
// or [NegotiateServerElements] with the Extensions of a request parsed
// with handshake.ParseRequest. A client sends [ClientOffer] and reads the
// server's reply with [ParseResponse]. Offers and replies that break RFC
// 7692 are declined and refused; NegotiateServer and ParseResponse say
// exactly which rules they apply.
//
// # Messages
//
// Each endpoint compresses with its own parameters and inflates with its
// peer's; [NewCompressor] and [NewDecompressor] take the role
// (codec.RoleServer or codec.RoleClient) to choose them.
//
// A [Compressor] turns a message's payload into the payload of a frame
// with RSV1 set (§7.2.1); a codec.Encoder writes the frame:
//
//	payload, _ := c.AppendMessage(nil, []byte(`{"event":"hello","n":1}`))
//	frame, _ := enc.AppendFrame(nil, codec.OpText, codec.Rsv1, true, payload)
//
// A [Decompressor] inflates what a codec.Decoder, configured with
// AllowedRsv: codec.Rsv1, reports for messages whose first frame had RSV1
// set (§7.2.2):
//
//	n, err := dec.Next(frame, &ev)
//	if err != nil {
//		panic(err)
//	}
//	frame = frame[n:]
//	if ev.Kind == codec.EventData && ev.Rsv&codec.Rsv1 != 0 {
//		if msg, err = d.AppendChunk(msg, ev.Opcode, ev.Payload, ev.End); err != nil {
//			panic(err) // fail the connection with the error's code
//		}
//	}
//
// The Decoder's MaxMessage then limits the compressed size of a message
// and the Decompressor's limit its inflated size, which it enforces as it
// inflates, so that a small message that would inflate to gigabytes fails
// with close code 1009 having taken no more memory than the limit. The
// Decoder leaves UTF-8 checking of compressed text messages to the
// Decompressor, which checks the inflated text as it goes (1007).
// Compressed data that is not valid DEFLATE also fails with 1007.
//
// # With wsnet's Reader and Writer
//
// The blocking API of package github.com/wsframe/wsframe/wsnet takes both
// through two fields, set once after the handshake, as the server above
// does with out.Compress and in.Decompress. The Writer then compresses
// every data message of [MinSize] bytes or more (Writer.CompressMin changes
// that), including messages streamed through NextWriter, and the Reader
// hands out inflated payloads and fails the connection with 1007 or 1009
// as the Decompressor finds.
//
// # Context takeover and memory
//
// With context takeover, a side keeps its window from one message to the
// next, and later messages can refer to earlier ones: small messages that
// resemble each other, such as JSON events, compress much better. The cost
// is memory held per connection for as long as it lives: with 15-bit
// windows, about 0.8 MiB for the Compressor (klauspost/compress's encoder
// state) and 41 KiB for the Decompressor (a 32 KiB window and Huffman
// tables). With smaller windows the Compressor keeps only its window (4
// KiB at 12 bits) and primes a pooled encoder with it for each message. Without context
// takeover, that state is needed only while a message is being compressed
// or inflated, and both take it from pools shared by all connections, so an
// idle connection holds about 100 bytes. A server that expects many idle
// connections can ask for client_no_context_takeover
// ([ServerOptions.ClientNoContextTakeover]) and grant or impose
// server_no_context_takeover.
//
// Smaller window bits shrink the Decompressor's window (to 4 KiB at 12
// bits or less). The Compressor honours any window of 8 to 15 bits:
// klauspost/compress, unlike compress/flate, can compress with a smaller
// window than 32 KiB, though only at one level, similar to its level 5.
//
// Once running, compressing or inflating a message does not allocate,
// with or without context takeover, provided the buffers passed as dst
// have grown to size.
//
// [RFC 7692]: https://www.rfc-editor.org/rfc/rfc7692
package deflate
