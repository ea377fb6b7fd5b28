"""Python's websockets as an echo server for this module's client, for
interop/python_test.go. Run it with Debian's /usr/bin/python3:

    server.py PORT OUTFILE

It listens on 127.0.0.1:PORT with websockets' defaults (permessage-deflate
is offered only to clients that ask, and this module's client does not)
except the 1 MiB message limit, and echoes every message with its type.
When it receives the text "close-me" it closes the connection with 4002
"bye from peer". For every connection that ends it appends a JSON line to
OUTFILE (and stdout) saying what close frames it sent and received. It
exits by itself after five minutes.
"""

import asyncio
import json
import sys

import websockets


def report(out_file, obj):
    line = json.dumps({"peer": "websockets", "version": websockets.__version__, **obj},
                      ensure_ascii=False) + "\n"
    with open(out_file, "a", encoding="utf-8") as f:
        f.write(line)
    sys.stdout.write(line)
    sys.stdout.flush()


def close_frame(c):
    return None if c is None else {"code": c.code, "reason": c.reason}


async def main(port, out_file):
    async def handler(ws):
        messages = 0
        try:
            async for msg in ws:
                messages += 1
                if msg == "close-me":
                    # Returns once the client answered and the TCP
                    # connection ended (or close_timeout passed).
                    await ws.close(4002, "bye from peer")
                    break
                await ws.send(msg)
        except websockets.ConnectionClosed:
            pass
        await ws.wait_closed()
        report(out_file, {
            "event": "closed",
            "path": ws.path,
            "messages": messages,
            "sent": close_frame(ws.close_sent),
            "received": close_frame(ws.close_rcvd),
            "received_after_sent": ws.close_rcvd_then_sent is False,
        })

    async with websockets.serve(handler, "127.0.0.1", port, max_size=64 << 20, close_timeout=10):
        report(out_file, {"event": "listening", "port": port})
        await asyncio.sleep(5 * 60)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: server.py PORT OUTFILE", file=sys.stderr)
        sys.exit(2)
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
