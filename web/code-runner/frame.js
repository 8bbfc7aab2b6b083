// Kiln's in-browser code runner: the script of web/sandbox/code.html, on the sandbox origin.
// It runs a Python or JavaScript code artifact with the same WASI builds of CPython and
// QuickJS that the server runs (kiln-host), so a code artifact can run without a round trip
// and without costing the server anything.
//
// The studio loads this page in an `<iframe sandbox="allow-scripts">` (an opaque origin, on
// another site, so a runaway program takes this process down and not the studio's), then hands
// over a MessagePort; every command arrives on that port as a JSON string and every answer
// leaves on it. The program itself runs in a dedicated worker, a fresh one per run, started
// from a blob (an opaque origin has no URL a worker could be loaded from): the worker can be
// terminated at any instant, which is how the time limit and Stop work, and the memory cap is
// written into the runtime's own memory section (wasm.js), so no program can grow past it.
//
// The runtimes (26 MB for Python) come from the studio, which fetches them from the sandbox's
// vendor folder: Chromium keeps nothing an opaque-origin frame downloads (no HTTP cache, no
// service worker), while the studio's fetch is cached by its service worker and so works
// offline. They are capped and compiled once per runtime and cap here, and the compiled
// WebAssembly.Module is kept for the frame's lifetime: later runs start without either.
/* global WORKER_SOURCE */
import { capMemory, PAGE } from './wasm.js';

const VERSION = 1;
const RUNTIME = /^vendor\/[a-z]+-[0-9a-f]{8,64}\.wasm$/;
const LANGUAGES = ['py', 'js'];
// Kept in step with kiln_core::deploy::args (what POST /api/run accepts).
const MAX_ARGS = 64;
const MAX_ARGS_BYTES = 16 * 1024;
const MAX_STDIN_BYTES = 1024 * 1024;
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;
const MAX_TOKEN = 256;
const MAX_TIMEOUT_MS = 60000;
const MAX_MEMORY_BYTES = 1024 * 1024 * 1024;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
// The largest runtime this will download; CPython is about 26 MB.
const MAX_RUNTIME_BYTES = 128 * 1024 * 1024;
// Output leaves at most once per stream every FLUSH_MS; download progress every PROGRESS_MS.
const FLUSH_MS = 50;
const PROGRESS_MS = 500;
const DETAIL = 2000;
const STREAMS = ['stdout', 'stderr'];
const WORKER_STOPS = [null, 'crash', 'memory', 'output', 'load'];

let port = null;
let run = null;
let workerUrl = null;
// Compiled runtimes by path and cap: {module, bytes}. `bytes` (the capped module) is kept
// only until this browser has shown that it can post a WebAssembly.Module to the worker.
const modules = new Map();
// Downloads and compiles in progress, by the same key: {promise, runs: Set, phase}.
const loading = new Map();
// Runtimes asked of the studio and not yet given, by path: {resolve, reject}.
const asked = new Map();
// Whether a Module posted to the worker arrives: null until the first run shows it.
let moduleTransfer = null;

const utf8 = new TextEncoder();

function reply(r, type, fields) {
  const message = { v: VERSION, token: r.token, type, ...fields };
  try { r.port.postMessage(JSON.stringify(message)); } catch (_) { /* the studio is gone */ }
}

function clip(text) {
  const s = String(text);
  return s.length > DETAIL ? `${s.slice(0, DETAIL)}…` : s;
}

// The studio frames this page sandboxed, on an opaque origin; framed any other way (without
// a sandbox, by another site), it does nothing.
if (self.origin === 'null') addEventListener('message', (e) => {
  try {
    const d = e.data;
    if (e.source !== parent || !d || typeof d !== 'object' || Object.keys(d).length !== 1 ||
        d.kiln !== 'connect' || !e.ports || e.ports.length !== 1) return;
    // A new studio connection: the old one hears how its run ended, then nothing more.
    if (run) end(run, { stopped: 'stop', detail: 'the studio connected again' });
    // Not closed: that could drop the `done` just posted to it before it is delivered.
    if (port) port.onmessage = null;
    // Runtimes asked for on the old port will never be given on it: the loads fail (their runs
    // have ended), so the next run asks anew on this one.
    for (const waiting of asked.values()) waiting.reject(new Error('the studio connected again'));
    asked.clear();
    port = e.ports[0];
    port.onmessage = (m) => {
      try { command(m.data); } catch (_) { /* a bad command must not take the frame down */ }
    };
  } catch (_) { /* never throw into the page */ }
});

