package wstest

import "sync"

// Cases returns the server cases, in the order Run runs them: groups 1 to
// 7 and 9 in the numbering of the Autobahn Testsuite (each case written
// from RFC 6455, not copied), 10 for resource limits, 12 and 13 for
// permessage-deflate (RFC 7692), H for the opening handshake, and H2 for
// the opening handshake over HTTP/2 (RFC 8441, with Options.HTTP2). The
// slice is new on each call; the cases are shared and must not be
// modified.
func Cases() []*Case { return append([]*Case(nil), serverCases()...) }

var serverCases = sync.OnceValue(func() []*Case {
	return concat(framingCases(), utf8Cases(), closeCases(), largeCases(), deflateCases(), handshakeCases(), h2Cases())
})
