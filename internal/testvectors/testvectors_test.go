package testvectors

import (
	"bytes"
	"testing"
)

func TestFrames(t *testing.T) {
	fs, err := Frames()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range fs {
		if f.Name == "" || f.Source == "" || len(f.Bytes) < 2 {
			t.Errorf("incomplete record %+v", f)
		}
		if names[f.Name] {
			t.Errorf("name %q appears twice", f.Name)
		}
		names[f.Name] = true
	}
	// The seed's browser frame, checked by hand: masked text of 16 bytes.
	for _, f := range fs {
		if f.Payload != nil && *f.Payload == "Can you hear me?" {
			if !f.Header.Masked || f.Header.Opcode != 1 || f.Header.Length != 16 || !f.Header.Fin {
				t.Errorf("seed frame header %+v", f.Header)
			}
			return
		}
	}
	t.Error(`no record carries "Can you hear me?"`)
}

func TestHeads(t *testing.T) {
	reqs := Heads("request-*.http")
	if len(reqs) < 10 {
		t.Fatalf("%d request heads", len(reqs))
	}
	for name, h := range reqs {
		if !bytes.HasPrefix(h, []byte("GET ")) || !bytes.HasSuffix(h, []byte("\r\n\r\n")) {
			t.Errorf("%s is not a request head: %q", name, h)
		}
	}
	if !bytes.HasPrefix(Head("response-seed.http"), []byte("HTTP/1.1 101 ")) {
		t.Error("response-seed.http is not a 101 reply")
	}
	defer func() {
		if recover() == nil {
			t.Error("Head of a missing name did not panic")
		}
	}()
	Head("no-such-head.http")
}
