package wstest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/deflate"
)

// The RFC 7692 cases, in the spirit of the Autobahn Testsuite's groups 12
// and 13: compressed messages of many sizes under every combination of
// negotiated parameters, the receiving rules, and negotiation. A server
// that declines permessage-deflate gets INFO for the echo cases (it may),
// and the rule cases do not apply to it.

const (
	rfcDeflate    = "RFC 7692 §7.2: compressed messages; the receiver inflates (§7.2.2) and the echo may be compressed or not"
	rfcNegotiate  = "RFC 7692 §5: a server ... MUST decline an offer with an unknown or invalid parameter; §5.1 (choose among offers)"
	acceptExpect  = "permessage-deflate accepted, with a valid response"
	declineExpect = "the offer declined, the connection opened without it"
)

// The offers of group 12.
var (
	offerChromium         = deflate.ClientOptions{}
	offerFirefox          = deflate.ClientOptions{NoClientMaxWindowBits: true}
	offerServerNoTakeover = deflate.ClientOptions{ServerNoContextTakeover: true}
	offerClientNoTakeover = deflate.ClientOptions{ClientNoContextTakeover: true}
	offerNoTakeover       = deflate.ClientOptions{ServerNoContextTakeover: true, ClientNoContextTakeover: true}
	offerServerWindow9    = deflate.ClientOptions{ServerMaxWindowBits: 9}
	offerClientWindow8    = deflate.ClientOptions{ClientMaxWindowBits: 8}
	offerWindows10        = deflate.ClientOptions{ServerMaxWindowBits: 10, ClientMaxWindowBits: 10, ServerNoContextTakeover: true, ClientNoContextTakeover: true}
)