// What is wrong with a run request, or '' when nothing is.
function problem(m) {
  if (m.v !== VERSION) return `unsupported protocol version ${JSON.stringify(m.v)} (expected ${VERSION})`;
  if (m.token.length === 0 || m.token.length > MAX_TOKEN) return `token must be 1 to ${MAX_TOKEN} characters`;
  if (!LANGUAGES.includes(m.language)) return 'language must be "py" or "js"';
  if (typeof m.runtime !== 'string' || !RUNTIME.test(m.runtime)) return 'runtime must be a path like vendor/python-<hex>.wasm';
  if (typeof m.source !== 'string') return 'source must be a string';
  if (m.source.includes('\0')) return 'the program contains a NUL character, which a runtime cannot receive';
  if (utf8.encode(m.source).length > MAX_SOURCE_BYTES) return `the program is too long: at most ${MAX_SOURCE_BYTES / (1024 * 1024)} MiB`;
  if (!Array.isArray(m.args) || !m.args.every((a) => typeof a === 'string')) return 'args must be an array of strings';
  if (m.args.length > MAX_ARGS) return `too many arguments: at most ${MAX_ARGS}`;
  if (m.args.some((a) => a.includes('\0'))) return 'an argument contains a NUL character, which programs cannot receive';
  if (m.args.reduce((n, a) => n + utf8.encode(a).length, 0) > MAX_ARGS_BYTES) return `the arguments are too long: at most ${MAX_ARGS_BYTES / 1024} KiB in all`;
  if (typeof m.stdin !== 'string') return 'stdin must be a string';
  if (utf8.encode(m.stdin).length > MAX_STDIN_BYTES) return `the input is too long: at most ${MAX_STDIN_BYTES / (1024 * 1024)} MiB`;
  const counts = [['timeout_ms', MAX_TIMEOUT_MS], ['memory_bytes', MAX_MEMORY_BYTES], ['output_bytes', MAX_OUTPUT_BYTES]];
  for (const [name, max] of counts) {
    if (!Number.isInteger(m[name]) || m[name] <= 0 || m[name] > max) return `${name} must be an integer from 1 to ${max}`;
  }
  if (m.memory_bytes < PAGE) return `memory_bytes must be at least ${PAGE} (one WebAssembly page)`;
  return '';
}

// The studio's answer to `need_runtime`: the runtime's bytes (transferred), or why it has none.
function runtimeGiven(m) {
  if (m.v !== VERSION || typeof m.runtime !== 'string') return;
  const waiting = asked.get(m.runtime);
  if (!waiting) return;
  asked.delete(m.runtime);
  if (m.bytes instanceof ArrayBuffer) {
    if (m.bytes.byteLength > MAX_RUNTIME_BYTES) waiting.reject(new Error('the runtime is too large'));
    else waiting.resolve(new Uint8Array(m.bytes));
  } else {
    waiting.reject(new Error(typeof m.error === 'string' ? clip(m.error) : 'the studio gave no runtime'));
  }
}

function command(data) {
  if (data && typeof data === 'object' && data.type === 'runtime') {
    runtimeGiven(data);
    return;
  }
  if (typeof data !== 'string') return;
  let m;
  try { m = JSON.parse(data); } catch (_) { return; }
  if (!m || typeof m !== 'object' || Array.isArray(m)) return;
  const token = typeof m.token === 'string' ? m.token : null;
  const refuse = (detail) => {
    if (token !== null) {
      reply({ token, port }, 'done', {
        exit_code: null, stopped: 'refused', detail: clip(detail), elapsed_ms: 0,
        download_ms: 0, compile_ms: 0, cached: false, memory_bytes: 0,
      });
    }
  };
  if (m.type === 'stop') {
    if (m.v !== VERSION) refuse(`unsupported protocol version ${JSON.stringify(m.v)} (expected ${VERSION})`);
    else if (run) end(run, { stopped: 'stop', detail: 'stopped' });
    return;
  }
  if (m.type !== 'run') {
    refuse(`unknown message type ${JSON.stringify(m.type)}`);
    return;
  }
  if (token === null) return;
  const why = problem(m);
  if (why) {
    refuse(why);
    return;
  }
  start(m);
}

