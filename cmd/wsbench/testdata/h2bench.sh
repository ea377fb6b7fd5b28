#!/bin/sh
# Echo over TLS, WebSockets over HTTP/2 against HTTP/1.1, as the README's
# "WebSockets over HTTP/2" table measures it: `wsbench serve -tls` pinned
# to CPU 0 with GOMAXPROCS=1, `wsbench client -binary` pinned to CPU 1,
# closed loop with one message in flight per connection, ROUNDS rounds of
# DURATION per cell with the modes alternating; server CPU per message
# from /proc/PID/stat (user + system) over the messages /stats counted.
# Plain ws:// to the goroutine engine is measured alongside, for scale.
# Linux only (taskset, /proc). Run from the module's root:
#
#   sh cmd/wsbench/testdata/h2bench.sh > raw.txt
#
# Each line: round mode conns size msgs/s MB/s p50_us p99_us
# server_cpu_us_per_msg client_cpu_us_per_msg http2_conns tcp_conns.
set -e
DURATION=${DURATION:-4s}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-"1 64"}
SIZES=${SIZES:-"16 1024 65536"}
MODES=${MODES:-"ws h1 h2 h2own"}
dir=$(mktemp -d)
bin=$dir/wsbench
go build -o "$bin" ./cmd/wsbench
GOMAXPROCS=1 taskset -c 0 "$bin" serve -tls -addr 127.0.0.1:0 >"$dir/tls.log" 2>&1 &
tls=$!
GOMAXPROCS=1 taskset -c 0 "$bin" serve -engine goroutine -addr 127.0.0.1:0 >"$dir/plain.log" 2>&1 &
plain=$!
trap 'kill $tls $plain 2>/dev/null; rm -rf "$dir"' EXIT
addr() { # the address a server printed, waiting for it
	i=0
	until grep -q 'WebSockets over HTTP/2 (RFC 8441) are on\|engine)$' "$1" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || { cat "$1" >&2; exit 1; }; sleep 0.1
	done
	sed -n 's|.*serving on https*://\([0-9.:]*\)/.*|\1|p' "$1" | head -1
}
tlsaddr=$(addr "$dir/tls.log")
plainaddr=$(addr "$dir/plain.log")
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # clock ticks
field() { sed -n "s/.*\"$1\": *\([0-9.e+-]*\).*/\1/p" | head -1; }
for round in $(seq "$ROUNDS"); do
	for conns in $CONNS; do
		for size in $SIZES; do
			for mode in $MODES; do
				pid=$tls url=wss://$tlsaddr/ flags=-insecure stats=https://$tlsaddr/stats
				case $mode in
				ws) pid=$plain url=ws://$plainaddr/ flags= stats=http://$plainaddr/stats ;;
				h2) flags="-insecure -http2" ;;
				h2own) flags="-insecure -http2 -http2-own" ;;
				esac
				m0=$(curl -sk "$stats" | field messages)
				c0=$(cpu $pid)
				out=$(taskset -c 1 "$bin" client -url "$url" $flags -conns "$conns" -size "$size" -duration "$DURATION" -binary -json)
				c1=$(cpu $pid)
				m1=$(curl -sk "$stats" | field messages)
				tck=$(getconf CLK_TCK)
				echo "$round $mode $conns $size $(echo "$out" | field msgs_per_sec) $(echo "$out" | field mb_per_sec)" \
					"$(echo "$out" | field p50_us) $(echo "$out" | field p99_us)" \
					"$(awk -v c="$((c1 - c0))" -v m="$((m1 - m0))" -v t="$tck" 'BEGIN { printf "%.2f", c / t * 1e6 / m }')" \
					"$(echo "$out" | field client_cpu_us_per_msg) $(echo "$out" | field http2) $(echo "$out" | field http2_conns)"
			done
		done
	done
done
