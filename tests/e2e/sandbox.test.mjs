// The sandbox under attack, through the real UI in headless Chromium: every hostile artifact
// in attacks.mjs must fail, and the studio must keep working. Then the things the sandbox
// must still allow (granted network, the storage shim), hangs and memory bombs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  artifactFrame, consoleLines, launchBrowser, openStudio, runArtifact, startCanary, startServer,
  VIEWPORTS, waitForConsole, withPage,
} from './harness.mjs';
import { ATTACKS, SECRET } from './attacks.mjs';

let server;
let browser;
let canary;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  canary = await startCanary();
});

after(async () => {
  await browser?.close();
  await canary?.close();
  await server?.stop();
});

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

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
  await page.waitForTimeout(opts.navigates ? 1_500 : 300);
  assert.deepEqual(canary.hits, [], 'the canary was reached');
  // See attacks.mjs: Chromium preconnects for a frame navigation that CSP then refuses.
  assert.ok(canary.connections() <= (opts.preconnects ? 1 : 0), `${canary.connections()} connections to the canary`);
  assert.equal(page.url(), server.url, 'the studio page was navigated');
  assert.equal(page.context().pages().length, 1, 'a popup opened');
  assert.equal(await page.evaluate(() => localStorage.getItem('kiln.secret')), SECRET);
  assert.ok(!(await page.locator('body').innerText()).includes('PWNED'), 'the studio DOM was changed');
  for (const line of lines) assert.ok(!line.includes(SECRET), `the secret leaked into: ${line}`);
  assert.ok(!lines.some((l) => l.includes('SPOOFED')), 'a spoofed bridge message was shown');
  const workers = await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length);
  assert.equal(workers, 0, 'a service worker was registered');
  // The studio still answers.
  await page.getByTestId('prompt-input').fill('still here');
  assert.equal(await page.getByTestId('prompt-input').inputValue(), 'still here');
}

