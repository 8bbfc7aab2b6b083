// Share links through the real UI: make one, open it in a fresh browser profile, see the same
// app run under the shared banner with nothing pre-approved; a corrupted link gets the error
// page; Remix turns it into a conversation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  artifactFrame, launchBrowser, openStudio, runArtifact, startServer, VIEWPORTS, waitForConsole, withPage,
} from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEY = 'sk-share-test-91ac';
const APP = `<!DOCTYPE html><html><head><title>Dice</title>
<meta name="kiln-network" content="https://api.example.org"></head>
<body><button id="roll">Roll</button><output id="out"></output><script>
document.getElementById('roll').onclick = () => { document.getElementById('out').textContent = 4; console.log('rolled'); };
console.log('dice ready');
</script></body></html>`;

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

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
    const huge = `${server.url}#1${'a'.repeat(70 * 1024)}`;
    for (const [name, bad] of [['truncated', cut], ['garbled', garbled], ['not a link', `${server.url}#hello`], ['too long', huge]]) {
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
