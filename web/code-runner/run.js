// Runs one WASI preview-1 command (the Python or JavaScript runtime) to the end, as the
// dedicated worker of the in-browser code runner does and as web/code-runner/test.mjs does in
// node: the same function in both, so the tests exercise what browsers run.
//
// The WASI layer is @bjorn3/browser_wasi_shim, with the differences from kiln-host's wasmtime
// patched over so that a program sees the same process here as on the server: arguments are
// measured in UTF-8 bytes (the shim counts UTF-16 units and would write past the buffer the
// program allocated for a non-ASCII source), stdio are pipes rather than a terminal or a file,
// poll_oneoff (sleeping) reads its subscriptions where the ABI puts them, sockets answer "not
// a socket" instead of throwing, and an exit status of 126 or more is a trap, as wasmtime
// makes it.
import { WASI, WASIProcExit, Fd, wasi } from '@bjorn3/browser_wasi_shim';
import { outputBudget } from './wasm.js';

/** A failed run within this much of the memory cap is reported as stopped by the cap. */
export const MEMORY_SLACK = 16 * 1024 * 1024;

// Thrown from inside a write to unwind the program at once when the output budget is spent.
const OUTPUT_SPENT = Symbol('output budget spent');

// What wasmtime reports for stdio backed by pipes: filetype unknown (not a terminal, so
// CPython buffers stdout in blocks as it does on the server), zero sizes and times. The shim's
// own Filestat writes its last three fields at wrong offsets, so this one lays out its 64
// bytes itself.
const stdioStat = {
  write_bytes(view, ptr) {
    for (let i = 0; i < 64; i += 8) view.setBigUint64(ptr + i, 0n, true);
    view.setUint8(ptr + 16, wasi.FILETYPE_UNKNOWN);
  },
};

function stdioFdstat(right) {
  const s = new wasi.Fdstat(wasi.FILETYPE_UNKNOWN, 0);
  s.fs_rights_base = BigInt(right);
  s.fs_rights_inherited = BigInt(right);
  return s;
}

// Standard input: a pipe holding the given bytes, read once to the end.
class Source extends Fd {
  constructor(bytes) {
    super();
    this.bytes = bytes;
    this.at = 0;
  }
  fd_fdstat_get() { return { ret: 0, fdstat: stdioFdstat(wasi.RIGHTS_FD_READ) }; }
  fd_filestat_get() { return { ret: 0, filestat: stdioStat }; }
  fd_read(size) {
    const data = this.bytes.slice(this.at, this.at + size);
    this.at += data.length;
    return { ret: 0, data };
  }
  fd_seek() { return { ret: wasi.ERRNO_SPIPE, offset: 0n }; }
  fd_tell() { return { ret: wasi.ERRNO_SPIPE, offset: 0n }; }
}

// Standard output or error: each write handed to `sink` as it happens, so output reaches the
// page while the program still runs (a worker stopped for time keeps what it printed).
class Sink extends Fd {
  constructor(sink) {
    super();
    this.sink = sink;
  }
  fd_fdstat_get() { return { ret: 0, fdstat: stdioFdstat(wasi.RIGHTS_FD_WRITE) }; }
  fd_filestat_get() { return { ret: 0, filestat: stdioStat }; }
  fd_write(data) {
    this.sink(data);
    return { ret: 0, nwritten: data.byteLength };
  }
  fd_seek() { return { ret: wasi.ERRNO_SPIPE, offset: 0n }; }
  fd_tell() { return { ret: wasi.ERRNO_SPIPE, offset: 0n }; }
}

