// Time from "artifact complete" to "rendered" for each kind, through the real studio in headless
// Chromium: the clock starts at the click on "Run as app" (the text is complete at that moment)
// and stops at the artifact frame's `kiln-rendered` performance mark, set by each kind's
// renderer when its output is in the DOM. Both times are read on the same wall clock
// (`performance.timeOrigin + …` in the page and in the frame). HTML artifacts have no renderer,
// so the HTML fixture sets the mark itself at the end of its own script; it also serves as the
// baseline of each round, since it measures the studio's own overhead (extract, compose, frame).
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
  const end = await frame.waitForFunction(() => {
    const m = performance.getEntriesByName('kiln-rendered')[0];
    return m ? performance.timeOrigin + m.startTime : null;
  }, null, { timeout: 30_000, polling: 20 }).then((h) => h.jsonValue());
  const start = await page.evaluate(() => window.__kilnClick);
  return end - start;
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

console.log(`| Kind | Fixture | First run (cold cache) | Median of ${runs} warm runs | Min | Max | vs html |`);
console.log('|---|---|---:|---:|---:|---:|---:|');
const base = median(results.get('html').warm);
for (const [kind, { file, cold, warm }] of results) {
  const m = median(warm);
  console.log(`| ${kind} | ${file} | ${cold.toFixed(1)} ms | ${m.toFixed(1)} ms | ${Math.min(...warm).toFixed(1)} ms | ${Math.max(...warm).toFixed(1)} ms | ${(m / base).toFixed(2)}× |`);
}
await browser.close();
await server.stop();
