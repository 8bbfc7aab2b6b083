// Generating through the real UI against a local replay server that speaks the providers'
// streaming wire formats (tests/e2e/replay.mjs): settings, streaming, live preview, Stop,
// errors, dropped connections, switching provider without a reload, and where the key goes.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  artifactFrame, configure, openStudio, send, VIEWPORTS, waitForConsole,
  waitForStatus, withPage,
} from './harness.mjs';
import { setup } from './setup.mjs';

const KEY = 'sk-test-kiln-6b1f0d';

const { server, browser, replay } = await setup('server', 'browser', 'replay');

// After setup's own after(), which stopped the server: its whole log is in.
after(() => {
  assert.ok(!server.stderr().includes(KEY), 'the key reached kiln serve logs');
});

describe('generating with a model', () => {
  test('a reply streams in, its app runs while it streams, and the key goes only to the provider', async () => {
    await withPage(browser, 'generate-openai', VIEWPORTS.desktop, async (page) => {
      const seen = [];
      page.on('request', (r) => seen.push({ url: r.url(), headers: r.headers(), body: r.postData() ?? '' }));
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'ok', key: KEY });
      // The key field is cleared once saved and never shown again.
      assert.equal(await page.getByTestId('settings-api-key').inputValue(), '');
      replay.requests.length = 0;
      assert.ok(await page.getByTestId('settings-panel').isVisible());
      await send(page, 'a counter');
      await waitForStatus(page, /^Done\./);
      // The settings worked, so their panel steps aside.
      await page.getByTestId('settings-panel').waitFor({ state: 'hidden', timeout: 5_000 });
      // The prose is rendered Markdown, and the app in it is a card that opens it.
      const reply = page.getByTestId('turn-model');
      assert.match(await reply.innerText(), /Here is your counter app\.[\s\S]*Click Add to count\./);
      assert.equal(await reply.locator('strong').innerText(), 'Add');
      assert.doesNotMatch(await reply.innerText(), /<!DOCTYPE|\*\*/);
      assert.equal(await reply.getByTestId('artifact-card').count(), 1);
      // Named by the page's own <title>, as the preview and History name it (not "html-1").
      assert.match(await reply.getByTestId('artifact-card').innerText(), /^Counter\s+html/);
      assert.equal(await page.getByTestId('turn-user').innerText(), 'a counter');
      // The app runs in the sandbox, and works.
      await waitForConsole(page, 'counter ready');
      await artifactFrame(page).locator('#inc').click();
      await waitForConsole(page, 'count 1');
      // The provider got Kiln's system prompt and the key, in its auth header only.
      const chat = replay.requests.find((r) => r.method === 'POST');
      assert.equal(chat.url, '/v1/chat/completions');
      assert.equal(chat.headers.authorization, `Bearer ${KEY}`);
      assert.match(JSON.parse(chat.body).messages[0].content, /artifact/);
      for (const r of seen) {
        const toProvider = r.url.startsWith(replay.origin);
        const carries = r.url.includes(KEY) || r.body.includes(KEY) || JSON.stringify(r.headers).includes(KEY);
        assert.ok(!carries || (toProvider && !r.url.includes(KEY) && !r.body.includes(KEY)), `the key went to ${r.url}`);
      }
    });
  });

  test('a refused edit is sent back once; the rewrite runs; versions show, diff and restore', async () => {
    await withPage(browser, 'generate-repair', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'patchy' });
      replay.requests.length = 0;
      await send(page, 'a counter');
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'counter ready');
      await send(page, 'count by two');
      const posts = () => replay.requests.filter((r) => r.method === 'POST');
      for (let i = 0; i < 200 && posts().length < 3; i += 1) await page.waitForTimeout(50);
      await waitForStatus(page, /^Done\./);
      // Exactly one automatic message, carrying the reason, then nothing more.
      await page.waitForTimeout(500);
      assert.equal(posts().length, 3);
      const auto = JSON.parse(posts()[2].body).messages.at(-1);
      assert.equal(auto.role, 'user');
      assert.match(auto.content, /^Your edit was not applied \(find block 1 of 1 matches 0 times in "counter" v1\)/);
      const asked = await page.getByTestId('turn-user').allInnerTexts();
      assert.deepEqual(asked.slice(0, 2), ['a counter', 'count by two']);
      // Kiln's own message, labelled as Kiln's step.
      assert.match(asked[2], /^Kiln: the model's edit did not apply[^\n]*\nYour edit was not applied/);
      // The rewrite is what runs now: it counts by two.
      await artifactFrame(page).locator('#inc').click();
      await waitForConsole(page, 'count 2');

      // Versions: v1 and the rewrite; their diff; showing v1; restoring it as v3.
      await page.getByTestId('tab-versions').click();
      assert.equal(await page.getByTestId('versions-count').innerText(), '2');
      assert.equal(await page.getByTestId('diff-stats').innerText(), 'v1 → v2: 1 added, 1 removed');
      const changed = await page.locator('[data-testid=diff-view] .diff-add, [data-testid=diff-view] .diff-del').allInnerTexts();
      assert.deepEqual(changed.map((l) => l.trim()), [
        '-   n += 1; document.getElementById("n").textContent = n; console.log("count " + n);',
        '+   n += 2; document.getElementById("n").textContent = n; console.log("count " + n);',
      ]);
      // Showing a version runs it in the Preview tab.
      await page.getByTestId('version-1').click();
      await waitForConsole(page, 'counter ready');
      await artifactFrame(page).locator('#inc').click();
      await waitForConsole(page, 'count 1');
      await page.getByTestId('tab-versions').click();
      assert.equal(await page.getByTestId('version-1').getAttribute('aria-pressed'), 'true');
      await page.getByTestId('restore-version').click();
      await waitForStatus(page, /^Restored v1 as v3/);
      assert.equal(await page.getByTestId('versions-count').innerText(), '3');
      await page.getByTestId('tab-versions').click();
      assert.equal(await page.getByTestId('version-3').getAttribute('aria-pressed'), 'true');
      assert.equal(await page.getByTestId('restore-version').count(), 0);
      // Any two versions compare: v2 with v3 is the change back.
      await page.getByTestId('diff-from').selectOption('2');
      await page.getByTestId('diff-to').selectOption('3');
      assert.equal(await page.getByTestId('diff-stats').innerText(), 'v2 → v3: 1 added, 1 removed');
      // The next message tells the model which version is current.
      replay.requests.length = 0;
      await send(page, 'thanks');
      await waitForStatus(page, /^(Done\.|The model's edit)/);
      const sent = JSON.parse(replay.requests.find((r) => r.method === 'POST').body).messages.at(-1).content;
      assert.match(sent, /^\(I restored version 1 of "counter"\. This is now its current text; edit this one\.\)\n<kiln-artifact id="counter"/);
      assert.match(sent, /n \+= 1;[\s\S]*thanks$/);
    });
  });

  test('code edited by hand in the editor becomes a new version and runs', async () => {
    await withPage(browser, 'generate-hand-edit', VIEWPORTS.desktop, async (page, log) => {
      const editorLoads = [];
      page.on('request', (r) => { if (/\/editor-[0-9a-f]{16}\.js$/.test(r.url())) editorLoads.push(r.url()); });
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'patchy' });
      await send(page, 'a counter');
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'counter ready');
      assert.deepEqual(editorLoads, [], 'the editor loaded before it was needed');
      await page.getByTestId('tab-code').click();
      await page.getByTestId('edit-code').click();
      const content = page.locator('[data-testid=code-editor] .cm-content');
      await content.waitFor({ timeout: 15_000 });
      assert.equal(editorLoads.length, 1);
      // Highlighted as HTML (CodeMirror marks tag names), and styled: the gutter is a column.
      assert.ok(await page.locator('[data-testid=code-editor] .cm-line span').count() > 5);
      assert.equal(await page.locator('[data-testid=code-editor] .cm-gutters').evaluate((g) => getComputedStyle(g).display), 'flex');
      await content.click();
      await page.keyboard.press('Control+End');
      await page.keyboard.insertText('\n<script>console.log("edited by hand")</script>');
      await page.getByTestId('save-edit').click();
      await waitForStatus(page, /^Saved your edit as v2/);
      await waitForConsole(page, 'edited by hand');
      assert.equal(await page.getByTestId('versions-count').innerText(), '2');
      // The model hears of it with the next message.
      replay.requests.length = 0;
      await send(page, 'make it blue');
      await waitForStatus(page, /./);
      for (let i = 0; i < 100 && !replay.requests.some((r) => r.method === 'POST'); i += 1) await page.waitForTimeout(50);
      const sent = JSON.parse(replay.requests.find((r) => r.method === 'POST').body).messages.at(-1).content;
      assert.match(sent, /^\(I edited "counter" by hand\. This is now its current text; edit this one\.\)/);
      assert.match(sent, /edited by hand[\s\S]*make it blue$/);
      assert.deepEqual(log.errors, []);
      // CodeMirror styles itself with constructed style sheets in its shadow root, which the
      // page's CSP allows: nothing is refused, and its styles apply (the gutter sits beside the
      // text, not above it).
      assert.deepEqual(log.console.filter((m) => /Content Security Policy/.test(m.text)), []);
    });
  });

  test('automatic fix, when turned on, sends the errors at most twice after a message', async () => {
    await withPage(browser, 'generate-auto-fix', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      // A working app first, to reach the Console tab and its switch.
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'ok' });
      await send(page, 'a counter');
      await waitForStatus(page, /^Done\./);
      await page.getByTestId('tab-console').click();
      assert.equal(await page.getByTestId('auto-fix').isChecked(), false, 'off by default');
      await page.getByTestId('auto-fix').check();
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'buggy' });
      replay.requests.length = 0;
      await send(page, 'a counter that throws');
      // `buggy` never fixes anything: the message, then two automatic fixes, then it stops.
      await waitForStatus(page, /still shows errors after 2 automatic fixes/, 30_000);
      await page.waitForTimeout(1_500);
      const posts = replay.requests.filter((r) => r.method === 'POST');
      assert.equal(posts.length, 3);
      for (const p of posts.slice(1)) {
        const last = JSON.parse(p.body).messages.at(-1).content;
        assert.match(last, /^The app shows these errors when it runs:\n- .*notDefinedAnywhere/);
      }
      // The switch is kept in this browser.
      assert.equal(await page.evaluate(() => localStorage.getItem('kiln.autofix')), 'on');
    });
  });

  test('the preview runs while the reply streams, and never goes blank between runs', async () => {
    await withPage(browser, 'generate-live', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'slow' });
      // Sample the preview on every change to the page: how many frames are on screen, how
      // many load underneath, which runs there were, and whether the reply was still coming.
      await page.evaluate(() => {
        const runs = new WeakSet();
        window.__preview = { samples: [], runs: 0 };
        const sample = () => {
          const shown = document.querySelectorAll('[data-testid=artifact-frame]');
          const next = document.querySelectorAll('[data-testid=artifact-frame-next]');
          for (const f of [...shown, ...next]) {
            if (!runs.has(f)) { runs.add(f); window.__preview.runs += 1; }
          }
          const status = document.querySelector('[data-testid=status]')?.textContent ?? '';
          window.__preview.samples.push({ shown: shown.length, next: next.length, runs: window.__preview.runs, streaming: !/^Done\./.test(status) });
        };
        new MutationObserver(sample).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      });
      await send(page, 'a counter');
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'counter ready');
      const { samples } = await page.evaluate(() => window.__preview);
      const streaming = samples.filter((s) => s.streaming);
      // The app was running before the reply ended, in more than one run as it grew.
      assert.ok(streaming.some((s) => s.shown === 1), 'no preview while the reply streamed');
      assert.ok(streaming.at(-1).runs >= 2, `only ${streaming.at(-1).runs} run(s) before the reply ended`);
      // Each new run loaded under the one on screen, and the screen was never left empty.
      assert.ok(samples.some((s) => s.shown === 1 && s.next === 1), 'no run loaded under the shown one');
      const first = samples.findIndex((s) => s.shown === 1);
      assert.deepEqual(samples.slice(first).filter((s) => s.shown !== 1), [], 'the preview went blank');
      // Then it settles: one frame, the final version, working.
      assert.equal(await page.getByTestId('artifact-frame').count(), 1);
      await page.waitForFunction(() => !document.querySelector('[data-testid=artifact-frame-next]'));
      await artifactFrame(page).locator('#inc').click();
      await waitForConsole(page, 'count 1');
    });
  });

  test('Stop keeps what arrived; a dropped connection keeps the partial app', async () => {
    await withPage(browser, 'generate-stop-and-cut', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'slow' });
      await send(page, 'a counter');
      await waitForStatus(page, /^Receiving…/);
      await page.getByTestId('stop-generation').click();
      const stopped = await waitForStatus(page, /^Stopped\./);
      assert.match(stopped, /kept/);
      assert.ok((await page.getByTestId('turn-model').innerText()).length > 0);

      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'cut' });
      await send(page, 'a counter again');
      const cut = await waitForStatus(page, /kept/);
      // Says what happened, not that the request failed before an answer.
      assert.match(cut, /^The connection dropped after \d+ characters of the reply\. What arrived is kept; Continue/);
      assert.equal(await page.getByTestId('continue-button').count(), 1);
      // The partial page is in the preview, as a version of its own (not "Versions 0").
      assert.equal(await page.getByTestId('artifact-frame').count(), 1);
      assert.equal(await page.getByTestId('versions-count').innerText(), '1');
    });
  });

  test('a snippet that turns out not to be an app leaves no half-made app in the preview', async () => {
    await withPage(browser, 'generate-discarded-snippet', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'ok' });
      await send(page, 'a counter');
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'counter ready');
      // The "model" writes back what is sent, 200 characters every 100 ms: prose around a
      // three-line html snippet (shown while it streams, then judged a snippet) and a short
      // Python one (never worth a preview).
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'verbatim-slow' });
      const reply = [
        'You can wire a button like this. '.repeat(8),
        '```html\n<button onclick="go()">Go</button>\n<p id="out"></p>\n```',
        'And the same sum in Python. '.repeat(10),
        '```python\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n```',
        'That is all there is to it. '.repeat(12),
      ].join('\n\n');
      await send(page, reply);
      await waitForStatus(page, /^Done\./, 30_000);
      // The app from before the snippet is back, not an "Untitled app" half-written.
      assert.equal(await page.getByTestId('artifact-title').innerText(), 'Counter');
      await waitForConsole(page, 'counter ready');
      assert.equal(await page.getByTestId('artifact-frame').count(), 1);
    });
  });

  test('a bad key says what it means and what to do', async () => {
    await withPage(browser, 'generate-bad-key', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'bad-key', key: 'sk-wrong' });
      await send(page, 'a counter');
      const msg = await waitForStatus(page, /401/);
      // What it means and what to do first, capitalised; the provider's own words as detail.
      assert.match(msg, /^The provider refused the API key\. Check the key/);
      assert.match(await page.getByTestId('status-detail').innerText(), /^401/);
      assert.match(await page.getByTestId('status').getAttribute('class'), /problem/);
      await page.getByTestId('status-open-settings').click();
      await page.getByTestId('settings-panel').waitFor({ state: 'visible', timeout: 5_000 });
      // Nothing half-made stays in the conversation.
      assert.equal(await page.getByTestId('turn-user').count(), 0);
    });
  });

  test('switching provider works without reloading the page', async () => {
    await withPage(browser, 'generate-switch', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'ok' });
      await send(page, 'first');
      await waitForStatus(page, /^Done\./);
      await configure(page, { provider: 'ollama', baseUrl: replay.origin, model: 'ok' });
      replay.requests.length = 0;
      await send(page, 'second');
      await waitForStatus(page, /^Done\./);
      const chat = replay.requests.find((r) => r.method === 'POST');
      assert.equal(chat.url, '/api/chat');
      // The second turn carries the first.
      const messages = JSON.parse(chat.body).messages.map((m) => m.content);
      assert.ok(messages.includes('first') && messages.includes('second'), messages.join(' | '));
      assert.equal(await page.getByTestId('turn-model').count(), 2);
    });
  });

  test('the model list loads from the provider', async () => {
    await withPage(browser, 'generate-models', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: '' });
      await page.getByTestId('settings-load-models').click();
      await page.waitForFunction(() => /2 models/.test(document.querySelector('[data-testid=settings-models-status]')?.textContent ?? ''));
    });
  });

  for (const [provider, path, header, prefix] of [
    ['anthropic', '/v1/messages', 'x-api-key', ''],
    ['gemini', '/v1beta/models/ok:streamGenerateContent?alt=sse', 'x-goog-api-key', ''],
  ]) {
    test(`${provider}: its own wire format streams an app, with the key in its own header`, async () => {
      await withPage(browser, `generate-${provider}`, VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        const key = `${KEY}-${provider}`;
        await configure(page, { provider, baseUrl: replay.origin, model: 'ok', key });
        replay.requests.length = 0;
        await send(page, 'a counter');
        await waitForStatus(page, /^Done\./);
        await waitForConsole(page, 'counter ready');
        const chat = replay.requests.find((r) => r.method === 'POST');
        assert.equal(chat.url, path);
        assert.equal(chat.headers[header], prefix + key);
        assert.equal(chat.headers.authorization, undefined);
        if (provider === 'anthropic') {
          assert.equal(chat.headers['anthropic-dangerous-direct-browser-access'], 'true');
        }
      });
    });
  }

  test('a rate limit before the reply is retried after the provider\'s retry-after', async () => {
    await withPage(browser, 'generate-retry', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'busy' });
      replay.requests.length = 0;
      await send(page, 'a counter');
      const waiting = await waitForStatus(page, /Retrying in/);
      assert.match(waiting, /429|rate/i);
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'counter ready');
      assert.equal(replay.requests.filter((r) => r.method === 'POST').length, 2);
    });
  });

  test('after a dropped connection, Continue asks again and finishes the app', async () => {
    await withPage(browser, 'generate-continue', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'cut-once' });
      await send(page, 'a counter');
      await waitForStatus(page, /kept/);
      await page.getByTestId('continue-button').click();
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'counter ready');
      assert.match(await page.getByTestId('turn-user').last().innerText(), /cut off/);
      assert.equal(await page.getByTestId('continue-button').count(), 0);
    });
  });

  for (const provider of ['openai', 'anthropic', 'gemini', 'ollama']) {
    const baseUrl = () => (provider === 'openai' ? `${replay.origin}/v1` : replay.origin);
    test(`${provider}: multi-byte text split across chunks arrives whole; a cut keeps the partial app`, async () => {
      await withPage(browser, `generate-utf8-cut-${provider}`, VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        await configure(page, { provider, baseUrl: baseUrl(), model: 'utf8', key: 'sk-x' });
        await send(page, 'a counter');
        await waitForStatus(page, /^Done\./);
        await waitForConsole(page, 'zähler 🍅 ready');
        assert.equal(await artifactFrame(page).locator('#title').innerText(), 'Zähler — 计数器 🍅');
        assert.ok(!(await page.getByTestId('turn-model').last().innerText()).includes('\uFFFD'));

        await configure(page, { provider, baseUrl: baseUrl(), model: 'cut' });
        await send(page, 'again');
        const cut = await waitForStatus(page, /kept/);
        assert.match(cut, /dropped|failed|cut/i);
        assert.equal(await page.getByTestId('continue-button').count(), 1);
      });
    });
  }

  test('Fix sends the errors the app threw, with its code, to the model', async () => {
    await withPage(browser, 'generate-fix', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'buggy' });
      await send(page, 'a counter');
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'notDefinedAnywhere');
      replay.requests.length = 0;
      await page.getByTestId('tab-console').click();
      await page.getByTestId('fix-button').click();
      await waitForStatus(page, /^Done\./);
      const chat = replay.requests.find((r) => r.method === 'POST');
      const last = JSON.parse(chat.body).messages.at(-1).content;
      assert.match(last, /errors when it runs/);
      assert.match(last, /notDefinedAnywhere is not defined/);
      assert.match(last, /The current code:/);
      assert.equal(await page.getByTestId('turn-user').count(), 2);
    });
  });
});
