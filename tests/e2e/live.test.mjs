// Live apps (issue 19): the in-frame API `window.kiln`, through the real UI on every engine
// (engines.mjs), with the replay server as the person's provider (`verbatim` echoes the last
// user message, `verbatim-slow` in 200-character parts every 100 ms). Covered: a model call
// asks the person first (the studio's prompt, never the app's), then runs with only what the
// app sent, metered, and logged in the Console; streaming; Don't allow, Allow once, Allow for
// this session, Always allow; the budget; Revoke and Stop app cancelling a streaming call;
// `kiln.storage` kept across reloads, its list/delete, its quota, one app's data apart from
// another's; a shared link asks its viewer again; `kiln.storage.shared` seen from two profiles
// on one short link, bounded under a flood, out of reach of another app. Then apps that attack the API: a flood of
// calls before consent, a forged consent (a fake prompt drawn in the frame, forged replies and
// runner envelopes), an app hunting for the API key and the provider's address, a 100 MB
// prompt, a storm of storage writes; the studio must keep answering through all of them.
//
// ASSUMED here, beyond what the spec of issue 19 and the existing tests say (the implementation
// must honour these, or change the test with it):
// - The consent prompt (`model-consent`) is in the studio's document and is shown only while a
//   call waits for the person's answer; its text has the app's title (a pasted app's <title>,
//   as `artifact-title` shows it) and the model's name. `model-budget` is an <input> read when
//   an allow button is clicked (set as a paste would: `input` and `change` events).
// - `model-meter` is shown once the app is allowed and its text contains
//   "Model: <used> / <budget> tokens" (separators inside the numbers are ignored); it holds
//   `model-revoke`, a button that does NOT run the app again (unlike the network Revoke): the
//   app's calls in flight reject `cancelled` in the still-running app.
// - The Console line of a finished call contains "kiln.complete #<n>: <status>, <tokens> tokens"
//   anywhere in the row (after the time of day); calls are numbered from 1 per app run.
// - Stop app (`stop-button`) cancels a call in flight and the Console (not cleared by Stop) gets
//   "kiln.complete #1: cancelled"; "Run again" (`reload-button`) keeps "Allow for this session"
//   (the page was not reloaded), so the run's calls go without asking. The same for running the
//   same pasted content again in the same page (same content, same app).
// - A call refused by its checks (`invalid`, `too_large`, counted in UTF-8 bytes) is refused
//   before the person is asked: no prompt, nothing sent.
// - `kiln.storage` needs no consent. A key+value over 1 MiB and an empty key reject `invalid`.
//   Storage calls are applied in the order the app made them; a rejected set changes nothing.
//   Calls past what the runner queues may reject (any code); only acknowledged writes are
//   checked after the reload.
// - Calls refused `busy` do not use up the pace: after a flood and Allow for this session,
//   sequential calls meet `rate_limited` within the burst of 5.
// - "Always allow" is kept for the app in this browser across a reload, without a wait.
// - The studio sends app calls with the saved key (in a request header), straight to the base URL.
// - The forger reads the bridge's token as the flood tests of hostile.test.mjs do
//   (`const TOKEN = "<hex>"` in the frame's first script).
// Timings: storage is saved at most every second (1.5 s before a reload, as hostile.test.mjs);
// the studio answers typing and opens settings within 1 s (as the flood tests); a call the frame
// refuses for its size settles within 1.5 s; "nothing happened" is checked after 0.8 s.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VIEWPORTS } from './harness.mjs';
import {
  configure, consoleLines, count, ENGINES, fill, launchEngine, openStudio, responsiveness,
  runArtifact, shown, text, until, value, waitForConsole, withEnginePage,
} from './engines.mjs';
import { setup } from './setup.mjs';

const { server, replay } = await setup('server', 'replay');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/** A pasted app titled `title`: `js` runs after `html`, with `log` and `code(e)` (the error's
 * code, if it is a KilnError) at hand. Interpolate test values with JSON.stringify. */
const app = (title, js, html = '') => `<!DOCTYPE html><html><head><title>${title}</title></head><body>${html}<script>
const log = (s) => console.log(s);
const code = (e) => (e && e.name === 'KilnError' && typeof e.code === 'string' ? e.code : 'not-a-KilnError:' + e);
${js}
</script></body></html>`;

/** A marker no other test sends, so the replay server's log can be searched for it. */
let marks = 0;
const mark = (what) => `${what}-${(marks += 1)}-${Date.now().toString(36)}`;

/** The model requests the replay server got that carry `needle`. */
const sentWith = (needle) => replay.requests.filter((r) => r.method === 'POST' && r.body.includes(needle));

/** The replay server as the person's provider, `model` as the model; the panel closed again. */
async function useReplay(page, model = 'verbatim') {
  await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model });
  await page.click('settings-button');
}

/** Answers the studio's consent prompt: `once`, `session` or `always`, with a budget if given. */
async function allow(page, which = 'session', budget = undefined) {
  await shown(page, 'model-consent');
  if (budget !== undefined) await fill(page, 'model-budget', String(budget));
  await page.click(`model-allow-${which}`);
}

async function deny(page) {
  await shown(page, 'model-consent');
  await page.click('model-deny');
}

/** The meter's numbers, or null while it is not shown. */
async function meter(page) {
  const m = /Model:\s*([\d.,\s\u00a0\u202f]+?)\s*\/\s*([\d.,\s\u00a0\u202f]+?)\s*tokens/.exec(await text(page, 'model-meter') ?? '');
  return m && { used: Number(m[1].replace(/\D/g, '')), budget: Number(m[2].replace(/\D/g, '')) };
}

/** Waits until a Console line matches `re`; returns all lines. */
async function waitForLine(page, re, timeout = 10_000) {
  let lines = [];
  try {
    await until(async () => {
      lines = await consoleLines(page);
      return lines.some((l) => re.test(l));
    }, `a console line matching ${re}`, timeout);
  } catch (err) {
    err.message += `; the console has ${JSON.stringify(lines.slice(-20))}`;
    throw err;
  }
  return lines;
}

