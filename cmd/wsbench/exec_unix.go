//go:build unix

package main

import (
	"os"
	"syscall"
)

// execSelf replaces this process with the same program, arguments and
// process id, in the environment env.
func execSelf(env []string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return syscall.Exec(exe, os.Args, env)
}
