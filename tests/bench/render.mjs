// Time from "artifact complete" to "rendered" for each kind, in headless Chromium through the
// real studio, measured two ways:
// - in the frame: from the start of the artifact document (the frame's time origin) to the
//   `kiln-rendered` performance mark each kind's renderer sets once its output is in the DOM.
//   This is what the kind's runtime costs: loading the vendored scripts, compiling JSX,
//   rendering Markdown or Mermaid.
// - end to end: from the click on "Run as app" (the text is complete at that moment) to the
//   same mark, read on one wall clock (`performance.timeOrigin + …` in page and frame). This
//   adds what the studio does for every run whatever the kind: extract, compose, and start a
//   fresh runner frame on the sandbox origin with a new message channel.
// HTML artifacts have no renderer, so the HTML fixture sets the mark itself at the end of its
// own script; it is the baseline of each round.
//
//   node tests/bench/render.mjs [runs per kind, default 15]
//
// Needs a built `kiln` (./dev builds it; see README). Prints a Markdown table for BENCHMARKS.md.
import { readFileSync } from 'node:fs';
import {
  artifactFrame, launchBrowser, openStudio, startServer, VIEWPORTS,
} from '../e2e/harness.mjs';

const runs = Number(process.argv[2] ?? 15);
const fixture = (f) => readFileSync(new URL(`../e2e/kinds/${f}`, import.meta.url), 'utf8');
const KINDS = [
  ['html', 'html-d3-cdn.html', (t) => t.replace('</body>', "<script>performance.mark('kiln-rendered')</script></body>")],
  ['svg', 'svg-logo.svg'],
  ['markdown', 'markdown-readme.md'],
  ['code', 'code-python.py', null, 'python'],
  ['mermaid', 'mermaid-flowchart.mmd'],
  ['react', 'react-tailwind-form.tsx'],
  ['react (recharts + lucide)', 'react-recharts-dashboard.jsx'],
];

const server = await startServer();
const browser = await launchBrowser();
const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
const page = await context.newPage();
await openStudio(page, server.url);
await page.evaluate(() => {
  document.addEventListener('click', (e) => {
    if (e.target.closest('[data-testid="run-pasted"]')) window.__kilnClick = performance.timeOrigin + e.timeStamp;
  }, true);
});

async function once(kind, text) {
  const before = artifactFrame(page);
  await page.getByTestId('prompt-input').fill(text);
  await page.getByTestId('run-pasted').click();
  let frame;
  for (;;) {
    frame = artifactFrame(page);
    if (frame && frame !== before) break;
    await page.waitForTimeout(5);
  }
  const [inFrame, end] = await frame.waitForFunction(() => {
    const m = performance.getEntriesByName('kiln-rendered')[0];
    return m ? [m.startTime, performance.timeOrigin + m.startTime] : null;
  }, null, { timeout: 30_000, polling: 20 }).then((h) => h.jsonValue());
  const start = await page.evaluate(() => window.__kilnClick);
  // Markdown and code show their text first and colour it once highlight.js has loaded.
  await frame.waitForSelector('html[data-kiln-rendered]', { timeout: 30_000 }).catch(() => {});
  const highlighted = await frame.evaluate(() => performance.getEntriesByName('kiln-highlighted')[0]?.startTime ?? null);
  return { inFrame, total: end - start, highlighted };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const results = new Map();
for (const [kind, file, edit, lang] of KINDS) {
  let text = fixture(file);
  if (edit) text = edit(text);
  const k = kind.split(' ')[0];
  const langAttr = lang ? ` language="${lang}"` : '';
  // Each run differs by a comment-free suffix in the title so no cache of the page's own makes
  // a repeat free; the vendored files are cached by the browser as they would be for a person.
  const wrap = (i) => `<kiln-artifact id="bench-${i}" kind="${k}"${langAttr} title="bench ${i}">\n${text}\n</kiln-artifact>\n`;
  const cold = await once(kind, wrap(0));
  const warm = [];
  for (let i = 1; i <= runs; i += 1) warm.push(await once(kind, wrap(i)));
  results.set(kind, { file, cold, warm });
}

const ms = (x) => `${x.toFixed(1)} ms`;
console.log(`| Kind | Fixture | In frame: first run (cold cache) | In frame: median of ${runs} | vs html | End to end: median | vs html | Highlighted (in frame, median) |`);
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
const base = results.get('html').warm;
const baseFrame = median(base.map((r) => r.inFrame));
const baseTotal = median(base.map((r) => r.total));
for (const [kind, { file, cold, warm }] of results) {
  const f = median(warm.map((r) => r.inFrame));
  const t = median(warm.map((r) => r.total));
  const hl = warm.map((r) => r.highlighted).filter((x) => x !== null);
  const h = hl.length ? ms(median(hl)) : '–';
  console.log(`| ${kind} | ${file} | ${ms(cold.inFrame)} | ${ms(f)} | ${(f / baseFrame).toFixed(2)}× | ${ms(t)} | ${(t / baseTotal).toFixed(2)}× | ${h} |`);
}
await browser.close();
await server.stop();
