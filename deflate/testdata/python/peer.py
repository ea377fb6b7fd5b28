# An echo peer with permessage-deflate, for deflate's TestPython*. Usage:
#   /usr/bin/python3 peer.py server '<options JSON>'        prints the port, echoes
#   /usr/bin/python3 peer.py client '<options JSON>' ws://...  echoes
# The options are the keyword arguments of websockets' Server- or
# ClientPerMessageDeflateFactory. websockets compresses every message it
# sends when permessage-deflate is agreed. The client prints the
# extensions the server agreed to. Both stop by themselves after 120 s.
import asyncio
import json
import sys

import websockets
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)


async def echo(ws, path=None):
    async for message in ws:
        await ws.send(message)


async def main():
    mode, options = sys.argv[1], json.loads(sys.argv[2])
    if mode == "server":
        factory = ServerPerMessageDeflateFactory(**options)
        async with websockets.serve(echo, "127.0.0.1", 0, extensions=[factory],
                                    compression=None, max_size=64 << 20) as server:
            print(server.sockets[0].getsockname()[1], flush=True)
            await asyncio.sleep(120)
    else:
        factory = ClientPerMessageDeflateFactory(**options)
        async with websockets.connect(sys.argv[3], extensions=[factory],
                                      compression=None, max_size=64 << 20) as ws:
            print(ws.response_headers.get("Sec-WebSocket-Extensions", ""), flush=True)
            try:
                await asyncio.wait_for(echo(ws), 120)
            except websockets.ConnectionClosed:
                pass


asyncio.run(main())
