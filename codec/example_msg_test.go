package codec_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/wsframe/wsframe/codec"
)

// An event loop feeds the decoder whatever bytes arrived, here the seed
// article's frame in three pieces.
func ExampleDecoder() {
	frame := []byte{0x81, 0x90, 80, 191, 161, 254,
		19, 222, 207, 222, 41, 208, 212, 222, 56, 218, 192, 140, 112, 210, 196, 193}
	var d codec.Decoder // a server's decoder: frames must be masked
	var ev codec.Event
	var msg []byte
	for _, chunk := range [][]byte{frame[:3], frame[3:10], frame[10:]} {
		for len(chunk) > 0 {
			n, err := d.Next(chunk, &ev)
			if err != nil {
				fmt.Println("fail the connection:", err)
				return
			}
			chunk = chunk[n:]
			if ev.Kind == codec.EventData {
				msg = append(msg, ev.Payload...) // unmasked in place
				if ev.End {
					fmt.Printf("%v message: %q\n", ev.Opcode, msg)
				}
			}
		}
	}
	// Output: text message: "Can you hear me?"
}

func ExampleEncoder() {
	e := codec.Encoder{Role: codec.RoleServer, FragmentSize: 8}
	out, _ := e.AppendMessage(nil, codec.OpText, []byte("Loud and clear!"))
	fmt.Printf("% x\n", out[:2])    // first fragment: FIN clear, text
	fmt.Printf("% x\n", out[10:12]) // second: FIN set, continuation
	_, err := e.AppendPing(nil, make([]byte, 126))
	fmt.Println(err)
	// Output:
	// 01 08
	// 80 07
	// codec: control frame payload longer than 125 bytes
}

// A server's loop over a connection: read a message, write it back. Here
// the connection is a buffer holding two client messages and a close.
func ExampleReader() {
	client := codec.Encoder{Role: codec.RoleClient}
	in, _ := client.AppendMessage(nil, codec.OpText, []byte("Can you hear me?"))
	in, _ = client.AppendMessage(in, codec.OpBinary, []byte{1, 2, 3})
	in, _ = client.AppendClose(in, codec.CloseNormal, "bye")

	var out bytes.Buffer
	w := codec.NewWriter(&out, codec.RoleServer)
	r := codec.NewReader(bytes.NewReader(in), codec.RoleServer)
	r.Replies = w // answer pings and close frames
	for {
		op, msg, err := r.ReadMessage(nil)
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Printf("%v %q\n", op, msg)
		w.WriteMessage(op, msg)
	}
	// Output:
	// text "Can you hear me?"
	// binary "\x01\x02\x03"
	// codec: connection closed: 1000 (normal closure): "bye"
}

// NextWriter streams a message of unknown length as fragments.
func ExampleWriter_NextWriter() {
	var out bytes.Buffer
	w := codec.NewWriter(&out, codec.RoleServer)
	mw, _ := w.NextWriter(codec.OpText)
	io.WriteString(mw, "Loud ")
	io.WriteString(mw, "and clear!")
	mw.Close()

	r := codec.NewReader(&out, codec.RoleClient)
	_, msg, _ := r.ReadMessage(nil)
	fmt.Printf("%s\n", msg)
	// Output: Loud and clear!
}
