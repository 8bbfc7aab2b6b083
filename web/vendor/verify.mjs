// A by-hand check of a folder made by build.mjs, in the conditions artifacts run in: each file
// loaded by a sandboxed srcdoc frame (opaque origin, so every load is a CORS one) under the
// artifact CSP, modules through an import map. It is not part of the test suite; it answers
// "do these files really work in Chromium, with one React?" after a change to the build.
//
// Usage: node web/vendor/verify.mjs OUT_DIR   (Debian's Chromium, playwright-core from npm)

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(ROOT, 'package.json'));
const { chromium } = require('playwright-core');
const libs = JSON.parse(fs.readFileSync(path.join(ROOT, 'crates/core/src/vendor/libraries.json'), 'utf8')).libraries;

const dir = process.argv[2];
if (!dir || !fs.existsSync(dir)) {
  console.error('usage: node web/vendor/verify.mjs OUT_DIR');
  process.exit(2);
}

// Each check runs in the frame with `m` (the module namespace) or with the globals; it returns
// true, or a string saying what is wrong. They are sent as source text.
const MODULE_CHECKS = {
  react: (m) => (typeof m.useState === 'function' && m.default.createElement === m.createElement && m.version === '18.3.1') || 'no useState/createElement/version',
  'react/jsx-runtime': (m) => (typeof m.jsx === 'function' && typeof m.jsxs === 'function' && m.Fragment !== undefined) || 'no jsx/jsxs/Fragment',
  'react-dom': (m) => (typeof m.createPortal === 'function' && typeof m.flushSync === 'function') || 'no createPortal',
  'react-dom/client': (m) => (typeof m.createRoot === 'function' && typeof m.hydrateRoot === 'function') || 'no createRoot',
  recharts: (m) => ['LineChart', 'BarChart', 'PieChart', 'ResponsiveContainer', 'Line', 'XAxis'].every((k) => m[k]) || 'missing chart components',
  'lucide-react': (m) => (m.Camera && m.Camera.$$typeof !== undefined) || 'no Camera',
  d3: (m) => (typeof m.select === 'function' && m.scaleLinear().domain([0, 1]).range([0, 10])(0.5) === 5) || 'no select/scaleLinear',
  three: (m) => (typeof m.Scene === 'function' && m.REVISION === '187' && new m.Vector3(1, 2, 2).length() === 3) || 'no Scene',
  'three/addons/controls/OrbitControls.js': async (m) => {
    const THREE = await import('three');
    const c = new m.OrbitControls(new THREE.PerspectiveCamera(), document.body);
    return (c.object instanceof THREE.Camera && c.target instanceof THREE.Vector3) || 'OrbitControls not on the same three';
  },
  'three/examples/jsm/controls/OrbitControls.js': async (m) => {
    const other = await import('three/addons/controls/OrbitControls.js');
    return m.OrbitControls === other.OrbitControls || 'two OrbitControls';
  },
  'chart.js': (m) => (typeof m.Chart === 'function' && Array.isArray(m.registerables)) || 'no Chart/registerables',
  'chart.js/auto': async (m) => {
    const base = await import('chart.js');
    if (m.default !== base.Chart) return 'default is not chart.js Chart (second instance)';
    if (!m.default.registry.getController('line') || !base.Chart.registry.getScale('linear')) return 'controllers not registered';
    if (m.LineController !== base.LineController) return 'named exports missing';
    const canvas = document.body.appendChild(document.createElement('canvas'));
    const chart = new m.default(canvas, { type: 'bar', data: { labels: ['a', 'b'], datasets: [{ data: [1, 2] }] }, options: { animation: false } });
    return chart.data.datasets.length === 1 || 'chart not created';
  },
  lodash: (m) => (m.default.chunk([1, 2, 3], 2).length === 2 && m.chunk === m.default.chunk && typeof m.debounce === 'function') || 'no chunk',
  papaparse: (m) => (m.default.parse('a,b\n1,2', { header: true }).data[0].b === '2') || 'parse failed',
  mathjs: (m) => (m.evaluate('2 + 3 * 4') === 14 && m.sqrt(-4).toString() === '2i') || 'evaluate failed',
};

