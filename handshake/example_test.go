package handshake_test

import (
	"fmt"
	"strings"

	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/testvectors"
)

// The request from the seed article, followed by the first bytes of a frame.
var seedRequest = []byte("GET / HTTP/1.1\r\nHost: localhost:2345\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: E4i4gDQc1XTIQcQxvf+ODA==\r\nSec-WebSocket-Version: 13\r\n\r\n\x81\x90")

func ExampleParseRequest() {
	req, n, err := handshake.ParseRequest(seedRequest)
	if err != nil {
		// err is ErrIncomplete (read more) or an *Error to answer with
		// handshake.AppendReject(nil, err.Status, err.Rule).
		panic(err)
	}
	fmt.Printf("%s %s, key %s\n", req.Method, req.Target, req.Key)
	fmt.Printf("frame bytes after the head: % x\n", seedRequest[n:])
	// Output:
	// GET /, key E4i4gDQc1XTIQcQxvf+ODA==
	// frame bytes after the head: 81 90
}

func ExampleAppendResponse() {
	reply := handshake.AppendResponse(nil, []byte("E4i4gDQc1XTIQcQxvf+ODA=="), "", "")
	fmt.Printf("%q\n", reply)
	// Output:
	// "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: d9WHst60HtB4IvjOVevrexl0oLA=\r\n\r\n"
}

func ExampleAppendAccept() {
	fmt.Printf("%s\n", handshake.AppendAccept(nil, []byte("dGhlIHNhbXBsZSBub25jZQ==")))
	// Output: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
}

func ExampleAppendReject() {
	_, _, err := handshake.ParseRequest([]byte("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n" +
		"Connection: Upgrade\r\nSec-WebSocket-Key: E4i4gDQc1XTIQcQxvf+ODA==\r\nSec-WebSocket-Version: 8\r\n\r\n"))
	e := err.(*handshake.Error)
	reply := handshake.AppendReject(nil, e.Status, e.Rule)
	fmt.Print(strings.ReplaceAll(string(reply), "\r\n", "\n")) // CRLFs shown as newlines
	// Output:
	// HTTP/1.1 426 Upgrade Required
	// Connection: close
	// Content-Type: text/plain; charset=utf-8
	// Upgrade: websocket
	// Sec-WebSocket-Version: 13
	// Content-Length: 31
	//
	// Sec-WebSocket-Version is not 13
}

func ExampleNextParam() {
	_, params, _ := handshake.ParseExtension([]byte("permessage-deflate; client_max_window_bits; server_max_window_bits=10"))
	for {
		name, value, rest, ok := handshake.NextParam(params)
		if !ok || name == nil {
			break
		}
		fmt.Printf("%s=%q\n", name, value)
		params = rest
	}
	// Output:
	// client_max_window_bits=""
	// server_max_window_bits="10"
}

func ExampleResponse_CheckOffer() {
	key := []byte("dGhlIHNhbXBsZSBub25jZQ==")
	reply := handshake.AppendResponse(nil, key, "chat", "")
	resp, _, err := handshake.ParseResponse(reply, key)
	if err == nil {
		err = resp.CheckOffer([]string{"superchat"}, "")
	}
	fmt.Println(err)
	// Output: handshake: server chose a subprotocol the client did not offer
}

// The subprotocols of a request, one by one, from however many header
// lines the client sent.
func ExampleList_Elements() {
	req, _, err := handshake.ParseRequest(testvectors.Head("request-chromium-protocols.http"))
	if err != nil {
		panic(err)
	}
	for p := range req.Protocols.Elements {
		fmt.Printf("%s\n", p)
	}
	// Output:
	// chat
	// superchat
}

// NextElement walks a list without allocating.
func ExampleNextElement() {
	list := []byte(`keep-alive, , Upgrade ,"a, b"`)
	for elem, rest := handshake.NextElement(list); elem != nil; elem, rest = handshake.NextElement(rest) {
		fmt.Printf("%s\n", elem)
	}
	// Output:
	// keep-alive
	// Upgrade
	// "a, b"
}