// WASI's poll_oneoff. The shim's reads a clock subscription's flags 4 bytes early (so an
// absolute deadline, which is how CPython's time.sleep asks, is taken as a duration counted
// from the worker's start) and never writes the number of events; this one follows the ABI
// (subscriptions of 48 bytes: userdata, tag at 8, clock id at 16, timeout at 24, flags at 40;
// events of 32 bytes). Stdio is always ready, as pipes holding everything are. Waiting spins:
// a worker without cross-origin isolation has no Atomics.wait on shared memory, and the frame
// ends the run at its time limit anyway.
function pollOneoff(view, inPtr, outPtr, count, neventsPtr, fdAt) {
  if (count === 0) return wasi.ERRNO_INVAL;
  const nowNs = (id) => id === wasi.CLOCKID_MONOTONIC
    ? BigInt(Math.round(performance.now() * 1e6))
    : BigInt(Date.now()) * 1000000n;
  const events = [];
  const clocks = [];
  for (let i = 0; i < count; i++) {
    const p = inPtr + i * 48;
    const userdata = view.getBigUint64(p, true);
    const type = view.getUint8(p + 8);
    if (type === wasi.EVENTTYPE_CLOCK) {
      const id = view.getUint32(p + 16, true);
      if (id !== wasi.CLOCKID_MONOTONIC && id !== wasi.CLOCKID_REALTIME) {
        events.push({ userdata, error: wasi.ERRNO_INVAL, type, nbytes: 0n });
        continue;
      }
      const timeout = view.getBigUint64(p + 24, true);
      const absolute = (view.getUint16(p + 40, true) & wasi.SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME) !== 0;
      const wait = absolute ? timeout - nowNs(id) : timeout;
      clocks.push({ userdata, type, at: performance.now() + Number(wait) / 1e6 });
    } else if (type === wasi.EVENTTYPE_FD_READ || type === wasi.EVENTTYPE_FD_WRITE) {
      const fd = fdAt(view.getUint32(p + 16, true));
      const fits = type === wasi.EVENTTYPE_FD_READ ? fd instanceof Source : fd instanceof Sink;
      const nbytes = !fits ? 0n : fd instanceof Source ? BigInt(fd.bytes.length - fd.at) : 65536n;
      events.push({ userdata, error: fits ? 0 : wasi.ERRNO_BADF, type, nbytes });
    } else {
      events.push({ userdata, error: wasi.ERRNO_INVAL, type, nbytes: 0n });
    }
  }
  if (events.length === 0) {
    const first = Math.min(...clocks.map((c) => c.at));
    while (performance.now() < first) { /* see above */ }
    const now = performance.now();
    for (const c of clocks) if (c.at <= now) events.push({ ...c, error: 0, nbytes: 0n });
  }
  // The memory cannot have grown while this waited (the program was in here), so `view` holds.
  events.forEach((e, i) => {
    const q = outPtr + i * 32;
    for (let k = 0; k < 32; k += 8) view.setBigUint64(q + k, 0n, true);
    view.setBigUint64(q, e.userdata, true);
    view.setUint16(q + 8, e.error, true);
    view.setUint8(q + 10, e.type);
    view.setBigUint64(q + 16, e.nbytes, true);
  });
  view.setUint32(neventsPtr, events.length, true);
  return 0;
}

