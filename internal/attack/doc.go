// Package attack holds no code, only tests: they run `wsbench serve`,
// with each engine, and attack it as hostile clients would (silent and
// slow connections, unfinished handshakes and messages, zip bombs,
// clients that never read or that half-close, descriptor exhaustion),
// asserting each defence by what the server process does: when it closes
// connections, the CPU it uses, its peak resident memory, and that a
// fresh client is still served.
package attack
