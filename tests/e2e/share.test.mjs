// Share links through the real UI: make one, open it in a fresh browser profile, see the same
// app run under the shared banner with nothing pre-approved; a corrupted link gets the error
// page; Remix turns it into a conversation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  artifactFrame, openStudio, runArtifact, VIEWPORTS, waitForArtifactFrame, waitForConsole,
  withPage,
} from './harness.mjs';
import { setup } from './setup.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEY = 'sk-share-test-91ac';
const APP = `<!DOCTYPE html><html><head><title>Dice</title>
<meta name="kiln-network" content="https://api.example.org"></head>
<body><button id="roll">Roll</button><output id="out"></output><script>
document.getElementById('roll').onclick = () => { document.getElementById('out').textContent = 4; console.log('rolled'); };
console.log('dice ready');
</script></body></html>`;

const { server, browser } = await setup('server', 'browser');

async function makeLink(page) {
  await openStudio(page, server.url);
  // A key in the settings must never end up in the link.
  await page.getByTestId('settings-button').click();
  await page.getByTestId('settings-api-key').fill(KEY);
  await page.getByTestId('settings-save-key').click();
  await runArtifact(page, APP);
  await waitForConsole(page, 'dice ready');
  await page.getByTestId('share-button').click();
  const link = await page.getByTestId('share-link').inputValue();
  assert.ok(link.startsWith(server.url + '#'), link);
  assert.match(await page.getByTestId('share-length').innerText(), new RegExp(`^${link.length} characters`));
  assert.equal(await page.getByTestId('share-warning').count(), 0);
  return link;
}

