package codec_test

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/wsframe/wsframe/codec"
)

// The frame a browser sent in the seed article: a masked text frame whose
// payload reads "Can you hear me?".
var seedFrame = []byte{
	0x81, 0x90, 80, 191, 161, 254,
	19, 222, 207, 222, 41, 208, 212, 222, 56, 218, 192, 140, 112, 210, 196, 193,
}

func ExampleParseHeader() {
	h, n, err := codec.ParseHeader(seedFrame)
	if err != nil {
		panic(err)
	}
	if err := h.Validate(codec.RoleServer, 0); err != nil {
		panic(err)
	}
	payload := seedFrame[n : n+int(h.Length)]
	codec.Mask(payload, h.Key, 0)
	fmt.Printf("%v fin=%v masked=%v len=%d: %q\n", h.Opcode, h.Fin, h.Masked, h.Length, payload)
	// Output: text fin=true masked=true len=16: "Can you hear me?"
}

// An event loop keeps one Header per connection and parses each frame's
// header into it.
func ExampleHeader_Parse() {
	var h codec.Header // a field of the connection, in a real loop
	// The seed article's frame, twice.
	frame := []byte{0x81, 0x90, 80, 191, 161, 254,
		19, 222, 207, 222, 41, 208, 212, 222, 56, 218, 192, 140, 112, 210, 196, 193}
	frames := append(append([]byte(nil), frame...), frame...)
	for len(frames) > 0 {
		n, err := h.Parse(frames)
		if err != nil {
			panic(err) // ErrShortHeader: read more; a *ProtocolError: fail with its code
		}
		payload := frames[n : n+int(h.Length)]
		codec.Mask(payload, h.Key, 0)
		fmt.Printf("%q\n", payload)
		frames = frames[n+int(h.Length):]
	}
	// Output:
	// "Can you hear me?"
	// "Can you hear me?"
}

func ExampleParseHeader_short() {
	// An event loop received the first two bytes of a frame with a 16-bit
	// length and a masking key.
	_, need, err := codec.ParseHeader([]byte{0x82, 0xFE})
	fmt.Println(err == codec.ErrShortHeader, need)
	// Output: true 8
}

func ExampleAppendHeader() {
	reply := "Loud and clear!"
	var buf [codec.MaxHeaderLen + 64]byte
	frame := codec.AppendHeader(buf[:0], codec.Header{Fin: true, Opcode: codec.OpText, Length: int64(len(reply))})
	frame = append(frame, reply...)
	fmt.Printf("% x\n", frame[:2])
	fmt.Printf("%s\n", frame[2:])
	// Output:
	// 81 0f
	// Loud and clear!
}

func ExampleMask() {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	msg := []byte("Hello")
	// Mask the payload in two pieces, as if it arrived that way.
	pos := codec.Mask(msg[:2], key, 0)
	codec.Mask(msg[2:], key, pos)
	fmt.Printf("% x\n", msg)
	// Output: 7f 9f 4d 51 58
}

func ExampleMaskCopy() {
	readBuf := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58} // a masked payload in a read buffer
	out := make([]byte, len(readBuf))
	codec.MaskCopy(out, readBuf, [4]byte{0x37, 0xfa, 0x21, 0x3d}, 0)
	fmt.Printf("%s\n", out)
	// Output: Hello
}

func ExampleHeader_Validate() {
	// A server received an unmasked frame: RFC 6455 §5.1 says to close.
	h := codec.Header{Fin: true, Opcode: codec.OpText, Length: 5}
	err := h.Validate(codec.RoleServer, 0)
	var pe *codec.ProtocolError
	if errors.As(err, &pe) {
		fmt.Println(pe.Code, "-", pe.Reason)
	}
	// Output: 1002 (protocol error) - unmasked frame from client
}

func ExampleParseClose() {
	payload := codec.AppendClose(nil, codec.CloseGoingAway, "server restart")
	code, reason, err := codec.ParseClose(payload)
	fmt.Println(code, string(reason), err)

	_, _, err = codec.ParseClose([]byte{0x03, 0xed}) // 1005 may not be sent
	fmt.Println(err)
	// Output:
	// 1001 (going away) server restart <nil>
	// codec: close code not allowed on the wire (close 1002)
}

// A validator checks text that arrives in pieces, here split in the
// middle of "é".
func ExampleUTF8Validator() {
	var v codec.UTF8Validator
	fmt.Println(v.Feed([]byte("caf\xc3"))) // true: C3 can begin a code point
	fmt.Println(v.Feed([]byte("\xa9")))    // true: C3 A9 is "é"
	fmt.Println(v.Done())                  // true: no code point is unfinished
	// Output:
	// true
	// true
	// true
}

// A payload that arrives in pieces is masked piece by piece, each from
// the key offset the previous one returned.
func ExampleMask_pieces() {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	chunks := [][]byte{[]byte("He"), []byte("l"), []byte("lo")}
	pos := 0
	for _, chunk := range chunks {
		pos = codec.Mask(chunk, key, pos)
	}
	fmt.Printf("% x\n", bytes.Join(chunks, nil))
	// Output: 7f 9f 4d 51 58
}