describe('hostile artifacts fail and the studio survives', () => {
  for (const [name, html, opts] of ATTACKS) {
    test(name, async () => {
      await withPage(browser, `attack-${slug(name)}`, VIEWPORTS.desktop, async (page) => {
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

describe('what the sandbox allows', () => {
  test('the canary is reachable once the person allows it (so the attack suite can see a leak)', async () => {
    await withPage(browser, 'consent-allows', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      canary.reset();
      const html = `<!DOCTYPE html><html><head><meta name="kiln-network" content="${canary.origin}"></head><body><script>
        fetch('${canary.origin}/granted').then((r) => r.text()).then((t) => console.log('GOT ' + t), (e) => console.log('FAILED ' + e.name));
      </script></body></html>`;
      await runArtifact(page, html);
      // Blocked first, with the exact origin shown to the person.
      await waitForConsole(page, 'FAILED');
      const consent = page.getByTestId('network-consent');
      assert.match(await consent.innerText(), new RegExp(canary.origin.replace(/\./g, '\\.')));
      assert.deepEqual(canary.hits, []);
      await page.getByTestId('allow-network').click();
      await waitForConsole(page, 'GOT canary');
      assert.deepEqual(canary.hits, ['GET /granted']);
      // Consent is remembered for this artifact, and revocable.
      await page.reload();
      await page.getByTestId('prompt-input').waitFor();
      canary.reset();
      await runArtifact(page, html);
      await waitForConsole(page, 'GOT canary');
      await page.getByTestId('revoke-network').click();
      await waitForConsole(page, 'FAILED');
      await page.getByTestId('network-consent').waitFor();
    });
  });

  test('popups stay blocked until the person allows the popups the artifact asked for', async () => {
    await withPage(browser, 'consent-popups', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      const html = `<!DOCTYPE html><html><head><meta name="kiln-permissions" content="popups"></head><body>
        <button onclick="const w = window.open('about:blank'); console.log('POPUP ' + (w ? 'opened' : 'blocked'))">open</button>
        <script>console.log('READY')</script></body></html>`;
      // A person's click, so Chromium's own popup blocker is not what decides.
      const click = async () => { await page.waitForTimeout(200); await artifactFrame(page).locator('button').click(); };
      await runArtifact(page, html);
      await waitForConsole(page, 'READY');
      await click();
      await waitForConsole(page, 'POPUP blocked');
      assert.match(await page.getByTestId('network-consent').innerText(), /open popups/);
      assert.equal(page.context().pages().length, 1);
      await page.getByTestId('allow-network').click();
      await page.getByTestId('network-granted').waitFor();
      await page.waitForTimeout(500);
      // The popup opens; the studio's COOP (same-origin) severs its opener, so the artifact
      // gets no handle on it (window.open returns null) and it cannot script back.
      const [popup] = await Promise.all([page.context().waitForEvent('page', { timeout: 8_000 }), click()]);
      assert.equal(page.context().pages().length, 2);
      await popup.close();
    });
  });

  test('localStorage works inside the artifact and persists per artifact through the bridge', async () => {
    await withPage(browser, 'storage-shim', VIEWPORTS.desktop, async (page) => {
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
      await page.getByTestId('prompt-input').waitFor();
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
    await withPage(browser, 'console-capture', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await runArtifact(page, `<!DOCTYPE html><html><body><img src="https://cdn.example.invalid/x.png"><script>
        console.warn('careful'); Promise.reject(new Error('nope')); setTimeout(() => undefinedFunction(), 10);
      </script></body></html>`);
      const lines = await waitForConsole(page, 'undefinedFunction');
      assert.ok(lines.some((l) => l.startsWith('warn careful')), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes('Unhandled rejection') && l.includes('nope')), lines.join('\n'));
      assert.ok(lines.some((l) => l.startsWith('blocked') && l.includes('cdn.example.invalid')), lines.join('\n'));
    });
  });
});

describe('an artifact that hangs or eats memory', () => {
  for (const [name, body] of [
    ['while(true)', 'while (true) {}'],
    ['a loop that starts after the first heartbeat', 'setTimeout(() => { for (;;) {} }, 600);'],
    ['allocating until the frame dies', 'const hog = []; setTimeout(() => { for (;;) hog.push(new Array(1e6).fill(Math.random())); }, 300);'],
  ]) {
    test(`${name}: the studio stays responsive and offers Stop`, async () => {
      await withPage(browser, `hang-${slug(name)}`, VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        const started = Date.now();
        await runArtifact(page, `<!DOCTYPE html><html><body><p>about to hang</p><script>${body}</script></body></html>`);
        await page.getByTestId('hung-overlay').waitFor({ timeout: 8_000 });
        const noticed = Date.now() - started;
        // Typing into the prompt box still responds promptly while the artifact hangs.
        const input = page.getByTestId('prompt-input');
        const t0 = Date.now();
        await input.fill('typing while it hangs');
        const echo = await page.evaluate(() => new Promise((resolve) => {
          const t = performance.now();
          requestAnimationFrame(() => resolve(performance.now() - t));
        }));
        const typing = Date.now() - t0;
        assert.equal(await input.inputValue(), 'typing while it hangs');
        assert.ok(typing < 1_000, `typing took ${typing} ms`);
        assert.ok(echo < 500, `a frame of the studio took ${echo} ms`);
        console.log(`# ${name}: hang shown after ${noticed} ms; typing ${typing} ms; studio frame ${echo.toFixed(1)} ms`);
        await page.getByTestId('hung-stop').click();
        await page.getByTestId('preview-stopped').waitFor();
        assert.equal(await page.getByTestId('artifact-frame').count(), 0, 'the frame was not torn down');
      });
    });
  }

  test('the hang is shown within 3 s of the artifact starting to loop', async () => {
    await withPage(browser, 'hang-within-3s', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await runArtifact(page, `<!DOCTYPE html><html><body><script>
        console.log('LOOPING'); setTimeout(() => { for (;;) {} }, 50);
      </script></body></html>`);
      await waitForConsole(page, 'LOOPING');
      const t0 = Date.now();
      await page.getByTestId('hung-overlay').waitFor({ timeout: 3_000 });
      assert.ok(Date.now() - t0 <= 3_000);
      // Reload gives the artifact a fresh frame.
      await page.getByTestId('hung-reload').click();
      await waitForConsole(page, 'LOOPING');
    });
  });
});

describe('what the sandbox does not prevent (README, Sandbox limits)', () => {
  test('WebRTC used from a child srcdoc frame can still open a TURN connection to any host', async () => {
    // If this starts failing, Chromium closed the hole: update README's Sandbox limits.
    await withPage(browser, 'limit-webrtc', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      canary.reset();
      const child = `<script>
        const pc = new RTCPeerConnection({ iceServers: [{ urls: 'turn:127.0.0.1:${canary.port}?transport=tcp', username: 'u', credential: 'p' }] });
        pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o));
      <\/script>`;
      await runArtifact(page, `<!DOCTYPE html><html><body><script>
        const f = document.createElement('iframe'); f.srcdoc = ${JSON.stringify(child).replaceAll('</', '<\\/')}; document.body.append(f);
        setTimeout(() => console.log('ATTACK-DONE'), 2500);
      </script></body></html>`);
      await waitForConsole(page, 'ATTACK-DONE');
      assert.deepEqual(canary.hits, [], 'no HTTP request');
      assert.equal(canary.connections(), 1, 'the TURN connection was not made');
    });
  });

  test('a child frame made by the artifact cannot reach the artifact\'s own window either', async () => {
    // Each sandboxed document gets its own opaque origin, so even the artifact's own
    // about:blank child is cross-origin to it: the constructor cannot be fetched from there.
    await withPage(browser, 'child-frame-origin', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await runArtifact(page, `<!DOCTYPE html><html><body><script>
        const f = document.createElement('iframe'); document.body.append(f);
        try { console.log('GOT ' + typeof f.contentWindow.RTCPeerConnection); } catch (e) { console.log('DENIED ' + e.name); }
        console.log('RTC here: ' + typeof RTCPeerConnection);
      </script></body></html>`);
      const lines = await waitForConsole(page, 'RTC here');
      assert.ok(lines.some((l) => l.includes('DENIED SecurityError')), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes('RTC here: undefined')), lines.join('\n'));
    });
  });
});

describe('the frame', () => {
  test('runs in another site, sandboxed, never with allow-same-origin', async () => {
    await withPage(browser, 'frame-attributes', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await runArtifact(page, '<p id="x">hello</p><script>console.log("ORIGIN " + origin)</script>');
      const lines = await waitForConsole(page, 'ORIGIN');
      assert.ok(lines.some((l) => l.includes('ORIGIN null')), lines.join('\n'));
      const frame = page.getByTestId('artifact-frame');
      const sandbox = await frame.getAttribute('sandbox');
      assert.ok(sandbox.includes('allow-scripts'));
      assert.ok(!sandbox.includes('allow-same-origin') && !sandbox.includes('allow-top-navigation'));
      const src = new URL(await frame.getAttribute('src'));
      assert.notEqual(src.hostname, new URL(server.url).hostname, 'the sandbox is on the same site');
      assert.equal(await artifactFrame(page).locator('#x').innerText(), 'hello');
    });
  });
});
