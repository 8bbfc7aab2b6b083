// The studio's first screen, through the real UI in headless Chromium.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { artifactFrame, problems, runArtifact, VIEWPORTS, waitForConsole, withPage } from './harness.mjs';
import { setup } from './setup.mjs';

const { server, browser } = await setup('server', 'browser');

/** Waits until the Leptos app has mounted (the wasm has loaded and run). */
async function openStudio(page) {
  const response = await page.goto(server.url);
  assert.equal(response.status(), 200);
  await page.getByTestId('prompt-input').waitFor({ state: 'visible', timeout: 15_000 });
  return response;
}

describe('studio first screen', () => {
  test('loads with no console errors, failed requests or CSP violations', async () => {
    await withPage(browser, 'loads-clean', VIEWPORTS.desktop, async (page, log) => {
      const response = await openStudio(page);
      const csp = response.headers()['content-security-policy'] ?? '';
      assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(await page.title(), 'Kiln');
      await assert.doesNotReject(page.getByTestId('preview-panel').waitFor());
      assert.deepEqual(problems(log), []);
    });
  });

  test('the prompt box takes text, and sending without a key asks for one', async () => {
    await withPage(browser, 'prompt-takes-text', VIEWPORTS.desktop, async (page) => {
      await openStudio(page);
      const input = page.getByTestId('prompt-input');
      await input.fill('A pomodoro timer with a progress ring');
      assert.equal(await input.inputValue(), 'A pomodoro timer with a progress ring');
      // Shift+Enter is a newline, not a send.
      await input.press('Shift+Enter');
      await input.type('and a reset button');
      assert.equal(await input.inputValue(), 'A pomodoro timer with a progress ring\nand a reset button');
      assert.equal(await page.getByTestId('status').textContent(), '');
      await page.getByTestId('send-button').click();
      assert.match(await page.getByTestId('status').textContent(), /Add an API key for anthropic/);
      // The settings open, and nothing was sent or added to the conversation.
      await page.getByTestId('settings-panel').waitFor();
      assert.equal(await page.getByTestId('turn-user').count(), 0);
      assert.equal(await page.getByTestId('prompt-input').inputValue(), 'A pomodoro timer with a progress ring\nand a reset button');
    });
  });

  test('an empty prompt is refused with a reason', async () => {
    await withPage(browser, 'empty-prompt', VIEWPORTS.desktop, async (page) => {
      await openStudio(page);
      await page.getByTestId('prompt-input').fill('   ');
      await page.getByTestId('prompt-input').press('Enter');
      assert.equal(await page.getByTestId('status').textContent(), 'Cannot send: prompt is empty.');
    });
  });

  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    test(`the layout holds at ${viewport.width}×${viewport.height} (${name})`, async () => {
      await withPage(browser, `layout-${name}`, viewport, async (page) => {
        await openStudio(page);
        // Nothing scrolls sideways.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
        const box = async (id) => page.getByTestId(id).boundingBox();
        const input = await box('prompt-input');
        const send = await box('send-button');
        const preview = await box('preview-panel');
        for (const [id, b] of [['prompt-input', input], ['send-button', send], ['preview-panel', preview]]) {
          assert.ok(b && b.width > 0 && b.height > 0, `${id} is not visible`);
          assert.ok(b.x >= 0 && b.x + b.width <= viewport.width + 0.5, `${id} sticks out sideways`);
        }
        // The send button is a comfortable touch target on every viewport.
        assert.ok(send.height >= 32 && send.width >= 44, `send button is ${send.width}×${send.height}`);
        assert.ok(preview.height >= 200, `preview panel is only ${preview.height}px tall`);
        if (name === 'desktop') {
          // Side by side: the conversation on the left, the preview on the right.
          assert.ok(input.x + input.width <= preview.x, 'prompt and preview overlap');
          // The app's title keeps its words in the preview bar, beside Share, More and Stop app.
          await runArtifact(page, '<!DOCTYPE html><title>Monthly budget planner</title><p>budget</p>');
          const title = page.getByTestId('artifact-title');
          await title.filter({ hasText: 'Monthly budget planner' }).waitFor();
          const fits = await title.evaluate((el) => el.scrollWidth <= el.clientWidth);
          assert.ok(fits, `the title is cut to ${(await title.boundingBox()).width}px`);
          const row = (b) => Math.round(b.y + b.height / 2);
          const [t, share, more, stop] = await Promise.all(['artifact-title', 'share-button', 'more-button', 'stop-button'].map(box));
          assert.deepEqual([share, more, stop].map(row), [row(t), row(t), row(t)], 'title and actions share a row');
        } else {
          // Stacked, full width: with nothing to preview yet the prompt comes first, on the
          // first screen; once an app runs, the app comes first.
          assert.ok(input.y + input.height <= preview.y, 'the prompt is not above the empty preview');
          assert.ok(input.y + input.height <= viewport.height, 'the prompt is below the first screen');
          assert.ok(input.width >= viewport.width * 0.8, `prompt is only ${input.width}px wide`);
          await runArtifact(page, '<!DOCTYPE html><title>Dots</title><p>dots</p>');
          const [shown, prompt] = [await box('preview-panel'), await box('prompt-input')];
          assert.ok(shown.y + shown.height <= prompt.y, 'the running app is not above the prompt');
          // The four tabs fit one row under the title and the actions.
          const tabs = await Promise.all(['tab-preview', 'tab-code', 'tab-console', 'tab-versions'].map(box));
          assert.equal(new Set(tabs.map((b) => Math.round(b.y))).size, 1, `tabs wrap: ${tabs.map((b) => b.y).join(', ')}`);
          assert.ok(tabs[0].y > (await box('more-button')).y, 'the tabs are under the actions');
        }
      });
    });
  }
});

