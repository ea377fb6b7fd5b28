// Package godebug knows the one GODEBUG setting this module depends on:
// http2xconnect=1, without which Go 1.26's net/http servers refuse
// WebSockets over HTTP/2 (RFC 8441). net/http reads it from the
// environment once, as the process starts, so a process that needs it
// must be started with it: wsbench serve -tls restarts itself so, and
// tests start child processes so.
package godebug

import (
	"slices"
	"strings"
)

// HTTP2 is the setting that makes net/http advertise
// SETTINGS_ENABLE_CONNECT_PROTOCOL and accept extended CONNECT.
const HTTP2 = "http2xconnect=1"

// HasHTTP2 reports whether the GODEBUG value v turns HTTP2 on, by the
// test net/http makes: the setting anywhere in v.
func HasHTTP2(v string) bool { return strings.Contains(v, HTTP2) }

// WithHTTP2 returns a copy of env, an environment as os.Environ gives it,
// with HTTP2 added to GODEBUG (in front of any settings it had).
func WithHTTP2(env []string) []string {
	env = slices.Clone(env)
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
			env[i] = "GODEBUG=" + HTTP2
			if v != "" {
				env[i] += "," + v
			}
			return env
		}
	}
	return append(env, "GODEBUG="+HTTP2)
}
