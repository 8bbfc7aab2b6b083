// `kiln eval` end to end: a small suite (tests/eval-suite) against the replay provider's
// recorded replies, which pass and fail in known ways (a working app, one that throws, no
// artifact, one that hangs, a follow-up edit, a Markdown doc, the wrong kind, an app that asks
// the model itself). It asserts the
// report's numbers, that a hanging artifact does not stall the run, that an interrupted run
// resumes, that saved replies are checked again without the model, that two runs compare, and
// that the HTML report opens standalone with its screenshots.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { kilnBin, VIEWPORTS, withPage } from './harness.mjs';
import { setup } from './setup.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const suite = path.join(root, 'tests/eval-suite');
const work = mkdtempSync(path.join(tmpdir(), 'kiln-eval-'));

const { replay, browser } = await setup('replay', 'browser');

/** Runs kiln with `args`; resolves with its exit code and output. `until(stderr)` may stop it early. */
function kiln(args, { until } = {}) {
  return new Promise((resolve) => {
    const child = spawn(kilnBin(), args, {
      cwd: root,
      env: { ...process.env, ANTHROPIC_API_KEY: 'sk-eval-test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (until?.(stderr)) child.kill('SIGINT');
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const model = () => ['--provider', 'anthropic', '--base-url', replay.origin, '--model', 'eval'];
const results = (dir) => JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8'));
const byName = (record) => Object.fromEntries(record.cases.map((c) => [c.case, c]));
// Generation requests; an app's own model calls (`asks-model`) are counted apart.
const posts = () => replay.requests.filter((r) => r.method === 'POST' && !r.body.includes('[eval:inner]')).length;
const innerCalls = () => replay.requests.filter((r) => r.method === 'POST' && r.body.includes('[eval:inner]')).length;

describe('kiln eval', () => {
  const run = path.join(work, 'run');

  test('a run is interrupted, resumes, and reports what passed and failed at each stage', async () => {
    // Interrupted (Ctrl-C) after the second case is saved: what was saved stays done.
    const first = await kiln([
      'eval', ...model(), '--suite', suite, '--out', run, '--concurrency', '1',
    ], { until: (err) => /\[2\/8\]/.test(err) });
    assert.equal(first.code, 130, first.stderr);
    assert.match(first.stderr, /interrupted; run the same command again/);
    const saved = results(run).cases.length;
    assert.ok(saved >= 2 && saved < 8, `saved ${saved}`);
    const before = posts();
    const started = Date.now();
    const second = await kiln(['eval', ...model(), '--suite', suite, '--out', run, '--concurrency', '2']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`resuming .*: ${saved} of 8 done`));
    // Only the cases not saved were generated again (edit has two turns).
    const record = results(run);
    const rest = record.cases.slice(saved).map((c) => c.turns.length).reduce((a, b) => a + b, 0);
    assert.equal(posts() - before, rest);
    // The hanging case cost its own timeout (6 s), not the run.
    assert.ok(Date.now() - started < 60_000);

    assert.equal(record.cases.length, 8);
    const c = byName(record);
    assert.deepEqual(c.counter.checks.map((k) => k.passed), [true, true]);
    assert.deepEqual(c.buggy.checks.map((k) => k.passed), [false, true]);
    assert.match(c.buggy.checks[0].detail, /notDefinedAnywhere/);
    assert.equal(c.words.kind, null);
    assert.equal(c['wrong-kind'].kind, 'html');
    assert.equal(c.hang.rendered, false);
    assert.match(c.hang.error ?? '', /^timed out after 6 s: the artifact stopped responding/);
    assert.equal(c.edit.turns.length, 2);
    assert.deepEqual(c.edit.checks.map((k) => k.passed), [true, true]);
    assert.deepEqual(c.doc.checks.map((k) => k.passed), [true, true, true]);
    // An app that asks the model: the studio's question was answered for it, and the run's
    // model answered the app's own call, with only what the app sent.
    assert.deepEqual(c['asks-model'].checks.map((k) => k.passed), [true], JSON.stringify(c['asks-model'].checks));
    assert.ok(innerCalls() >= 1);
    const inner = replay.requests.find((r) => r.body.includes('[eval:inner]'));
    assert.ok(!inner.body.includes('kiln-artifact'), 'the inner call carried Kiln\'s system prompt');
    // Usage as the provider reported it: 12 in and 48 out per turn (9 turns).
    assert.equal(c.edit.turns[1].input_tokens, 12);
    // The totals line: 4 of 8 passed; 6 extracted (no artifact; the wrong kind); 5 rendered.
    assert.match(second.stderr, /kiln: 4\/8 passed · extracted 6 · rendered 5 · checks 9\/10 · 108 tokens in, 432 out/);
    for (const name of ['counter', 'buggy', 'edit', 'doc', 'asks-model']) {
      assert.ok(existsSync(path.join(run, 'screenshots', c[name].screenshot)), `${name} has no screenshot`);
    }
  });

  test('the report opens standalone and shows screenshots and failures', async () => {
    await withPage(browser, 'eval-report', VIEWPORTS.desktop, async (page) => {
      const offsite = [];
      page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) offsite.push(r.url()); });
      await page.goto(pathToFileURL(path.join(run, 'report.html')).href);
      assert.equal(await page.locator('[data-total=passed]').innerText(), '4 / 8 (50%)');
      assert.equal(await page.locator('[data-total=checks]').innerText(), '9 / 10');
      // Failures first, each saying why.
      const order = await page.locator('section.case').evaluateAll((s) => s.map((e) => e.dataset.case));
      assert.deepEqual(order.slice(0, 4).sort(), ['buggy#1', 'hang#1', 'words#1', 'wrong-kind#1']);
      assert.match(await page.locator('[data-case="words#1"] .failure').innerText(), /no artifact/);
      assert.match(await page.locator('[data-case="wrong-kind#1"] .failure').innerText(), /html, not svg/);
      assert.match(await page.locator('[data-case="buggy#1"] .failure').innerText(), /console errors.*notDefinedAnywhere/);
      // Screenshots are in the file and show the app (not blank).
      const shots = await page.locator('img.shot').evaluateAll((imgs) => imgs.map((i) => [i.complete, i.naturalWidth]));
      assert.ok(shots.length >= 5 && shots.every(([done, w]) => done && w > 100), JSON.stringify(shots));
      assert.deepEqual(offsite, []);
    });
  });

  test('saved replies are checked again without the model, and two runs compare', async () => {
    const before = posts();
    const again = path.join(work, 'recheck');
    // The model named too: it answers only the app's own call, nothing is generated again.
    const calls = innerCalls();
    const r = await kiln(['eval', '--recheck', run, '--suite', suite, '--out', again, ...model()]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(posts(), before, 'the model was asked to generate');
    assert.ok(innerCalls() > calls, 'the app\'s call was not answered');
    assert.match(r.stderr, /4\/8 passed · extracted 6 · rendered 5 · checks 9\/10/);
    assert.equal(results(again).label, 'anthropic/eval (rechecked)');

    // A stricter check for the counter: the same replies now fail it.
    const stricter = path.join(work, 'suite-stricter');
    cpSync(suite, stricter, { recursive: true });
    const file = path.join(stricter, 'counter.toml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('then_text = "1"', 'then_text = "2"'));
    const strict = path.join(work, 'strict');
    assert.equal((await kiln(['eval', '--recheck', run, '--suite', stricter, '--out', strict, ...model()])).code, 0);
    const cmp = await kiln(['eval', '--compare', run, strict]);
    assert.equal(cmp.code, 0, cmp.stderr);
    assert.match(cmp.stdout, /before: 4\/8 passed/);
    assert.match(cmp.stdout, /after:  3\/8 passed/);
    assert.match(cmp.stdout, /broken \(1\):\n {2}counter#1 {2}checks 2\/2 → 1\/2 {2}— failed: clicking #inc shows "2" in #n/);
  });

  test('bad suites and bad runs say what is wrong', async () => {
    const bad = path.join(work, 'bad-suite');
    cpSync(suite, bad, { recursive: true });
    writeFileSync(path.join(bad, 'typo.toml'), 'prompt = "x"\nkind = "html"\n[[check]]\ntype = "exists"\nselektor = "a"\n');
    const r = await kiln(['eval', ...model(), '--suite', bad, '--out', path.join(work, 'never')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /typo\.toml: .*selektor/);
    const other = await kiln(['eval', '--provider', 'openai', '--base-url', `${replay.origin}/v1`, '--model', 'eval', '--api-key-env', 'ANTHROPIC_API_KEY', '--suite', suite, '--out', run]);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /holds a run of anthropic\/eval/);
  });
});
