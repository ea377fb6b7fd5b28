//go:build !unix

package echo

// DefaultMaxConns is MaxConns's default where the descriptor limit is not
// known: 65536.
func DefaultMaxConns() int { return 1 << 16 }
