//go:build unix

package fdlimit

import "golang.org/x/sys/unix"

// MaxConns is the default cap on a server's connections: the soft
// descriptor limit less an eighth of it, and at least 32, left for the
// listener, the process's own files and descriptors that are closing.
func MaxConns() int {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == unix.RLIM_INFINITY || rl.Cur > 1<<20 {
		return 1 << 16
	}
	n := int(rl.Cur)
	return max(n-max(n/8, 32), 1)
}