describe('parts fetched on demand', () => {
  // The artifact panel, the settings, the code that sends, the History panel and sharing are
  // wasm files of their own (crates/web/src/lazy.rs), fetched in the background after the
  // first load or when first needed. A fetch that fails says so, loses nothing, and is tried
  // again. The service worker is kept out, so what
  // the test does to the network is what the page meets.
  const NO_WORKER = { serviceWorkers: 'block' };
  const TRIED_AGAIN = "<!DOCTYPE html><html><body><script>console.log('tried ' + 'again')</script></body></html>";
  test('a send whose code cannot be fetched keeps the prompt, and the next send works', async () => {
    await withPage(browser, 'turn-chunk-fails', VIEWPORTS.desktop, async (page) => {
      await page.route('**/split_turn-*.wasm', (route) => route.fulfill({ status: 503, body: 'down' }));
      await openStudio(page);
      const input = page.getByTestId('prompt-input');
      await input.fill('A tip calculator');
      await page.getByTestId('send-button').click();
      await page.getByText('could not be loaded').waitFor({ timeout: 10_000 });
      assert.match(await page.getByTestId('status').textContent(), /could not be loaded .* Try again, or reload the page\./);
      assert.equal(await input.inputValue(), 'A tip calculator');
      assert.equal(await page.getByTestId('turn-user').count(), 0);
      await page.unroute('**/split_turn-*.wasm');
      await page.getByTestId('send-button').click();
      // The turn's own code ran this time: it asks for a key, as a first send does.
      await page.getByTestId('settings-panel').waitFor({ timeout: 10_000 });
      assert.match(await page.getByTestId('status').textContent(), /Add an API key for anthropic/);
      assert.equal(await input.inputValue(), 'A tip calculator');
    }, NO_WORKER);
  });

  test('a panel whose code cannot be fetched offers Try again', async () => {
    await withPage(browser, 'panel-chunk-fails', VIEWPORTS.desktop, async (page) => {
      await page.route('**/split_history-*.wasm', (route) => route.abort('internetdisconnected'));
      await openStudio(page);
      await page.getByTestId('history-button').click();
      await page.getByTestId('load-failed').waitFor({ timeout: 10_000 });
      assert.equal(await page.getByTestId('history-panel').count(), 0);
      await page.unroute('**/split_history-*.wasm');
      await page.getByTestId('load-retry').click();
      await page.getByTestId('history-panel').waitFor({ timeout: 10_000 });
      assert.equal(await page.getByTestId('load-failed').count(), 0);
    }, NO_WORKER);
  });

  test("an app whose panel's code cannot be fetched runs after Try again", async () => {
    await withPage(browser, 'preview-chunk-fails', VIEWPORTS.desktop, async (page) => {
      await page.route('**/split_preview-*.wasm', (route) => route.abort('internetdisconnected'));
      await openStudio(page);
      await page.getByTestId('prompt-input').fill(TRIED_AGAIN);
      await page.getByTestId('run-pasted').click();
      await page.getByTestId('load-failed').waitFor({ timeout: 10_000 });
      assert.equal(await page.getByTestId('artifact-frame').count(), 0);
      await page.unroute('**/split_preview-*.wasm');
      await page.getByTestId('load-retry').click();
      await page.getByTestId('artifact-frame').waitFor({ state: 'attached', timeout: 10_000 });
      await waitForConsole(page, 'tried again');
      assert.equal(await page.getByTestId('load-failed').count(), 0);
    }, NO_WORKER);
  });

  test("settings whose code cannot be fetched offer Try again, and apps still run", async () => {
    await withPage(browser, 'settings-chunk-fails', VIEWPORTS.desktop, async (page) => {
      await page.route('**/split_settings-*.wasm', (route) => route.abort('internetdisconnected'));
      await openStudio(page);
      // The artifact panel waits for the settings' code only until that fails.
      await runArtifact(page, TRIED_AGAIN);
      await waitForConsole(page, 'tried again');
      await page.getByTestId('settings-button').click();
      await page.getByTestId('load-failed').waitFor({ timeout: 10_000 });
      assert.equal(await page.getByTestId('settings-panel').count(), 0);
      await page.unroute('**/split_settings-*.wasm');
      await page.getByTestId('load-retry').click();
      await page.getByTestId('settings-api-key').waitFor({ timeout: 10_000 });
      assert.equal(await page.getByTestId('load-failed').count(), 0);
    }, NO_WORKER);
  });

  test('the studio opens and takes a prompt with every part held back', async () => {
    await withPage(browser, 'first-load-only', VIEWPORTS.desktop, async (page) => {
      // Held, not failed: the page must not wait for them to be interactive.
      const held = [];
      await page.route(/\/(split_[a-z]+|chunk_[0-9]+)-[0-9a-f]{16}\.wasm$/, (route) => { held.push(route.request().url()); });
      await openStudio(page);
      const input = page.getByTestId('prompt-input');
      await input.fill('A unit converter');
      assert.equal(await input.inputValue(), 'A unit converter');
      await page.getByTestId('preview-empty').waitFor();
      // They were asked for after the first load, in the background, the code that sends first
      // (with a chunk it shares with another part, asked for alongside it).
      const parts = () => held.filter((u) => /\/split_/.test(u));
      for (let i = 0; parts().length === 0 && i < 100; i += 1) await new Promise((r) => setTimeout(r, 50));
      assert.ok(parts().length > 0, `the page never fetched its parts (asked for: ${held.join(', ')})`);
      assert.match(parts()[0], /\/split_turn-/);
    }, NO_WORKER);
  });
});

