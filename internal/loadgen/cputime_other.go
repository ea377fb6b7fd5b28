//go:build !unix && !windows

package loadgen

import "time"

// cpuTime returns 0: this system has no way to ask that the load
// generator uses, so the CPU column reads 0.
func cpuTime() time.Duration { return 0 }
