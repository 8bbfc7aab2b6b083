// Python and JavaScript code artifacts run in the browser against `kiln run` on the same
// machine, in one script so a shared machine's noise hits both alike. In headless Chromium,
// through the real studio under `kiln serve`: the time from pressing Run to the result in the
// Code tab for a "hello" program, and the bytes the runtime cost on the wire,
// - cold: a fresh profile (nothing cached): download, compile, run;
// - warm: Run again in the same page (the code runner keeps the compiled runtime);
// - cached: a new page in the same profile (the service worker has the runtime; it is compiled
//   again, since a new page has a new code runner);
// and `kiln run hello.py` as a command (process start, the compiled module from its disk
// cache, the run), the second and later invocations.
//
//   cargo xtask bundle && cargo build -p kiln
//   node tests/bench/code-run.mjs [rounds, default 5]
//
// Prints a Markdown table for BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, startServer, VIEWPORTS } from '../e2e/harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rounds = Number(process.argv[2] ?? 5);
const kiln = process.env.KILN_BIN ?? path.join(root, 'target/debug/kiln');

const PROGRAMS = {
  python: { ext: 'py', code: 'print("hello")' },
  javascript: { ext: 'js', code: 'console.log("hello")' },
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function kilnRun(language) {
  const { ext, code } = PROGRAMS[language];
  const file = path.join(os.tmpdir(), `kiln-bench-hello.${ext}`);
  fs.writeFileSync(file, code);
  const t0 = performance.now();
  const out = execFileSync(kiln, ['run', file], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (out.trim() !== 'hello') throw new Error(`kiln run printed ${JSON.stringify(out)}`);
  return ms;
}

async function pressRun(page, language) {
  const { code } = PROGRAMS[language];
  await page.getByTestId('prompt-input').fill(
    `Here.\n\n<kiln-artifact id="hello-${language}" kind="code" language="${language}" title="Hello">\n${code}\n</kiln-artifact>\n`);
  await page.getByTestId('run-pasted').click();
  await page.getByTestId('tab-code').click();
  return runAgain(page);
}

async function runAgain(page) {
  const t0 = Date.now();
  await page.getByTestId('code-run').click();
  await page.getByTestId('run-status').waitFor({ timeout: 120_000 });
  const ms = Date.now() - t0;
  const stdout = await page.getByTestId('run-stdout').innerText();
  if (stdout !== 'hello\n') throw new Error(`the browser run printed ${JSON.stringify(stdout)}`);
  return ms;
}

// The runtime is fetched by the page's service worker: Playwright reports a service worker's
// requests only with this switch (Chromium). Its body size is the bytes on the wire.
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = '1';
const RUNTIME = /\/vendor\/(python|js)-[0-9a-f]{16}\.wasm$/;

/** Counts the runtime bytes `context` downloads, and how they were encoded. */
function watchRuntime(context) {
  const seen = { bytes: 0, encoding: 'identity' };
  context.on('requestfinished', async (request) => {
    if (!RUNTIME.test(new URL(request.url()).pathname)) return;
    const response = await request.response();
    if (!response || response.fromServiceWorker()) return;
    const sizes = await request.sizes();
    seen.bytes += sizes.responseBodySize;
    seen.encoding = (await response.allHeaders())['content-encoding'] ?? 'identity';
  });
  return seen;
}

const server = await startServer(['--no-short-links']);
const browser = await launchBrowser();
const results = {};
try {
  for (const language of Object.keys(PROGRAMS)) {
    kilnRun(language); // the first invocation compiles the runtime into kiln's disk cache
    const r = { cli: [], cold: [], warm: [], cached: [], bytes: [] };
    for (let i = 0; i < rounds; i += 1) {
      r.cli.push(kilnRun(language));
      const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
      const wire = watchRuntime(context);
      try {
        const page = await context.newPage();
        await page.goto(server.url);
        await page.getByTestId('prompt-input').waitFor();
        await page.waitForFunction(() => navigator.serviceWorker?.controller, null, { timeout: 30_000 });
        r.cold.push(await pressRun(page, language));
        r.bytes.push(wire.bytes);
        r.encoding = wire.encoding;
        r.warm.push(await runAgain(page));
        const second = await context.newPage();
        await second.goto(server.url);
        await second.getByTestId('prompt-input').waitFor();
        r.cached.push(await pressRun(second, language));
        if (wire.bytes !== r.bytes.at(-1)) throw new Error('the cached run downloaded the runtime again');
      } finally {
        await context.close();
      }
    }
    results[language] = r;
  }
} finally {
  await browser.close();
  await server.stop();
}

const ms = (x) => `${Math.round(x)} ms`;
console.log(`${rounds} rounds, medians; Chromium ${browser.version()} headless, kiln serve on loopback\n`);
console.log('| Language | runtime on the wire (cold) | browser cold | browser warm (same page) | browser cached (new page) | `kiln run` | cold / `kiln run` | cached / `kiln run` | warm / `kiln run` |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [language, r] of Object.entries(results)) {
  const cli = median(r.cli);
  console.log(`| ${language} | ${(median(r.bytes) / 1e6).toFixed(2)} MB (${r.encoding}) | ${ms(median(r.cold))} | ${ms(median(r.warm))} | ${ms(median(r.cached))} | ${ms(cli)} | ${(median(r.cold) / cli).toFixed(1)}× | ${(median(r.cached) / cli).toFixed(1)}× | ${(median(r.warm) / cli).toFixed(2)}× |`);
}
