// The sandbox under attack, through the real UI, on every engine (engines.mjs): every hostile
// artifact in attacks.mjs must fail, and the studio must keep working. Then the things the
// sandbox must still allow (granted network and popups, the storage shim, console capture),
// hangs and memory bombs, and what it does not prevent, pinned per engine.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VIEWPORTS } from './harness.mjs';
import {
  consoleLines, count, ENGINES, engineVersion, fill, launchEngine, openStudio, runArtifact,
  responsiveness, shown, text, until, value, waitForConsole, withEnginePage,
} from './engines.mjs';
import { ATTACKS, SECRET } from './attacks.mjs';
import { setup } from './setup.mjs';

const { server, canary } = await setup('server', 'canary');

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Puts the secret where an artifact would most like to find it: the studio's own storage. */
async function plantSecret(page) {
  await page.evaluate(async (s) => {
    localStorage.setItem('kiln.secret', s);
    sessionStorage.setItem('kiln.secret', s);
    document.cookie = `kiln_secret=${s}; SameSite=Lax`;
    await new Promise((resolve, reject) => {
      const r = indexedDB.open('kiln-secret-db', 1);
      r.onupgradeneeded = () => r.result.createObjectStore('s').put(s, 'secret');
      r.onsuccess = () => { r.result.close(); resolve(); };
      r.onerror = () => reject(r.error);
    });
  }, SECRET);
}

/** Everything that must hold after any attack. */
async function assertStudioIntact(page, lines, opts = {}) {
  // Let any late beacon or navigation land.
  await sleep(opts.navigates ? 1_500 : 300);
  assert.deepEqual(canary.hits, [], 'the canary was reached');
  // See attacks.mjs: Chromium preconnects for a frame navigation that CSP then refuses, and
  // WebKit for resource hints and refused popups too; a connection, never a request.
  const preconnects = opts.preconnects || opts.preconnectsOn?.includes(page.engine);
  assert.ok(canary.connections() <= (preconnects ? 1 : 0), `${canary.connections()} connections to the canary`);
  assert.equal(await page.url(), server.url, 'the studio page was navigated');
  assert.equal(await page.windows(), 1, 'a popup opened');
  assert.equal(await page.evaluate(() => localStorage.getItem('kiln.secret')), SECRET);
  assert.ok(!(await page.evaluate(() => document.body.innerText)).includes('PWNED'), 'the studio DOM was changed');
  for (const line of lines) assert.ok(!line.includes(SECRET), `the secret leaked into: ${line}`);
  assert.ok(!lines.some((l) => l.includes('SPOOFED')), 'a spoofed bridge message was shown');
  // The studio's own service worker (sw.js beside the page) is the only one.
  const workers = await page.evaluate(async () => (navigator.serviceWorker
    ? (await navigator.serviceWorker.getRegistrations())
      .map((r) => (r.active || r.waiting || r.installing)?.scriptURL ?? 'none')
    : []));
  const own = new URL('sw.js', server.url).href;
  assert.ok(workers.every((w) => w === own), `a service worker was registered: ${workers}`);
  // The studio still answers.
  await fill(page, 'prompt-input', 'still here');
  assert.equal(await value(page, 'prompt-input'), 'still here');
}

