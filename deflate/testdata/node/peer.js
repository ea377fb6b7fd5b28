// An echo peer with permessage-deflate, for deflate's TestNode*. Usage:
//   node peer.js server '<perMessageDeflate JSON>'   prints the port, echoes
//   node peer.js client '<perMessageDeflate JSON>' ws://...   echoes
// WS_MODULE names the ws package to load (../interop/testdata/node/node_modules/ws).
// Every message is echoed compressed (threshold 0), as text or binary as
// it came. The client prints the extensions the server agreed to.
'use strict';
const WebSocket = require(process.env.WS_MODULE);

const [mode, json, url] = process.argv.slice(2);
const perMessageDeflate = Object.assign({ threshold: 0 }, JSON.parse(json));

function echo(ws) {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary, compress: true }));
  ws.on('error', (err) => { console.error(String(err)); process.exit(1); });
}

if (mode === 'server') {
  const wss = new WebSocket.WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate, maxPayload: 64 << 20 });
  wss.on('listening', () => console.log(wss.address().port));
  wss.on('connection', (ws) => echo(ws));
} else {
  const ws = new WebSocket(url, { perMessageDeflate, maxPayload: 64 << 20 });
  ws.on('upgrade', (res) => console.log(res.headers['sec-websocket-extensions'] || ''));
  ws.on('close', () => process.exit(0));
  echo(ws);
}
