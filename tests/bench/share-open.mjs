// How long the studio takes to open a share link, in headless Chromium through the real page:
// from the moment it shows "Opening the shared app…" to the moment the shared banner is up.
// That covers fetching the codec's dictionary, training the link version's model on it (in
// slices between frames), decoding the body (also in slices) and showing the app. Each round
// opens, in fresh browser contexts and in alternating order, the golden v1 link and the golden
// v2 link of the same small page (crates/core/tests/all/share.rs), so the two are compared in
// the same run; then a v2 link of a 1,000,000-byte page, to show decoding throughput.
//
//   node tests/bench/share-open.mjs [rounds, default 7]
//
// Needs a built `kiln` (./dev builds it; see README). Prints a Markdown table for BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, startServer, VIEWPORTS } from '../e2e/harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rounds = Number(process.argv[2] ?? 7);
const V1 = '1S3r:IMSXOj1~1zNC_,2TvMlitwF,kc6DDas2sm-qmT?,HwRpjZuRcp2ZYCfQQyMLyJ2/g8K'
  + 'YgT!fRnnoHC.zw0MaT3-ThYfYV6qhJUYb/z!+Zhb:hC2/*~p_=YzxwPJrIbb@608QmO:Sb0M'
  + 'qV@w+ibV5y7,ce6G~mTT3zB:tDiGq2lg!PnA73kTV';
const V2 = '2b9Yr?4mUS0k~n9a?XI4iTxWuwO~ourA-RUOIhGd,1XH2tKE1834htO!UNFq+At!82~m5nk*'
  + 'cUuJRzYdLEuGXj.TF6K4Y.A56hOM=NyNVa,Ba:d98u_a@CY41aAs8@lRq8@B!s29sfSq@gaKrz1cq~MA';

const server = await startServer();
const browser = await launchBrowser();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-share-bench-'));
const hugeFile = path.join(dir, 'huge.html');
fs.writeFileSync(hugeFile, `<p id="p">${'a'.repeat(1_000_000)}</p>`);
const kiln = process.env.KILN_BIN ?? path.join(root, 'target/debug/kiln');
const huge = execFileSync(kiln, ['share', 'encode', hugeFile, '--base', server.url], { encoding: 'utf8' }).trim();

async function open(link) {
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const seen = {};
    new MutationObserver(() => {
      for (const id of ['share-opening', 'shared-banner']) {
        if (!seen[id] && document.querySelector(`[data-testid="${id}"]`)) seen[id] = performance.now();
      }
    }).observe(document, { childList: true, subtree: true });
    window.kilnSeen = seen;
  });
  await page.goto(link);
  await page.getByTestId('shared-banner').waitFor({ timeout: 120_000 });
  const seen = await page.evaluate(() => window.kilnSeen);
  await context.close();
  return seen['shared-banner'] - seen['share-opening'];
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const times = { v1: [], v2: [] };
for (let i = 0; i < rounds; i++) {
  const order = i % 2 ? ['v2', 'v1'] : ['v1', 'v2'];
  for (const v of order) times[v].push(await open(`${server.url}#${v === 'v1' ? V1 : V2}`));
}
const hugeTimes = [];
for (let i = 0; i < Math.min(3, rounds); i++) hugeTimes.push(await open(huge));

await browser.close();
await server.stop();

const m1 = median(times.v1);
const m2 = median(times.v2);
console.log(`${rounds} rounds; median ms from "Opening the shared app…" to the banner`);
console.log('');
console.log('| link | median | ratio to v1 |');
console.log('|---|---:|---:|');
console.log(`| golden v1 link (700-byte page, ${V1.length} characters) | ${m1.toFixed(0)} ms | 1.00 |`);
console.log(`| golden v2 link (same page, ${V2.length} characters) | ${m2.toFixed(0)} ms | ${(m2 / m1).toFixed(2)} |`);
const mh = median(hugeTimes);
console.log(`| v2 link of a 1,000,000-byte page (${huge.length - server.url.length - 1} characters) | ${mh.toFixed(0)} ms | ${(mh / m1).toFixed(2)} |`);
