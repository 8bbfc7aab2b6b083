// Every artifact kind renders from Kiln's own vendored libraries, through the real UI, with
// every request that is not to loopback refused and recorded: React components with recharts,
// lucide, Tailwind, three.js, d3, chart.js, papaparse, lodash and mathjs; HTML pages that load
// libraries from public CDNs (served from the vendored copies); SVG with zoom; Markdown with
// tables and highlighted code, sanitised; Mermaid, with syntax errors in the Console tab; code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  artifactFrame, consoleLines, openStudio, problems, VIEWPORTS,
  waitForConsole, withPage,
} from './harness.mjs';
import { setup } from './setup.mjs';

const { server, browser } = await setup('server', 'browser');

const KIND = { jsx: 'react', tsx: 'react', html: 'html', svg: 'svg', md: 'markdown', mmd: 'mermaid', py: 'code', rs: 'code', sql: 'code' };
const LANGUAGE = { py: 'python', rs: 'rust', sql: 'sql' };

/** A model reply carrying the fixture `file` as a Kiln artifact. */
function reply(file) {
  const text = readFileSync(new URL(`./kinds/${file}`, import.meta.url), 'utf8');
  const ext = file.split('.').pop();
  const id = file.replace(/\.[a-z]+$/, '');
  const lang = LANGUAGE[ext] ? ` language="${LANGUAGE[ext]}"` : '';
  return `Here it is.\n\n<kiln-artifact id="${id}" kind="${KIND[ext]}"${lang} title="${id}">\n${text}</kiln-artifact>\n`;
}

/** Refuses and records every request that leaves the machine. */
async function cutOffNetwork(page) {
  const external = [];
  await page.context().route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (['127.0.0.1', 'localhost'].includes(url.hostname)) return route.continue();
    external.push(url.href);
    return route.abort('internetdisconnected');
  });
  return external;
}

/** Runs `file` through the composer and returns its srcdoc frame once it is a new one. */
async function runFile(page, file) {
  const before = artifactFrame(page);
  await page.getByTestId('prompt-input').fill(reply(file));
  await page.getByTestId('run-pasted').click();
  const deadline = Date.now() + 20_000;
  for (;;) {
    const frame = artifactFrame(page);
    if (frame && frame !== before) return frame;
    if (Date.now() > deadline) throw new Error(`${file}: no new artifact frame`);
    await page.waitForTimeout(50);
  }
}

async function rendered(frame, file) {
  const handle = await frame.waitForSelector('html[data-kiln-rendered]', { timeout: 20_000 });
  const state = await handle.getAttribute('data-kiln-rendered');
  assert.equal(state, 'ok', `${file} rendered with state ${state}: ${await frame.locator('body').innerText()}`);
}

const count = (frame, selector) => frame.locator(selector).count();

