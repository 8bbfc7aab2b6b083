// The studio's local history through the real UI: conversations saved in IndexedDB survive a
// reload and a crashed tab mid-reply; the History panel searches, renames, deletes and starts
// new conversations; everything exports to one JSON file that imports into a fresh profile,
// with what the apps kept (not what they were allowed).
// The model's prose renders as Markdown with artifact cards that open the artifact.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  artifactFrame, configure, openStudio, problems, send, VIEWPORTS,
  waitForConsole, waitForStatus, withPage,
} from './harness.mjs';
import { setup } from './setup.mjs';

const { server, browser, replay } = await setup('server', 'browser', 'replay');

async function openHistory(page) {
  if (!(await page.getByTestId('history-panel').isVisible())) {
    await page.getByTestId('history-button').click();
  }
  await page.getByTestId('history-panel').waitFor();
}

async function titles(page) {
  await openHistory(page);
  return page.locator('[data-testid=history-item] .history-title').allInnerTexts();
}

async function waitForTitles(page, expected, timeout = 5_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const now = await titles(page);
    if (JSON.stringify(now) === JSON.stringify(expected)) return now;
    if (Date.now() > deadline) assert.deepEqual(now, expected);
    await page.waitForTimeout(100);
  }
}

describe('history', () => {
  test('a conversation comes back after a reload: turns, cards, versions and the running app', async () => {
    await withPage(browser, 'history-reload', VIEWPORTS.desktop, async (page, log) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'patchy' });
      await send(page, 'a counter');
      await waitForStatus(page, /^Done\./);
      await send(page, 'count by two');
      // The refused edit goes back once; the rewrite counts by two.
      for (let i = 0; i < 200 && (await page.getByTestId('turn-user').count()) < 3; i += 1) await page.waitForTimeout(50);
      await waitForStatus(page, /^Done\./);
      // The message Kiln sent for the refused edit is drawn as Kiln's step, not the person's.
      assert.equal(await page.getByTestId('kiln-step').count(), 1);
      assert.match(await page.getByTestId('kiln-step').innerText(), /did not apply/);
      await page.getByTestId('tab-versions').click();
      assert.equal(await page.getByTestId('versions-count').innerText(), '2');
      const cards = await page.getByTestId('artifact-card').allInnerTexts();
      assert.deepEqual(cards.map((c) => c.replace(/\s+/g, ' ').trim()), ['Counter html', 'Edit of “counter” edit', 'Counter html']);
      // The first reply's card opens v2 of the counter (its newest version) in the preview.
      await page.getByTestId('artifact-card').first().click();
      await waitForConsole(page, 'counter ready');
      await waitForTitles(page, ['Counter']);

      await page.reload();
      await page.getByTestId('prompt-input').waitFor();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=turn-user]').length === 3);
      const asked = await page.getByTestId('turn-user').allInnerTexts();
      assert.deepEqual(asked.slice(0, 2), ['a counter', 'count by two']);
      // Kiln's own message, labelled as Kiln's step.
      assert.match(asked[2], /^Kiln: the model's edit did not apply[^\n]*\nYour edit was not applied/);
      assert.match(await page.getByTestId('turn-model').first().innerText(), /Here is your counter\./);
      assert.equal(await page.getByTestId('artifact-card').count(), 3);
      await waitForStatus(page, /^Opened “Counter”\./);
      await waitForConsole(page, 'counter ready');
      await artifactFrame(page).locator('#inc').click();
      await waitForConsole(page, 'count 2');
      await page.getByTestId('tab-versions').click();
      assert.equal(await page.getByTestId('versions-count').innerText(), '2');
      // The conversation carries on where it was: the model is sent all of it.
      replay.requests.length = 0;
      await send(page, 'thanks');
      await waitForStatus(page, /^(Done\.|The model's edit)/);
      const sent = JSON.parse(replay.requests.find((r) => r.method === 'POST').body).messages;
      assert.equal(sent.filter((m) => m.role === 'user').length, 4);
      assert.deepEqual(problems(log).filter((p) => !/favicon/.test(p)), []);
    });
  });

  test('a reply cut off by a crashed tab keeps what had arrived', async () => {
    await withPage(browser, 'history-crash', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'slow' });
      await send(page, 'a slow counter');
      await waitForStatus(page, /^Receiving…/);
      // Long enough for a save while streaming (every 2 s), well before the reply ends (~5 s).
      await page.waitForTimeout(3_000);
      assert.match(await page.getByTestId('status').innerText(), /^Receiving…/);
      const context = page.context();
      await page.close({ runBeforeUnload: false });
      const again = await context.newPage();
      await openStudio(again, server.url);
      await again.waitForFunction(() => document.querySelectorAll('[data-testid=turn-user]').length === 1);
      assert.equal(await again.getByTestId('turn-user').innerText(), 'a slow counter');
      const kept = await again.getByTestId('turn-model').innerText();
      assert.match(kept, /Here is your counter app\./);
      // The app that was being written is kept (unfinished) and shown.
      await again.getByTestId('artifact-frame').waitFor({ state: 'attached' });
      assert.equal(await again.getByTestId('artifact-card').count(), 1);
      assert.match(await again.getByTestId('artifact-card').innerText(), /cut off/);
    });
  });

  test('the panel searches, renames, deletes, and starts a new conversation', async () => {
    await withPage(browser, 'history-panel', VIEWPORTS.phone, async (page, log) => {
      await openStudio(page, server.url);
      await openHistory(page);
      assert.equal(await page.getByTestId('history-empty').count(), 1);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'ok' });
      await send(page, 'a counter');
      await waitForStatus(page, /^Done\./);
      await page.getByTestId('history-new').click();
      assert.equal(await page.getByTestId('turn-user').count(), 0);
      await send(page, 'another counter');
      await waitForStatus(page, /^Done\./);
      await waitForTitles(page, ['Counter', 'Counter']);

      // Rename the newer one (first in the list) with the keyboard.
      await page.getByTestId('history-rename').first().click();
      await page.getByTestId('history-rename-input').fill('Dice roller');
      await page.getByTestId('history-rename-input').press('Enter');
      await waitForTitles(page, ['Dice roller', 'Counter']);
      await page.getByTestId('history-search').fill('DICE');
      assert.deepEqual(await titles(page), ['Dice roller']);
      await page.getByTestId('history-search').fill('nothing like it');
      assert.deepEqual(await titles(page), []);
      await page.getByTestId('history-search').fill('');

      // Open the older one: its own turns come back.
      await page.getByTestId('history-open').nth(1).click();
      await waitForStatus(page, /^Opened “Counter”\./);
      assert.deepEqual(await page.getByTestId('turn-user').allInnerTexts(), ['a counter']);
      assert.equal(await page.locator('[data-testid=history-item].current .history-title').innerText(), 'Counter');

      // Delete the renamed one, after a confirmation; a reload finds only the other.
      await page.getByTestId('history-delete').first().click();
      await page.getByTestId('history-delete-confirm').click();
      await waitForTitles(page, ['Counter']);
      await page.reload();
      await page.getByTestId('prompt-input').waitFor();
      await waitForTitles(page, ['Counter']);
      assert.deepEqual(await page.getByTestId('turn-user').allInnerTexts(), ['a counter']);
      assert.deepEqual(problems(log).filter((p) => !/favicon/.test(p)), []);
    });
  });

  test("an app's data follows it to its next version and travels in an export; its consent does not", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kiln-history-data-'));
    const file = path.join(dir, 'export.json');
    // The `verbatim` model writes back the prompt: each prompt is the version it should write.
    const version = (n, script) => `<kiln-artifact id="notes" kind="html" title="Notes">\n<!DOCTYPE html><body><p>v${n}</p><script>${script}</script></body>\n</kiln-artifact>`;
    const v1 = version(1, "kiln.storage.set('n', 'kept').then(() => { localStorage.setItem('l', 'local'); console.log('V1 WROTE'); });");
    const v2 = version(2, "kiln.storage.get('n').then((v) => console.log('V2 SAW ' + v + ' ' + localStorage.getItem('l')));");
    await withPage(browser, 'history-app-data', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'verbatim' });
      await send(page, v1);
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'V1 WROTE');
      await send(page, v2);
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'V2 SAW kept local');
      // Saved at most every second.
      await page.waitForTimeout(1500);
      await openHistory(page);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('history-export').click(),
      ]);
      await download.saveAs(file);
    });
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(exported.conversations[0].app_data, { notes: { local: { l: 'local' }, kv: { n: 'kept' } } });
    assert.ok(!JSON.stringify(exported).includes('consent'), 'consent in the export');
    await withPage(browser, 'history-app-data-import', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await openHistory(page);
      await page.getByTestId('history-import-input').setInputFiles(file);
      await page.waitForFunction(() => /^Imported 1 conversation\./.test(document.querySelector('[data-testid=history-status]')?.textContent ?? ''));
      await page.getByTestId('history-open').click();
      await waitForConsole(page, 'V2 SAW kept local');
    });
  });

  test('export all, then import into a fresh profile; a wrong file is refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kiln-history-'));
    const file = path.join(dir, 'export.json');
    await withPage(browser, 'history-export', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'patchy' });
      await send(page, 'a counter');
      await waitForStatus(page, /^Done\./);
      await openHistory(page);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('history-export').click(),
      ]);
      assert.match(download.suggestedFilename(), /^kiln-history-\d{4}-\d\d-\d\d\.json$/);
      await download.saveAs(file);
      assert.match(await page.getByTestId('history-status').innerText(), /^Exported 1 conversation\./);
    });
    const exported = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(exported.format, 'kiln-history');
    assert.equal(exported.version, 1);
    assert.equal(exported.conversations.length, 1);
    assert.equal(exported.conversations[0].title, 'Counter');
    assert.ok(!JSON.stringify(exported).includes('sk-'), 'no key in the export');

    await withPage(browser, 'history-import', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await openHistory(page);
      assert.equal(await page.getByTestId('history-empty').count(), 1);
      const wrong = path.join(dir, 'wrong.json');
      writeFileSync(wrong, '{"hello": "world"}');
      await page.getByTestId('history-import-input').setInputFiles(wrong);
      await page.waitForFunction(() => /^Nothing imported: this file is not a Kiln history export/.test(document.querySelector('[data-testid=history-status]')?.textContent ?? ''));
      await page.getByTestId('history-import-input').setInputFiles(file);
      await page.waitForFunction(() => /^Imported 1 conversation\./.test(document.querySelector('[data-testid=history-status]')?.textContent ?? ''));
      await waitForTitles(page, ['Counter']);
      // Importing the same file again keeps what is here.
      await page.getByTestId('history-import-input').setInputFiles(file);
      await page.waitForFunction(() => /already here/.test(document.querySelector('[data-testid=history-status]')?.textContent ?? ''));
      await page.getByTestId('history-open').click();
      await waitForStatus(page, /^Opened “Counter”\./);
      assert.deepEqual(await page.getByTestId('turn-user').allInnerTexts(), ['a counter']);
      await waitForConsole(page, 'counter ready');
      await artifactFrame(page).locator('#inc').click();
      await waitForConsole(page, 'count 1');
    });
  });
});
