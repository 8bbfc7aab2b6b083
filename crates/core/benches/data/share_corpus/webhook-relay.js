// A small webhook relay: receives signed webhooks, verifies them, stores them in a bounded
// queue and forwards them to one or more internal targets with retries.
//
//   PORT=8080 RELAY_SECRET=... TARGETS=http://billing:3000/hooks,http://audit:4000/in node webhook-relay.js

'use strict';

const http = require('node:http');
const crypto = require('node:crypto');
const { URL } = require('node:url');

const PORT = Number(process.env.PORT || 8080);
const SECRET = process.env.RELAY_SECRET || '';
const TARGETS = (process.env.TARGETS || '').split(',').filter(Boolean).map((t) => new URL(t));
const MAX_BODY = 512 * 1024;
const MAX_QUEUE = 1000;
const MAX_ATTEMPTS = 6;

if (!SECRET) {
  console.error('RELAY_SECRET is required');
  process.exit(1);
}

const queue = [];
const stats = { received: 0, rejected: 0, delivered: 0, failed: 0, dropped: 0 };

function log(level, message, fields = {}) {
  console.log(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }));
}

function verify(body, header) {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.trim().split('=')));
  const timestamp = Number(parts.t);
  if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
  const expected = crypto.createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest();
  let given;
  try {
    given = Buffer.from(parts.v1 || '', 'hex');
  } catch {
    return false;
  }
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(target, job) {
  return new Promise((resolve) => {
    const req = http.request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-relay-id': job.id, 'x-relay-attempt': String(job.attempts) },
        timeout: 5000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode >= 200 && res.statusCode < 300);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end(job.body);
  });
}

async function deliver(job) {
  job.attempts += 1;
  const pending = job.pending.filter(Boolean);
  const results = await Promise.all(pending.map((t) => send(t, job)));
  job.pending = pending.filter((_, i) => !results[i]);
  if (job.pending.length === 0) {
    stats.delivered += 1;
    log('info', 'delivered', { id: job.id, attempts: job.attempts });
    return;
  }
  if (job.attempts >= MAX_ATTEMPTS) {
    stats.failed += 1;
    log('error', 'giving up', { id: job.id, targets: job.pending.map(String) });
    return;
  }
  // 1s, 2s, 4s, ... with jitter so that retries from many jobs do not line up.
  const delay = 1000 * 2 ** (job.attempts - 1) * (0.8 + Math.random() * 0.4);
  setTimeout(() => deliver(job), delay);
}

function enqueue(body) {
  if (queue.length >= MAX_QUEUE) {
    queue.shift();
    stats.dropped += 1;
  }
  const job = { id: crypto.randomUUID(), body, attempts: 0, pending: [...TARGETS], received: Date.now() };
  queue.push(job);
  deliver(job);
  return job.id;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  if (req.method === 'GET' && url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, queued: queue.length, ...stats }));
    return;
  }
  if (req.method !== 'POST' || url.pathname !== '/hooks') {
    res.writeHead(404).end();
    return;
  }
  try {
    const body = await readBody(req);
    stats.received += 1;
    if (!verify(body, req.headers['x-signature'])) {
      stats.rejected += 1;
      log('warn', 'bad signature', { ip: req.socket.remoteAddress });
      res.writeHead(401).end();
      return;
    }
    JSON.parse(body);
    const id = enqueue(body);
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id }));
  } catch (err) {
    res.writeHead(err.status || 400).end();
  }
});

server.listen(PORT, () => log('info', 'listening', { port: PORT, targets: TARGETS.map(String) }));

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log('info', 'shutting down', stats);
    server.close(() => process.exit(0));
  });
}
