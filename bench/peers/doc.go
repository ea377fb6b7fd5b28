// Package peers compares wsframe with other Go WebSocket libraries. It is a
// module of its own so that the main module never depends on them; the
// versions compared are pinned in this folder's go.mod and named next to
// every number in the README.
//
// The benchmarks here measure the libraries' codecs, handshakes and
// message paths in memory; ./sweep measures their echo servers over
// loopback; ./conform runs package wstest against their servers
// (./servers) and their clients (package clients) and writes the
// conformance tables.
package peers
