package codec_test

import (
	"fmt"

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
