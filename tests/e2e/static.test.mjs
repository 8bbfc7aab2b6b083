// `kiln build`'s static site served by a plain static file server (tests/e2e/static-host.mjs;
// no Kiln process): the examples gallery, generation through the replay provider, preview and
// share links and a React artifact (vendored modules, CORS from `_headers`) all work, under a sub-path, with the sandbox on the same origin (the weaker
// fallback, labelled) or on another site.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  artifactFrame, configure, kilnBin, openStudio, send, VIEWPORTS,
  waitForConsole, waitForStatus, withPage,
} from './harness.mjs';
import { startStaticHost } from './static-host.mjs';
import { setup } from './setup.mjs';

const { browser, replay, canary } = await setup('browser', 'replay', 'canary');

const hosts = [];
after(async () => {
  for (const h of hosts) await h.close();
});

function build(args) {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'kiln-static-')), 'site');
  execFileSync(kilnBin(), ['build', '--out', out, ...args], { encoding: 'utf8' });
  return out;
}

/** A React artifact with an icon: it needs the vendored modules, served with CORS. */
const REACT = `<kiln-artifact id="stars" kind="react" title="Stars">
import { useEffect, useState } from 'react';
import { Star } from 'lucide-react';
export default function Stars() {
  const [n, setN] = useState(3);
  useEffect(() => { console.log('react ready ' + n); }, [n]);
  return <button className="p-2" onClick={() => setN(n + 1)}><Star size={16} /> {n}</button>;
}
</kiln-artifact>
`;

async function runReact(page) {
  await page.getByTestId('prompt-input').fill(REACT);
  await page.getByTestId('run-pasted').click();
  await waitForConsole(page, 'react ready 3');
  assert.equal(await artifactFrame(page).locator('button svg.lucide').count(), 1);
}

async function openExample(page, title, ready) {
  await page.getByTestId('example-card').filter({ hasText: title }).click();
  await waitForConsole(page, ready);
}

describe('a static build on one origin, under /kiln/', () => {
  let site;
  before(async () => {
    const dir = build(['--base-path', '/kiln/']);
    site = await startStaticHost(dir, { base: '/kiln/' });
    hosts.push(site);
  });

  test('another site that frames the sandbox pages without a sandbox cannot run anything on the studio origin', async () => {
    // The runner pages sit on the studio's own origin in this build. Framed sandboxed, as the
    // studio frames them, they run what they are sent (the control); framed plainly by another
    // site, which would run an app with the studio's origin, they do nothing.
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'kiln-attacker-')), 'www');
    mkdirSync(dir);
    const runner = `${site.origin}/kiln/sandbox/runner.html?connect=`;
    // The app's HTML as a JS string inside the attacker's own inline script.
    const app = (label) => JSON.stringify(`<script>fetch('${canary.origin}/${label}').catch(() => {})</script>`)
      .replace(/</g, '\\u003c');
    writeFileSync(path.join(dir, 'index.html'), `<!DOCTYPE html>
<iframe id="plain" src="${runner}"></iframe>
<iframe id="boxed" sandbox="allow-scripts" src="${runner}"></iframe>
<iframe id="code" src="${site.origin}/kiln/sandbox/code.html"></iframe>
<script>
const send = (frame, first) => {
  const channel = new MessageChannel();
  if (frame.id !== 'boxed') channel.port1.onmessage = () => fetch('${canary.origin}/answered-' + frame.id).catch(() => {});
  frame.contentWindow.postMessage({ kiln: 'connect' }, '*', [channel.port2]);
  channel.port1.postMessage(first);
};
onload = () => {
  for (const f of [plain, boxed]) send(f, JSON.stringify({ type: 'run', token: 't', sandbox: 'allow-scripts allow-same-origin', allow: '', document: ${app('ran-')}.replace('ran-', 'ran-' + f.id) }));
  send(code, JSON.stringify({ v: 1, type: 'run', token: 't', language: 'py', runtime: 'vendor/python-0123456789abcdef.wasm', source: 'print(1)', args: [], stdin: '', timeout_ms: 1000, memory_bytes: 1 << 26, output_bytes: 1024 }));
};
</script>`);
    const attacker = await startStaticHost(dir, { host: 'localhost' });
    hosts.push(attacker);
    canary.reset();
    await withPage(browser, 'static-framed-runner', VIEWPORTS.desktop, async (page) => {
      await page.goto(`${attacker.origin}/`);
      const deadline = Date.now() + 10_000;
      while (!canary.hits.some((h) => h.includes('/ran-boxed')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 1_000));
    });
    assert.ok(canary.hits.some((h) => h.includes('/ran-boxed')), `the control did not run: ${canary.hits}`);
    assert.deepEqual(canary.hits.filter((h) => !h.includes('/ran-boxed')), [], 'a plainly framed sandbox page ran or answered');
  });

  test('the gallery opens examples with no provider, in a sandbox labelled weaker', async () => {
    await withPage(browser, 'static-gallery', VIEWPORTS.desktop, async (page, log) => {
      const response = await openStudio(page, `${site.origin}/kiln/`);
      assert.match(response.headers()['content-security-policy'], /frame-src 'self'/);
      assert.equal(await page.getByTestId('example-card').count(), 6);
      await openExample(page, 'Tip calculator', 'tip calculator ready');
      assert.match(await page.getByTestId('isolation-note').innerText(), /no separate sandbox origin/);
      // Same origin, but the app is still an opaque origin with no way into the studio.
      const probe = await artifactFrame(page).evaluate(() => {
        let parentStorage = 'blocked';
        try { parentStorage = String(parent.localStorage.length); } catch (_) { /* expected */ }
        return { origin: String(window.origin), parentStorage };
      });
      assert.deepEqual(probe, { origin: 'null', parentStorage: 'blocked' });
      await artifactFrame(page).locator('[data-tip="20"]').click();
      await runReact(page);
      assert.equal(log.errors.length, 0, log.errors.join('\n'));
    });
  });

  test('generation through a provider, then a share link that opens in a fresh profile', async () => {
    let link;
    await withPage(browser, 'static-generate', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, `${site.origin}/kiln/`);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'ok', key: 'sk-static' });
      await send(page, 'a counter');
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'counter ready');
      await artifactFrame(page).locator('#inc').click();
      await waitForConsole(page, 'count 1');
      await page.getByTestId('share-button').click();
      link = await page.getByTestId('share-link').inputValue();
      assert.ok(link.startsWith(`${site.origin}/kiln/#`), link);
      // A static host keeps no links: no short-link offer.
      assert.equal(await page.getByTestId('share-short').count(), 0);
    });
    await withPage(browser, 'static-open-link', VIEWPORTS.phone, async (page) => {
      await page.goto(link);
      await waitForConsole(page, 'counter ready');
      assert.ok(!(await page.content()).includes('sk-static'));
    });
  });
});

