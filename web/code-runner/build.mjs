// Builds the in-browser code runner (code.js, the script of web/sandbox/code.html): the
// worker (worker.js with @bjorn3/browser_wasi_shim, as pinned in package-lock.json) bundled
// into one script, embedded as a string in the frame's script (frame.js), which starts it from
// a blob since an opaque-origin frame has no URL a worker could be loaded from. One classic
// script, minified, deterministic for the same inputs (the build hashes it).
//
// Usage: node web/code-runner/build.mjs OUT_DIR   (after `npm ci` at the repository root)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

const common = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  platform: 'browser',
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'error',
};

/** The bundled code.js, as a string. */
export async function buildCodeJs() {
  const worker = await build({
    ...common,
    entryPoints: [path.join(here, 'worker.js')],
    write: false,
  });
  const frame = await build({
    ...common,
    entryPoints: [path.join(here, 'frame.js')],
    define: { WORKER_SOURCE: JSON.stringify(worker.outputFiles[0].text) },
    write: false,
  });
  return frame.outputFiles[0].text;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node web/code-runner/build.mjs OUT_DIR');
    process.exit(2);
  }
  try {
    const code = await buildCodeJs();
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'code.js'), code);
  } catch (e) {
    console.error(`web/code-runner/build.mjs: ${e.message}`);
    process.exit(1);
  }
}