/** Each fixture, with what shows that it really rendered. */
const CASES = [
  ['react-recharts-dashboard.jsx', async (f) => {
    await rendered(f, 'dashboard');
    await f.waitForSelector('.recharts-line-curve');
    assert.ok(await count(f, '.recharts-surface') >= 3, 'three recharts charts');
    assert.ok(await count(f, '.recharts-pie-sector') === 3, 'three pie sectors');
    assert.ok(await count(f, 'svg.lucide') >= 3, 'lucide icons');
    // Tailwind styles the selected button (bg-blue-600 text-white), and a click moves it.
    const users = f.getByRole('button', { name: 'users' });
    const colors = () => users.evaluate((b) => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]);
    const [bgBefore] = await colors();
    await users.click();
    const [bgAfter, fgAfter] = await colors();
    assert.notEqual(bgAfter, bgBefore);
    assert.equal(fgAfter, 'rgb(255, 255, 255)');
  }],
  ['react-lucide-toolbar.jsx', async (f) => {
    await rendered(f, 'toolbar');
    assert.equal(await count(f, 'button svg.lucide'), 13);
    await f.getByRole('button', { name: 'italic' }).click();
    await f.getByText('Actions: italic').waitFor();
    assert.equal(await f.getByRole('button', { name: 'italic' }).getAttribute('aria-pressed'), 'true');
  }],
  ['react-tailwind-form.tsx', async (f) => {
    await rendered(f, 'form');
    const button = f.getByRole('button', { name: 'Sign up' });
    // Tailwind's classes took effect: bg-blue-600 and rounded-md.
    const style = await button.evaluate((b) => { const s = getComputedStyle(b); return [s.color, s.borderTopLeftRadius]; });
    assert.deepEqual(style, ['rgb(255, 255, 255)', '6px']);
    await button.click();
    await f.getByText('Please enter your name.').waitFor();
    await f.getByLabel('Name').fill('Ada');
    await f.getByLabel('Email').fill('ada@example.org');
    await button.click();
    await f.getByText('Welcome aboard, Ada!').waitFor();
  }],
  ['react-three-scene.jsx', async (f) => {
    await rendered(f, 'three');
    await f.waitForSelector('canvas');
    const size = await f.locator('canvas').evaluate((c) => [c.width > 0, c.height]);
    assert.deepEqual(size, [true, 320]);
  }],
  ['react-d3-chart.jsx', async (f) => {
    await rendered(f, 'd3');
    await f.waitForSelector('rect.bar');
    assert.equal(await count(f, 'rect.bar'), 12);
    assert.ok(await count(f, '.tick') > 6, 'axes');
  }],
  ['react-data-tools.jsx', async (f) => {
    await rendered(f, 'data tools');
    assert.equal(await count(f, 'tbody tr'), 3, 'papaparse + lodash grouped three regions');
    assert.equal(await f.getByText('North').first().isVisible(), true);
    assert.equal((await f.getByTestId('result').innerText()).trim(), '= 10');
    const drawn = await f.locator('canvas').evaluate((c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
      return false;
    });
    assert.ok(drawn, 'chart.js drew on the canvas');
  }],
  ['html-d3-cdn.html', async (f) => {
    await f.waitForSelector('rect.bar');
    assert.equal(await count(f, 'rect.bar'), 6);
    const src = await f.locator('script[src]').first().getAttribute('src');
    assert.match(src, /^\.\/vendor\/d3-7\.\d+\.\d+\.min\.js$/);
  }],
  ['html-chartjs-cdn.html', async (f) => {
    await f.waitForSelector('body[data-ready="yes"]');
    assert.equal(await f.evaluate(() => typeof Chart), 'function');
  }],
  ['html-three-importmap.html', async (f) => {
    await f.waitForSelector('canvas');
    assert.ok(await f.locator('canvas').evaluate((c) => c.width > 0));
  }],
  ['html-tailwind-cdn.html', async (f) => {
    await f.waitForSelector('#pro');
    await f.waitForFunction(() => getComputedStyle(document.getElementById('pro')).backgroundColor !== 'rgba(0, 0, 0, 0)', null, { timeout: 10_000 });
    assert.equal(await f.locator('#pro').evaluate((e) => getComputedStyle(e).color), 'rgb(255, 255, 255)');
  }],
  ['svg-logo.svg', async (f) => {
    await rendered(f, 'logo');
    assert.equal(await count(f, '#stage svg #flame-path'), 1);
    // Zoom in twice with the toolbar: the stage is scaled.
    await f.getByRole('button', { name: 'Zoom in' }).click();
    await f.getByRole('button', { name: 'Zoom in' }).click();
    assert.match(await f.locator('#stage').getAttribute('style'), /scale\(1\.5625\)/);
    await f.getByRole('button', { name: 'Reset zoom' }).click();
    assert.match(await f.locator('#stage').getAttribute('style'), /scale\(1\)/);
  }],
  ['svg-bar-chart.svg', async (f) => {
    await rendered(f, 'bar chart');
    assert.equal(await count(f, '.bars rect'), 4);
  }],
  ['svg-icons.svg', async (f) => {
    await rendered(f, 'icons');
    assert.equal(await count(f, 'use'), 3);
    const box = await f.locator('#stage > svg').boundingBox();
    assert.ok(box && box.width > 100, `svg laid out: ${JSON.stringify(box)}`);
  }],
  ['markdown-readme.md', async (f) => {
    await rendered(f, 'readme');
    assert.equal(await f.locator('h1').innerText(), 'tinyq — a queue for small jobs');
    assert.equal(await count(f, 'table tbody tr'), 3);
    assert.ok(await count(f, 'pre code.hljs .hljs-keyword') > 0, 'python highlighted');
    assert.equal(await count(f, 'blockquote strong'), 1);
  }],
  ['markdown-meeting-notes.md', async (f) => {
    await rendered(f, 'notes');
    assert.equal(await count(f, 'input[type=checkbox]'), 4);
    assert.equal(await count(f, 'input[type=checkbox][checked]'), 1);
    assert.equal(await count(f, 'ol > li'), 3);
    assert.equal(await count(f, 'hr'), 1);
  }],
  ['markdown-hostile.md', async (f) => {
    await rendered(f, 'hostile');
    assert.equal(await count(f, '#doc script'), 0);
    assert.equal(await count(f, '#doc iframe'), 0);
    assert.equal(await count(f, '#doc [onerror]'), 0);
    assert.equal(await count(f, '#doc a[href^="javascript:"]'), 0);
    // Raw HTML in a Markdown document is shown as text, not markup.
    assert.equal(await count(f, '#doc b'), 0);
    assert.match(await f.locator('#doc').innerText(), /Some text with <b>inline HTML<\/b> that is allowed\./);
    assert.equal(await count(f, 'table tbody tr'), 2);
    assert.ok(await count(f, 'code.hljs .hljs-keyword') > 0);
    await f.page().waitForTimeout(300);
    assert.notEqual(await f.evaluate(() => document.title), 'pwned');
  }],
  ['mermaid-sequence.mmd', async (f) => {
    await rendered(f, 'sequence');
    assert.ok(await count(f, '#diagram svg .actor') >= 4);
    assert.ok((await f.locator('#diagram svg').textContent()).includes('clicks Fix'));
  }],
  ['mermaid-flowchart.mmd', async (f) => {
    await rendered(f, 'flowchart');
    assert.ok(await count(f, '#diagram svg .node') >= 9);
  }],
  ['mermaid-class.mmd', async (f) => {
    await rendered(f, 'class');
    assert.ok((await f.locator('#diagram svg').textContent()).includes('Conversation'));
  }],
  ['code-python.py', async (f) => {
    await rendered(f, 'python');
    assert.ok(await count(f, 'code.hljs.language-python .hljs-keyword') > 3);
  }],
  ['code-rust.rs', async (f) => {
    await rendered(f, 'rust');
    assert.ok(await count(f, 'code.hljs.language-rust .hljs-keyword') > 3);
  }],
  ['code-sql.sql', async (f) => {
    await rendered(f, 'sql');
    assert.ok(await count(f, 'code.hljs.language-sql .hljs-keyword') > 3);
  }],
];

