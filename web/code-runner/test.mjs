// Tests of the in-browser code runner, in node (no browser): capMemory on hand-made modules;
// the real runtimes (target/runtimes/python.wasm and js.wasm, as ./dev builds them) through
// runWasi, the function the worker runs; and the built code.js itself, evaluated with a fake
// window, fetch and Worker (node's worker_threads running the embedded worker source), driven
// over a MessageChannel with the studio's JSON protocol.
//
// Usage: node web/code-runner/test.mjs   (after `npm ci` and ./dev's runtimes)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { resolveObjectURL } from 'node:buffer';
import { fileURLToPath } from 'node:url';
import { Worker as NodeWorker } from 'node:worker_threads';
import { capMemory, memoryLimits, outputBudget, PAGE } from './wasm.js';
import { runWasi } from './run.js';
import { buildCodeJs } from './build.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const runtimes = path.resolve(here, '../../target/runtimes');
const CAP = 128 * 1024 * 1024;
const utf8 = new TextEncoder();

let failed = 0;
async function test(name, fn) {
  const t = performance.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Math.round(performance.now() - t)} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n${e && e.stack || e}`);
  }
}

// ---- capMemory --------------------------------------------------------------------------

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
// A module with one memory of `limits` (flag byte first) exported as "m".
function memoryModule(limits) {
  const mem = [0x01, ...limits];
  return new Uint8Array([...HEADER, 0x05, mem.length, ...mem, 0x07, 0x05, 0x01, 0x01, 0x6d, 0x02, 0x00]);
}

await test('capMemory adds a maximum to a memory without one', async () => {
  const capped = capMemory(memoryModule([0x00, 0x01]), 4);
  assert.deepEqual(memoryLimits(capped), [{ min: 1, max: 4 }]);
  assert.ok(WebAssembly.validate(capped));
  const { instance } = await WebAssembly.instantiate(capped);
  const m = instance.exports.m;
  assert.equal(m.grow(3), 1);
  assert.throws(() => m.grow(1), RangeError);
  assert.equal(m.buffer.byteLength, 4 * PAGE);
});

await test('capMemory lowers a larger maximum, keeps a smaller one, rewrites lengths', () => {
  assert.deepEqual(memoryLimits(capMemory(memoryModule([0x01, 0x02, 0x80, 0x02]), 100)), [{ min: 2, max: 100 }]);
  assert.deepEqual(memoryLimits(capMemory(memoryModule([0x01, 0x02, 0x03]), 100)), [{ min: 2, max: 3 }]);
  // A two-byte maximum where there was none: the section grows by two bytes and stays valid.
  const big = capMemory(memoryModule([0x00, 0x01]), 16384);
  assert.deepEqual(memoryLimits(big), [{ min: 1, max: 16384 }]);
  assert.ok(WebAssembly.validate(big));
  const input = memoryModule([0x00, 0x01]);
  const copy = input.slice();
  capMemory(input, 4);
  assert.deepEqual(input, copy, 'the input is left alone');
});

await test('capMemory refuses a cap below the initial size, and garbage', () => {
  assert.throws(() => capMemory(memoryModule([0x00, 0x05]), 4), (e) => e.code === 'min' && /5 pages/.test(e.message));
  const malformed = (e) => e.code === 'malformed';
  assert.throws(() => capMemory(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 4), malformed);
  assert.throws(() => capMemory(new Uint8Array([0x00, 0x61, 0x73]), 4), malformed);
  assert.throws(() => capMemory(new Uint8Array([...HEADER, 0x05, 0x09, 0x01, 0x00]), 4), (e) => malformed(e) && /past the end/.test(e.message));
  assert.throws(() => capMemory(new Uint8Array([...HEADER, 0x05, 0x80]), 4), (e) => malformed(e) && /cut short/.test(e.message));
  assert.throws(() => capMemory(new Uint8Array([...HEADER, 0x05, 0x02, 0x01, 0x00]), 4), (e) => malformed(e) && /cut short/.test(e.message));
  assert.throws(() => capMemory(new Uint8Array(HEADER), 4), (e) => malformed(e) && /no memory/.test(e.message));
  assert.throws(() => capMemory(memoryModule([0x03, 0x01, 0x02]), 4), (e) => malformed(e) && /shared/.test(e.message));
  assert.throws(() => capMemory(memoryModule([0x00, 0x01]), 1.5), RangeError);
});

await test('outputBudget counts stdout and stderr together', () => {
  const b = outputBudget(10);
  assert.deepEqual(b.take(6), { fits: 6, over: false });
  assert.deepEqual(b.take(4), { fits: 4, over: false });
  assert.deepEqual(b.take(1), { fits: 0, over: true });
  const c = outputBudget(10);
  c.take(8);
  assert.deepEqual(c.take(5), { fits: 2, over: true });
});

// ---- the runtimes through runWasi ---------------------------------------------------------

const raw = {
  py: new Uint8Array(fs.readFileSync(path.join(runtimes, 'python.wasm'))),
  js: new Uint8Array(fs.readFileSync(path.join(runtimes, 'js.wasm'))),
};
const compiled = {};
await test('the runtimes compile with a 128 MiB cap', async () => {
  for (const lang of ['py', 'js']) {
    const capped = capMemory(raw[lang], CAP / PAGE);
    assert.equal(memoryLimits(capped)[0].max, CAP / PAGE);
    compiled[lang] = await WebAssembly.compile(capped);
  }
});

async function run(lang, source, args = [], stdin = '', outputBytes = 262144) {
  const out = { stdout: '', stderr: '' };
  const dec = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  const result = await runWasi({
    module: compiled[lang],
    args: lang === 'py' ? ['python', '-c', source, ...args] : ['js', source, ...args],
    stdin: utf8.encode(stdin),
    outputBytes,
    memoryBytes: CAP,
    write: (stream, bytes) => { out[stream] += dec[stream].decode(bytes, { stream: true }); },
  });
  return { ...result, ...out };
}

await test('python: print', async () => {
  const r = await run('py', 'print("hello")');
  assert.equal(r.stdout, 'hello\n');
  assert.equal(r.stderr, '');
  assert.equal(r.exit_code, 0);
  assert.equal(r.stopped, null);
});

await test('python: argv and stdin', async () => {
  const r = await run('py', 'import sys; print(sys.argv[1:]); print(sys.stdin.read().upper(), end="")',
    ['--count', '3', 'two words'], 'first line\nsecond');
  assert.equal(r.stdout, "['--count', '3', 'two words']\nFIRST LINE\nSECOND");
  assert.equal(r.exit_code, 0);
});

await test('python: non-ASCII source and arguments arrive whole (UTF-8 argv sizes)', async () => {
  // With the shim's own args_get this one traps: "memory access out of bounds".
  const long = 'é😀'.repeat(300);
  const r = await run('py', `import sys; print("héllo ☃ 😀", len("${long}"), sys.argv[1:])`, ['ünï', '😀']);
  assert.equal(r.stdout, "héllo ☃ 😀 600 ['ünï', '😀']\n");
  assert.equal(r.exit_code, 0);
});

await test('python: stdio are pipes, as on the server', async () => {
  const r = await run('py', 'import sys; print(sys.stdin.isatty(), sys.stdout.isatty(), sys.stdin.seekable())');
  assert.equal(r.stdout, 'False False False\n');
});

await test('python: time.sleep waits its time (poll_oneoff)', async () => {
  const r = await run('py', 'import time; t = time.monotonic(); time.sleep(0.1); print(round(time.monotonic() - t, 1))');
  assert.equal(r.stdout, '0.1\n');
});

await test('python: an exit status of 126 or more is a trap, as in wasmtime', async () => {
  const r = await run('py', 'import sys; sys.exit(3)');
  assert.equal(r.exit_code, 3);
  const t = await run('py', 'import sys; sys.exit(200)');
  assert.equal(t.exit_code, null);
  assert.equal(t.stopped, 'crash');
});

await test('python: no network', async () => {
  const r = await run('py', 'import socket; socket.create_connection(("127.0.0.1", 80))');
  assert.notEqual(r.exit_code, 0);
  // CPython for WASI has no getaddrinfo: the call fails before any WASI socket is reached.
  assert.match(r.stderr, /Error/);
  assert.match(r.stderr, /getaddrinfo|OSError|not supported/i);
  // A socket object is refused by the WASI layer itself (wasi-libc has no socket call).
  const s = await run('py', 'import socket; socket.socket().connect(("127.0.0.1", 80))');
  assert.notEqual(s.exit_code, 0);
  assert.match(s.stderr, /OSError: \[Errno 58\] Not supported/);
});

await test('python: a memory bomb meets the 128 MiB cap', async () => {
  const r = await run('py', 'a=[]\nwhile True: a.append(bytearray(10**6))');
  assert.match(r.stderr, /MemoryError/);
  assert.notEqual(r.exit_code, 0);
  assert.ok(r.memory_bytes > 0 && r.memory_bytes <= CAP, `memory ${r.memory_bytes}`);
  assert.equal(r.stopped, 'memory');
});

await test('python: output past the budget ends the run', async () => {
  const r = await run('py', 'while True: print("x" * 99)', [], '', 10000);
  assert.equal(r.stopped, 'output');
  assert.equal(r.stdout.length + r.stderr.length, 10000);
});

await test('js: scriptArgs and readStdin', async () => {
  const r = await run('js', 'console.log(scriptArgs.join("|"), readStdin().length)', ['a', 'b c'], 'xyz');
  assert.equal(r.stdout, 'a|b c 3\n');
  assert.equal(r.exit_code, 0);
});

await test('js: a thrown error', async () => {
  const r = await run('js', 'throw new Error("x")');
  assert.notEqual(r.exit_code, 0);
  assert.match(r.stderr, /Error/);
});

await test('js: a memory bomb meets the 128 MiB cap', async () => {
  const r = await run('js', 'let a=[]; for(;;) a.push(new Array(1e6).fill(1.5))');
  assert.notEqual(r.exit_code, 0);
  assert.ok(r.memory_bytes > 0 && r.memory_bytes <= CAP, `memory ${r.memory_bytes}`);
  assert.equal(r.stopped, 'memory');
  assert.match(r.stderr, /memory/);
});

// ---- code.js, driven like the studio drives it -------------------------------------------

// The worker's globals under node's worker_threads, with a way to play a browser that could
// not deserialise the WebAssembly.Module it was sent.
const PRELUDE = `
const { parentPort } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (m) => parentPort.postMessage(m);
const onError = [];
globalThis.addEventListener = (type, fn) => {
  if (type === 'messageerror') onError.push(fn);
  if (type === 'message') parentPort.on('message', (data) => {
    if (data && data.simulateMessageError) onError.forEach((f) => f({}));
    else fn({ data });
  });
};
`;

let workerMode = 'normal';
let workersStarted = 0;
class FakeWorker {
  constructor(url) {
    workersStarted++;
    this.mode = workerMode;
    this.listeners = { message: [], error: [], messageerror: [] };
    this.queue = [];
    this.dead = false;
    resolveObjectURL(url).text().then((src) => {
      if (this.dead) return;
      this.w = new NodeWorker(PRELUDE + src, { eval: true });
      this.w.on('message', (data) => this.emit('message', { data }));
      this.w.on('error', (err) => this.emit('error', { message: err.message, preventDefault() {} }));
      for (const m of this.queue) this.send(m);
      this.queue = null;
    });
  }
  send(m) {
    if (this.mode === 'no-module' && m.module) this.w.postMessage({ simulateMessageError: true });
    else this.w.postMessage(m);
  }
  emit(type, e) { if (!this.dead) for (const f of this.listeners[type]) f(e); }
  addEventListener(type, f) { this.listeners[type].push(f); }
  postMessage(m) { if (this.queue) this.queue.push(m); else this.send(m); }
  terminate() {
    this.dead = true;
    if (this.w) this.w.terminate();
  }
}

const HEX = '0123456789abcdef';
const PY = `vendor/python-${HEX}.wasm`;
const JS = `vendor/js-${HEX}.wasm`;
let fetches = 0;
const PARENT = { parent: true };
const frames = [];
Object.assign(globalThis, {
  // As the studio frames it: sandboxed, an opaque origin.
  self: { origin: 'null' },
  origin: 'null',
  parent: PARENT,
  location: { href: 'https://sandbox.test/code.html' },
  Worker: FakeWorker,
  addEventListener: (type, fn) => { if (type === 'message') frames.push(fn); },
  fetch: async (url) => {
    fetches++;
    const file = { [`/${PY}`]: 'python.wasm', [`/${JS}`]: 'js.wasm' }[new URL(url).pathname];
    if (!file) return new Response('not found', { status: 404 });
    return new Response(fs.readFileSync(path.join(runtimes, file)));
  },
});

const code = await buildCodeJs();
// Two frames, each with its own state: the second plays a browser without Module posting.
(0, eval)(code);
(0, eval)(code);
assert.equal(frames.length, 2, 'each frame listens for the studio');

class Studio {
  constructor(frame) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.messages = [];
    this.waiters = [];
    port1.onmessage = (e) => {
      const m = JSON.parse(e.data);
      this.messages.push(m);
      // The studio fetches a runtime the frame asks for and hands the bytes over.
      if (m.type === 'need_runtime') this.give(m.runtime);
      for (const w of this.waiters.slice()) w();
    };
    frame({ source: PARENT, data: { kiln: 'connect' }, ports: [port2] });
  }
  send(m) { this.port.postMessage(JSON.stringify(m)); }
  async give(runtime) {
    const res = await fetch(new URL(runtime, 'https://sandbox.test/code.html'));
    if (!res.ok) {
      this.port.postMessage({ v: 1, type: 'runtime', runtime, error: `HTTP ${res.status}` });
      return;
    }
    const bytes = await res.arrayBuffer();
    this.port.postMessage({ v: 1, type: 'runtime', runtime, bytes }, [bytes]);
  }
  of(token) { return this.messages.filter((m) => m.token === token); }
  until(pred, ms = 60000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = pred();
        if (hit) {
          this.waiters = this.waiters.filter((w) => w !== check);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`timed out; messages: ${JSON.stringify(this.messages).slice(-2000)}`));
      }, ms);
      this.waiters.push(check);
      check();
    });
  }
  // Runs to `done`; returns {done, messages, stdout, stderr}.
  async run(fields, during) {
    const token = fields.token || `t${Math.random().toString(16).slice(2)}`;
    this.send({
      v: 1, type: 'run', token, language: 'py', runtime: PY, source: '', args: [], stdin: '',
      timeout_ms: 20000, memory_bytes: CAP, output_bytes: 262144, ...fields,
    });
    if (during) await during(token);
    const done = await this.until(() => this.of(token).find((m) => m.type === 'done'));
    await new Promise((r) => setTimeout(r, 20));
    const messages = this.of(token);
    assert.equal(messages.filter((m) => m.type === 'done').length, 1, 'one done');
    assert.equal(messages[messages.length - 1].type, 'done', 'done comes last');
    for (const m of messages) assert.equal(m.v, 1);
    const text = (s) => messages.filter((m) => m.type === 'output' && m.stream === s).map((m) => m.text).join('');
    return { done, messages, stdout: text('stdout'), stderr: text('stderr') };
  }
}

const studio = new Studio(frames[0]);
const phases = (r) => r.messages.filter((m) => m.type === 'status').map((m) => m.phase);

await test('frame: first run downloads, compiles and runs', async () => {
  const r = await studio.run({ source: 'print("hello")' });
  assert.equal(r.stdout, 'hello\n');
  assert.equal(r.done.exit_code, 0);
  assert.equal(r.done.stopped, null);
  assert.equal(r.done.cached, false);
  assert.equal(fetches, 1);
  assert.deepEqual(phases(r).filter((p, i, a) => a.indexOf(p) === i), ['downloading', 'compiling', 'running']);
  assert.ok(r.messages.find((m) => m.type === 'status' && m.phase === 'downloading' && Number.isInteger(m.bytes)));
  assert.ok(r.messages.find((m) => m.type === 'need_runtime' && m.runtime === PY));
  assert.deepEqual(Object.keys(r.done), ['v', 'token', 'type', 'exit_code', 'stopped', 'detail', 'elapsed_ms',
    'download_ms', 'compile_ms', 'cached', 'memory_bytes']);
  assert.ok(r.done.memory_bytes >= 10 * 1024 * 1024);
});

await test('frame: second run is cached (no fetch, no compile)', async () => {
  const r = await studio.run({
    source: 'import sys; print(sys.argv[1:]); print(sys.stdin.read().upper(), end="")',
    args: ['--count', '3', 'two words'], stdin: 'first line\nsecond',
  });
  assert.equal(r.stdout, "['--count', '3', 'two words']\nFIRST LINE\nSECOND");
  assert.equal(r.done.cached, true);
  assert.equal(r.done.download_ms, 0);
  assert.equal(r.done.compile_ms, 0);
  assert.equal(fetches, 1);
  assert.deepEqual(phases(r), ['running']);
});

await test('frame: JavaScript, and a different cap is compiled apart', async () => {
  const r = await studio.run({
    language: 'js', runtime: JS, source: 'console.log(scriptArgs.join("|"), readStdin().length)',
    args: ['a', 'b c'], stdin: 'xyz',
  });
  assert.equal(r.stdout, 'a|b c 3\n');
  assert.equal(r.done.cached, false);
  const again = await studio.run({ language: 'js', runtime: JS, source: 'console.log(1)', memory_bytes: 64 * 1024 * 1024 });
  assert.equal(again.done.cached, false);
  assert.equal(fetches, 3);
});

await test('frame: the time limit terminates the worker', async () => {
  const r = await studio.run({ source: 'while True: pass', timeout_ms: 300 });
  assert.equal(r.done.stopped, 'time');
  assert.equal(r.done.exit_code, null);
  assert.ok(r.done.elapsed_ms >= 300, `elapsed ${r.done.elapsed_ms}`);
});

await test('frame: stop, after output has streamed', async () => {
  const r = await studio.run({ source: 'import time\nprint("a", flush=True)\ntime.sleep(30)' }, async (token) => {
    await studio.until(() => studio.of(token).find((m) => m.type === 'output'));
    studio.send({ v: 1, type: 'stop' });
  });
  assert.equal(r.stdout, 'a\n');
  assert.equal(r.done.stopped, 'stop');
});

await test('frame: the output budget', async () => {
  const r = await studio.run({ source: 'while True: print("x" * 99)', output_bytes: 10000 });
  assert.equal(r.done.stopped, 'output');
  assert.equal(r.stdout.length, 10000);
});

await test('frame: output coalesced per 50 ms, multi-byte characters split across writes kept', async () => {
  const r = await studio.run({
    language: 'js', runtime: JS,
    source: 'for (let i = 0; i < 3000; i++) console.log(i); console.error("é☃")',
  });
  assert.equal(r.stdout, Array.from({ length: 3000 }, (_, i) => `${i}\n`).join(''));
  assert.equal(r.stderr, 'é☃\n');
  const outputs = r.messages.filter((m) => m.type === 'output');
  assert.ok(outputs.length <= 10, `${outputs.length} output messages`);
  const split = await studio.run({
    source: 'import sys\nb = "é😀".encode()\nfor i in range(len(b)):\n    sys.stdout.buffer.write(b[i:i+1]); sys.stdout.buffer.flush()',
  });
  assert.equal(split.stdout, 'é😀');
});

await test('frame: memory bomb, and a cap below the runtime\'s initial memory', async () => {
  const r = await studio.run({ source: 'a=[]\nwhile True: a.append(bytearray(10**6))' });
  assert.equal(r.done.stopped, 'memory');
  assert.ok(r.done.memory_bytes <= CAP);
  assert.match(r.stderr, /MemoryError/);
  const small = await studio.run({ source: 'print(1)', memory_bytes: 4 * 1024 * 1024 });
  assert.equal(small.done.stopped, 'memory');
  assert.match(small.done.detail, /more than the cap/);
});

await test('frame: a runtime that cannot be downloaded', async () => {
  const r = await studio.run({ runtime: 'vendor/python-ffffffffff.wasm', source: 'print(1)' });
  assert.equal(r.done.stopped, 'load');
  assert.match(r.done.detail, /404/);
});

await test('frame: malformed requests are refused, with what was wrong', async () => {
  const cases = [
    [{ runtime: 'https://evil.test/x.wasm' }, /runtime/],
    [{ runtime: 'vendor/../python-0123abcd.wasm' }, /runtime/],
    [{ language: 'rb' }, /language/],
    [{ timeout_ms: 60001 }, /timeout_ms/],
    [{ timeout_ms: 1.5 }, /timeout_ms/],
    [{ memory_bytes: 2 * 1024 * 1024 * 1024 }, /memory_bytes/],
    [{ output_bytes: 0 }, /output_bytes/],
    [{ args: ['a', 3] }, /args/],
    [{ args: Array(65).fill('a') }, /too many/],
    [{ stdin: null }, /stdin/],
    [{ source: 'print(1)\0' }, /NUL/],
    [{ v: 2 }, /version/],
  ];
  for (const [fields, why] of cases) {
    const r = await studio.run({ source: 'print(1)', ...fields });
    assert.equal(r.done.stopped, 'refused', JSON.stringify(fields));
    assert.match(r.done.detail, why);
    assert.equal(r.messages.length, 1);
  }
  // No token: nothing to answer to.
  const before = studio.messages.length;
  studio.send({ v: 1, type: 'run', language: 'py' });
  studio.port.postMessage('not json');
  studio.send([1, 2]);
  const r = await studio.run({ source: 'print(2)' });
  assert.equal(r.stdout, '2\n');
  assert.equal(studio.messages.length - before, r.messages.length);
});

await test('frame: a new run ends the one in progress; a new connection ends it too', async () => {
  const first = 'first';
  studio.send({ v: 1, type: 'run', token: first, language: 'py', runtime: PY, source: 'while True: pass',
    args: [], stdin: '', timeout_ms: 20000, memory_bytes: CAP, output_bytes: 1000 });
  await studio.until(() => studio.of(first).find((m) => m.type === 'status' && m.phase === 'running'));
  const r = await studio.run({ source: 'print(3)' });
  assert.equal(r.stdout, '3\n');
  const done = studio.of(first).filter((m) => m.type === 'done');
  assert.equal(done.length, 1);
  assert.equal(done[0].stopped, 'stop');

  const long = 'long';
  studio.send({ v: 1, type: 'run', token: long, language: 'py', runtime: PY, source: 'while True: pass',
    args: [], stdin: '', timeout_ms: 20000, memory_bytes: CAP, output_bytes: 1000 });
  await studio.until(() => studio.of(long).find((m) => m.type === 'status' && m.phase === 'running'));
  const other = new Studio(frames[0]);
  const ended = await studio.until(() => studio.of(long).find((m) => m.type === 'done'));
  assert.equal(ended.stopped, 'stop');
  const again = await other.run({ source: 'print(4)' });
  assert.equal(again.stdout, '4\n');
  other.port.close();
});

await test('frame: a browser that cannot post a Module gets the bytes instead', async () => {
  workerMode = 'no-module';
  const other = new Studio(frames[1]);
  const r = await other.run({ source: 'print("bytes")' });
  assert.equal(r.stdout, 'bytes\n');
  assert.equal(r.done.exit_code, 0);
  // Cached, yet compiled again: in the worker, from the bytes the frame kept.
  const again = await other.run({ source: 'print("again")' });
  assert.equal(again.stdout, 'again\n');
  assert.equal(again.done.cached, true);
  assert.deepEqual(phases(again), ['compiling', 'running']);
  other.port.close();
  workerMode = 'normal';
});

studio.port.close();
console.log(failed ? `${failed} failed` : `all passed; code.js is ${code.length} bytes`);
process.exit(failed ? 1 : 0);
