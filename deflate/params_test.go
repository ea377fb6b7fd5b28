package deflate

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
	"github.com/wsframe/wsframe/internal/testvectors"
)

// TestNegotiateRealOffers negotiates the offers that browsers and
// libraries sent (internal/testvectors/handshake/request-*.http).
func TestNegotiateRealOffers(t *testing.T) {
	for _, tc := range []struct {
		file string
		opts ServerOptions
		want string // "" when the offer is declined or absent
	}{
		{"request-chromium.http", ServerOptions{}, "permessage-deflate"},
		{"request-webkit.http", ServerOptions{}, "permessage-deflate"},
		{"request-firefox.http", ServerOptions{}, "permessage-deflate"},
		{"request-node-ws-deflate.http", ServerOptions{}, "permessage-deflate"},
		{"request-python-websockets.http", ServerOptions{}, "permessage-deflate"},
		{"request-gorilla-websocket.http", ServerOptions{}, ""},
		// What Python's server answers, from our options.
		{"request-chromium.http", ServerOptions{ServerMaxWindowBits: 12, ClientMaxWindowBits: 12},
			"permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"},
		// Firefox offers no client_max_window_bits: the client cannot be limited.
		{"request-firefox.http", ServerOptions{ServerMaxWindowBits: 12, ClientMaxWindowBits: 12},
			"permessage-deflate; server_max_window_bits=12"},
		// What gorilla's and gobwas's servers answer.
		{"request-webkit.http", ServerOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
	} {
		req, _, err := handshake.ParseRequest(testvectors.Head(tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		p, resp, ok := NegotiateServerElements(req.Extensions.Elements, tc.opts)
		if resp != tc.want || ok != (tc.want != "") {
			t.Errorf("%s with %+v: %q, %v; want %q", tc.file, tc.opts, resp, ok, tc.want)
			continue
		}
		var values []string
		for i := range req.Extensions.Len() {
			values = append(values, string(req.Extensions.Value(i)))
		}
		p2, resp2, ok2 := NegotiateServer(values, tc.opts)
		if p2 != p || resp2 != resp || ok2 != ok {
			t.Errorf("%s: NegotiateServer %+v %q %v, NegotiateServerElements %+v %q %v", tc.file, p2, resp2, ok2, p, resp, ok)
		}
		if !ok {
			continue
		}
		// The client that offered sees the same parameters.
		offered := ClientOptions{NoClientMaxWindowBits: !strings.Contains(values[0], "client_max_window_bits")}
		cp, cok, err := ParseResponse([]byte(resp), offered)
		if err != nil || !cok || cp != p {
			t.Errorf("%s: client reads %q as %+v, %v, %v; server agreed to %+v", tc.file, resp, cp, cok, err, p)
		}
	}
}

// TestParseRealResponses reads the replies real servers gave to the offer
// "permessage-deflate; client_max_window_bits", which is ClientOffer's
// default (internal/testvectors/handshake/response-*-offer.http).
func TestParseRealResponses(t *testing.T) {
	sent, _, err := handshake.ParseRequest(testvectors.Head("sent-to-servers-offer.http"))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(sent.Extensions.Value(0)); got != ClientOffer(ClientOptions{}) {
		t.Fatalf("the servers were offered %q; ClientOffer gives %q", got, ClientOffer(ClientOptions{}))
	}
	noTakeover := Params{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	for _, tc := range []struct {
		file string
		want Params
	}{
		{"response-node-ws-offer.http", Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"response-coder-websocket-offer.http", Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"response-python-websockets-offer.http", Params{ServerMaxWindowBits: 12, ClientMaxWindowBits: 12}},
		{"response-gorilla-websocket-offer.http", noTakeover},
		{"response-gobwas-ws-offer.http", noTakeover},
	} {
		resp, _, err := handshake.ParseResponse(testvectors.Head(tc.file), []byte("dGhlIHNhbXBsZSBub25jZQ=="))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if err := resp.CheckOffer([]string{"chat", "superchat"}, ClientOffer(ClientOptions{})); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		p, ok, err := ParseResponse(resp.Extensions.Value(0), ClientOptions{})
		if err != nil || !ok || p != tc.want {
			t.Errorf("%s: %+v, %v, %v; want %+v", tc.file, p, ok, err, tc.want)
		}
		// The same reply to a client that left client_max_window_bits
		// out is only acceptable without client_max_window_bits.
		_, _, err = ParseResponse(resp.Extensions.Value(0), ClientOptions{NoClientMaxWindowBits: true})
		if hasCMWB := strings.Contains(string(resp.Extensions.Value(0)), "client_max_window_bits"); hasCMWB != (err == ErrResponseNotOffered) {
			t.Errorf("%s without client_max_window_bits offered: %v", tc.file, err)
		}
	}
}

func TestNegotiateServer(t *testing.T) {
	for _, tc := range []struct {
		offers []string
		opts   ServerOptions
		want   string // "" when declined
	}{
		{[]string{"permessage-deflate"}, ServerOptions{}, "permessage-deflate"},
		{[]string{"PerMessage-Deflate; Client_Max_Window_Bits"}, ServerOptions{}, "permessage-deflate"},
		{[]string{"x-webkit-deflate-frame, permessage-deflate"}, ServerOptions{}, "permessage-deflate"},
		{[]string{"x-foo", "permessage-deflate; server_no_context_takeover"}, ServerOptions{}, "permessage-deflate; server_no_context_takeover"},
		{[]string{"permessage-deflate; client_no_context_takeover"}, ServerOptions{}, "permessage-deflate; client_no_context_takeover"},
		{[]string{"permessage-deflate; server_max_window_bits=10"}, ServerOptions{}, "permessage-deflate; server_max_window_bits=10"},
		{[]string{"permessage-deflate; server_max_window_bits=15"}, ServerOptions{}, "permessage-deflate; server_max_window_bits=15"},
		{[]string{`permessage-deflate; server_max_window_bits="9"`}, ServerOptions{ServerMaxWindowBits: 12}, "permessage-deflate; server_max_window_bits=9"},
		{[]string{"permessage-deflate; server_max_window_bits=13"}, ServerOptions{ServerMaxWindowBits: 11}, "permessage-deflate; server_max_window_bits=11"},
		{[]string{"permessage-deflate; client_max_window_bits=10"}, ServerOptions{}, "permessage-deflate; client_max_window_bits=10"},
		{[]string{"permessage-deflate; client_max_window_bits=10"}, ServerOptions{ClientMaxWindowBits: 9}, "permessage-deflate; client_max_window_bits=9"},
		{[]string{"permessage-deflate; client_max_window_bits"}, ServerOptions{ClientMaxWindowBits: 8}, "permessage-deflate; client_max_window_bits=8"},
		{[]string{"permessage-deflate"}, ServerOptions{ClientMaxWindowBits: 8}, "permessage-deflate"},
		{[]string{"permessage-deflate; client_max_window_bits=15"}, ServerOptions{}, "permessage-deflate"},

		// Malformed or duplicate parameters decline the offer; the next
		// acceptable one is taken.
		{[]string{"permessage-deflate; server_max_window_bits"}, ServerOptions{}, ""},
		{[]string{"permessage-deflate; server_max_window_bits=16"}, ServerOptions{}, ""},
		{[]string{"permessage-deflate; server_max_window_bits=7"}, ServerOptions{}, ""},
		{[]string{"permessage-deflate; server_max_window_bits=08"}, ServerOptions{}, ""},
		{[]string{"permessage-deflate; client_max_window_bits=+9"}, ServerOptions{}, ""},
		{[]string{"permessage-deflate; client_max_window_bits="}, ServerOptions{}, ""},
		{[]string{"permessage-deflate; server_no_context_takeover=1"}, ServerOptions{}, ""},
		{[]string{"permessage-deflate; server_no_context_takeover; server_no_context_takeover"}, ServerOptions{}, ""},
		{[]string{"permessage-deflate; client_max_window_bits; client_max_window_bits=10"}, ServerOptions{}, ""},
		{[]string{"permessage-deflate; x-unknown"}, ServerOptions{}, ""},
		{[]string{"permessage-deflate; =10"}, ServerOptions{}, ""},
		{[]string{`permessage-deflate; client_max_window_bits="1\0"`}, ServerOptions{}, ""},
		{[]string{"permessage-deflate; server_max_window_bits=7, permessage-deflate; client_no_context_takeover"}, ServerOptions{},
			"permessage-deflate; client_no_context_takeover"},
		{[]string{"permessage-deflate; x=1", "permessage-deflate; server_max_window_bits=8"}, ServerOptions{},
			"permessage-deflate; server_max_window_bits=8"},
		{[]string{"permessage-deflate-x", "deflate-frame"}, ServerOptions{}, ""},
		{nil, ServerOptions{}, ""},
	} {
		_, resp, ok := NegotiateServer(tc.offers, tc.opts)
		if resp != tc.want || ok != (tc.want != "") {
			t.Errorf("NegotiateServer(%q, %+v) = %q, %v; want %q", tc.offers, tc.opts, resp, ok, tc.want)
		}
	}
}

func TestParseResponse(t *testing.T) {
	for _, tc := range []struct {
		value   string
		offered ClientOptions
		want    Params
		ok      bool
		err     error
	}{
		{"", ClientOptions{}, Params{}, false, nil},
		{"x-foo", ClientOptions{}, Params{}, false, nil},
		{"permessage-deflate", ClientOptions{}, Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true, nil},
		{"x-foo, permessage-deflate; client_max_window_bits=9", ClientOptions{}, Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 9}, true, nil},
		{"permessage-deflate; client_max_window_bits=12", ClientOptions{ClientMaxWindowBits: 10}, Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 10}, true, nil},
		{"permessage-deflate; server_max_window_bits=10", ClientOptions{ServerMaxWindowBits: 10}, Params{ServerMaxWindowBits: 10, ClientMaxWindowBits: 15}, true, nil},
		{"permessage-deflate; server_max_window_bits=9", ClientOptions{ServerMaxWindowBits: 10}, Params{ServerMaxWindowBits: 9, ClientMaxWindowBits: 15}, true, nil},
		{"permessage-deflate", ClientOptions{ServerNoContextTakeover: true}, Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true, nil},
		{"permessage-deflate", ClientOptions{ClientNoContextTakeover: true}, Params{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true, nil},

		{"permessage-deflate; client_max_window_bits", ClientOptions{}, Params{}, false, ErrResponseValue},
		{"permessage-deflate; client_max_window_bits=9", ClientOptions{NoClientMaxWindowBits: true}, Params{}, false, ErrResponseNotOffered},
		{"permessage-deflate; server_max_window_bits=16", ClientOptions{}, Params{}, false, ErrResponseValue},
		{"permessage-deflate; server_max_window_bits=7", ClientOptions{}, Params{}, false, ErrResponseValue},
		{"permessage-deflate; server_max_window_bits=010", ClientOptions{}, Params{}, false, ErrResponseValue},
		{"permessage-deflate; server_max_window_bits=11", ClientOptions{ServerMaxWindowBits: 10}, Params{}, false, ErrResponseWindow},
		{"permessage-deflate", ClientOptions{ServerMaxWindowBits: 10}, Params{}, false, ErrResponseWindow},
		{"permessage-deflate; server_no_context_takeover=yes", ClientOptions{}, Params{}, false, ErrResponseValue},
		{"permessage-deflate; client_no_context_takeover; client_no_context_takeover", ClientOptions{}, Params{}, false, ErrResponseDuplicate},
		{"permessage-deflate; server_max_window_bits=9; server_max_window_bits=9", ClientOptions{}, Params{}, false, ErrResponseDuplicate},
		{"permessage-deflate; mystery", ClientOptions{}, Params{}, false, ErrResponseParam},
		{"permessage-deflate; a b", ClientOptions{}, Params{}, false, ErrResponseSyntax},
		{"permessage-deflate x", ClientOptions{}, Params{}, false, ErrResponseSyntax},
		{"permessage-deflate, permessage-deflate", ClientOptions{}, Params{}, false, ErrResponseTwoAccepted},
	} {
		p, ok, err := ParseResponse([]byte(tc.value), tc.offered)
		if p != tc.want || ok != tc.ok || !errors.Is(err, tc.err) {
			t.Errorf("ParseResponse(%q, %+v) = %+v, %v, %v; want %+v, %v, %v", tc.value, tc.offered, p, ok, err, tc.want, tc.ok, tc.err)
		}
	}
}

func TestClientOffer(t *testing.T) {
	for _, tc := range []struct {
		opts ClientOptions
		want string
	}{
		{ClientOptions{}, "permessage-deflate; client_max_window_bits"},
		{ClientOptions{NoClientMaxWindowBits: true}, "permessage-deflate"},
		{ClientOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 12},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12"},
	} {
		if got := ClientOffer(tc.opts); got != tc.want {
			t.Errorf("ClientOffer(%+v) = %q; want %q", tc.opts, got, tc.want)
		}
	}
}

// TestNegotiateBothSides offers every client configuration to every server
// configuration and checks that both ends agree, and that each
// endpoint's compressor and the other's decompressor then work together.
func TestNegotiateBothSides(t *testing.T) {
	bitsList := []int{0, 8, 9, 12, 15}
	var clients []ClientOptions
	for _, snct := range []bool{false, true} {
		for _, cnct := range []bool{false, true} {
			for _, sb := range bitsList {
				for _, cb := range bitsList {
					for _, no := range []bool{false, true} {
						clients = append(clients, ClientOptions{snct, cnct, sb, cb, no})
					}
				}
			}
		}
	}
	var servers []ServerOptions
	for _, snct := range []bool{false, true} {
		for _, cnct := range []bool{false, true} {
			for _, sb := range bitsList {
				for _, cb := range bitsList {
					servers = append(servers, ServerOptions{snct, cnct, sb, cb})
				}
			}
		}
	}
	type pair struct{ server, client Params }
	agreed := map[pair]bool{}
	for _, co := range clients {
		offer := ClientOffer(co)
		for _, so := range servers {
			sp, resp, ok := NegotiateServer([]string{offer}, so)
			if !ok {
				t.Fatalf("%+v declined %q", so, offer)
			}
			cp, cok, err := ParseResponse([]byte(resp), co)
			if err != nil || !cok {
				t.Fatalf("offer %q, response %q: %v", offer, resp, err)
			}
			// The client may hold itself to a stricter limit than the
			// server knows about; everything else must agree.
			if cp.ClientMaxWindowBits > sp.ClientMaxWindowBits || cp.ClientNoContextTakeover != sp.ClientNoContextTakeover && !co.ClientNoContextTakeover ||
				cp.ServerMaxWindowBits != sp.ServerMaxWindowBits || cp.ServerNoContextTakeover != sp.ServerNoContextTakeover {
				t.Fatalf("offer %q, response %q: server %+v, client %+v", offer, resp, sp, cp)
			}
			if co.ServerMaxWindowBits != 0 && sp.ServerMaxWindowBits > windowBits(co.ServerMaxWindowBits) ||
				co.ServerNoContextTakeover && !sp.ServerNoContextTakeover {
				t.Fatalf("offer %q, response %q: request not granted", offer, resp)
			}
			agreed[pair{sp, cp}] = true
		}
	}
	msgs := messages("json", 40<<10, 3)
	for pp := range agreed {
		for _, dir := range []struct {
			name     string
			from, to Params
			sender   codec.Role
		}{{"server to client", pp.server, pp.client, codec.RoleServer}, {"client to server", pp.client, pp.server, codec.RoleClient}} {
			receiver := codec.RoleClient
			if dir.sender == codec.RoleClient {
				receiver = codec.RoleServer
			}
			c := NewCompressor(dir.from, dir.sender, 0)
			d := NewDecompressor(dir.to, receiver, 0)
			for i, m := range msgs {
				p, err := c.AppendMessage(nil, m)
				if err == nil {
					var out []byte
					out, err = d.AppendMessage(nil, codec.OpText, p)
					if err == nil && !bytes.Equal(out, m) {
						err = errors.New("output differs")
					}
				}
				if err != nil {
					t.Fatalf("%s with %+v: message %d: %v", dir.name, pp, i, err)
				}
			}
		}
	}
	t.Logf("%d distinct agreements", len(agreed))
	if len(clients)*len(servers) < 1000 || !slices.Contains(bitsList, 8) {
		t.Fatal("too few combinations")
	}
}