// deflateCases are groups 12 and 13, run with Options.Deflate only.
func deflateCases() []*Case {
	cases := concat(group("Compression",
		&Case{ID: "12.1.1.1", Title: "Chromium's offer (client_max_window_bits), 10 compressed text messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(text, 16, false)},
		&Case{ID: "12.1.1.2", Title: "Chromium's offer (client_max_window_bits), 10 compressed text messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(text, 64, false)},
		&Case{ID: "12.1.1.3", Title: "Chromium's offer (client_max_window_bits), 10 compressed text messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(text, 256, false)},
		&Case{ID: "12.1.1.4", Title: "Chromium's offer (client_max_window_bits), 10 compressed text messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(text, 1<<10, false)},
		&Case{ID: "12.1.1.5", Title: "Chromium's offer (client_max_window_bits), 10 compressed text messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(text, 4<<10, false)},
		&Case{ID: "12.1.1.6", Title: "Chromium's offer (client_max_window_bits), 10 compressed text messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(text, 32<<10, false)},
		&Case{ID: "12.1.1.7", Title: "Chromium's offer (client_max_window_bits), 10 compressed text messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(text, 128<<10, false)},
		&Case{ID: "12.1.2.1", Title: "Firefox's offer (no parameters), 10 compressed text messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(text, 16, false)},
		&Case{ID: "12.1.2.2", Title: "Firefox's offer (no parameters), 10 compressed text messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(text, 64, false)},
		&Case{ID: "12.1.2.3", Title: "Firefox's offer (no parameters), 10 compressed text messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(text, 256, false)},
		&Case{ID: "12.1.2.4", Title: "Firefox's offer (no parameters), 10 compressed text messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(text, 1<<10, false)},
		&Case{ID: "12.1.2.5", Title: "Firefox's offer (no parameters), 10 compressed text messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(text, 4<<10, false)},
		&Case{ID: "12.1.2.6", Title: "Firefox's offer (no parameters), 10 compressed text messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(text, 32<<10, false)},
		&Case{ID: "12.1.2.7", Title: "Firefox's offer (no parameters), 10 compressed text messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(text, 128<<10, false)},
		&Case{ID: "12.1.3.1", Title: "server_no_context_takeover, 10 compressed text messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(text, 16, false)},
		&Case{ID: "12.1.3.2", Title: "server_no_context_takeover, 10 compressed text messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(text, 64, false)},
		&Case{ID: "12.1.3.3", Title: "server_no_context_takeover, 10 compressed text messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(text, 256, false)},
		&Case{ID: "12.1.3.4", Title: "server_no_context_takeover, 10 compressed text messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(text, 1<<10, false)},
		&Case{ID: "12.1.3.5", Title: "server_no_context_takeover, 10 compressed text messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(text, 4<<10, false)},
		&Case{ID: "12.1.3.6", Title: "server_no_context_takeover, 10 compressed text messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(text, 32<<10, false)},
		&Case{ID: "12.1.3.7", Title: "server_no_context_takeover, 10 compressed text messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(text, 128<<10, false)},
		&Case{ID: "12.1.4.1", Title: "client_no_context_takeover, 10 compressed text messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(text, 16, false)},
		&Case{ID: "12.1.4.2", Title: "client_no_context_takeover, 10 compressed text messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(text, 64, false)},
		&Case{ID: "12.1.4.3", Title: "client_no_context_takeover, 10 compressed text messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(text, 256, false)},
		&Case{ID: "12.1.4.4", Title: "client_no_context_takeover, 10 compressed text messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(text, 1<<10, false)},
		&Case{ID: "12.1.4.5", Title: "client_no_context_takeover, 10 compressed text messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(text, 4<<10, false)},
		&Case{ID: "12.1.4.6", Title: "client_no_context_takeover, 10 compressed text messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(text, 32<<10, false)},
		&Case{ID: "12.1.4.7", Title: "client_no_context_takeover, 10 compressed text messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(text, 128<<10, false)},
		&Case{ID: "12.1.5.1", Title: "no context takeover either way, 10 compressed text messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(text, 16, false)},
		&Case{ID: "12.1.5.2", Title: "no context takeover either way, 10 compressed text messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(text, 64, false)},
		&Case{ID: "12.1.5.3", Title: "no context takeover either way, 10 compressed text messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(text, 256, false)},
		&Case{ID: "12.1.5.4", Title: "no context takeover either way, 10 compressed text messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(text, 1<<10, false)},
		&Case{ID: "12.1.5.5", Title: "no context takeover either way, 10 compressed text messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(text, 4<<10, false)},
		&Case{ID: "12.1.5.6", Title: "no context takeover either way, 10 compressed text messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(text, 32<<10, false)},
		&Case{ID: "12.1.5.7", Title: "no context takeover either way, 10 compressed text messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(text, 128<<10, false)},
		&Case{ID: "12.1.6.1", Title: "server_max_window_bits=9, 10 compressed text messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(text, 16, false)},
		&Case{ID: "12.1.6.2", Title: "server_max_window_bits=9, 10 compressed text messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(text, 64, false)},
		&Case{ID: "12.1.6.3", Title: "server_max_window_bits=9, 10 compressed text messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(text, 256, false)},
		&Case{ID: "12.1.6.4", Title: "server_max_window_bits=9, 10 compressed text messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(text, 1<<10, false)},
		&Case{ID: "12.1.6.5", Title: "server_max_window_bits=9, 10 compressed text messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(text, 4<<10, false)},
		&Case{ID: "12.1.6.6", Title: "server_max_window_bits=9, 10 compressed text messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(text, 32<<10, false)},
		&Case{ID: "12.1.6.7", Title: "server_max_window_bits=9, 10 compressed text messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(text, 128<<10, false)},
		&Case{ID: "12.1.7.1", Title: "client_max_window_bits=8, 10 compressed text messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(text, 16, false)},
		&Case{ID: "12.1.7.2", Title: "client_max_window_bits=8, 10 compressed text messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(text, 64, false)},
		&Case{ID: "12.1.7.3", Title: "client_max_window_bits=8, 10 compressed text messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(text, 256, false)},
		&Case{ID: "12.1.7.4", Title: "client_max_window_bits=8, 10 compressed text messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(text, 1<<10, false)},
		&Case{ID: "12.1.7.5", Title: "client_max_window_bits=8, 10 compressed text messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(text, 4<<10, false)},
		&Case{ID: "12.1.7.6", Title: "client_max_window_bits=8, 10 compressed text messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(text, 32<<10, false)},
		&Case{ID: "12.1.7.7", Title: "client_max_window_bits=8, 10 compressed text messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(text, 128<<10, false)},
		&Case{ID: "12.1.8.1", Title: "both windows 10, no context takeover, 10 compressed text messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(text, 16, false)},
		&Case{ID: "12.1.8.2", Title: "both windows 10, no context takeover, 10 compressed text messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(text, 64, false)},
		&Case{ID: "12.1.8.3", Title: "both windows 10, no context takeover, 10 compressed text messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(text, 256, false)},
		&Case{ID: "12.1.8.4", Title: "both windows 10, no context takeover, 10 compressed text messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(text, 1<<10, false)},
		&Case{ID: "12.1.8.5", Title: "both windows 10, no context takeover, 10 compressed text messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(text, 4<<10, false)},
		&Case{ID: "12.1.8.6", Title: "both windows 10, no context takeover, 10 compressed text messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(text, 32<<10, false)},
		&Case{ID: "12.1.8.7", Title: "both windows 10, no context takeover, 10 compressed text messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(text, 128<<10, false)},
		&Case{ID: "12.2.1.1", Title: "Chromium's offer (client_max_window_bits), 10 compressed random binary messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(bin, 16, true)},
		&Case{ID: "12.2.1.2", Title: "Chromium's offer (client_max_window_bits), 10 compressed random binary messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(bin, 64, true)},
		&Case{ID: "12.2.1.3", Title: "Chromium's offer (client_max_window_bits), 10 compressed random binary messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(bin, 256, true)},
		&Case{ID: "12.2.1.4", Title: "Chromium's offer (client_max_window_bits), 10 compressed random binary messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(bin, 1<<10, true)},
		&Case{ID: "12.2.1.5", Title: "Chromium's offer (client_max_window_bits), 10 compressed random binary messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(bin, 4<<10, true)},
		&Case{ID: "12.2.1.6", Title: "Chromium's offer (client_max_window_bits), 10 compressed random binary messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(bin, 32<<10, true)},
		&Case{ID: "12.2.1.7", Title: "Chromium's offer (client_max_window_bits), 10 compressed random binary messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerChromium}, server: deflateEcho(bin, 128<<10, true)},
		&Case{ID: "12.2.2.1", Title: "Firefox's offer (no parameters), 10 compressed random binary messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(bin, 16, true)},
		&Case{ID: "12.2.2.2", Title: "Firefox's offer (no parameters), 10 compressed random binary messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(bin, 64, true)},
		&Case{ID: "12.2.2.3", Title: "Firefox's offer (no parameters), 10 compressed random binary messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(bin, 256, true)},
		&Case{ID: "12.2.2.4", Title: "Firefox's offer (no parameters), 10 compressed random binary messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(bin, 1<<10, true)},
		&Case{ID: "12.2.2.5", Title: "Firefox's offer (no parameters), 10 compressed random binary messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(bin, 4<<10, true)},
		&Case{ID: "12.2.2.6", Title: "Firefox's offer (no parameters), 10 compressed random binary messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(bin, 32<<10, true)},
		&Case{ID: "12.2.2.7", Title: "Firefox's offer (no parameters), 10 compressed random binary messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerFirefox}, server: deflateEcho(bin, 128<<10, true)},
		&Case{ID: "12.2.3.1", Title: "server_no_context_takeover, 10 compressed random binary messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(bin, 16, true)},
		&Case{ID: "12.2.3.2", Title: "server_no_context_takeover, 10 compressed random binary messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(bin, 64, true)},
		&Case{ID: "12.2.3.3", Title: "server_no_context_takeover, 10 compressed random binary messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(bin, 256, true)},
		&Case{ID: "12.2.3.4", Title: "server_no_context_takeover, 10 compressed random binary messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(bin, 1<<10, true)},
		&Case{ID: "12.2.3.5", Title: "server_no_context_takeover, 10 compressed random binary messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(bin, 4<<10, true)},
		&Case{ID: "12.2.3.6", Title: "server_no_context_takeover, 10 compressed random binary messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(bin, 32<<10, true)},
		&Case{ID: "12.2.3.7", Title: "server_no_context_takeover, 10 compressed random binary messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerNoTakeover}, server: deflateEcho(bin, 128<<10, true)},
		&Case{ID: "12.2.4.1", Title: "client_no_context_takeover, 10 compressed random binary messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(bin, 16, true)},
		&Case{ID: "12.2.4.2", Title: "client_no_context_takeover, 10 compressed random binary messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(bin, 64, true)},
		&Case{ID: "12.2.4.3", Title: "client_no_context_takeover, 10 compressed random binary messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(bin, 256, true)},
		&Case{ID: "12.2.4.4", Title: "client_no_context_takeover, 10 compressed random binary messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(bin, 1<<10, true)},
		&Case{ID: "12.2.4.5", Title: "client_no_context_takeover, 10 compressed random binary messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(bin, 4<<10, true)},
		&Case{ID: "12.2.4.6", Title: "client_no_context_takeover, 10 compressed random binary messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(bin, 32<<10, true)},
		&Case{ID: "12.2.4.7", Title: "client_no_context_takeover, 10 compressed random binary messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientNoTakeover}, server: deflateEcho(bin, 128<<10, true)},
		&Case{ID: "12.2.5.1", Title: "no context takeover either way, 10 compressed random binary messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(bin, 16, true)},
		&Case{ID: "12.2.5.2", Title: "no context takeover either way, 10 compressed random binary messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(bin, 64, true)},
		&Case{ID: "12.2.5.3", Title: "no context takeover either way, 10 compressed random binary messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(bin, 256, true)},
		&Case{ID: "12.2.5.4", Title: "no context takeover either way, 10 compressed random binary messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(bin, 1<<10, true)},
		&Case{ID: "12.2.5.5", Title: "no context takeover either way, 10 compressed random binary messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(bin, 4<<10, true)},
		&Case{ID: "12.2.5.6", Title: "no context takeover either way, 10 compressed random binary messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(bin, 32<<10, true)},
		&Case{ID: "12.2.5.7", Title: "no context takeover either way, 10 compressed random binary messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerNoTakeover}, server: deflateEcho(bin, 128<<10, true)},
		&Case{ID: "12.2.6.1", Title: "server_max_window_bits=9, 10 compressed random binary messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(bin, 16, true)},
		&Case{ID: "12.2.6.2", Title: "server_max_window_bits=9, 10 compressed random binary messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(bin, 64, true)},
		&Case{ID: "12.2.6.3", Title: "server_max_window_bits=9, 10 compressed random binary messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(bin, 256, true)},
		&Case{ID: "12.2.6.4", Title: "server_max_window_bits=9, 10 compressed random binary messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(bin, 1<<10, true)},
		&Case{ID: "12.2.6.5", Title: "server_max_window_bits=9, 10 compressed random binary messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(bin, 4<<10, true)},
		&Case{ID: "12.2.6.6", Title: "server_max_window_bits=9, 10 compressed random binary messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(bin, 32<<10, true)},
		&Case{ID: "12.2.6.7", Title: "server_max_window_bits=9, 10 compressed random binary messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerServerWindow9}, server: deflateEcho(bin, 128<<10, true)},
		&Case{ID: "12.2.7.1", Title: "client_max_window_bits=8, 10 compressed random binary messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(bin, 16, true)},
		&Case{ID: "12.2.7.2", Title: "client_max_window_bits=8, 10 compressed random binary messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(bin, 64, true)},
		&Case{ID: "12.2.7.3", Title: "client_max_window_bits=8, 10 compressed random binary messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(bin, 256, true)},
		&Case{ID: "12.2.7.4", Title: "client_max_window_bits=8, 10 compressed random binary messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(bin, 1<<10, true)},
		&Case{ID: "12.2.7.5", Title: "client_max_window_bits=8, 10 compressed random binary messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(bin, 4<<10, true)},
		&Case{ID: "12.2.7.6", Title: "client_max_window_bits=8, 10 compressed random binary messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(bin, 32<<10, true)},
		&Case{ID: "12.2.7.7", Title: "client_max_window_bits=8, 10 compressed random binary messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerClientWindow8}, server: deflateEcho(bin, 128<<10, true)},
		&Case{ID: "12.2.8.1", Title: "both windows 10, no context takeover, 10 compressed random binary messages of 16 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(bin, 16, true)},
		&Case{ID: "12.2.8.2", Title: "both windows 10, no context takeover, 10 compressed random binary messages of 64 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(bin, 64, true)},
		&Case{ID: "12.2.8.3", Title: "both windows 10, no context takeover, 10 compressed random binary messages of 256 B", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(bin, 256, true)},
		&Case{ID: "12.2.8.4", Title: "both windows 10, no context takeover, 10 compressed random binary messages of 1 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(bin, 1<<10, true)},
		&Case{ID: "12.2.8.5", Title: "both windows 10, no context takeover, 10 compressed random binary messages of 4 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(bin, 4<<10, true)},
		&Case{ID: "12.2.8.6", Title: "both windows 10, no context takeover, 10 compressed random binary messages of 32 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(bin, 32<<10, true)},
		&Case{ID: "12.2.8.7", Title: "both windows 10, no context takeover, 10 compressed random binary messages of 128 KiB", Expect: "10 echoes", RFC: rfcDeflate, setup: setup{offer: &offerWindows10}, server: deflateEcho(bin, 128<<10, true)},
	), group("Compression rules",
		&Case{ID: "13.1", Title: "compressed text message in fragments of 100 compressed bytes", Expect: echoed, RFC: "RFC 7692 §6.1: the Per-Message Compressed bit is set on the first frame only", setup: setup{offer: &offerChromium}, server: compressedFragments},
		&Case{ID: "13.2", Title: "uncompressed message after permessage-deflate was agreed", Expect: echoed, RFC: "RFC 7692 §6: an endpoint may send a message uncompressed (RSV1 clear)", setup: setup{offer: &offerChromium}, server: agreed(echoOf(whole(text, "not compressed")))},
		&Case{ID: "13.3", Title: "RSV1 set on the continuation frame of a compressed message", Expect: fail1002, RFC: "RFC 7692 §6.1: An endpoint MUST NOT set the \"Per-Message Compressed\" bit of ... non-first fragments of a data message", setup: setup{offer: &offerChromium}, server: agreed((*probe).rsv1OnContinuation)},
		&Case{ID: "13.4", Title: "RSV1 set on a ping", Expect: fail1002, RFC: "RFC 7692 §6.1: ... MUST NOT set the \"Per-Message Compressed\" bit of control frames", setup: setup{offer: &offerChromium}, server: agreed(failsWith(codec.CloseProtocolError, withRsv(codec.Rsv1, ping, "")))},
		&Case{ID: "13.5", Title: "RSV1 message whose payload is not DEFLATE data", Expect: fail1007, RFC: "RFC 7692 §8: a corrupt compressed message ... _Fail the WebSocket Connection_", setup: setup{offer: &offerChromium}, server: agreed(failsWith(codec.CloseInvalidPayload, withRsv(codec.Rsv1, text, "\xff\xff\xff\xff\xff")))},
		&Case{ID: "13.6", Title: "compressed text message that inflates to invalid UTF-8", Expect: fail1007, RFC: rfcUTF8, setup: setup{offer: &offerChromium}, server: agreed(invalidCompressedText)},
		&Case{ID: "13.7", Title: "64 KiB of compressed data that inflates to 64 MiB, past the server's limit", Expect: "fail the connection (1009) without inflating it all", RFC: "RFC 6455 §10.4; RFC 7692 §8.1 (resource limits)", setup: setup{offer: &offerChromium}, server: agreed((*probe).zipBomb)},
		&Case{ID: "13.8.1", Title: "offer with an unknown parameter (permessage-deflate; foo=1)", Expect: declineExpect, RFC: rfcNegotiate, setup: setup{ext: "permessage-deflate; foo=1"}, server: negotiated(false)},
		&Case{ID: "13.8.2", Title: "offer with a repeated parameter (permessage-deflate; server_no_context_takeover; server_no_context_takeover)", Expect: declineExpect, RFC: rfcNegotiate, setup: setup{ext: "permessage-deflate; server_no_context_takeover; server_no_context_takeover"}, server: negotiated(false)},
		&Case{ID: "13.8.3", Title: "offer with server_max_window_bits below 8 (permessage-deflate; server_max_window_bits=7)", Expect: declineExpect, RFC: rfcNegotiate, setup: setup{ext: "permessage-deflate; server_max_window_bits=7"}, server: negotiated(false)},
		&Case{ID: "13.8.4", Title: "offer with server_max_window_bits above 15 (permessage-deflate; server_max_window_bits=16)", Expect: declineExpect, RFC: rfcNegotiate, setup: setup{ext: "permessage-deflate; server_max_window_bits=16"}, server: negotiated(false)},
		&Case{ID: "13.8.5", Title: "offer with a window with a leading zero (permessage-deflate; client_max_window_bits=08)", Expect: declineExpect, RFC: rfcNegotiate, setup: setup{ext: "permessage-deflate; client_max_window_bits=08"}, server: negotiated(false)},
		&Case{ID: "13.8.6", Title: "offer with a value where none belongs (permessage-deflate; server_no_context_takeover=1)", Expect: declineExpect, RFC: rfcNegotiate, setup: setup{ext: "permessage-deflate; server_no_context_takeover=1"}, server: negotiated(false)},
		&Case{ID: "13.8.7", Title: "offer with a bad offer, then a good one (permessage-deflate; foo, permessage-deflate; client_max_window_bits)", Expect: acceptExpect, RFC: rfcNegotiate, setup: setup{ext: "permessage-deflate; foo, permessage-deflate; client_max_window_bits"}, server: negotiated(true)},
		&Case{ID: "13.8.8", Title: "offer with an unknown extension, then permessage-deflate (x-unknown-extension, permessage-deflate)", Expect: acceptExpect, RFC: rfcNegotiate, setup: setup{ext: "x-unknown-extension, permessage-deflate"}, server: negotiated(true)},
	))
	for _, c := range cases {
		c.deflate = true
	}
	return cases
}

// agreed runs run only when the server accepted permessage-deflate; a
// server that declined gets INFO.
func agreed(run serverRun) serverRun {
	return func(p *probe) (Verdict, string) {
		if p.comp == nil {
			return Info, "the server declined permessage-deflate"
		}
		return run(p)
	}
}

// deflatePayload returns about n bytes of UTF-8 text that compresses well
// (cut on a code point boundary, so it may be up to 3 bytes shorter), or
// n pseudo-random bytes that do not.
func deflatePayload(n int, random bool, seed uint64) []byte {
	if random {
		r := rand.New(rand.NewPCG(seed, 7))
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		fmt.Fprintf(&sb, `{"seq":%d,"user":"user-%d","text":"Can you hear me? Loud and clear! κόσμε"},`, i, i%17)
	}
	b := []byte(sb.String()[:n])
	for !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return b
}

// deflateEcho sends 10 compressed messages of about n bytes and expects
// each echoed.
func deflateEcho(op codec.Opcode, n int, random bool) serverRun {
	return agreed(func(p *probe) (Verdict, string) {
		for i := range 10 {
			payload := deflatePayload(n, random, uint64(i))
			p.send(p.compressed(op, payload, 0)...)
			if v, o := p.expectEcho(op, payload); v != Pass {
				return v, fmt.Sprintf("message %d: %s (negotiated %q)", i, o, p.ext)
			}
		}
		return Pass, "10 echoes; negotiated " + p.ext
	})
}

var compressedFragments = agreed(func(p *probe) (Verdict, string) {
	payload := deflatePayload(64<<10, false, 1)
	p.send(p.compressed(text, payload, 100)...)
	return p.expectEcho(text, payload)
})

// rsv1OnContinuation sends a compressed message whose continuation frame
// has RSV1 set too, which RFC 7692 §6.1 forbids.
func (e *endpoint) rsv1OnContinuation() (Verdict, string) {
	z, _ := e.comp.AppendMessage(nil, deflatePayload(1000, false, 2))
	e.send(frame{fin: false, rsv: codec.Rsv1, op: text, payload: z[:10]}, frame{fin: true, rsv: codec.Rsv1, op: cont, payload: z[10:]})
	return e.expectFail(codec.CloseProtocolError)
}

func invalidCompressedText(p *probe) (Verdict, string) {
	p.send(p.compressed(text, []byte("κόσμε\xed\xa0\x80edited"), 0)...)
	return p.expectFail(codec.CloseInvalidPayload)
}

// zipBomb sends 64 MiB of zeros compressed to about 64 KiB.
func (e *endpoint) zipBomb() (Verdict, string) {
	role := codec.RoleServer
	if e.masked {
		role = codec.RoleClient
	}
	comp := deflate.NewCompressor(e.params, role, deflate.DefaultLevel)
	var z []byte
	zeros := make([]byte, 1<<20)
	for i := range 64 {
		z, _ = comp.AppendChunk(z, zeros, i == 63) // appending to a slice cannot fail
	}
	e.send(withRsv(codec.Rsv1, bin, string(z)))
	return e.expectFail(codec.CloseMessageTooBig)
}

// negotiated checks the server's answer to a raw offer: accepted when
// accept, declined otherwise; either way the connection works.
func negotiated(accept bool) serverRun {
	return func(p *probe) (Verdict, string) {
		switch {
		case p.comp != nil && !accept:
			return Fail, "accepted: " + p.ext
		case p.comp == nil && accept:
			return Info, "the server declined permessage-deflate"
		}
		payload := []byte(strings.Repeat("negotiated ", 20))
		if p.comp != nil {
			p.send(p.compressed(text, payload, 0)...)
		} else {
			p.send(frame{fin: true, op: text, payload: payload})
		}
		v, o := p.expectEcho(text, payload)
		if p.ext != "" {
			o += "; negotiated " + p.ext
		}
		return v, o
	}
}
