package handshake

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
)

// GUID is the string RFC 6455 §1.3 appends to the client's key before
// hashing it into Sec-WebSocket-Accept.
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// AcceptLen is the length of a Sec-WebSocket-Accept value: base64 of a
// 20-byte SHA-1 digest.
const AcceptLen = 28

// AppendAccept appends the Sec-WebSocket-Accept value for key,
// base64(SHA-1(key + GUID)) (§4.2.2), to dst and returns the extended
// buffer. It always appends [AcceptLen] bytes and does not check key; see
// [ValidKey]. It does not allocate when dst has room.
func AppendAccept(dst []byte, key []byte) []byte {
	var buf [64 + len(GUID)]byte // a valid key is 24 bytes; longer ones use the heap
	var in []byte
	if len(key) <= len(buf)-len(GUID) {
		in = append(buf[:0], key...)
	} else {
		in = append(make([]byte, 0, len(key)+len(GUID)), key...)
	}
	sum := sha1.Sum(append(in, GUID...))
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}

// ValidKey reports whether key is a valid Sec-WebSocket-Key: 24 characters
// of standard, padded base64 that decode to 16 bytes (§4.1, §11.3.1).
func ValidKey(key []byte) bool {
	if len(key) != 24 || key[22] != '=' || key[23] != '=' {
		return false
	}
	var out [18]byte
	n, err := base64.StdEncoding.Decode(out[:], key)
	return err == nil && n == 16
}

// NewKey returns a fresh Sec-WebSocket-Key: 16 bytes from crypto/rand,
// base64-encoded, as §4.1 requires ("randomly selected" for each
// connection).
func NewKey() [24]byte {
	var raw [16]byte
	rand.Read(raw[:]) // never fails: see crypto/rand.Read
	var key [24]byte
	base64.StdEncoding.Encode(key[:], raw[:])
	return key
}
