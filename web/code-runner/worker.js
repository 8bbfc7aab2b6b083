// The dedicated worker of the in-browser code runner: one per run (a terminated worker cannot
// be reused, and a fresh one carries nothing over from the last program). The frame
// (frame.js) starts it from a blob and sends one `start` message with the compiled runtime;
// the worker runs it with runWasi and reports back. The frame owns every limit that needs a
// clock (it terminates this worker); the output budget is counted here, where the bytes are.
//
// To the frame:  {kind:'no-module'}  the Module could not be received; send the bytes
//                {kind:'compiling'}   compiling bytes sent instead of a Module
//                {kind:'running'}     instantiated, `_start` about to run
//                {kind:'out', stream, bytes}
//                {kind:'limit'}       the output budget is spent; terminate me
//                {kind:'done', exit_code, stopped, detail, elapsed_ms, memory_bytes}
import { runWasi } from './run.js';

// The program runs inside wasm and reaches JavaScript only through WASI, but nothing in this
// worker needs the network or storage either, so they are taken away before it starts.
for (const name of ['fetch', 'XMLHttpRequest', 'WebSocket', 'WebTransport', 'EventSource',
  'importScripts', 'indexedDB', 'caches', 'BroadcastChannel']) {
  try { delete self[name]; } catch (_) { /* fall through to shadowing */ }
  try {
    if (name in self) Object.defineProperty(self, name, { value: undefined, configurable: false, writable: false });
  } catch (_) { /* not configurable: nothing more to do */ }
}

let started = false;

function post(message) {
  try { self.postMessage(message); } catch (_) { /* the frame is gone */ }
}

self.addEventListener('messageerror', () => {
  // Engines that cannot deserialise a WebAssembly.Module here (another agent cluster) say so
  // with this event rather than by delivering it.
  if (!started) post({ kind: 'no-module' });
});

self.addEventListener('message', async (e) => {
  const m = e.data;
  if (started || !m || m.kind !== 'start') return;
  let module = m.module;
  if (!(module instanceof WebAssembly.Module)) {
    if (!(m.bytes instanceof Uint8Array)) {
      post({ kind: 'no-module' });
      return;
    }
    started = true;
    post({ kind: 'compiling' });
    try {
      module = await WebAssembly.compile(m.bytes);
    } catch (err) {
      post({ kind: 'done', exit_code: null, stopped: 'load', detail: `cannot compile the runtime: ${err && err.message}`, elapsed_ms: 0, memory_bytes: 0 });
      return;
    }
  }
  started = true;
  let result;
  try {
    result = await runWasi({
      module,
      args: m.args,
      stdin: m.stdin,
      outputBytes: m.output_bytes,
      memoryBytes: m.memory_bytes,
      // Copied, not transferred: the shim reads the chunk's length after the write.
      write: (stream, bytes) => post({ kind: 'out', stream, bytes }),
      onStart: () => post({ kind: 'running' }),
      onOutputSpent: () => post({ kind: 'limit' }),
    });
  } catch (err) {
    result = { exit_code: null, stopped: 'crash', detail: String(err && err.message || err), elapsed_ms: 0, memory_bytes: 0 };
  }
  post({ kind: 'done', ...result });
});
