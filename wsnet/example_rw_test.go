package wsnet_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/wsnet"
)

// A server's loop over a connection: read a message, write it back. Here
// the connection is a buffer holding two client messages and a close.
func ExampleReader() {
	client := codec.Encoder{Role: codec.RoleClient}
	in, _ := client.AppendMessage(nil, codec.OpText, []byte("Can you hear me?"))
	in, _ = client.AppendMessage(in, codec.OpBinary, []byte{1, 2, 3})
	in, _ = client.AppendClose(in, codec.CloseNormal, "bye")

	var out bytes.Buffer
	w := wsnet.NewWriter(&out, codec.RoleServer)
	r := wsnet.NewReader(bytes.NewReader(in), codec.RoleServer)
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
	// wsnet: connection closed: 1000 (normal closure): "bye"
}

// NextWriter streams a message of unknown length as fragments.
func ExampleWriter_NextWriter() {
	var out bytes.Buffer
	w := wsnet.NewWriter(&out, codec.RoleServer)
	mw, _ := w.NextWriter(codec.OpText)
	io.WriteString(mw, "Loud ")
	io.WriteString(mw, "and clear!")
	mw.Close()

	r := wsnet.NewReader(&out, codec.RoleClient)
	_, msg, _ := r.ReadMessage(nil)
	fmt.Printf("%s\n", msg)
	// Output: Loud and clear!
}
