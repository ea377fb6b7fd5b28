"""Python's websockets as a client of an echo server (wsbench serve), for
interop/python_test.go. Run it with Debian's /usr/bin/python3, which has
python3-websockets.

    client.py matrix URL   echo matrix; one JSON line; exit 1 on any failure
    client.py seed URL     send "Can you hear me?", print the reply as JSON
    client.py wait URL     print {"event": "open"}, then wait for the server
                           to close and print its close frame

Every wait is bounded: the whole run gives up after 60 seconds.
"""

import asyncio
import json
import sys

import websockets

TIMEOUT = 10  # seconds, for each step


def emit(obj):
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def text(n):
    """Exactly n bytes of valid UTF-8 with 2-, 3- and 4-byte characters."""
    unit = "wsframe κόσμε 世界 🌍 ".encode()
    b = (unit * (n // len(unit) + 2))[: n + 4]
    end = n
    while end > 0 and b[end] & 0xC0 == 0x80:  # back off to a character start
        end -= 1
    s = (b[:end] + b"x" * (n - end)).decode()
    assert len(s.encode()) == n
    return s


def binary(n):
    return bytes((i * 31 + (i >> 8)) & 0xFF for i in range(n))


def differ(got, want):
    """'' when got is want, of the same type and bytes; else what differs."""
    if type(got) is not type(want):
        return f"got {type(got).__name__}, want {type(want).__name__}"
    g = got.encode() if isinstance(got, str) else got
    w = want.encode() if isinstance(want, str) else want
    if len(g) != len(w):
        return f"got {len(g)} bytes, want {len(w)}"
    if g != w:
        i = next(i for i in range(len(w)) if g[i] != w[i])
        return f"bytes differ from offset {i}"
    return ""


def connect(url):
    # Messages of 1 MiB and more come back: lift the 1 MiB default limit.
    return websockets.connect(url, max_size=64 << 20, open_timeout=TIMEOUT, close_timeout=TIMEOUT)


async def matrix(url):
    cases = []

    async def check(name, coro):
        try:
            detail = await asyncio.wait_for(coro, TIMEOUT)
        except Exception as e:  # report every failure as a case
            detail = f"{type(e).__name__}: {e}"
        cases.append({"name": name, "ok": detail == "", "detail": detail})

    async with connect(url) as ws:

        async def echo(msg, want=None):
            await ws.send(msg)
            return differ(await ws.recv(), msg if want is None else want)

        for n in (0, 125, 126, 65535, 65536, (1 << 20) + 3):
            await check(f"text/{n}", echo(text(n)))
            await check(f"binary/{n}", echo(binary(n)))

        # A list is sent as a fragmented message: one frame per item, then
        # an empty final frame.
        parts = ["frag", "mented ", "κόσμε ", "🌍"]
        await check("fragmented/text", echo(parts, "".join(parts)))
        blobs = [binary(100000), binary(100000)[::-1], binary(100001)]
        await check("fragmented/binary", echo(blobs, b"".join(blobs)))

        async def ping():
            # The waiter completes on a pong with the same payload.
            waiter = await ws.ping(b"ping from websockets")
            await waiter
            return ""

        await check("ping", ping())

        async def close():
            await ws.close(4000, "done: κόσμε")
            if ws.close_rcvd is None:
                return "no close frame from the server"
            return ""

        await check("close", close())
        rcvd = ws.close_rcvd
        result = {
            "peer": "websockets",
            "version": websockets.__version__,
            "extensions": [str(e.name) for e in ws.extensions],
            "cases": cases,
            "close": None if rcvd is None else {"code": rcvd.code, "reason": rcvd.reason},
        }
    result["ok"] = all(c["ok"] for c in cases)
    emit(result)
    return result["ok"]


async def seed(url):
    async with connect(url) as ws:
        await ws.send("Can you hear me?")
        reply = await asyncio.wait_for(ws.recv(), TIMEOUT)
    emit({
        "peer": "websockets",
        "version": websockets.__version__,
        "reply": reply if isinstance(reply, str) else None,
        "binary": isinstance(reply, bytes),
    })
    return True


async def wait(url):
    async with connect(url) as ws:
        emit({"event": "open"})
        await asyncio.wait_for(ws.wait_closed(), 50)
        rcvd = ws.close_rcvd
        emit({
            "peer": "websockets",
            "version": websockets.__version__,
            "event": "closed",
            "code": 1006 if rcvd is None else rcvd.code,
            "reason": "" if rcvd is None else rcvd.reason,
        })
    return True


def main():
    modes = {"matrix": matrix, "seed": seed, "wait": wait}
    if len(sys.argv) != 3 or sys.argv[1] not in modes:
        print("usage: client.py matrix|seed|wait URL", file=sys.stderr)
        return 2
    try:
        ok = asyncio.run(asyncio.wait_for(modes[sys.argv[1]](sys.argv[2]), 60))
    except Exception as e:
        emit({"peer": "websockets", "version": websockets.__version__, "ok": False,
              "error": f"{type(e).__name__}: {e}"})
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