const has = (lines, needle) => lines.some((l) => l.includes(needle));
const line = (lines, needle) => lines.find((l) => l.includes(needle)) ?? '';

/** Waits `ms` with nothing to wait for, then checks the Console has no line with `needle`. */
async function stillNo(page, needle, ms = 800) {
  await sleep(ms);
  const lines = await consoleLines(page);
  assert.ok(!has(lines, needle), `the console has ${JSON.stringify(line(lines, needle))}`);
}

/** The flood tests' check: three rounds of typing and opening settings, each within 1 s. */
async function assertResponsive(page, what) {
  const worst = { typing: 0, settings: 0 };
  for (let i = 0; i < 3; i += 1) {
    const r = await responsiveness(page);
    worst.typing = Math.max(worst.typing, r.typing);
    worst.settings = Math.max(worst.settings, r.settings);
    await sleep(300);
  }
  console.log(`# ${page.engine} ${what}: typing ${worst.typing} ms, settings ${worst.settings} ms`);
  assert.ok(worst.typing < 1000, `typing took ${worst.typing} ms`);
  assert.ok(worst.settings < 1000, `opening settings took ${worst.settings} ms`);
}

/** A call that streams `prompt` with `onText`: "FIRST PIECE" at its first piece, then
 * "FIRST GOT <length>" or "FIRST ERR <code> after <pieces>"; then one more call, `again`:
 * "AGAIN GOT <text>" or "AGAIN ERR <code>". */
const streamer = (title, prompt, again) => app(title, `
let pieces = 0;
kiln.complete({ prompt: ${JSON.stringify(prompt)}, onText: () => { pieces += 1; if (pieces === 1) log('FIRST PIECE'); } })
  .then((t) => log('FIRST GOT ' + t.length), (e) => log('FIRST ERR ' + code(e) + ' after ' + pieces))
  .then(() => kiln.complete({ prompt: ${JSON.stringify(again)} }))
  .then((t) => log('AGAIN GOT ' + t), (e) => log('AGAIN ERR ' + code(e)));
`);

/** Writes a value the first time, reads it (and lists) the next. */
const keeper = app('Keeper', `
(async () => {
  const s = kiln.storage;
  const had = await s.get('note');
  if (had !== null) {
    log('KEPT ' + had + ' ' + JSON.stringify(await s.list()) + ' local=' + localStorage.getItem('note'));
    return;
  }
  const r = [];
  await s.set('note', 'kept-across-reloads');
  await s.set('p:b', 'B');
  await s.set('p:a', 'A');
  await s.set('q:c', 'C');
  await s.set('n', 42);
  r.push('num=' + JSON.stringify(await s.get('n')));
  r.push('list=' + JSON.stringify(await s.list('p:')));
  r.push('del=' + (await s.delete('p:a')) + '/' + (await s.delete('p:a')));
  r.push('after=' + JSON.stringify(await s.list('p:')));
  r.push('missing=' + (await s.get('nope')));
  r.push('all=' + JSON.stringify(await s.list()));
  try { await s.shared.get('x'); r.push('shared=ok'); } catch (e) { r.push('shared=' + code(e)); }
  try { await s.set('', 'v'); r.push('empty=ok'); } catch (e) { r.push('empty=' + code(e)); }
  log('WROTE ' + r.join(' '));
})().catch((e) => log('FAILED ' + code(e)));
`);