const SCRIPT_CHECKS = {
  React: () => (typeof React.useState === 'function' && React.version === '18.3.1') || 'no React.useState',
  ReactDOM: () => typeof ReactDOM.createRoot === 'function' || 'no ReactDOM.createRoot',
  d3: () => typeof d3.select === 'function' || 'no d3.select',
  Chart: () => (typeof Chart === 'function' && !!Chart.registry.getController('line')) || 'no line controller',
  _: () => _.chunk([1, 2, 3], 2).length === 2 || 'no _.chunk',
  Papa: () => Papa.parse('a,b').data[0][1] === 'b' || 'no Papa.parse',
  math: () => math.evaluate('2^10') === 1024 || 'no math.evaluate',
  mermaid: async () => {
    mermaid.initialize({ startOnLoad: false });
    const { svg } = await mermaid.render('g1', 'graph TD; A-->B');
    return svg.includes('<svg') || 'render gave no svg';
  },
  marked: () => marked.parse('# hi').includes('<h1') || 'no <h1>',
  DOMPurify: () => !DOMPurify.sanitize('<img src=x onerror=alert(1)>').includes('onerror') || 'not sanitized',
  hljs: () => (hljs.highlight('const a = 1', { language: 'javascript' }).value.includes('hljs-keyword') && hljs.listLanguages().length > 30) || 'no highlighting',
  sucrase: () => {
    const code = sucrase.transform('export default function A(){return <b>hi</b>}', { transforms: ['jsx', 'typescript'], jsxRuntime: 'automatic', production: true }).code;
    return (code.includes('react/jsx-runtime') && !code.includes('<b>')) || `bad output: ${code}`;
  },
  // Tailwind's browser build defines no global: it compiles the classes it sees.
  null: async () => {
    const el = document.body.appendChild(document.createElement('div'));
    el.className = 'p-4 text-red-500';
    for (let i = 0; i < 50 && getComputedStyle(el).paddingTop !== '16px'; i++) await new Promise((r) => setTimeout(r, 50));
    return getComputedStyle(el).paddingTop === '16px' || 'class p-4 not compiled';
  },
};
// Scripts that need another one first.
const SCRIPT_NEEDS = { ReactDOM: ['react-18.3.1.min.js'] };

const RENDER = `
import React, { useState, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { jsx, jsxs, Fragment } from 'react/jsx-runtime';
import { LineChart, Line, XAxis, YAxis, Tooltip, PieChart, Pie, Cell } from 'recharts';
import { Camera } from 'lucide-react';
const data = [{ x: 'a', v: 1 }, { x: 'b', v: 3 }, { x: 'c', v: 2 }];
function App() {
  const [n, setN] = useState(0);
  useEffect(() => setN(1), []);
  return jsxs('div', { children: [
    jsx(Camera, { size: 32 }),
    jsxs(LineChart, { width: 400, height: 200, data, children: [
      jsx(XAxis, { dataKey: 'x' }), jsx(Fragment, { children: jsx(YAxis, {}) }), jsx(Tooltip, {}),
      jsx(Line, { dataKey: 'v', isAnimationActive: false }),
    ] }),
    // Cells inside a Fragment: recharts finds them with react-is, which must match React 18.
    jsx(PieChart, { width: 200, height: 200, children: jsx(Pie, { data, dataKey: 'v', isAnimationActive: false,
      children: jsx(Fragment, { children: data.map((d, i) => jsx(Cell, { fill: ['#ff0000', '#00aa00', '#0000ff'][i] }, i)) }) }) }),
    jsx('output', { children: n }),
  ] });
}
createRoot(document.getElementById('root')).render(jsx(App, {}));
for (let i = 0; i < 100; i++) {
  await new Promise((r) => setTimeout(r, 50));
  if (document.querySelector('.recharts-line-curve') && document.querySelector('output')?.textContent === '1') break;
}
const ok = !!document.querySelector('svg.lucide-camera') && !!document.querySelector('.recharts-line-curve[d]')
  && !!document.querySelector('.recharts-xAxis .recharts-cartesian-axis-tick')
  && !!document.querySelector('.recharts-yAxis .recharts-cartesian-axis-tick')
  && !!document.querySelector('.recharts-pie-sector [fill="#ff0000"]')
  && document.querySelector('output')?.textContent === '1';
done(ok || 'not rendered: ' + document.getElementById('root').innerHTML.slice(0, 300));
`;

// --- server -------------------------------------------------------------------------------

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.txt': 'text/plain', '.html': 'text/html' };
let parentHtml = '';
const requests = [];
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  requests.push(url.pathname);
  if (url.pathname === '/favicon.ico') {
    res.writeHead(204);
    return res.end();
  }
  if (url.pathname === '/runner.html') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    return res.end(parentHtml);
  }
  const name = url.pathname.startsWith('/vendor/') ? url.pathname.slice(8) : null;
  const file = name && !name.includes('/') ? path.join(dir, name) : null;
  if (!file || !fs.existsSync(file)) {
    res.writeHead(404, { 'Access-Control-Allow-Origin': '*' });
    return res.end('not found');
  }
  res.writeHead(200, {
    'Content-Type': `${TYPES[path.extname(file)] ?? 'application/octet-stream'}; charset=utf-8`,
    'Access-Control-Allow-Origin': '*',
    'X-Content-Type-Options': 'nosniff',
  });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/vendor/`;

// The artifact CSP of crates/core/src/sandbox/mod.rs, with no granted origins.
const CSP =
  `default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval' blob: ${base}; style-src 'unsafe-inline' ${base}; ` +
  `img-src data: blob:; media-src data: blob:; font-src data: ${base}; connect-src 'none'; worker-src blob:; ` +
  `frame-src blob: data:; child-src blob: data:; form-action 'none'; base-uri 'none'; object-src 'none'`;
const importMap = JSON.stringify({
  imports: Object.fromEntries(libs.flatMap((l) => Object.entries(l.modules)).map(([s, f]) => [s, base + f])),
});
const esc = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

