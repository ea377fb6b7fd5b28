//go:build !unix

package fdlimit

// MaxConns is the default cap on a server's connections where the
// descriptor limit is not known: 65536.
func MaxConns() int { return 1 << 16 }
