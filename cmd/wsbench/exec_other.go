//go:build !unix

package main

import "errors"

// execSelf cannot replace the process on this system.
func execSelf([]string) error {
	return errors.New("this system cannot replace a running process")
}