describe('a static build with the sandbox on another site', () => {
  test('the studio frames the other site and runs examples at full isolation', async () => {
    // 127.0.0.1 and localhost are different sites. The sandbox host starts first so the build
    // can name its port; it serves the folder the build is about to write.
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'kiln-static-')), 'site');
    const sandbox = await startStaticHost(path.join(out, 'sandbox'), { host: 'localhost' });
    hosts.push(sandbox);
    execFileSync(kilnBin(), ['build', '--out', out, '--sandbox-origin', `${sandbox.origin}/`]);
    const studio = await startStaticHost(out);
    hosts.push(studio);
    await withPage(browser, 'static-separate', VIEWPORTS.desktop, async (page) => {
      const response = await openStudio(page, `${studio.origin}/`);
      assert.match(response.headers()['content-security-policy'], new RegExp(`frame-src ${sandbox.origin};`));
      await openExample(page, 'Unit converter', 'unit converter ready');
      assert.equal(await page.getByTestId('isolation-note').count(), 0);
      await runReact(page);
    });
  });
});

describe('a static build served by a plain file server that sends no headers', () => {
  test('a React app says why it cannot load and where the fix is; its offline download says so too', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'kiln-static-')), 'site');
    const sandbox = await startStaticHost(path.join(out, 'sandbox'), { host: 'localhost', headers: false });
    hosts.push(sandbox);
    execFileSync(kilnBin(), ['build', '--out', out, '--sandbox-origin', `${sandbox.origin}/`]);
    const studio = await startStaticHost(out, { headers: false });
    hosts.push(studio);
    await withPage(browser, 'static-no-cors', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, `${studio.origin}/`);
      // HTML apps need no module scripts and still run.
      await openExample(page, 'Unit converter', 'unit converter ready');
      await page.getByTestId('prompt-input').fill(REACT);
      await page.getByTestId('run-pasted').click();
      // The frame on screen is replaced as the new app loads: look in the newest each time.
      let text = '';
      for (const deadline = Date.now() + 30_000; !text && Date.now() < deadline;) {
        text = await artifactFrame(page)?.locator('pre.kiln-error').innerText({ timeout: 200 }).catch(() => '') ?? '';
      }
      assert.match(text, /could not load its React runtime/);
      assert.match(text, /Access-Control-Allow-Origin/);
      assert.match(text, /docs\/deploy\.md/);
      await page.getByTestId('more-button').click();
      await page.getByTestId('artifact-download').click();
      const problem = page.getByTestId('download-problem');
      await problem.waitFor({ timeout: 30_000 });
      assert.match(await problem.innerText(), /Could not make the offline file: .*Access-Control-Allow-Origin.*docs\/deploy\.md/s);
    });
  });
});
