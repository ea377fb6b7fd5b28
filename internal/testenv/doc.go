// Package testenv is what the module's tests share: allocation checks,
// whether the race detector is on, and the programs tests start, such as
// the interop peers and the wsbench command. Each is written once here
// instead of once per package.
package testenv
