'use strict';
// Node's ws as a client of an echo server (wsbench serve), for
// interop/node_test.go.
//
//	node client.js matrix URL   echo matrix; one JSON line; exit 1 on any failure
//	node client.js seed URL     send "Can you hear me?", print the reply as JSON
//	node client.js wait URL     print {"event":"open"}, then wait for the
//	                            server to close and print its close frame
//
// Every wait is bounded: the whole run gives up after 60 seconds.

const WebSocket = require('ws');
const wsVersion = require('ws/package.json').version;

const [mode, url] = process.argv.slice(2);
if (!['matrix', 'seed', 'wait'].includes(mode) || !url) {
  process.stderr.write('usage: node client.js matrix|seed|wait URL\n');
  process.exit(2);
}

function print(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

const overall = setTimeout(() => {
  print({ peer: 'ws', version: wsVersion, ok: false, error: 'timed out after 60s' });
  process.exit(1);
}, 60000);

// text returns exactly n bytes of valid UTF-8 with 2-, 3- and 4-byte
// characters in it.
function text(n) {
  const unit = Buffer.from('wsframe κόσμε 世界 🌍 ');
  const b = Buffer.alloc(n + 4);
  for (let i = 0; i < b.length; i += unit.length) unit.copy(b, i);
  let end = n;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--; // back off to a character start
  b.fill('x', end, n);
  return b.subarray(0, n);
}

function binary(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
}

// Messages, pongs and the close event, as promises with a time limit.
class Conn {
  constructor(ws) {
    this.ws = ws;
    this.queue = [];
    this.waiters = [];
    this.closed = null;
    ws.on('message', (data, isBinary) => this.push({ data, isBinary }));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.push(null);
    });
    ws.on('error', (err) => {
      this.error = String(err);
    });
  }

  push(m) {
    const w = this.waiters.shift();
    if (w) w(m);
    else this.queue.push(m);
  }

  next(ms = 10000) {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message within ${ms} ms`)), ms);
      this.waiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }

  // message waits for the next data message; a close instead is an error.
  async message() {
    const m = await this.next();
    if (m === null) {
      this.push(null); // keep reporting the close
      throw new Error(`connection closed: ${JSON.stringify(this.closed)} ${this.error || ''}`);
    }
    return m;
  }

  closeEvent(ms = 10000) {
    return new Promise((resolve, reject) => {
      if (this.closed) return resolve(this.closed);
      const timer = setTimeout(() => reject(new Error(`no close within ${ms} ms`)), ms);
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve(this.closed);
      });
    });
  }
}

function open(u) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(u);
    const c = new Conn(ws);
    ws.once('open', () => resolve(c));
    ws.once('error', reject);
  });
}

function same(got, want, wantBinary) {
  if (got.isBinary !== wantBinary) return `got ${got.isBinary ? 'binary' : 'text'}`;
  if (!Buffer.isBuffer(got.data)) return 'got a non-Buffer';
  if (got.data.length !== want.length) return `got ${got.data.length} bytes, want ${want.length}`;
  if (!got.data.equals(want)) {
    let i = 0;
    while (got.data[i] === want[i]) i++;
    return `bytes differ from offset ${i}`;
  }
  return '';
}

async function matrix() {
  const c = await open(url);
  const ws = c.ws;
  const cases = [];
  const check = async (name, fn) => {
    try {
      const detail = await fn();
      cases.push({ name, ok: detail === '', detail });
    } catch (e) {
      cases.push({ name, ok: false, detail: String(e) });
    }
  };

  for (const n of [0, 125, 126, 65535, 65536, (1 << 20) + 3]) {
    await check(`text/${n}`, async () => {
      const p = text(n);
      ws.send(p.toString('utf8')); // a string: ws sends it as text
      return same(await c.message(), p, false);
    });
    await check(`binary/${n}`, async () => {
      const p = binary(n);
      ws.send(p);
      return same(await c.message(), p, true);
    });
  }

  // A text message in four real frames, cut inside a 2-byte and a 4-byte
  // character, with an empty fragment and a ping between fragments.
  await check('fragmented/text', async () => {
    const whole = Buffer.from('fragmented κόσμε 🌍 message');
    const k = whole.indexOf(Buffer.from('κ')) + 1;
    const e = whole.indexOf(Buffer.from('🌍')) + 2;
    const pong = new Promise((resolve) => ws.once('pong', (d) => resolve(d.toString())));
    ws.send(whole.subarray(0, k), { binary: false, fin: false });
    ws.ping('between fragments');
    ws.send(whole.subarray(k, e), { fin: false });
    ws.send(Buffer.alloc(0), { fin: false });
    ws.send(whole.subarray(e), { fin: true });
    const d = same(await c.message(), whole, false);
    const p = await pong;
    return d || (p === 'between fragments' ? '' : `pong ${JSON.stringify(p)}`);
  });
  // A binary message in three frames of 100000 bytes and more.
  await check('fragmented/binary', async () => {
    const whole = binary(300001);
    ws.send(whole.subarray(0, 100000), { binary: true, fin: false });
    ws.send(whole.subarray(100000, 200000), { fin: false });
    ws.send(whole.subarray(200000), { fin: true });
    return same(await c.message(), whole, true);
  });

  await check('ping', () =>
    new Promise((resolve) => {
      const timer = setTimeout(() => resolve('no pong within 10 s'), 10000);
      ws.once('pong', (d) => {
        clearTimeout(timer);
        resolve(d.toString() === 'ping from ws' ? '' : `pong payload ${JSON.stringify(d.toString())}`);
      });
      ws.ping('ping from ws');
    }));

  let close = null;
  await check('close', async () => {
    ws.close(4000, 'done: κόσμε');
    close = await c.closeEvent();
    // ws reports 1006 when no close frame came back.
    return close.code === 1006 ? 'no close frame from the server' : '';
  });

  const ok = cases.every((x) => x.ok);
  print({ peer: 'ws', version: wsVersion, extensions: ws.extensions, cases, close, ok });
  return ok;
}

async function seed() {
  const c = await open(url);
  c.ws.send('Can you hear me?');
  const m = await c.message();
  c.ws.close(1000);
  const close = await c.closeEvent();
  print({ peer: 'ws', version: wsVersion, reply: m.data.toString('utf8'), binary: m.isBinary, close });
  return true;
}

async function wait() {
  const c = await open(url);
  print({ event: 'open' });
  const close = await c.closeEvent(50000);
  print({ peer: 'ws', version: wsVersion, event: 'closed', code: close.code, reason: close.reason });
  return true;
}

({ matrix, seed, wait })[mode]().then(
  (ok) => {
    clearTimeout(overall);
    process.exitCode = ok ? 0 : 1;
  },
  (err) => {
    print({ peer: 'ws', version: wsVersion, ok: false, error: String(err && err.stack || err) });
    process.exit(1);
  },
);
