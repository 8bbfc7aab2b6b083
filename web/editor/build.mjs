// Builds the studio's code editor (editor.js: CodeMirror 6 and its languages, from the npm
// packages pinned in package-lock.json) into one minified ES module, deterministically.
//
// Usage: node web/editor/build.mjs OUT_FILE   (after `npm ci` at the repository root)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const out = process.argv[2];
if (!out) {
  console.error('usage: node web/editor/build.mjs OUT_FILE');
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
try {
  await build({
    entryPoints: [path.join(here, 'editor.js')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    outfile: out,
    legalComments: 'eof',
    logLevel: 'error',
  });
} catch (e) {
  console.error(`web/editor/build.mjs: ${e.message}`);
  process.exit(1);
}