for (const name of ENGINES) {
  describe(`${name}: live apps (window.kiln)`, () => {
    let engine;
    before(async () => { engine = await launchEngine(name); });
    after(async () => { await engine?.close(); });
    const run = (title, body, viewport = VIEWPORTS.desktop) =>
      test(title, () => withEnginePage(engine, `live-${slug(title).slice(0, 55)}`, viewport, body));

    run('a model call asks first, then sends only what the app sent, is metered and logged; the session needs no second yes', async (page) => {
      await openStudio(page, server.url);
      await useReplay(page);
      const [first, second, system] = [mark('first'), mark('second'), mark('system')];
      await runArtifact(page, app('Echo Garden', `
        log('API ' + kiln.version + ' ' + Object.isFrozen(kiln) + ' ' + typeof kiln.complete);
        (async () => {
          try { log('GOT ' + await kiln.complete({ prompt: ${JSON.stringify(first)} })); } catch (e) { log('ERR ' + code(e)); }
          try {
            log('GOT2 ' + await kiln.complete({ system: ${JSON.stringify(system)}, messages: [
              { role: 'user', content: 'u1' }, { role: 'assistant', content: 'a1' }, { role: 'user', content: ${JSON.stringify(second)} }] }));
          } catch (e) { log('ERR2 ' + code(e)); }
        })();
      `));
      await waitForConsole(page, 'API 1 true function');
      await shown(page, 'model-consent');
      const asking = await text(page, 'model-consent');
      assert.ok(asking.includes('Echo Garden'), asking);
      assert.ok(asking.includes('verbatim'), asking);
      assert.equal(Number((await value(page, 'model-budget')).replace(/\D/g, '')), 20000);
      assert.deepEqual(sentWith(first), [], 'the call was sent before the person answered');
      await allow(page, 'session');
      await waitForConsole(page, `GOT ${first}`);
      // The second call went without asking.
      await waitForConsole(page, `GOT2 ${second}`);
      assert.equal(await count(page, 'model-consent'), 0);
      // Only what the app sent: no Kiln system prompt, no conversation, no tools.
      const [req] = sentWith(first);
      const body = JSON.parse(req.body);
      assert.equal(body.model, 'verbatim');
      assert.deepEqual(body.messages.map((m) => [m.role, m.content]), [['user', first]]);
      assert.equal(body.tools, undefined);
      const body2 = JSON.parse(sentWith(second)[0].body);
      assert.deepEqual(body2.messages.map((m) => [m.role, m.content]),
        [['system', system], ['user', 'u1'], ['assistant', 'a1'], ['user', second]]);
      const m = await until(async () => { const v = await meter(page); return v && v.used > 0 ? v : null; }, 'the meter to count tokens');
      assert.equal(m.budget, 20000);
      assert.ok(m.used < m.budget, JSON.stringify(m));
      const logged = await waitForLine(page, /kiln\.complete #2: done, \d+ tokens/);
      assert.ok(logged.some((l) => /kiln\.complete #1: done, \d+ tokens, [\d.]+ s/.test(l)), logged.join('\n'));
    });

    run('a streamed call hands the text over in pieces and resolves with the whole of it', async (page) => {
      await openStudio(page, server.url);
      await useReplay(page, 'verbatim-slow');
      const prompt = `${mark('stream')} ${'streaming-words '.repeat(62)}end`;
      assert.ok(prompt.length > 1000);
      await runArtifact(page, app('Stream Check', `
        const P = ${JSON.stringify(prompt)};
        let calls = 0, acc = '', consistent = true;
        kiln.complete({ prompt: P, onText: (piece, soFar) => { calls += 1; acc += piece; if (soFar !== acc) consistent = false; } })
          .then((t) => log('STREAM pieces=' + calls + ' whole=' + (t === P) + ' sofar=' + consistent + ' joined=' + (acc === P)),
            (e) => log('STREAM ERR ' + code(e)));
      `));
      await allow(page, 'session');
      const lines = await waitForConsole(page, 'STREAM ', 20_000);
      const got = line(lines, 'STREAM ');
      const m = /STREAM pieces=(\d+) whole=true sofar=true joined=true$/.exec(got);
      assert.ok(m, got);
      assert.ok(Number(m[1]) > 1, `onText was called ${m[1]} times`);
    });

    run("Don't allow rejects the call; Allow once lets the waiting call through and the next one asks again", async (page) => {
      await openStudio(page, server.url);
      await useReplay(page);
      const [a, b, c] = [mark('deny'), mark('once'), mark('again')];
      await runArtifact(page, app('Asker', `
        (async () => {
          for (const tag of ${JSON.stringify([a, b, c])}) {
            try { log('GOT ' + await kiln.complete({ prompt: tag })); } catch (e) { log('ERR ' + code(e) + ' ' + tag); }
          }
        })();
      `));
      await deny(page);
      await waitForConsole(page, `ERR denied ${a}`);
      assert.deepEqual(sentWith(a), []);
      // The next call waits for an answer again.
      await shown(page, 'model-consent');
      await stillNo(page, `GOT ${b}`);
      assert.deepEqual(sentWith(b), []);
      await allow(page, 'once');
      await waitForConsole(page, `GOT ${b}`);
      // Once was for the call that waited: the third asks again.
      await shown(page, 'model-consent');
      await stillNo(page, `GOT ${c}`);
      assert.deepEqual(sentWith(c), []);
      await deny(page);
      await waitForConsole(page, `ERR denied ${c}`);
      await waitForLine(page, /kiln\.complete #\d+: denied/);
    });

    run('past the budget a call rejects budget, and the meter never shows more used than allowed', async (page) => {
      await openStudio(page, server.url);
      await useReplay(page);
      const prompt = `${mark('budget')} `.padEnd(400, 'b');
      await runArtifact(page, app('Spender', `
        (async () => {
          let n = 0;
          for (let i = 0; i < 20; i += 1) {
            try { await kiln.complete({ prompt: ${JSON.stringify(prompt)} }); n += 1; log('OK ' + n); } catch (e) { log('STOPPED ' + code(e) + ' after ' + n); return; }
          }
          log('STOPPED never');
        })();
      `));
      await allow(page, 'session', 300);
      const lines = await waitForConsole(page, 'STOPPED ');
      const got = line(lines, 'STOPPED ');
      assert.match(got, /STOPPED budget after [1-9]\d*$/);
      const m = await until(() => meter(page), 'the meter');
      assert.equal(m.budget, 300);
      assert.ok(m.used > 0 && m.used <= 300, JSON.stringify(m));
      await waitForLine(page, /kiln\.complete #\d+: budget/);
    });

    run('Revoke cancels a streaming call in flight, and the next call asks again', async (page) => {
      await openStudio(page, server.url);
      await useReplay(page, 'verbatim-slow');
      // 6,000 characters: 30 parts, 3 s of streaming.
      const long = `${mark('revoke')} ${'lorem-ipsum '.repeat(500)}end`;
      const again = mark('after-revoke');
      await runArtifact(page, streamer('Long Story', long, again));
      await allow(page, 'session');
      await waitForConsole(page, 'FIRST PIECE');
      await page.click('model-revoke');
      const lines = await waitForLine(page, /FIRST (ERR|GOT)/);
      assert.ok(lines.some((l) => /FIRST ERR cancelled after \d+$/.test(l)), lines.join('\n'));
      assert.ok(!has(lines, 'FIRST GOT'), lines.join('\n'));
      // Revoked: the next call waits for the person again.
      await shown(page, 'model-consent');
      await stillNo(page, 'AGAIN GOT');
      assert.deepEqual(sentWith(again), []);
      await deny(page);
      await waitForConsole(page, 'AGAIN ERR denied');
      await waitForLine(page, /kiln\.complete #1: cancelled/);
    });

    if (name === 'chromium') {
      run('Stop app cancels a streaming call in flight; Run again keeps the session', async (page) => {
        await openStudio(page, server.url);
        await useReplay(page, 'verbatim-slow');
        const long = `${mark('stop')} ${'lorem-ipsum '.repeat(500)}end`;
        await runArtifact(page, streamer('Stoppable Story', long, mark('after-stop')));
        await allow(page, 'session');
        await waitForConsole(page, 'FIRST PIECE');
        await page.click('stop-button');
        await shown(page, 'preview-stopped');
        const lines = await waitForLine(page, /kiln\.complete #1: cancelled/);
        assert.ok(!has(lines, 'FIRST GOT'), lines.join('\n'));
        await page.click('reload-button');
        // Allowed for this session still: the new run's calls go without asking.
        await waitForConsole(page, `FIRST GOT ${long.length}`, 20_000);
        await waitForConsole(page, 'AGAIN GOT');
        assert.equal(await count(page, 'model-consent'), 0);
      });
    }

    run('kiln.storage keeps values across a reload; get, set, delete and list behave', async (page) => {
      await openStudio(page, server.url);
      await runArtifact(page, keeper);
      const lines = await waitForConsole(page, 'WROTE ');
      assert.ok(line(lines, 'WROTE ').endsWith('WROTE num="42" list=["p:a","p:b"] del=true/false after=["p:b"] missing=null all=["n","note","p:b","q:c"] shared=unavailable empty=invalid'),
        line(lines, 'WROTE '));
      // Saved at most every second; then the same app (same content) finds it after a reload,
      // and its localStorage is a store apart.
      await sleep(1500);
      await page.reload();
      await shown(page, 'prompt-input');
      await runArtifact(page, keeper);
      await waitForConsole(page, 'KEPT kept-across-reloads ["n","note","p:b","q:c"] local=null');
    });

    run('kiln.storage holds 5 MiB, one value at most 1 MiB, and the studio stays responsive', async (page) => {
      await openStudio(page, server.url);
      await runArtifact(page, app('Hoarder', `
        (async () => {
          const s = kiln.storage, r = [];
          try { await s.set('big', 'y'.repeat(1024 * 1024 + 16)); r.push('big=ok'); } catch (e) { r.push('big=' + code(e)); }
          let n = 0, c = 'none';
          for (let i = 0; i < 10; i += 1) {
            try { await s.set('k' + i, 'x'.repeat(900000)); n += 1; } catch (e) { c = code(e); break; }
          }
          r.push('quota=' + c + ' after ' + n);
          r.push('freed=' + (await s.delete('k0')));
          try { await s.set('k9', 'x'.repeat(900000)); r.push('again=ok'); } catch (e) { r.push('again=' + code(e)); }
          log('QUOTA ' + r.join(', '));
        })().catch((e) => log('QUOTA failed ' + code(e)));
      `));
      const lines = await waitForConsole(page, 'QUOTA ', 30_000);
      assert.ok(line(lines, 'QUOTA ').endsWith('QUOTA big=invalid, quota=quota after 5, freed=true, again=ok'), line(lines, 'QUOTA '));
      await assertResponsive(page, 'after filling kiln.storage');
    });

    run("one app's kiln.storage is not another's", async (page) => {
      await openStudio(page, server.url);
      const secret = mark('secret');
      const appA = app('Vault A', `
        (async () => {
          const had = await kiln.storage.get('secret');
          if (had === null) { await kiln.storage.set('secret', ${JSON.stringify(secret)}); log('A WROTE'); } else log('A HAS ' + had);
        })().catch((e) => log('A ERR ' + code(e)));
      `);
      const appB = app('Vault B', `
        (async () => {
          const got = await kiln.storage.get('secret');
          const keys = await kiln.storage.list();
          await kiln.storage.set('secret', 'written-by-B');
          log('B SAW ' + JSON.stringify(got) + ' ' + JSON.stringify(keys));
        })().catch((e) => log('B ERR ' + code(e)));
      `);
      await runArtifact(page, appA);
      await waitForConsole(page, 'A WROTE');
      await runArtifact(page, appB);
      await waitForConsole(page, 'B SAW null []');
      // A's value is still A's.
      await runArtifact(page, appA);
      await waitForConsole(page, `A HAS ${secret}`);
    });

    if (name === 'chromium') {
      run("a shared link asks its viewer: consent given in the sharer's profile does not travel", async (page) => {
        await openStudio(page, server.url);
        await useReplay(page);
        const question = mark('shared');
        const oracle = app('Shared Oracle', `
          document.getElementById('ask').onclick = () => kiln.complete({ prompt: ${JSON.stringify(question)} })
            .then((t) => log('GOT ' + t), (e) => log('ERR ' + code(e)));
          log('READY');
        `, '<button id="ask">Ask</button>');
        await runArtifact(page, oracle);
        await waitForConsole(page, 'READY');
        await sleep(300);
        await page.artifactClick('#ask');
        await allow(page, 'always');
        await waitForConsole(page, `GOT ${question}`);
        await page.click('share-button');
        const link = await until(async () => {
          const v = await value(page, 'share-link');
          return v && v.startsWith(`${server.url}#`) ? v : null;
        }, 'the share link', 15_000);
        // Always allowed: kept for this app in this browser, across a reload.
        await page.reload();
        await shown(page, 'prompt-input');
        await runArtifact(page, oracle);
        await waitForConsole(page, 'READY');
        await sleep(300);
        await page.artifactClick('#ask');
        await waitForConsole(page, `GOT ${question}`);
        assert.equal(await count(page, 'model-consent'), 0);
        assert.equal(sentWith(question).length, 2);

        await withEnginePage(engine, 'live-share-viewer', VIEWPORTS.desktop, async (viewer) => {
          await viewer.goto(link);
          await shown(viewer, 'shared-banner', 15_000);
          await waitForConsole(viewer, 'READY');
          await useReplay(viewer);
          await sleep(300);
          await viewer.artifactClick('#ask');
          await shown(viewer, 'model-consent');
          assert.ok((await text(viewer, 'model-consent')).includes('Shared Oracle'));
          await stillNo(viewer, 'GOT ');
          assert.equal(sentWith(question).length, 2, 'the shared app reached the model without asking');
          await deny(viewer);
          await waitForConsole(viewer, 'ERR denied');
        });
      });

      run('the gallery apps that use the API: flashcards from the model, kept; a habit tracker that keeps its data', async (page) => {
        await openStudio(page, server.url);
        await useReplay(page);
        const example = async (title, ready) => {
          await until(() => page.evaluate((t) => {
            const card = [...document.querySelectorAll('[data-testid=example-card]')].find((c) => c.textContent.includes(t));
            if (card) card.click();
            return Boolean(card);
          }, title), `the example ${title}`, 15_000);
          await waitForConsole(page, ready, 15_000);
        };
        const inApp = (fn, arg) => page.artifactEval(fn, arg);
        await example('Flashcard maker', 'flashcards ready');
        // The replay model echoes the prompt, so notes in the card format come back as cards.
        await inApp(() => { document.getElementById('topic').value = 'Q: Capital of France?\nA: Paris\nQ: Two and two?\nA: Four'; });
        await page.artifactClick('#make');
        await allow(page, 'session');
        await until(async () => (await inApp(() => document.getElementById('count')?.textContent)) === 'Card 1 of 2', 'two cards', 15_000);
        assert.equal(await inApp(() => document.getElementById('face').textContent), 'Capital of France?');
        await until(async () => /Saved/.test(await inApp(() => document.getElementById('detail').textContent)), 'the deck saved');
        // The gallery shows on an empty page: a reload (after the studio's save) brings it back.
        const fresh = async () => {
          await sleep(1500);
          await page.reload();
          await shown(page, 'prompt-input');
        };
        await fresh();
        await example('Habit tracker', 'habit tracker ready');
        await inApp(() => { document.getElementById('name').value = 'Read 20 pages'; });
        await page.artifactClick('#add');
        await until(async () => (await inApp(() => document.querySelectorAll('.habit').length)) === 1, 'the habit row');
        await page.artifactClick('.habit .today');
        await until(async () => (await inApp(() => document.querySelector('.habit .today').checked)) === true, 'ticked');
        // After a reload, both apps find what they kept.
        await fresh();
        await example('Habit tracker', 'habit tracker ready');
        await until(async () => (await inApp(() => document.querySelector('.habit .today')?.checked)) === true, 'the habit kept, ticked', 15_000);
        assert.match(await inApp(() => document.querySelector('.habit').textContent), /Read 20 pages/);
        await fresh();
        await example('Flashcard maker', 'flashcards ready');
        assert.equal(await inApp(() => document.getElementById('count').textContent), 'Card 1 of 2');
      });

      run('kiln.storage.shared: two profiles on one short link share its data; it is marked, bounded, and no other app reaches it', async (page) => {
        await openStudio(page, server.url);
        const poll = app('Team Poll', `
          const s = kiln.storage.shared;
          const show = async () => {
            try { log('VOTES ' + (await s.get('votes')) + ' KEYS ' + JSON.stringify(await s.list('v'))); } catch (e) { log('ERR ' + code(e)); }
          };
          document.getElementById('vote').onclick = async () => {
            try {
              const n = Number((await s.get('votes')) || 0) + 1;
              await s.set('votes', String(n));
              log('VOTED ' + n);
            } catch (e) { log('VOTE ERR ' + code(e)); }
          };
          document.getElementById('flood').onclick = async () => {
            const codes = {};
            await Promise.all(Array.from({ length: 400 }, (_, i) => s.set('f' + (i % 20), 'x').then(
              () => { codes.ok = (codes.ok || 0) + 1; }, (e) => { codes[code(e)] = (codes[code(e)] || 0) + 1; })));
            log('FLOOD ' + JSON.stringify(codes));
          };
          show();
        `, '<button id="vote">Vote</button><button id="flood">Flood</button>');
        // Pasted, it has no link: shared data is not there, and it says why.
        await runArtifact(page, poll);
        await waitForConsole(page, 'ERR unavailable');
        assert.equal(await count(page, 'shared-data-note'), 0);
        await page.click('share-button');
        await page.click('share-short');
        const short = await until(async () => {
          const v = await value(page, 'share-short-link');
          return v && /\/s\/[A-Za-z0-9_-]{12}$/.test(v) ? v : null;
        }, 'the short link', 15_000);
        // Saving where everyone with the link sees it is a way out of the sandbox, so the
        // first write asks; reads do not.
        const vote = async (viewer, expect) => {
          await viewer.goto(short);
          await waitForConsole(viewer, `VOTES ${expect - 1 || null} KEYS`, 15_000);
          await shown(viewer, 'shared-data-note');
          await sleep(300);
          await viewer.artifactClick('#vote');
          await shown(viewer, 'shared-consent');
          await viewer.click('shared-allow');
          await waitForConsole(viewer, `VOTED ${expect}`);
        };
        await withEnginePage(engine, 'live-shared-first', VIEWPORTS.desktop, async (viewer) => {
          await viewer.goto(short);
          await waitForConsole(viewer, 'VOTES null KEYS', 15_000);
          await sleep(300);
          await viewer.artifactClick('#vote');
          await shown(viewer, 'shared-consent');
          await viewer.click('shared-deny');
          await waitForConsole(viewer, 'VOTE ERR denied');
          // Nothing was saved; a new visit asks again.
          await vote(viewer, 1);
        });
        await withEnginePage(engine, 'live-shared-second', VIEWPORTS.desktop, async (viewer) => {
          await vote(viewer, 2);
          // A flood of writes: bounded by the server (per link) and the studio (in flight);
          // every call is answered, and the studio keeps answering.
          await viewer.artifactClick('#flood');
          const lines = await waitForConsole(viewer, 'FLOOD ', 30_000);
          const got = JSON.parse(line(lines, 'FLOOD ').split('FLOOD ')[1]);
          assert.equal(Object.values(got).reduce((a, b) => a + b, 0), 400, JSON.stringify(got));
          assert.ok((got.rate_limited ?? 0) + (got.busy ?? 0) > 0, JSON.stringify(got));
          assert.ok((got.ok ?? 0) <= 120, JSON.stringify(got));
          await assertResponsive(viewer, 'a flood of shared writes');
        });
        // The link's id beside another app's payload opens that app without the link's data.
        const id = short.split('/s/')[1];
        const other = app('Not The Poll', `kiln.storage.shared.get('votes').then((v) => log('STOLE ' + v), (e) => log('ERR ' + code(e)));`);
        await withEnginePage(engine, 'live-shared-forged', VIEWPORTS.desktop, async (viewer) => {
          await openStudio(viewer, server.url);
          await runArtifact(viewer, other);
          await waitForConsole(viewer, 'ERR unavailable');
          await viewer.click('share-button');
          const otherLink = await until(async () => {
            const v = await value(viewer, 'share-link');
            return v && v.includes('#') ? v : null;
          }, 'the other share link', 15_000);
          await viewer.goto(`${server.url}?s=${id}#${otherLink.split('#')[1]}`);
          await waitForConsole(viewer, 'ERR unavailable', 15_000);
          assert.equal(await count(viewer, 'shared-data-note'), 0);
        });
      });
    }
  });

  describe(`${name}: window.kiln under attack: hostile apps fail and the studio survives`, () => {
    let engine;
    before(async () => { engine = await launchEngine(name); });
    after(async () => { await engine?.close(); });
    const run = (title, body, viewport = VIEWPORTS.desktop) =>
      test(title, () => withEnginePage(engine, `live-attack-${slug(title).slice(0, 48)}`, viewport, body));

    run('200 calls before consent: 8 wait, the rest are busy; once allowed, the pace holds', async (page) => {
      await openStudio(page, server.url);
      await useReplay(page);
      const flood = mark('flood');
      await runArtifact(page, app('Call Flood', `
        const N = 200, t = { ok: 0, busy: 0, rate_limited: 0, other: [], settled: 0 };
        for (let i = 0; i < N; i += 1) {
          kiln.complete({ prompt: ${JSON.stringify(flood)} + ' ' + i })
            .then(() => { t.ok += 1; }, (e) => { const c = code(e); if (c === 'busy' || c === 'rate_limited') t[c] += 1; else t.other.push(c); })
            .finally(() => { t.settled += 1; });
        }
        let said = '';
        const timer = setInterval(async () => {
          const s = 'TALLY ok=' + t.ok + ' busy=' + t.busy + ' rate=' + t.rate_limited + ' other=' + (t.other.join('/') || '-') + ' pending=' + (N - t.settled);
          if (s !== said) { said = s; log(s); }
          if (t.settled < N) return;
          clearInterval(timer);
          let n = 0, c = 'none';
          for (let i = 0; i < 10; i += 1) {
            try { await kiln.complete({ prompt: ${JSON.stringify(flood)} + ' pace ' + i }); n += 1; } catch (e) { c = code(e); break; }
          }
          log('PACE ' + c + ' after ' + n);
        }, 250);
      `));
      const tally = (lines) => {
        const l = lines.filter((x) => x.includes('TALLY ')).at(-1) ?? '';
        const m = /TALLY ok=(\d+) busy=(\d+) rate=(\d+) other=(\S+) pending=(\d+)$/.exec(l);
        return m && { ok: +m[1], busy: +m[2], rate: +m[3], other: m[4], pending: +m[5], line: l };
      };
      await shown(page, 'model-consent');
      // Before any answer: at most 8 wait, every other call is refused at once.
      let before;
      try {
        await until(async () => {
          before = tally(await consoleLines(page));
          return before && before.busy + before.pending === 200 && before.pending <= 8;
        }, 'the flood to settle into busy and waiting calls', 20_000);
      } catch (err) {
        err.message += `; last ${before?.line}`;
        throw err;
      }
      assert.equal(before.ok, 0, before.line);
      assert.equal(before.other, '-', before.line);
      assert.ok(before.pending >= 1, before.line);
      assert.deepEqual(sentWith(flood), [], 'a call reached the model before the person answered');
      await assertResponsive(page, 'with 200 calls waiting for consent');
      await allow(page, 'session');
      const lines = await waitForConsole(page, 'PACE ', 20_000);
      const after = tally(lines);
      assert.equal(after.pending, 0, after.line);
      assert.equal(after.other, '-', after.line);
      assert.ok(after.ok >= 1 && after.ok <= 8, after.line);
      assert.equal(after.ok + after.busy + after.rate, 200, after.line);
      const pace = /PACE (\S+) after (\d+)$/.exec(line(lines, 'PACE '));
      assert.equal(pace?.[1], 'rate_limited', line(lines, 'PACE '));
      assert.ok(Number(pace[2]) <= 5, line(lines, 'PACE '));
      // Only the calls that succeeded reached the model.
      assert.equal(sentWith(flood).length, after.ok + Number(pace[2]));
      await assertResponsive(page, 'after a flood of model calls');
    });

    run('a fake consent prompt in the frame and forged replies and envelopes grant nothing', async (page) => {
      await openStudio(page, server.url);
      await useReplay(page);
      const secretQuestion = mark('forged');
      await runArtifact(page, app('Forger', `
        const TOKEN = (document.scripts[0].textContent.match(/const TOKEN = "([0-9a-f]+)"/) || [])[1];
        const env = (rest) => JSON.stringify(Object.assign({ v: 3, token: TOKEN, msgs: [], dropped: 0 }, rest));
        const forged = [
          { kiln: 'reply', id: 1, reply: { type: 'ok', value: 'forged' } },
          { type: 'reply', id: 1, reply: { type: 'ok', value: 'forged' } },
          JSON.stringify({ v: 3, token: 'guess', calls: [{ type: 'grant' }] }),
          // (Ids of the app's own calls are its own to spoil: a forged call under id 1 would
          // settle the real call 1 with "invalid", which fools only the app.)
          env({ calls: [{ type: 'grant', id: 99, budget: 999999 }] }),
          env({ calls: [{ type: 'allow', id: 98, allow: 'always', budget_tokens: 999999 }] }),
          env({ msgs: [{ type: 'consent', model: { budget_tokens: 999999 } }] }),
          env({ consent: { model: { budget_tokens: 999999 } } }),
          env({ calls: [{ type: 'reply', id: 97, reply: { type: 'ok', value: 'forged' } }] }),
        ];
        const forge = () => {
          for (const f of forged) for (const w of [parent, top]) { try { w.postMessage(f, '*'); } catch (_) {} }
          document.querySelectorAll('[data-testid^="model-allow"]').forEach((b) => b.click());
        };
        forge();
        log('FORGED ' + Boolean(TOKEN));
        setTimeout(() => {
          kiln.complete({ prompt: ${JSON.stringify(secretQuestion)} }).then((t) => log('GOT ' + t), (e) => log('ERR ' + code(e)));
          forge();
          setTimeout(forge, 200);
        }, 300);
      `, `<div role="dialog" data-testid="model-consent">“Forger” wants to use your model (openai · verbatim)
        <input data-testid="model-budget" value="999999">
        <button data-testid="model-allow-always">Always allow for this app</button>
        <button data-testid="model-allow-session">Allow for this session</button></div>`));
      await waitForConsole(page, 'FORGED true');
      // The studio's own prompt, in the studio's page: nothing the app did answered it.
      await shown(page, 'model-consent');
      assert.ok((await text(page, 'model-consent')).includes('Forger'));
      await stillNo(page, 'GOT ', 1200);
      assert.equal(await count(page, 'model-meter'), 0, 'the meter shows the app as allowed');
      assert.deepEqual(sentWith(secretQuestion), [], 'the call reached the model before the person answered');
      await deny(page);
      const lines = await waitForConsole(page, 'ERR denied');
      assert.ok(!has(lines, 'GOT '), lines.join('\n'));
      assert.deepEqual(sentWith(secretQuestion), []);
    });

    run("an app cannot learn the API key or the provider's address", async (page) => {
      const KEY = 'sk-kiln-live-leak-4e1b9d';
      await openStudio(page, server.url);
      await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'verbatim' });
      await fill(page, 'settings-api-key', KEY);
      await page.click('settings-save-key');
      await page.click('settings-button');
      const question = mark('snoop');
      const host = new URL(replay.origin).host; // 127.0.0.1:<port>
      // Reversed in the source, so the app's own text does not contain what it looks for.
      const rev = (s) => [...s].reverse().join('');
      const needles = [KEY, host, `:${new URL(replay.origin).port}`].map(rev);
      await runArtifact(page, app('Snoop', `
        const needles = ${JSON.stringify(needles)}.map((s) => s.split('').reverse().join(''));
        // Found, and not followed by a digit (port 4012 is not in 127.0.0.1:40123).
        const found = (s, n) => {
          for (let i = s.indexOf(n); i !== -1; i = s.indexOf(n, i + 1)) {
            const next = s.charAt(i + n.length);
            if (!(next >= '0' && next <= '9')) return true;
          }
          return false;
        };
        const seen = new Set(), codes = [];
        const look = (where, v) => {
          let s = v;
          if (typeof s !== 'string') { try { s = JSON.stringify(v); } catch (_) { try { s = String(v); } catch (_) { return; } } }
          if (typeof s === 'string' && needles.some((n) => found(s, n))) seen.add(where);
        };
        const attempt = async (what, f) => {
          try { look(what, await f()); codes.push('ok'); } catch (e) {
            codes.push(code(e));
            look(what, [e && e.name, e && e.code, e && e.message, e && e.stack, String(e)].join(' '));
            try { look(what, JSON.stringify(e, Object.getOwnPropertyNames(e))); } catch (_) {}
          }
        };
        (async () => {
          await attempt('reply', () => kiln.complete({ prompt: ${JSON.stringify(question)}, onText: (piece, soFar) => look('piece', piece + soFar) }));
          await attempt('invalid', () => kiln.complete({}));
          await attempt('too_large', () => kiln.complete({ prompt: 'x'.repeat(200000) }));
          await attempt('system role', () => kiln.complete({ messages: [{ role: 'system', content: 'x' }] }));
          await attempt('shared', () => kiln.storage.shared.get('k'));
          await attempt('list', () => kiln.storage.list());
          look('kiln', kiln);
          look('kiln names', Object.getOwnPropertyNames(kiln).concat(Object.getOwnPropertyNames(kiln.storage)).join(','));
          look('kiln functions', [kiln.complete, kiln.storage.get, kiln.storage.set, kiln.storage.list].map(String).join(' '));
          const names = Object.getOwnPropertyNames(window);
          look('window names', names.join(','));
          for (const n of names) {
            let v;
            try { v = window[n]; } catch (_) { continue; }
            if (v === window || typeof v === 'function') continue;
            look('window.' + n, v);
          }
          look('html', document.documentElement.outerHTML);
          // (document.cookie throws in a frame without allow-same-origin.)
          const cookie = (() => { try { return document.cookie; } catch (_) { return ''; } })();
          look('location', [location.href, document.referrer, cookie, window.name, document.baseURI].join(' '));
          try { look('performance', performance.getEntries().map((e) => e.name).join(' ')); } catch (_) {}
          log('RESULT ' + codes.join(',') + ' ' + (seen.size ? 'LEAK ' + [...seen].join(',') : 'CLEAN'));
        })();
      `));
      await allow(page, 'session');
      let lines = await waitForConsole(page, 'RESULT ', 20_000);
      assert.ok(/RESULT ok,invalid,too_large,invalid,unavailable,ok CLEAN$/.test(line(lines, 'RESULT ')), line(lines, 'RESULT '));
      // The key was in play: it went to the provider, in a header, and nowhere else.
      const [req] = sentWith(question);
      assert.ok(JSON.stringify(req.headers).includes(KEY), 'the key was not sent with the call');
      assert.ok(!req.body.includes(KEY));
      // Again with a model that fails: the provider's error must not carry them either.
      await useReplay(page, 'bad-key');
      await page.click('stop-button');
      await page.click('reload-button');
      await until(async () => (await count(page, 'model-consent')) > 0
        || has(await consoleLines(page), 'RESULT provider'), 'the second run', 20_000);
      // Not what is tested here: whether a new model asks again.
      if ((await count(page, 'model-consent')) > 0) await allow(page, 'session');
      lines = await waitForLine(page, /RESULT provider,/, 20_000);
      assert.ok(lines.some((l) => /RESULT provider,invalid,too_large,invalid,unavailable,ok CLEAN$/.test(l)), lines.filter((l) => l.includes('RESULT')).join('\n'));
    });

    run('a 100 MB prompt is refused at once and nothing is sent', async (page) => {
      await openStudio(page, server.url);
      await useReplay(page);
      const big = mark('huge');
      await runArtifact(page, app('Huge Prompt', `
        (async () => {
          const M = ${JSON.stringify(big)};
          const huge = M + 'x'.repeat(100 * 1024 * 1024);
          const t0 = performance.now(), out = [];
          for (const req of [{ prompt: huge }, { system: huge, prompt: M + ' s' }, { messages: [{ role: 'user', content: huge }] },
            // Fewer than 100 KiB characters, more than 100 KiB of UTF-8.
            { prompt: M + '\u20ac'.repeat(60000) }]) {
            try { await kiln.complete(req); out.push('ok'); } catch (e) { out.push(code(e)); }
          }
          log('HUGE ' + out.join(',') + ' in ' + Math.round(performance.now() - t0) + ' ms');
        })();
      `));
      const lines = await waitForConsole(page, 'HUGE ', 30_000);
      const m = /HUGE (\S+) in (\d+) ms$/.exec(line(lines, 'HUGE '));
      assert.equal(m?.[1], 'too_large,too_large,too_large,too_large', line(lines, 'HUGE '));
      assert.ok(Number(m[2]) < 1500, `refusing took ${m[2]} ms`);
      assert.equal(await count(page, 'model-consent'), 0, 'a call refused for its size asked the person');
      await assertResponsive(page, 'after a 100 MB prompt');
      assert.deepEqual(sentWith(big), []);
    });

    run('a storm of kiln.storage writes: the studio answers within 1 s and every acknowledged write is kept', async (page) => {
      await openStudio(page, server.url);
      // 20 rounds of 2,000 writes, not awaited, over 200 keys; each key's last acknowledged
      // value is what it must hold, and a key with none must hold nothing.
      const storm = app('Storage Storm', `
        (async () => {
          const s = kiln.storage;
          const expect = await s.get('expect');
          if (expect !== null) {
            const want = JSON.parse(expect), keys = Object.keys(want);
            let wrong = 0;
            for (let i = 0; i < keys.length; i += 50) {
              const got = await Promise.all(keys.slice(i, i + 50).map((k) => s.get(k)));
              got.forEach((v, j) => { if (v !== want[keys[i + j]]) wrong += 1; });
            }
            log('CHECK keys=' + keys.length + ' wrong=' + wrong);
            return;
          }
          const KEYS = 200, ROUNDS = 20, PER = 2000, total = ROUNDS * PER;
          const last = {}, codes = {};
          let seq = 0, acked = 0, settled = 0;
          log('FLOOD starting');
          await new Promise((r) => setTimeout(r, 300));
          let round = 0;
          await new Promise((resolve) => {
            const timer = setInterval(() => {
              round += 1;
              for (let i = 0; i < PER; i += 1) {
                const k = 'f' + (i % KEYS), n = (seq += 1);
                s.set(k, 'v' + n).then(() => { acked += 1; if (!(last[k] > n)) last[k] = n; },
                  (e) => { const c = code(e); codes[c] = (codes[c] || 0) + 1; })
                  .finally(() => { settled += 1; });
              }
              if (round === ROUNDS) { clearInterval(timer); resolve(); }
            }, 250);
          });
          while (settled < total) await new Promise((r) => setTimeout(r, 100));
          const want = {};
          for (let i = 0; i < KEYS; i += 1) want['f' + i] = last['f' + i] ? 'v' + last['f' + i] : null;
          let saved = 'ok';
          try { await s.set('expect', JSON.stringify(want)); } catch (e) { saved = code(e); }
          log('FLOOD done acked=' + acked + ' refused=' + JSON.stringify(codes) + ' expect=' + saved);
        })().catch((e) => log('FLOOD failed ' + code(e)));
      `);
      await runArtifact(page, storm);
      await waitForConsole(page, 'FLOOD starting');
      await sleep(1500);
      await assertResponsive(page, 'a storm of kiln.storage writes');
      const lines = await waitForConsole(page, 'FLOOD done', 90_000);
      const done = /FLOOD done acked=(\d+) refused=(\S+) expect=(\S+)$/.exec(line(lines, 'FLOOD done'));
      assert.ok(done, line(lines, 'FLOOD done'));
      console.log(`# ${name} storage storm: ${done[1]} writes acknowledged, refused ${done[2]}`);
      assert.ok(Number(done[1]) > 0, 'no write was acknowledged');
      assert.equal(done[3], 'ok');
      await sleep(1500);
      await page.reload();
      await shown(page, 'prompt-input');
      await runArtifact(page, storm);
      await waitForConsole(page, 'CHECK keys=200 wrong=0', 20_000);
    });
  });
}