function start(m) {
  if (run) end(run, { stopped: 'stop', detail: 'replaced by a newer run' });
  const pages = Math.floor(m.memory_bytes / PAGE);
  const args = m.language === 'py' ? ['python', '-c', m.source, ...m.args] : ['js', m.source, ...m.args];
  const r = {
    token: m.token,
    port,
    timeoutMs: m.timeout_ms,
    outputBytes: m.output_bytes,
    memoryBytes: pages * PAGE,
    pages,
    runtime: m.runtime,
    args,
    stdin: utf8.encode(m.stdin),
    worker: null,
    entry: null,
    sentModule: false,
    sentBytes: false,
    timer: null,
    flushTimer: null,
    lastFlush: -Infinity,
    lastProgress: -Infinity,
    phase: '',
    // ignoreBOM: a program's output is passed on as written, a leading BOM included.
    decoders: { stdout: new TextDecoder('utf-8', { ignoreBOM: true }), stderr: new TextDecoder('utf-8', { ignoreBOM: true }) },
    pending: { stdout: '', stderr: '' },
    received: 0,
    startedAt: 0,
    download_ms: 0,
    compile_ms: 0,
    cached: false,
    ended: false,
  };
  run = r;
  const key = `${m.runtime}#${pages}`;
  const entry = modules.get(key);
  if (entry) {
    r.cached = true;
    launch(r, entry);
    return;
  }
  let job = loading.get(key);
  if (!job) {
    job = { runs: new Set(), promise: null, phase: 'downloading' };
    job.promise = load(m.runtime, pages, job, r);
    loading.set(key, job);
    job.promise.then(
      (got) => { modules.set(key, got.entry); },
      () => { /* not kept: the next run tries again */ },
    ).finally(() => { loading.delete(key); });
  }
  job.runs.add(r);
  if (job.phase === 'compiling') status(r, 'compiling');
  else status(r, 'downloading', 0);
  job.promise.then((got) => {
    job.runs.delete(r);
    r.download_ms = got.download_ms;
    r.compile_ms = got.compile_ms;
    launch(r, got.entry);
  }, (err) => {
    job.runs.delete(r);
    end(r, {
      stopped: err && err.code === 'min' ? 'memory' : 'load',
      detail: String(err && err.message || err),
    });
  }).catch(() => { /* end and launch do not throw; this is for certainty */ });
}

function status(r, phase, bytes) {
  if (r.ended) return;
  const now = performance.now();
  if (phase === 'downloading') {
    if (r.phase !== '' && r.phase !== 'downloading') return;
    if (r.phase === 'downloading' && now - r.lastProgress < PROGRESS_MS) return;
    r.lastProgress = now;
    r.phase = phase;
    reply(r, 'status', { phase, bytes });
    return;
  }
  if (r.phase === phase) return;
  r.phase = phase;
  reply(r, 'status', { phase });
}

// Downloads, caps and compiles a runtime, telling the runs waiting for it how far it got.
async function load(runtime, pages, job, first) {
  const began = performance.now();
  let bytes;
  try {
    bytes = await download(runtime, first);
  } catch (e) {
    throw new Error(`cannot download ${runtime}: ${e && e.message || e}`);
  }
  const downloaded = performance.now();
  job.phase = 'compiling';
  for (const r of job.runs) status(r, 'compiling');
  let capped;
  try {
    capped = capMemory(bytes, pages);
  } catch (e) {
    const err = new Error(`${runtime}: ${e.message}`);
    err.code = e.code;
    throw err;
  }
  bytes = null;
  let module;
  try {
    module = await WebAssembly.compile(capped);
  } catch (e) {
    throw new Error(`cannot compile ${runtime}: ${e && e.message || e}`);
  }
  return {
    entry: { module, bytes: moduleTransfer === true ? null : capped },
    download_ms: Math.round(downloaded - began),
    compile_ms: Math.round(performance.now() - downloaded),
  };
}

// Asks the studio for a runtime, through the run that needs it first, and waits for the bytes.
function download(runtime, r) {
  return new Promise((resolve, reject) => {
    const earlier = asked.get(runtime);
    if (earlier) earlier.reject(new Error('asked again'));
    asked.set(runtime, { resolve, reject });
    reply(r, 'need_runtime', { runtime });
  });
}

function launch(r, entry) {
  if (r.ended) return;
  r.entry = entry;
  let w;
  try {
    if (!workerUrl) workerUrl = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    w = new Worker(workerUrl);
  } catch (e) {
    end(r, { stopped: 'load', detail: `cannot start a worker: ${e && e.message || e}` });
    return;
  }
  r.worker = w;
  w.addEventListener('message', (e) => {
    try { fromWorker(r, w, e.data); } catch (_) { /* checked below as far as it matters */ }
  });
  w.addEventListener('error', (e) => {
    try {
      if (e && typeof e.preventDefault === 'function') e.preventDefault();
      end(r, {
        stopped: r.startedAt ? 'crash' : 'load',
        detail: `the worker failed: ${e && e.message || 'no reason given'}`,
      });
    } catch (_) { /* never throw into the page */ }
  });
  w.addEventListener('messageerror', () => {
    try { end(r, { stopped: 'crash', detail: 'a message from the worker could not be read' }); } catch (_) { /* idem */ }
  });
  if (moduleTransfer !== false) {
    try {
      w.postMessage(startMessage(r, { module: entry.module }));
      r.sentModule = true;
      return;
    } catch (_) {
      // DataCloneError: this browser cannot post a Module to the worker at all.
      moduleTransfer = false;
    }
  }
  sendBytes(r);
}