describe('taking the app away', () => {
  test('Download saves the app as one HTML file that opens on its own', async () => {
    const { readFileSync } = await import('node:fs');
    const { runArtifact, waitForConsole } = await import('./harness.mjs');
    const app = `<!DOCTYPE html><html><head><title>Take away</title></head><body><p id="p">made in kiln</p>
<script>document.getElementById('p').textContent += ' and running'; console.log('take away ready');</script></body></html>`;
    await withPage(browser, 'studio-download', VIEWPORTS.desktop, async (page) => {
      await openStudio(page);
      await runArtifact(page, app);
      await waitForConsole(page, 'take away ready');
      await page.getByTestId('more-button').click();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('artifact-download').click(),
      ]);
      assert.equal(download.suggestedFilename(), 'take-away.html');
      const saved = readFileSync(await download.path(), 'utf8');
      assert.equal(saved, app);
      // Standalone: straight from the file, no Kiln around it.
      const { mkdtempSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const file = `${mkdtempSync(`${tmpdir()}/kiln-dl-`)}/${download.suggestedFilename()}`;
      await download.saveAs(file);
      const standalone = await page.context().newPage();
      await standalone.goto(`file://${file}`);
      assert.equal(await standalone.locator('#p').innerText(), 'made in kiln and running');
    });
  });

  test('a React app downloads as one HTML file that runs offline, and its source as a second choice', async () => {
    const { readFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { runArtifact, waitForConsole } = await import('./harness.mjs');
    const component = `import { useEffect, useState } from 'react';
import { LineChart, Line } from 'recharts';
export default function Tally() {
  const [n, setN] = useState(0);
  useEffect(() => console.log('tally ready'), []);
  return <div className="p-4">
    <button id="more" className="bg-blue-600 text-white" onClick={() => { setN(n + 1); console.log('tally ' + (n + 1)); }}>Tally {n}</button>
    <LineChart width={200} height={80} data={[{ y: 1 }, { y: 3 }]}><Line dataKey="y" isAnimationActive={false} /></LineChart>
  </div>;
}`;
    await withPage(browser, 'studio-download-react', VIEWPORTS.desktop, async (page) => {
      await openStudio(page);
      await runArtifact(page, `<kiln-artifact id="tally" kind="react" title="Tally board">\n${component}\n</kiln-artifact>`);
      await waitForConsole(page, 'tally ready', 30_000);
      await artifactFrame(page).locator('#more').click();
      await waitForConsole(page, 'tally 1');
      await page.getByTestId('more-button').click();
      assert.match(await page.getByTestId('artifact-download').innerText(), /runs offline/);
      const [app] = await Promise.all([
        page.waitForEvent('download', { timeout: 30_000 }),
        page.getByTestId('artifact-download').click(),
      ]);
      assert.equal(app.suggestedFilename(), 'tally-board.html');
      const dir = mkdtempSync(`${tmpdir()}/kiln-dl-`);
      const file = `${dir}/${app.suggestedFilename()}`;
      await app.saveAs(file);
      const html = readFileSync(file, 'utf8');
      assert.ok(!/\s(src|href)="(https?:|\.\/)/.test(html), 'nothing is loaded from elsewhere');
      // Opened from the file with the network off: the component, its chart library, React and
      // Tailwind all come from inside it.
      const offline = await browser.newContext({ offline: true });
      try {
        const standalone = await offline.newPage();
        const errors = [];
        standalone.on('pageerror', (e) => errors.push(String(e)));
        standalone.on('requestfailed', (r) => errors.push(`request ${r.url().slice(0, 80)}`));
        await standalone.goto(`file://${file}`);
        await standalone.locator('#more').click();
        assert.equal(await standalone.locator('#more').innerText(), 'Tally 1');
        assert.equal(await standalone.locator('svg .recharts-line').count(), 1);
        assert.notEqual(await standalone.locator('#more').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgba(0, 0, 0, 0)', 'Tailwind styled it');
        assert.equal(await standalone.title(), 'Tally board');
        assert.deepEqual(errors, []);
      } finally {
        await offline.close();
      }
      // The source, for a project of one's own.
      await page.getByTestId('more-button').click();
      const [source] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('artifact-download-source').click(),
      ]);
      assert.equal(source.suggestedFilename(), 'tally-board.jsx');
      assert.equal(readFileSync(await source.path(), 'utf8').trimEnd(), component);
      // The menu closed after each choice.
      assert.equal(await page.getByTestId('artifact-download').isVisible(), false);
    });
  });
});

