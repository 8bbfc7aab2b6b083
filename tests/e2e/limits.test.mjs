// Hangs, memory bombs and what the sandbox does not prevent, on every engine, each pinned as
// the engine behaves today (README, Sandbox limits and Browser support): if an engine changes,
// a test here says so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VIEWPORTS } from './harness.mjs';
import {
  configure, count, ENGINES, launchEngine, openStudio, responsiveness, runArtifact, send, shown,
  text, waitForConsole, waitForStatus, withEnginePage,
} from './engines.mjs';
import { startReplay } from './replay.mjs';
import { setup } from './setup.mjs';

const { server, canary } = await setup('server', 'canary');

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Engines that give a cross-site frame a process of its own (measured: WebKitGTK does not). */
const separateProcess = (engine) => engine !== 'webkit';

for (const name of ENGINES) {
  describe(`${name}: an app that hangs or eats memory`, () => {
    let engine;
    before(async () => { engine = await launchEngine(name); });
    after(async () => { await engine?.close(); });

    if (separateProcess(name)) {
      for (const [hang, body] of [
        ['while(true)', 'while (true) {}'],
        ['a loop that starts after the first heartbeat', 'setTimeout(() => { for (;;) {} }, 600);'],
        ['allocating until the frame dies', 'const hog = []; setTimeout(() => { for (;;) hog.push(new Array(1e6).fill(Math.random())); }, 300);'],
      ]) {
        test(`${hang}: the studio stays responsive and offers Stop`, async () => {
          await withEnginePage(engine, `hang-${slug(hang)}`, VIEWPORTS.desktop, async (page) => {
            await openStudio(page, server.url);
            const started = Date.now();
            await runArtifact(page, `<!DOCTYPE html><html><body><p>about to hang</p><script>${body}</script></body></html>`);
            await shown(page, 'hung-overlay', 8_000);
            const noticed = Date.now() - started;
            const r = await responsiveness(page);
            assert.ok(r.typing < 1_000, `typing took ${r.typing} ms`);
            assert.ok(r.settings < 1_000, `opening settings took ${r.settings} ms`);
            console.log(`# ${name} ${hang}: hang shown after ${noticed} ms; typing ${r.typing} ms; settings ${r.settings} ms`);
            await page.click('hung-stop');
            await shown(page, 'preview-stopped');
            assert.equal(await count(page, 'artifact-frame'), 0, 'the frame was not torn down');
          });
        });
      }

      test('the hang is shown within 3 s of the artifact starting to loop, and Reload starts it afresh', async () => {
        await withEnginePage(engine, 'hang-within-3s', VIEWPORTS.desktop, async (page) => {
          await openStudio(page, server.url);
          await runArtifact(page, `<!DOCTYPE html><html><body><script>
            console.log('LOOPING'); setTimeout(() => { for (;;) {} }, 50);
          </script></body></html>`);
          await waitForConsole(page, 'LOOPING');
          const t0 = Date.now();
          await shown(page, 'hung-overlay', 3_000);
          assert.ok(Date.now() - t0 <= 3_000);
          await page.click('hung-reload');
          await waitForConsole(page, 'LOOPING');
        });
      });
    } else {
      // WebKitGTK runs the app's frame in the studio's own process: while the app's script
      // runs, nothing of the studio does. What Kiln does there: say so in the preview, stop an
      // app the moment the studio gets its turn again after it was frozen past a second, and
      // never start again on its own an app that was running when the page died.
      test('the preview says this engine shares one process with its apps', async () => {
        await withEnginePage(engine, 'shared-process-note', VIEWPORTS.desktop, async (page) => {
          await openStudio(page, server.url);
          await runArtifact(page, '<p>probe</p><script>console.log("UP")</script>');
          await waitForConsole(page, 'UP');
          await shown(page, 'isolation-note', 5_000);
          assert.match(await text(page, 'isolation-note'), /same process/);
        });
      });

      test('an app that freezes the page for seconds is stopped, with the reason, once the page is back', async () => {
        await withEnginePage(engine, 'shared-process-freeze', VIEWPORTS.desktop, async (page) => {
          await openStudio(page, server.url);
          await runArtifact(page, `<!DOCTYPE html><p>x</p><script>console.log('START');
            setTimeout(() => { const t = Date.now(); while (Date.now() - t < 2500) {} }, 500);</script>`);
          await waitForConsole(page, 'START');
          await shown(page, 'frozen-overlay', 20_000);
          assert.match(await text(page, 'frozen-overlay'), /froze this page for [0-9.]+ s/);
          assert.equal(await count(page, 'artifact-frame'), 0, 'the app still runs');
          const r = await responsiveness(page);
          assert.ok(r.typing < 1_000 && r.settings < 1_000, JSON.stringify(r));
        });
      });

      test('an app that grabs memory freezes the page, and is stopped with the reason once the page is back', async () => {
        // 5 GB in one go, kept: the page is frozen while it allocates (one process). An app
        // that eats all of it takes the page down instead (seen here after 21 s in one run and
        // 308 s in another, with 24 GB and no swap; README, Browser support): not run, for the
        // machine's sake.
        await withEnginePage(engine, 'shared-process-memory', VIEWPORTS.desktop, async (page) => {
          await openStudio(page, server.url);
          await runArtifact(page, `<!DOCTYPE html><p>x</p><script>console.log('START');
            const hog = []; setTimeout(() => { for (let i = 0; i < 625; i += 1) hog.push(new Array(1e6).fill(Math.random())); console.log('GRABBED ' + hog.length); }, 300);</script>`);
          await waitForConsole(page, 'START');
          await shown(page, 'frozen-overlay', 60_000);
          assert.match(await text(page, 'frozen-overlay'), /froze this page for \d+\.\d s|kept this page busy/);
          assert.equal(await count(page, 'artifact-frame'), 0, 'the app still runs');
          const r = await responsiveness(page);
          assert.ok(r.typing < 1_000 && r.settings < 1_000, JSON.stringify(r));
        });
      });
    }
  });

  describe(`${name}: what the sandbox does not prevent (README, Sandbox limits)`, () => {
    let engine;
    before(async () => { engine = await launchEngine(name); });
    after(async () => { await engine?.close(); });

    test('WebRTC from a child srcdoc frame (which Kiln\'s bridge does not run in)', async () => {
      // Chromium: a TURN connection reaches any host. WebKit: none is made. Firefox: see below.
      await withEnginePage(engine, 'limit-webrtc', VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        canary.reset();
        const child = `<script>
          try {
            const pc = new RTCPeerConnection({ iceServers: [{ urls: 'turn:127.0.0.1:${canary.port}?transport=tcp', username: 'u', credential: 'p' }] });
            pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o));
          } catch (e) {}
        <\/script>`;
        await runArtifact(page, `<!DOCTYPE html><html><body><script>
          const f = document.createElement('iframe'); f.srcdoc = ${JSON.stringify(child).replaceAll('</', '<\\/')}; document.body.append(f);
          setTimeout(() => console.log('ATTACK-DONE'), 2500);
        </script></body></html>`);
        await waitForConsole(page, 'ATTACK-DONE');
        assert.deepEqual(canary.hits, [], 'no HTTP request');
        // Firefox made one TURN connection in one full run of the suite out of four (none in
        // the runs before, nor in three reruns of this test alone): pinned as "may connect".
        const made = canary.connections();
        if (name === 'firefox') assert.ok(made <= 1, `firefox: ${made} TURN connections`);
        else assert.equal(made, name === 'chromium' ? 1 : 0, `${name}: TURN connections`);
      });
    });

    test('a child frame made by the artifact cannot reach the artifact\'s own window either', async () => {
      // Each sandboxed document gets its own opaque origin, so even the artifact's own
      // about:blank child is cross-origin to it: the constructor cannot be fetched from there.
      await withEnginePage(engine, 'child-frame-origin', VIEWPORTS.desktop, async (page) => {
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
}

// Engine-independent: the studio does not start again on its own an app that was running when
// the page died (a crash, or a freeze the person ended by reloading). Driven on Chromium, where
// the test can keep the page from saying goodbye; the tab's sessionStorage outlives a death.
if (ENGINES.includes('chromium')) {
  describe('chromium: after the page died with an app running', () => {
    let engine;
    let replay;
    before(async () => {
      engine = await launchEngine('chromium');
      replay = await startReplay();
    });
    after(async () => {
      await engine?.close();
      await replay?.close();
    });

    test('the reopened conversation does not start that app until the person asks', async () => {
      await withEnginePage(engine, 'died-guard', VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'ok' });
        await send(page, 'a counter');
        await waitForStatus(page, /^Done\./);
        await waitForConsole(page, 'counter ready');
        await sleep(2_500);
        // A page that dies (a crashed renderer, a frozen tab the browser closes) never says
        // goodbye: its pagehide listener does not run. Neither Playwright nor CDP can reopen a
        // crashed tab with its sessionStorage, so the goodbye is made to do nothing (it only
        // removes the studio's mark from sessionStorage), then the page is reloaded.
        await page.evaluate(() => { Storage.prototype.removeItem = () => {}; });
        await page.reload();
        await shown(page, 'prompt-input');
        await waitForStatus(page, /^Opened/);
        await shown(page, 'died-notice');
        assert.equal(await count(page, 'artifact-frame'), 0, 'the app started');
        await page.click('died-run');
        await waitForConsole(page, 'counter ready');
        // A reload that is not a death starts it as usual.
        await page.reload();
        await shown(page, 'prompt-input');
        await waitForConsole(page, 'counter ready');
        assert.equal(await count(page, 'died-notice'), 0);
      });
    });
  });
}