describe('artifact kinds render offline from the vendored libraries', () => {
  for (const kind of ['react', 'html', 'svg', 'markdown', 'mermaid', 'code']) {
    test(kind, async () => {
      await withPage(browser, `kinds-${kind}`, VIEWPORTS.desktop, async (page, log) => {
        const external = await cutOffNetwork(page);
        await openStudio(page, server.url);
        const cases = CASES.filter(([file]) => KIND[file.split('.').pop()] === kind);
        assert.ok(cases.length >= 3, `${kind}: ${cases.length} cases`);
        for (const [file, check] of cases) {
          const frame = await runFile(page, file);
          await check(frame);
          const lines = await consoleLines(page);
          const errors = lines.filter((l) => /^(error|warn)/i.test(l));
          assert.deepEqual(errors, [], `${file}: console shows ${JSON.stringify(lines)}`);
        }
        assert.deepEqual(external, [], 'requests left the machine');
        // Each run replaces the runner frame, which cancels the previous runner's request;
        // Chromium's software WebGL reports its own driver's performance notes.
        const expected = [/\/runner\.html\?(v=[0-9a-f]*&)?connect=\S* net::ERR_ABORTED$/, /GL Driver Message \(OpenGL, Performance/];
        assert.deepEqual(problems(log).filter((p) => !expected.some((re) => re.test(p))), []);
      });
    });
  }

  test('a React component that imports a package Kiln lacks fails fast, naming it', async () => {
    await withPage(browser, 'kinds-unknown-import', VIEWPORTS.desktop, async (page) => {
      const external = await cutOffNetwork(page);
      await openStudio(page, server.url);
      await page.getByTestId('prompt-input').fill(
        '<kiln-artifact id="fetcher" kind="react" title="Fetcher">\nimport axios from "axios";\nexport default function A() { return <p>hi</p>; }\n</kiln-artifact>\n',
      );
      await page.getByTestId('run-pasted').click();
      const lines = await waitForConsole(page, 'which Kiln does not have');
      assert.ok(lines.some((l) => l.includes('"axios"') && l.includes('Available packages: react')), JSON.stringify(lines));
      const frame = artifactFrame(page);
      await frame.waitForSelector('html[data-kiln-rendered="error"]');
      assert.match(await frame.locator('.kiln-error').innerText(), /axios/);
      assert.deepEqual(external, []);
    });
  });

  test('a Mermaid syntax error is shown in the Console tab', async () => {
    await withPage(browser, 'kinds-mermaid-error', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await page.getByTestId('prompt-input').fill(
        '```mermaid\nflowchart TD\n  A[Start] --> B{Decide\n  B -->> C\n```\n',
      );
      await page.getByTestId('run-pasted').click();
      const lines = await waitForConsole(page, 'Mermaid could not draw this diagram');
      assert.ok(lines.some((l) => /^error/i.test(l)), JSON.stringify(lines));
      await artifactFrame(page).waitForSelector('html[data-kiln-rendered="error"]');
    });
  });
});
