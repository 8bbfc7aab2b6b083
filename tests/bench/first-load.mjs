// First load of the studio against a bare Leptos page, in headless Chromium: from navigation
// start to the prompt box in the page (created by the mounted wasm app, so the page is
// interactive). The bare page is kiln-web built with the `bare-page` feature (one text box and
// a button, same dependencies, same profile, same wasm-opt), so the difference is what the
// studio's own code costs. Both are served by one small static server below, brotli copies
// when the browser accepts them, each run in a fresh browser context (a cold cache), in
// alternating order, unthrottled and then at a slow connection (CDP: 1.6 Mbit/s down, 150 ms
// round trip), so noise on a shared machine hits both alike.
//
//   cargo xtask bundle --bare --out target/bench-bare   # the bare page
//   cargo xtask bundle && cargo build -p kiln           # the studio, as kiln embeds it
//   node tests/bench/first-load.mjs [rounds, default 9]
//
// With `--against DIR`, the baseline is another build of the studio instead of the bare page
// (`cargo xtask bundle --out DIR` at another commit or with other flags), served with the same
// config.json: what a change to the build costs or wins in load time, in the same run.
//
// Prints a Markdown table for BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, VIEWPORTS } from '../e2e/harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const againstAt = args.indexOf('--against');
const against = againstAt >= 0 ? path.resolve(args.splice(againstAt, 2)[1]) : null;
const rounds = Number(args[0] ?? 9);
const kiln = process.env.KILN_BIN ?? path.join(root, 'target/debug/kiln');

const TYPES = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', wasm: 'application/wasm',
  css: 'text/css; charset=utf-8', svg: 'image/svg+xml', json: 'application/json',
};

/** Serves `dir`, with the `.br` copy of a file when the request accepts brotli. */
async function serve(dir) {
  const server = createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = path.join(dir, urlPath === '/' ? 'index.html' : urlPath.slice(1));
    if (urlPath.includes('..') || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404); return res.end();
    }
    const headers = { 'content-type': TYPES[path.extname(file).slice(1)] ?? 'application/octet-stream' };
    if (/\bbr\b/.test(req.headers['accept-encoding'] ?? '') && fs.existsSync(`${file}.br`)) {
      file = `${file}.br`;
      headers['content-encoding'] = 'br';
    }
    res.writeHead(200, headers);
    res.end(fs.readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

/** Bytes on the wire for the first load: index, glue, wasm, CSS (brotli). */
function weight(dir) {
  const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  const files = ['index.html', ...[...html.matchAll(/href="\.\/([^"]+\.(?:css|js|wasm))"/g)].map((m) => m[1])];
  return [...new Set(files)].reduce((n, f) => n + fs.statSync(path.join(dir, `${f}.br`)).size, 0);
}

// The studio as a static host serves it (`kiln build`: the embedded bundle and config.json).
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-first-load-'));
const studio = path.join(scratch, 'site');
execFileSync(kiln, ['build', '--out', studio], { stdio: 'ignore' });

let bare = path.join(root, 'target/bench-bare');
const baseline = against ? `studio from ${path.relative(root, against)}` : 'bare Leptos page';
if (against) {
  bare = path.join(scratch, 'against');
  fs.cpSync(against, bare, { recursive: true });
  fs.copyFileSync(path.join(studio, 'config.json'), path.join(bare, 'config.json'));
}
if (!fs.existsSync(path.join(bare, 'index.html'))) {
  console.error(against
    ? `no bundle in ${against}: run \`cargo xtask bundle --out ${against}\` first`
    : 'no bare page: run `cargo xtask bundle --bare --out target/bench-bare` first');
  process.exit(2);
}

const pages = { bare: await serve(bare), studio: await serve(studio) };
const browser = await launchBrowser();
const SLOW = { offline: false, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8, latency: 150 };

async function load(url, network) {
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
  const page = await context.newPage();
  if (network) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', network);
  }
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.querySelector('[data-testid="prompt-input"]')) {
        window.__promptAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(url);
  await page.waitForFunction(() => window.__promptAt !== undefined, null, { timeout: 120_000 });
  const ms = await page.evaluate(() => window.__promptAt);
  await context.close();
  return ms;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const rows = [];
for (const [label, network] of [['loopback', null], ['1.6 Mbit/s, 150 ms RTT', SLOW]]) {
  const times = { bare: [], studio: [] };
  await load(pages.bare.url, network); // warm the browser itself, not measured
  for (let i = 0; i < rounds; i += 1) {
    const order = i % 2 ? ['studio', 'bare'] : ['bare', 'studio'];
    for (const name of order) times[name].push(await load(pages[name].url, network));
  }
  const [b, s] = [median(times.bare), median(times.studio)];
  rows.push(`| ${label} | ${b.toFixed(0)} | ${s.toFixed(0)} | ${(s / b).toFixed(2)} |`);
}
await browser.close();
for (const p of Object.values(pages)) p.close();

console.log(`First load to the prompt box, median of ${rounds} cold loads each (ms):\n`);
console.log(`Bytes on the wire (brotli: HTML, JS, wasm, CSS): ${baseline} ${weight(bare)}, studio ${weight(studio)}.\n`);
console.log(`| connection | ${baseline} | studio | studio / baseline |`);
console.log('|---|---:|---:|---:|');
for (const r of rows) console.log(r);
