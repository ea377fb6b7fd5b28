'use strict';
// Node's ws as an echo server for this module's client, for
// interop/node_test.go:
//
//	node server.js PORT OUTFILE
//
// It listens on 127.0.0.1:PORT with ws's default options and echoes every
// message with its type. When it receives the text "close-me" it closes
// the connection with 4002 "bye from peer". For every connection that
// ends it appends a JSON line to OUTFILE (and stdout) saying what close
// frames it sent and received. It exits by itself after five minutes.

const fs = require('fs');
const { WebSocketServer } = require('ws');
const wsVersion = require('ws/package.json').version;

const [port, outFile] = process.argv.slice(2);
if (!port || !outFile) {
  process.stderr.write('usage: node server.js PORT OUTFILE\n');
  process.exit(2);
}

function report(obj) {
  const line = JSON.stringify({ peer: 'ws', version: wsVersion, ...obj }) + '\n';
  fs.appendFileSync(outFile, line);
  process.stdout.write(line);
}

setTimeout(() => process.exit(3), 5 * 60 * 1000).unref();

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(port) });
wss.on('listening', () => report({ event: 'listening', port: wss.address().port }));
wss.on('error', (err) => {
  report({ event: 'error', error: String(err) });
  process.exit(1);
});

wss.on('connection', (ws, req) => {
  let sent = null; // the close frame this server started the closing handshake with
  let messages = 0;
  ws.on('message', (data, isBinary) => {
    messages++;
    if (!isBinary && data.toString() === 'close-me') {
      sent = { code: 4002, reason: 'bye from peer' };
      ws.close(sent.code, sent.reason);
      return;
    }
    ws.send(data, { binary: isBinary });
  });
  ws.on('error', (err) => report({ event: 'error', path: req.url, error: String(err) }));
  // code is 1006 when no close frame arrived.
  ws.on('close', (code, reason) =>
    report({
      event: 'closed',
      path: req.url,
      messages,
      sent,
      received: code === 1006 ? null : { code, reason: reason.toString() },
    }));
});
