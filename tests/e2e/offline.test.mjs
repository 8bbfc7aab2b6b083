// The studio as an installed app with no server (issue 23), on every engine (engines.mjs), on a
// `kiln build` site served by a plain static file server: after one visit the network is cut
// (the server stopped: connections refused), and the studio reloads from its service worker,
// says it is offline, and still runs a gallery app, a pasted reply and a Python program (the
// sandbox's pages from the browser's cache under their version, the runtime from the service
// worker's). A new deployment is offered as "Update ready — reload" and taken up whole.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kilnBin, VIEWPORTS } from './harness.mjs';
import {
  count, ENGINES, fill, launchEngine, openStudio, runArtifact, shown, text, until,
  waitForConsole, withEnginePage,
} from './engines.mjs';
import { startStaticHost } from './static-host.mjs';

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');
const BASE = '/kiln/';

function build() {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'kiln-offline-')), 'site');
  execFileSync(kilnBin(), ['build', '--out', out, '--base-path', BASE], { encoding: 'utf8' });
  return out;
}

const controlled = (page) => until(
  () => page.evaluate(() => navigator.serviceWorker?.controller !== null && navigator.serviceWorker?.controller !== undefined),
  'the service worker to control the page', 30_000);

const PROGRAM = `Here it is.\n\n<kiln-artifact id="prog" kind="code" language="python" title="Program">\nimport sys\nprint("offline", sys.version_info[:2])\n</kiln-artifact>\n`;

async function runPython(page) {
  await runArtifact(page, PROGRAM);
  await page.click('tab-code');
  await until(async () => (await count(page, 'code-run')) > 0, 'the Run button');
  await page.click('code-run');
  await until(async () => (await text(page, 'run-status')) !== null, 'the run to end', 120_000);
  return { status: await text(page, 'run-status'), stdout: await text(page, 'run-stdout') };
}

async function openExample(page, title, ready) {
  await page.click('tab-preview').catch(() => {});
  await page.evaluate((t) => {
    const card = [...document.querySelectorAll('[data-testid="example-card"]')].find((c) => c.textContent.includes(t));
    card.click();
  }, title);
  return waitForConsole(page, ready, 20_000);
}

for (const name of ENGINES) {
  describe(`${name}: the studio with no server`, () => {
    let engine;
    const hosts = [];
    before(async () => { engine = await launchEngine(name); });
    after(async () => {
      await engine?.close();
      for (const h of hosts) await h.close().catch(() => {});
    });
    const run = (title, body) =>
      test(title, () => withEnginePage(engine, slug(title).slice(0, 60), VIEWPORTS.desktop, body));

    run('installs on the first visit; with the network cut it reloads and runs a gallery app, a pasted reply and Python', async (page) => {
      const site = await startStaticHost(build(), { base: BASE });
      hosts.push(site);
      const url = site.origin + BASE;
      await openStudio(page, url);
      await controlled(page);
      const manifest = await page.evaluate(async () => {
        const link = document.querySelector('link[rel="manifest"]');
        return (await fetch(link.href)).json();
      });
      assert.equal(manifest.name, 'Kiln');
      assert.equal(manifest.start_url, './');
      assert.equal(await count(page, 'offline-note'), 0);
      assert.equal(await count(page, 'update-ready'), 0, 'a first visit is not an update');
      // A Python run online brings the runtime into the service worker's cache (on demand).
      const online = await runPython(page);
      assert.match(online.status, /^Exited with code 0/);

      await site.close();
      await page.goto(url);
      await shown(page, 'prompt-input', 30_000);
      await shown(page, 'offline-note', 15_000);
      await openExample(page, 'Tip calculator', 'tip calculator ready');
      await runArtifact(page, '<!DOCTYPE html><title>x</title><p>offline</p><script>console.log("pasted ran " + 6 * 7)</script>');
      await waitForConsole(page, 'pasted ran 42', 20_000);
      const offline = await runPython(page);
      assert.match(offline.status, /^Exited with code 0/);
      assert.equal(offline.stdout, 'offline (3, 12)\n');
      // The studio is usable: typing and the settings still answer.
      await fill(page, 'prompt-input', 'still here');
    });

    run('a new deployment is offered as "Update ready — reload" and taken up whole', async (page) => {
      const dir = build();
      let site = await startStaticHost(dir, { base: BASE });
      hosts.push(site);
      const url = site.origin + BASE;
      await openStudio(page, url);
      await controlled(page);
      // Read while the page may be reloading: a page in between reads as no marker.
      const marker = () => page.evaluate(() => document.querySelector('meta[name="kiln-test-deployment"]')?.content ?? null)
        .catch(() => null);
      assert.equal(await marker(), null);

      // Deploy: a changed page and, as every build changes it, a changed service worker.
      const index = path.join(dir, 'index.html');
      writeFileSync(index, readFileSync(index, 'utf8').replace('<head>', '<head>\n<meta name="kiln-test-deployment" content="2">'));
      appendFileSync(path.join(dir, 'sw.js'), '\n// deployment 2\n');

      // The next load checks for it and is still the old version, whole (page and assets from
      // the old version's cache); the new one waits for the person.
      await page.goto(url);
      await shown(page, 'prompt-input', 30_000);
      await shown(page, 'update-ready', 30_000);
      assert.equal(await marker(), null, 'the new page was half-applied');
      const assets = () => page.evaluate(() => performance.getEntriesByType('resource')
        .map((e) => new URL(e.name).pathname).filter((p) => /kiln_web-[0-9a-f]{16}\.(js|wasm)$/.test(p)));
      const before = await assets();

      await page.click('update-reload');
      await until(async () => (await marker()) === '2', 'the new deployment', 30_000);
      await shown(page, 'prompt-input', 30_000);
      assert.equal(await count(page, 'update-ready'), 0);
      // The assets are the ones the new page names (here the same files: only the page changed).
      assert.deepEqual(await assets(), before);

      // And the new version works offline too.
      await site.close();
      await page.goto(url);
      await shown(page, 'prompt-input', 30_000);
      assert.equal(await marker(), '2');
      await shown(page, 'offline-note', 15_000);
      site = null;
    });
  });
}