describe('share links', () => {
  test('a shared app opens in a fresh profile and runs, with nothing pre-approved', async () => {
    let link;
    await withPage(browser, 'share-make', VIEWPORTS.desktop, async (page) => { link = await makeLink(page); });
    // What the link carries, decoded by the CLI: the app, and nothing of the person's.
    const decoded = execFileSync(path.join(root, 'target/debug/kiln'), ['share', 'decode', link], { encoding: 'utf8' });
    assert.ok(decoded.includes('dice ready'));
    assert.ok(!decoded.includes(KEY));
    assert.ok(!link.includes(KEY));

    await withPage(browser, 'share-open', VIEWPORTS.phone, async (page) => {
      await page.goto(link);
      await page.getByTestId('shared-banner').waitFor({ timeout: 15_000 });
      await waitForConsole(page, 'dice ready');
      await artifactFrame(page).locator('#roll').click();
      await waitForConsole(page, 'rolled');
      assert.equal(await page.getByTestId('artifact-title').innerText(), 'Dice');
      // The network the app declares is asked for, not granted.
      await page.getByTestId('network-consent').waitFor();
      assert.equal(await page.getByTestId('network-granted').count(), 0);
      await page.getByTestId('view-code-button').click();
      assert.match(await page.getByTestId('code-view').innerText(), /dice ready/);
      await page.getByTestId('remix-button').click();
      assert.equal(await page.getByTestId('shared-banner').count(), 0);
      assert.equal(new URL(page.url()).hash, '');
    });
  });

  test('a corrupted or truncated link shows the error page', async () => {
    let link;
    await withPage(browser, 'share-make-2', VIEWPORTS.desktop, async (page) => { link = await makeLink(page); });
    const cut = link.slice(0, link.length - 10);
    const garbled = link.slice(0, -20) + 'x'.repeat(20);
    const junk = `${server.url}#2${'a'.repeat(70 * 1024)}`;
    for (const [name, bad] of [['truncated', cut], ['garbled', garbled], ['not a link', `${server.url}#hello`], ['long junk', junk]]) {
      await withPage(browser, `share-broken-${name.replace(/ /g, '-')}`, VIEWPORTS.desktop, async (page, log) => {
        await page.goto(bad);
        const err = page.getByTestId('share-error');
        await err.waitFor({ timeout: 15_000 });
        assert.match(await err.innerText(), /cannot be opened/);
        assert.equal(await page.getByTestId('artifact-frame').count(), 0);
        assert.deepEqual(log.errors, [], 'the page threw');
      });
    }
  });

  test('a link made before format v2 still opens and runs', async () => {
    // The golden v1 link of crates/core/tests/all/share.rs, as people shared it before v2.
    const v1 = '1S3r:IMSXOj1~1zNC_,2TvMlitwF,kc6DDas2sm-qmT?,HwRpjZuRcp2ZYCfQQyMLyJ2/g8K'
      + 'YgT!fRnnoHC.zw0MaT3-ThYfYV6qhJUYb/z!+Zhb:hC2/*~p_=YzxwPJrIbb@608QmO:Sb0M'
      + 'qV@w+ibV5y7,ce6G~mTT3zB:tDiGq2lg!PnA73kTV';
    await withPage(browser, 'share-open-v1', VIEWPORTS.desktop, async (page, log) => {
      await page.goto(`${server.url}#${v1}`);
      await page.getByTestId('shared-banner').waitFor({ timeout: 15_000 });
      assert.equal(await page.getByTestId('artifact-title').innerText(), 'Counter — v1 golden link');
      let frame;
      for (let i = 0; i < 150 && !(frame = artifactFrame(page)); i++) await page.waitForTimeout(100);
      const button = frame.locator('#b');
      await button.click();
      assert.equal(await button.innerText(), 'Clicked 1 times ✨');
      assert.deepEqual(log.errors, [], 'the page threw');
    });
  });

  test('a short link that declares a 1 MiB body opens without freezing the page', async () => {
    // Very predictable text codes to almost nothing, so a link of a few KB can make the page
    // decode a megabyte: it must do so in slices, with the page free in between.
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-share-')), 'huge.html');
    fs.writeFileSync(file, `<p id="p">${'a'.repeat(1_000_000)}</p>`);
    const link = execFileSync(path.join(root, 'target/debug/kiln'), ['share', 'encode', file, '--base', server.url], { encoding: 'utf8' }).trim();
    assert.ok(link.length < 16_000, `${link.length} characters`);
    await withPage(browser, 'share-open-huge', VIEWPORTS.desktop, async (page, log) => {
      // Longest pause of a 20 ms timer while the page says it is opening the link.
      await page.addInitScript(() => {
        window.kilnGaps = [];
        let last = performance.now();
        setInterval(() => {
          const now = performance.now();
          if (document.querySelector('[data-testid="share-opening"]')) window.kilnGaps.push(now - last);
          last = now;
        }, 20);
      });
      await page.goto(link);
      await page.getByTestId('share-opening').waitFor({ timeout: 15_000 });
      await page.getByTestId('shared-banner').waitFor({ timeout: 90_000 });
      const gaps = await page.evaluate(() => window.kilnGaps);
      assert.ok(gaps.length > 20, `${gaps.length} ticks while opening`);
      const longest = Math.max(...gaps);
      assert.ok(longest < 500, `the page froze for ${Math.round(longest)} ms`);
      const frame = await waitForArtifactFrame(page);
      await frame.locator('#p').waitFor({ state: 'attached' });
      assert.equal(await frame.locator('#p').evaluate((p) => p.textContent.length), 1_000_000);
      assert.deepEqual(log.errors, [], 'the page threw');
    });
  });

  test('the codec dictionary is fetched only for links, and a missing one is a clear error', async () => {
    let link;
    await withPage(browser, 'share-dictionary', VIEWPORTS.desktop, async (page) => {
      const fetched = [];
      page.on('request', (r) => { if (r.url().includes('share-dictionary-')) fetched.push(r.url()); });
      await openStudio(page, server.url);
      await runArtifact(page, APP);
      await waitForConsole(page, 'dice ready');
      assert.deepEqual(fetched, [], 'the page loaded the dictionary without a link');
      link = await makeLink(page);
      assert.equal(fetched.length, 1);
    });
    await withPage(browser, 'share-dictionary-missing', VIEWPORTS.desktop, async (page, log) => {
      await page.route('**/share-dictionary-*', (route) => route.fulfill({ status: 404, body: 'gone' }));
      await page.goto(link);
      const err = page.getByTestId('share-error');
      await err.waitFor({ timeout: 15_000 });
      assert.match(await err.innerText(), /share links are not available: .*answered 404/);
      assert.deepEqual(log.errors, [], 'the page threw');
    });
  });
});