function startMessage(r, what) {
  return {
    kind: 'start',
    args: r.args,
    stdin: r.stdin,
    output_bytes: r.outputBytes,
    memory_bytes: r.memoryBytes,
    ...what,
  };
}

function sendBytes(r) {
  if (r.sentBytes) return;
  r.sentBytes = true;
  if (!r.entry.bytes) {
    // Dropped once Modules had been seen to arrive; fetch afresh next time (and keep them).
    for (const [key, entry] of modules) if (entry === r.entry) modules.delete(key);
    end(r, { stopped: 'load', detail: 'the worker could not receive the compiled runtime; run again to load it anew' });
    return;
  }
  try {
    // Copied, not transferred: the bytes stay cached for the next run.
    r.worker.postMessage(startMessage(r, { bytes: r.entry.bytes }));
  } catch (e) {
    end(r, { stopped: 'load', detail: `cannot hand the runtime to the worker: ${e && e.message || e}` });
  }
}

function fromWorker(r, w, d) {
  if (r.ended || r.worker !== w || !d || typeof d !== 'object') return;
  switch (d.kind) {
    case 'no-module':
      if (r.sentModule && !r.sentBytes && !r.startedAt) {
        moduleTransfer = false;
        sendBytes(r);
      }
      break;
    case 'compiling':
      status(r, 'compiling');
      break;
    case 'running':
      if (r.startedAt) break;
      if (r.sentModule && !r.sentBytes && moduleTransfer !== true) {
        moduleTransfer = true;
        for (const entry of modules.values()) entry.bytes = null;
      }
      r.startedAt = performance.now();
      status(r, 'running');
      r.timer = setTimeout(() => end(r, { stopped: 'time', detail: `time limit of ${r.timeoutMs} ms reached` }), r.timeoutMs);
      break;
    case 'out': {
      if (!STREAMS.includes(d.stream) || !(d.bytes instanceof Uint8Array)) break;
      r.received += d.bytes.length;
      // The worker keeps to the budget; this only guards against it not doing so.
      if (r.received > r.outputBytes) {
        end(r, { stopped: 'output', detail: `output limit of ${r.outputBytes} bytes reached` });
        break;
      }
      r.pending[d.stream] += r.decoders[d.stream].decode(d.bytes, { stream: true });
      if (!r.flushTimer) {
        r.flushTimer = setTimeout(() => { r.flushTimer = null; flush(r); },
          Math.max(0, r.lastFlush + FLUSH_MS - performance.now()));
      }
      break;
    }
    case 'limit':
      end(r, { stopped: 'output', detail: `output limit of ${r.outputBytes} bytes reached` });
      break;
    case 'done': {
      const code = d.exit_code === null || Number.isInteger(d.exit_code) ? d.exit_code : null;
      const stopped = WORKER_STOPS.includes(d.stopped) ? d.stopped : 'crash';
      end(r, {
        exit_code: code,
        stopped,
        detail: typeof d.detail === 'string' ? d.detail : '',
        elapsed_ms: Number.isFinite(d.elapsed_ms) && d.elapsed_ms >= 0 ? Math.round(d.elapsed_ms) : undefined,
        memory_bytes: Number.isInteger(d.memory_bytes) && d.memory_bytes >= 0 ? d.memory_bytes : 0,
      });
      break;
    }
    default:
      break;
  }
}

function flush(r) {
  r.lastFlush = performance.now();
  for (const stream of STREAMS) {
    if (r.pending[stream] !== '') {
      const text = r.pending[stream];
      r.pending[stream] = '';
      reply(r, 'output', { stream, text });
    }
  }
}

// Ends a run once: the worker terminated, the last output sent, then `done`.
function end(r, result) {
  if (r.ended) return;
  r.ended = true;
  if (run === r) run = null;
  clearTimeout(r.timer);
  clearTimeout(r.flushTimer);
  r.flushTimer = null;
  if (r.worker) {
    try { r.worker.terminate(); } catch (_) { /* already gone */ }
  }
  // A multi-byte character cut off by the end becomes U+FFFD rather than vanishing.
  for (const stream of STREAMS) r.pending[stream] += r.decoders[stream].decode();
  flush(r);
  const elapsed = result.elapsed_ms !== undefined ? result.elapsed_ms
    : r.startedAt ? Math.round(performance.now() - r.startedAt) : 0;
  reply(r, 'done', {
    exit_code: result.exit_code === undefined ? null : result.exit_code,
    stopped: result.stopped,
    detail: clip(result.detail || ''),
    elapsed_ms: elapsed,
    download_ms: r.download_ms,
    compile_ms: r.compile_ms,
    cached: r.cached,
    memory_bytes: result.memory_bytes || 0,
  });
}