describe('on a phone', () => {
  /** Whether the element is wholly inside the viewport. */
  const inView = (page, testid) => page.getByTestId(testid).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;
  });

  test('a first visit shows the prompt box on the first screen', async () => {
    await withPage(browser, 'phone-first-screen', VIEWPORTS.phone, async (page) => {
      await openStudio(page);
      assert.equal(await page.evaluate(() => window.scrollY), 0);
      assert.ok(await inView(page, 'prompt-input'), 'the prompt box is below the first screen');
      assert.ok(await inView(page, 'send-button'), 'Send is below the first screen');
    });
  });

  test('Share, pressed with the page scrolled down, opens where it can be seen', async () => {
    await withPage(browser, 'phone-share', VIEWPORTS.phone, async (page) => {
      await openStudio(page);
      await runArtifact(page, '<!DOCTYPE html><title>Dots</title><p>dots</p>');
      await page.getByTestId('share-button').scrollIntoViewIfNeeded();
      await page.evaluate(() => window.scrollBy(0, 200));
      await page.getByTestId('share-button').click();
      await page.getByTestId('share-dialog').waitFor({ state: 'visible', timeout: 10_000 });
      await page.waitForFunction(() => {
        const r = document.querySelector('[data-testid="share-dialog"]').getBoundingClientRect();
        return r.top >= 0 && r.top < window.innerHeight;
      }, null, { timeout: 5_000 });
    });
  });
});