function frameDoc(body) {
  return `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">
<script type="importmap">${importMap}</script>
<script>
  const done = (r) => parent.postMessage({ kilnVerify: r === true ? true : String(r) }, '*');
  addEventListener('error', (e) => done('error: ' + (e.message || (e.target && (e.target.src || e.target.href)) || e)), true);
  addEventListener('unhandledrejection', (e) => done('rejection: ' + (e.reason && e.reason.stack || e.reason)));
</script>
</head><body><div id="root"></div>${body}</body></html>`;
}

const cases = [];
for (const l of libs) {
  for (const [spec, file] of Object.entries(l.modules)) {
    const check = MODULE_CHECKS[spec];
    cases.push({
      kind: 'module', name: spec, files: [file],
      body: `<script type="module">import * as m from ${JSON.stringify(spec)};
try { done(Object.keys(m).length === 0 ? 'exports nothing' : ${check ? `await (${check})(m)` : 'true'}); } catch (e) { done('threw: ' + e); }</script>`,
    });
  }
  if (l.script) {
    const g = l.script.global;
    const check = SCRIPT_CHECKS[g];
    const needs = SCRIPT_NEEDS[g] ?? [];
    cases.push({
      kind: 'script', name: `${g ?? '(no global)'} ← ${l.package}`, files: [l.script.file],
      body: [...needs, l.script.file].map((f) => `<script src="${base}${f}"></script>`).join('') +
        `<script type="module">try { done(${g ? `typeof window[${JSON.stringify(g)}] === 'undefined' ? 'no global ' + ${JSON.stringify(g)} : ` : ''}${check ? `await (${check})()` : 'true'}); } catch (e) { done('threw: ' + e); }</script>`,
    });
  }
  for (const css of l.styles ?? []) {
    cases.push({
      kind: 'style', name: css, files: [css],
      body: `<link rel="stylesheet" href="${base}${css}"><pre class="hljs"><span class="hljs-keyword">const</span></pre>
<script type="module">const c = getComputedStyle(document.querySelector('.hljs-keyword')).color;
done(c !== 'rgb(0, 0, 0)' || 'style not applied');</script>`,
    });
  }
}
cases.push({
  kind: 'render', name: 'React + recharts + lucide (createRoot)',
  files: ['react-18.3.1.esm.js', 'react-dom-18.3.1.esm.js', 'react-dom-client-18.3.1.esm.js', 'react-jsx-runtime-18.3.1.esm.js', 'recharts-3.11.1.esm.js', 'lucide-react-1.81.0.esm.js'],
  body: `<script type="module">${RENDER}</script>`,
});

// --- run ------------------------------------------------------------------------------------

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext();
const results = [];
for (const c of cases) {
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') consoleErrors.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  requests.length = 0;
  parentHtml = `<!doctype html><body><iframe sandbox="allow-scripts" style="width:800px;height:600px" srcdoc="${esc(frameDoc(c.body))}"></iframe>
<script>window.kilnResult = new Promise((r) => addEventListener('message', (e) => r(e.data.kilnVerify)));</script></body>`;
  const started = Date.now();
  let outcome;
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/runner.html`);
    outcome = await Promise.race([page.evaluate(() => window.kilnResult), new Promise((r) => setTimeout(() => r('timeout'), 20000))]);
    await page.waitForTimeout(200); // late console errors
  } catch (e) {
    outcome = `harness: ${e.message}`;
  }
  const fetched = requests.filter((p) => p.startsWith('/vendor/')).map((p) => p.slice(8));
  const dupes = fetched.filter((f, i) => fetched.indexOf(f) !== i);
  const problems = [];
  if (outcome !== true) problems.push(String(outcome));
  if (consoleErrors.length) problems.push(...consoleErrors);
  if (dupes.length) problems.push(`fetched twice: ${dupes.join(', ')}`);
  results.push({ ...c, ok: problems.length === 0, problems, ms: Date.now() - started, fetched });
  await page.close();
}
await browser.close();
server.close();

// --- report ---------------------------------------------------------------------------------

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const size = (f) => {
  const b = fs.readFileSync(path.join(dir, f));
  return [b.length, zlib.gzipSync(b, { level: 9 }).length];
};
const rows = [['kind', 'what', 'file', 'raw', 'gzip', 'result']];
for (const r of results) {
  const [raw, gz] = r.files.map(size).reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
  rows.push([r.kind, r.name, r.files.length > 1 ? `${r.files.length} files` : r.files[0], kb(raw), kb(gz), r.ok ? 'PASS' : 'FAIL']);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const [i, r] of rows.entries()) {
  console.log(r.map((c, j) => (j >= 3 && j <= 4 ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
const all = fs.readdirSync(dir).map(size).reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
console.log(`\nfolder: ${fs.readdirSync(dir).length} files, ${kb(all[0])} raw, ${kb(all[1])} gzip`);
const failed = results.filter((r) => !r.ok);
for (const r of failed) console.log(`\nFAIL ${r.kind} ${r.name}:\n  ${r.problems.join('\n  ')}`);
console.log(failed.length ? `\n${failed.length} of ${results.length} FAILED` : `\nall ${results.length} PASS`);
process.exit(failed.length ? 1 : 0);