for (const name of ENGINES) {
  describe(`${name}: hostile artifacts fail and the studio survives`, () => {
    let engine;
    before(async () => {
      engine = await launchEngine(name);
      console.log(`# ${engineVersion(name)}`);
    });
    after(async () => { await engine?.close(); });

    for (const [attack, html, opts] of ATTACKS) {
      test(attack, async () => {
        await withEnginePage(engine, `attack-${slug(attack)}`, VIEWPORTS.desktop, async (page) => {
          await openStudio(page, server.url);
          await plantSecret(page);
          canary.reset();
          await runArtifact(page, html.replaceAll('__C__', canary.origin));
          const lines = await waitForConsole(page, 'ATTACK-DONE');
          await assertStudioIntact(page, lines, opts);
          // Nothing the artifact wrote after ATTACK-DONE may show the secret either.
          for (const line of await consoleLines(page)) assert.ok(!line.includes(SECRET), line);
        });
      });
    }
  });

  describe(`${name}: what the sandbox allows`, () => {
    let engine;
    before(async () => { engine = await launchEngine(name); });
    after(async () => { await engine?.close(); });

    test('the canary is reachable once the person allows it (so the attack suite can see a leak)', async () => {
      await withEnginePage(engine, 'consent-allows', VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        canary.reset();
        const html = `<!DOCTYPE html><html><head><meta name="kiln-network" content="${canary.origin}"></head><body><script>
          fetch('${canary.origin}/granted').then((r) => r.text()).then((t) => console.log('GOT ' + t), (e) => console.log('FAILED ' + e.name));
        </script></body></html>`;
        await runArtifact(page, html);
        // Blocked first, with the exact origin shown to the person.
        await waitForConsole(page, 'FAILED');
        assert.ok((await text(page, 'network-consent')).includes(canary.origin));
        assert.deepEqual(canary.hits, []);
        await page.click('allow-network');
        await waitForConsole(page, 'GOT canary');
        assert.deepEqual(canary.hits, ['GET /granted']);
        // Consent is remembered for this app, and revocable.
        await page.reload();
        await shown(page, 'prompt-input');
        canary.reset();
        await runArtifact(page, html);
        await waitForConsole(page, 'GOT canary');
        await page.click('revoke-network');
        await waitForConsole(page, 'FAILED');
        await shown(page, 'network-consent');
      });
    });

    test('popups stay blocked until the person allows the popups the artifact asked for', async () => {
      await withEnginePage(engine, 'consent-popups', VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        const html = `<!DOCTYPE html><html><head><meta name="kiln-permissions" content="popups"></head><body>
          <button id="open" onclick="try { const w = window.open('about:blank'); console.log('POPUP ' + (w ? 'opened' : 'blocked')); } catch (e) { console.log('POPUP blocked: ' + e.name); }">open</button>
          <script>console.log('READY')</script></body></html>`;
        await runArtifact(page, html);
        await waitForConsole(page, 'READY');
        await sleep(200);
        // A person's click, so the browser's own popup blocker is not what decides.
        await page.artifactClick('#open');
        await waitForConsole(page, 'POPUP blocked');
        assert.match(await text(page, 'network-consent'), /open popups/);
        assert.equal(await page.windows(), 1);
        await page.click('allow-network');
        await shown(page, 'network-granted');
        await waitForConsole(page, 'READY');
        await sleep(500);
        await page.artifactClick('#open');
        // The popup opens; the studio's COOP (same-origin) severs its opener, so the artifact
        // gets no handle on it and it cannot script back.
        await until(async () => (await page.windows()) === 2, 'the popup', 8_000);
      });
    });

    test('localStorage works inside the artifact and persists per app, apart from the studio\'s own', async () => {
      await withEnginePage(engine, 'storage-shim', VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        const html = `<!DOCTYPE html><html><body><script>
          const n = Number(localStorage.getItem('visits') || 0) + 1;
          localStorage.setItem('visits', String(n));
          localStorage.big = 'x';
          console.log('VISITS ' + n + ' ' + localStorage.length);
        </script></body></html>`;
        await runArtifact(page, html);
        await waitForConsole(page, 'VISITS 1 2');
        await page.reload();
        await shown(page, 'prompt-input');
        await runArtifact(page, html);
        await waitForConsole(page, 'VISITS 2 2');
        // Kept apart from the studio's own data: in IndexedDB, none of it in localStorage.
        const keys = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('kiln.storage.')));
        assert.deepEqual(keys, []);
        const stored = await page.evaluate(() => new Promise((resolve, reject) => {
          const r = indexedDB.open('kiln');
          r.onsuccess = () => {
            const get = r.result.transaction('app_data').objectStore('app_data').getAll();
            get.onsuccess = () => resolve(get.result);
            get.onerror = () => reject(get.error);
          };
          r.onerror = () => reject(r.error);
        }));
        assert.ok(stored.some((v) => v.includes('"visits":"2"')), JSON.stringify(stored));
      });
    });

    test('runtime errors, rejections and blocked requests reach the Console tab', async () => {
      await withEnginePage(engine, 'console-capture', VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        await runArtifact(page, `<!DOCTYPE html><html><body><img src="https://cdn.example.invalid/x.png"><script>
          console.warn('careful'); Promise.reject(new Error('nope')); setTimeout(() => undefinedFunction(), 10);
        </script></body></html>`);
        // WebKit reports errors in a sandboxed srcdoc document as "Script error." without the
        // message (an engine limit: README, Browser support).
        const thrown = page.engine === 'webkit' ? 'Script error' : 'undefinedFunction';
        const lines = await waitForConsole(page, thrown);
        assert.ok(lines.some((l) => l.startsWith('warn careful')), lines.join('\n'));
        assert.ok(lines.some((l) => l.includes('Unhandled rejection') && l.includes('nope')), lines.join('\n'));
        assert.ok(lines.some((l) => l.startsWith('blocked') && l.includes('cdn.example.invalid')), lines.join('\n'));
      });
    });

    test('the frame runs in another origin, sandboxed, never with allow-same-origin', async () => {
      await withEnginePage(engine, 'frame-attributes', VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        await runArtifact(page, '<p id="x">hello</p><script>console.log("ORIGIN " + origin)</script>');
        const lines = await waitForConsole(page, 'ORIGIN');
        assert.ok(lines.some((l) => l.includes('ORIGIN null')), lines.join('\n'));
        const attrs = await page.evaluate(() => {
          const f = document.querySelector('[data-testid="artifact-frame"]');
          return { sandbox: f.getAttribute('sandbox'), src: f.getAttribute('src') };
        });
        assert.ok(attrs.sandbox.includes('allow-scripts'));
        assert.ok(!attrs.sandbox.includes('allow-same-origin') && !attrs.sandbox.includes('allow-top-navigation'));
        assert.notEqual(new URL(attrs.src).hostname, new URL(server.url).hostname, 'the sandbox is on the same site');
        assert.equal(await page.artifactEval(() => document.querySelector('#x').textContent), 'hello');
      });
    });
  });
}
