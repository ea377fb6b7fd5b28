package deflate_test

import (
	"bytes"
	"fmt"

	"github.com/wsframe/wsframe/wsnet"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// A server answers the offer Chromium sends, with limits on both windows.
func ExampleNegotiateServer() {
	offers := []string{"permessage-deflate; client_max_window_bits"}
	p, response, ok := deflate.NegotiateServer(offers, deflate.ServerOptions{ServerMaxWindowBits: 12, ClientMaxWindowBits: 12})
	fmt.Println(ok, response)
	fmt.Println("window bits: server", p.ServerMaxWindowBits, "client", p.ClientMaxWindowBits)
	// Output:
	// true permessage-deflate; server_max_window_bits=12; client_max_window_bits=12
	// window bits: server 12 client 12
}

// A client reads the reply of gorilla/websocket's server to its offer.
func ExampleParseResponse() {
	var offered deflate.ClientOptions
	fmt.Println(deflate.ClientOffer(offered))
	reply := "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
	p, ok, err := deflate.ParseResponse([]byte(reply), offered)
	fmt.Println(ok, err)
	fmt.Println("no context takeover: server", p.ServerNoContextTakeover, "client", p.ClientNoContextTakeover)
	fmt.Println("window bits: server", p.ServerMaxWindowBits, "client", p.ClientMaxWindowBits)
	// Output:
	// permessage-deflate; client_max_window_bits
	// true <nil>
	// no context takeover: server true client true
	// window bits: server 15 client 15
}

// A server compresses a message and writes it as a frame with RSV1 set;
// the client decodes the frame and inflates its payload.
func ExampleCompressor() {
	var p deflate.Params // as agreed in the handshake
	c := deflate.NewCompressor(p, codec.RoleServer, deflate.DefaultLevel)
	enc := codec.Encoder{Role: codec.RoleServer}
	payload, _ := c.AppendMessage(nil, []byte(`{"event":"hello","n":1}`))
	frame, _ := enc.AppendFrame(nil, codec.OpText, codec.Rsv1, true, payload)

	d := deflate.NewDecompressor(p, codec.RoleClient, 1<<20)
	dec := codec.Decoder{Role: codec.RoleClient, AllowedRsv: codec.Rsv1}
	var ev codec.Event
	var msg []byte
	for len(frame) > 0 {
		n, err := dec.Next(frame, &ev)
		if err != nil {
			panic(err)
		}
		frame = frame[n:]
		if ev.Kind == codec.EventData && ev.Rsv&codec.Rsv1 != 0 {
			if msg, err = d.AppendChunk(msg, ev.Opcode, ev.Payload, ev.End); err != nil {
				panic(err) // fail the connection with the error's code
			}
		}
	}
	fmt.Printf("%s\n", msg)
	// Output:
	// {"event":"hello","n":1}
}

// The two fragments of RFC 7692 §7.2.3.1 inflate to "Hello", whatever the
// chunks they arrive in.
func ExampleDecompressor_AppendChunk() {
	d := deflate.NewDecompressor(deflate.Params{}, codec.RoleClient, 0)
	msg, _ := d.AppendChunk(nil, codec.OpText, []byte{0xf2, 0x48, 0xcd}, false)
	msg, err := d.AppendChunk(msg, codec.OpText, []byte{0xc9, 0xc9, 0x07, 0x00}, true)
	fmt.Printf("%q %v\n", msg, err)

	_, err = d.AppendChunk(nil, codec.OpText, []byte{0xff, 0xff, 0xff}, true)
	fmt.Println(err)
	// Output:
	// "Hello" <nil>
	// codec: invalid permessage-deflate data (close 1007)
}

// A wsnet.Writer compresses through a Compressor and a wsnet.Reader
// inflates through a Decompressor: set them once after the handshake, and
// every message goes through them. Here a client writes into a buffer that
// stands for the connection, and a server reads from it.
func Example_readerWriter() {
	// What both sides agreed on in the handshake.
	p, _, _ := deflate.NegotiateServer([]string{"permessage-deflate"}, deflate.ServerOptions{})

	var conn bytes.Buffer
	w := wsnet.NewWriter(&conn, codec.RoleClient)
	w.Compress = deflate.NewCompressor(p, codec.RoleClient, deflate.DefaultLevel)
	msg := bytes.Repeat([]byte(`{"e":"trade","s":"BTCUSDT","p":"43125.17"}`), 20)
	w.WriteMessage(codec.OpText, msg)
	fmt.Printf("%d bytes of message, %d on the wire\n", len(msg), conn.Len())

	r := wsnet.NewReader(&conn, codec.RoleServer)
	r.Decompress = deflate.NewDecompressor(p, codec.RoleServer, 1<<20)
	op, got, err := r.ReadMessage(nil)
	fmt.Println(op, len(got), bytes.Equal(got, msg), err)
	// Output:
	// 840 bytes of message, 59 on the wire
	// text 840 true <nil>
}
