// The main journey and a shared link, on every engine (engines.mjs): model settings, a reply
// that streams in with its app running before it ends, a follow-up edit, the versions, a
// reload that keeps the conversation, and a share link opened by a fresh profile.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { VIEWPORTS } from './harness.mjs';
import {
  configure, count, ENGINES, launchEngine, openStudio, send, shown, text, until, value,
  waitForConsole, waitForStatus, withEnginePage,
} from './engines.mjs';
import { setup } from './setup.mjs';

const { server, replay } = await setup('server', 'replay');

/** Waits until one app frame is left (a new run loads under the one shown, then replaces it). */
async function settled(page) {
  await sleep(200);
  await until(async () => (await count(page, 'artifact-frame')) === 1, 'one app frame', 10_000);
}

// The replies the "model" (replay's verbatim models) writes: a counter, long enough to stream
// for a few seconds, then an edit to it.
const FILLER = `<!-- ${'a comment that makes the reply long enough to stream for a while '.repeat(60)} -->`;
const COUNTER = `Here is a counter.

<kiln-artifact id="counter" kind="html" title="Counter">
<!DOCTYPE html>
<html><body>
<button id="inc">Add</button> <span id="n">0</span>
<script>
let n = 0;
document.getElementById("inc").onclick = () => {
  n += 1;
  document.getElementById("n").textContent = n; console.log("count " + n);
};
console.log("counter v1");
</script>
${FILLER}
</body></html>
</kiln-artifact>
`;
const EDIT = `It counts by two now.

<kiln-edit id="counter">
<<<<<<< SEARCH
  n += 1;
=======
  n += 2;
>>>>>>> REPLACE
<<<<<<< SEARCH
console.log("counter v1");
=======
console.log("counter v2");
>>>>>>> REPLACE
</kiln-edit>
`;

for (const name of ENGINES) {
  describe(`${name}: the studio's main journey`, () => {
    let engine;
    before(async () => { engine = await launchEngine(name); });
    after(async () => { await engine?.close(); });

    test('settings, a streamed reply whose app runs before it ends, an edit, versions, a reload', async () => {
      await withEnginePage(engine, 'journey', VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'verbatim-slow' });
        await page.click('settings-button');
        await send(page, COUNTER);
        // The app runs while the reply is still arriving.
        await until(async () => /^Receiving/.test(await text(page, 'status') ?? '')
          && (await count(page, 'artifact-frame')) > 0, 'the app running while the reply streams', 20_000);
        await waitForStatus(page, /^Done\./, 30_000);
        // The finished reply runs afresh under the streamed one; the click goes to the app
        // that stays (measured: on WebKit a click could land in the one being replaced).
        await settled(page);
        await waitForConsole(page, 'counter v1');
        await page.artifactClick('#inc');
        await waitForConsole(page, 'count 1');

        await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'verbatim' });
        await page.click('settings-button');
        await send(page, EDIT);
        await until(async () => (await count(page, 'turn-user')) === 2, 'the second turn');
        await waitForStatus(page, /^Done\./);
        await settled(page);
        await waitForConsole(page, 'counter v2');
        await page.artifactClick('#inc');
        await waitForConsole(page, 'count 2');
        await page.click('tab-versions');
        assert.equal(await text(page, 'versions-count'), '2');
        await page.click('tab-preview');

        await page.reload();
        await shown(page, 'prompt-input');
        await until(async () => (await count(page, 'turn-user')) === 2, 'both turns back');
        await waitForStatus(page, /^Opened “Counter”\./);
        await waitForConsole(page, 'counter v2');
        assert.equal(await text(page, 'versions-count'), '2');
      });
    });

    test('a shared link opens in a fresh profile, runs, and pre-approves nothing', async () => {
      let link;
      await withEnginePage(engine, 'share-make', VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        const app = `<!DOCTYPE html><html><head><title>Dice</title><meta name="kiln-network" content="https://api.example.org"></head><body>
          <button id="roll">Roll</button><script>
          document.getElementById('roll').onclick = () => console.log('rolled ' + (1 + Math.floor(Math.random() * 6)));
          console.log('dice ready');</script></body></html>`;
        const { runArtifact } = await import('./engines.mjs');
        await runArtifact(page, app);
        await waitForConsole(page, 'dice ready');
        await page.click('share-button');
        await until(async () => (await value(page, 'share-link'))?.includes('#'), 'the link', 20_000);
        link = await value(page, 'share-link');
      });
      await withEnginePage(engine, 'share-open', VIEWPORTS.phone, async (page) => {
        await page.goto(link);
        await shown(page, 'shared-banner', 30_000);
        await waitForConsole(page, 'dice ready');
        await page.artifactClick('#roll');
        await waitForConsole(page, 'rolled');
        assert.equal(await text(page, 'artifact-title'), 'Dice');
        await shown(page, 'network-consent');
        assert.equal(await count(page, 'network-granted'), 0);
      });
    });
  });
}
