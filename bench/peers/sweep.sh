#!/bin/sh
# Compares wsframe's echo server with echo servers built on other Go
# WebSocket libraries; see sweep/main.go for what it measures and writes.
# Flags go to the sweep, for example:
#
#   ./sweep.sh -duration 5s -rounds 3
#   ./sweep.sh -deflate -cases 1x16,1x1K,64x1K,16x16K   (compressed text)
#   ./sweep.sh -memory -deflate                         (memory per connection)
#
# The sweep is built first and then run in this shell's place, so that
# Ctrl-C and SIGTERM reach it directly and it stops every server it started.
set -e
cd "$(dirname "$0")"
bin="${TMPDIR:-/tmp}/wsframe-sweep-bin"
mkdir -p "$bin"
go build -o "$bin/sweep" ./sweep
exec "$bin/sweep" "$@"