function describe(e) {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/**
 * Instantiates `module` (a compiled WebAssembly.Module) and runs its `_start` with WASI.
 *
 * @param {object} o
 * @param {WebAssembly.Module} o.module
 * @param {string[]} o.args        argv, program name first
 * @param {Uint8Array} o.stdin
 * @param {number} o.outputBytes   stdout and stderr together; a write past it ends the run
 * @param {number} o.memoryBytes   the cap written into the module (for naming the stop)
 * @param {(stream: 'stdout'|'stderr', bytes: Uint8Array) => void} o.write
 * @param {() => void} [o.onStart] called once instantiated, just before `_start`
 * @param {() => void} [o.onOutputSpent] called as soon as the budget is exceeded
 * @returns {Promise<{exit_code: number|null, stopped: string|null, detail: string,
 *   elapsed_ms: number, memory_bytes: number}>}
 */
export async function runWasi(o) {
  const budget = outputBudget(o.outputBytes);
  let spent = false;
  const forward = (stream) => (data) => {
    if (spent) throw OUTPUT_SPENT;
    const { fits, over } = budget.take(data.byteLength);
    if (fits > 0) o.write(stream, fits === data.byteLength ? data : data.slice(0, fits));
    if (over) {
      spent = true;
      if (o.onOutputSpent) o.onOutputSpent();
      throw OUTPUT_SPENT;
    }
  };

  const args = o.args;
  const encoded = args.map((a) => new TextEncoder().encode(a));
  const fds = [new Source(o.stdin), new Sink(forward('stdout')), new Sink(forward('stderr'))];
  // `debug: false` spelled out: without the option the shim logs every call to the console
  // (its logger is one module-wide switch that each WASI constructor sets).
  const shim = new WASI(args, [], fds, { debug: false });
  const imports = shim.wasiImport;
  const memory = () => shim.inst.exports.memory;

  imports.args_sizes_get = (argc, bufSize) => {
    const view = new DataView(memory().buffer);
    view.setUint32(argc, encoded.length, true);
    view.setUint32(bufSize, encoded.reduce((n, a) => n + a.length + 1, 0), true);
    return 0;
  };
  imports.args_get = (argv, buf) => {
    const view = new DataView(memory().buffer);
    const bytes = new Uint8Array(memory().buffer);
    for (const a of encoded) {
      view.setUint32(argv, buf, true);
      argv += 4;
      bytes.set(a, buf);
      bytes[buf + a.length] = 0;
      buf += a.length + 1;
    }
    return 0;
  };
  imports.proc_exit = (code) => {
    code >>>= 0;
    if (code >= 126) throw new Error('exit with invalid exit status outside of [0..126)');
    throw new WASIProcExit(code);
  };
  imports.poll_oneoff = (inPtr, outPtr, count, neventsPtr) =>
    pollOneoff(new DataView(memory().buffer), inPtr, outPtr, count, neventsPtr, (fd) => fds[fd]);
  imports.proc_raise = () => wasi.ERRNO_NOTSUP;
  for (const name of ['sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown']) {
    imports[name] = () => wasi.ERRNO_NOTSOCK;
  }

  let instance;
  try {
    instance = await WebAssembly.instantiate(o.module, { wasi_snapshot_preview1: imports });
  } catch (e) {
    const memoryError = e instanceof RangeError && /memory/i.test(e.message);
    return {
      exit_code: null,
      stopped: memoryError ? 'memory' : 'crash',
      detail: `cannot start the runtime: ${describe(e)}`,
      elapsed_ms: 0,
      memory_bytes: 0,
    };
  }
  if (!(instance.exports.memory instanceof WebAssembly.Memory) || typeof instance.exports._start !== 'function') {
    return { exit_code: null, stopped: 'crash', detail: 'the runtime is not a WASI command (no memory or _start)', elapsed_ms: 0, memory_bytes: 0 };
  }

  if (o.onStart) o.onStart();
  const started = performance.now();
  let exit_code = null;
  let stopped = null;
  let detail = '';
  let failed = false;
  try {
    exit_code = shim.start(instance);
    failed = exit_code !== 0;
  } catch (e) {
    failed = true;
    if (e === OUTPUT_SPENT) {
      stopped = 'output';
      detail = `output limit of ${o.outputBytes} bytes reached`;
    } else if (e instanceof RangeError && /memory/i.test(e.message)) {
      stopped = 'memory';
      detail = `memory limit of ${o.memoryBytes} bytes reached (${describe(e)})`;
    } else {
      stopped = 'crash';
      detail = describe(e);
    }
  }
  const elapsed_ms = Math.round(performance.now() - started);
  let memory_bytes = 0;
  try { memory_bytes = memory().buffer.byteLength; } catch (_) { /* reported as unknown */ }
  // A program that failed with its memory at the cap most likely failed for want of more; it
  // got its MemoryError (or trapped) like anywhere else, and this names the cause.
  if (failed && stopped !== 'output' && stopped !== 'memory' && memory_bytes > 0 &&
      o.memoryBytes - memory_bytes <= MEMORY_SLACK) {
    const why = stopped === 'crash' ? ` (${detail})` : '';
    stopped = 'memory';
    detail = `memory limit of ${o.memoryBytes} bytes reached${why}`;
  }
  return { exit_code, stopped, detail, elapsed_ms, memory_bytes };
}
