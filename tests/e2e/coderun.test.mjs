// Python and JavaScript code artifacts run in the browser (issue 23), on every engine
// (engines.mjs), on a `kiln build` site served by a plain static file server with no Kiln
// process behind it: Run in the Code tab runs the program in the sandbox's Worker with the same
// WASI builds `kiln run` uses, its output streams to the Console, and a runaway loop, a memory
// bomb, a flood of output and attempts to reach the network are all stopped or refused while
// the studio stays usable.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kilnBin, VIEWPORTS } from './harness.mjs';
import {
  consoleLines, count, ENGINES, fill, launchEngine, openStudio, responsiveness, runArtifact,
  text, until, waitForConsole, withEnginePage,
} from './engines.mjs';
import { startStaticHost } from './static-host.mjs';
import { setup } from './setup.mjs';

const { canary } = await setup('canary');

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

const reply = (language, code) =>
  `Here it is.\n\n<kiln-artifact id="prog" kind="code" language="${language}" title="Program">\n${code}\n</kiln-artifact>\n`;

// One static build for the file, on one origin under a sub-path (the sandbox is the build's
// own sandbox/ folder: the single-origin fallback, still an opaque-origin frame).
let site;
before(async () => {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'kiln-coderun-')), 'site');
  execFileSync(kilnBin(), ['build', '--out', out, '--base-path', '/kiln/'], { encoding: 'utf8' });
  site = await startStaticHost(out, { base: '/kiln/' });
});
after(async () => { await site?.close(); });

/** Shows `code` as an artifact, opens the Code tab, sets its input, and presses Run. */
async function startRun(page, language, code, { args = '', stdin = '' } = {}) {
  await runArtifact(page, reply(language, code));
  await page.click('tab-code');
  await until(async () => (await count(page, 'code-run')) > 0, 'the Run button');
  if (args || stdin) {
    await page.evaluate(() => { document.querySelector('[data-testid="run-input"]').open = true; });
    await fill(page, 'code-args', args);
    await fill(page, 'code-stdin', stdin);
  }
  await page.click('code-run');
}

/** Waits for the run's ending in the Code tab; the status line. Cold runs download Python. */
async function ending(page, timeout = 120_000) {
  await until(async () => (await text(page, 'run-status')) !== null, 'the run to end', timeout);
  return text(page, 'run-status');
}

for (const name of ENGINES) {
  describe(`${name}: code artifacts run in the browser on a static host`, () => {
    let engine;
    before(async () => { engine = await launchEngine(name); });
    after(async () => { await engine?.close(); });
    const run = (title, body) =>
      test(title, () => withEnginePage(engine, slug(title).slice(0, 60), VIEWPORTS.desktop, body));

    run('Python and JavaScript run with their arguments and input, output in the Code tab and the Console', async (page) => {
      await openStudio(page, site.origin + '/kiln/');
      await startRun(page, 'python',
        'import sys\nprint("squares:", [n * n for n in range(5)])\nprint(sys.argv[1:])\nprint(sys.stdin.read().upper(), end="")',
        { args: '--count 3 "two words"', stdin: 'first line\nsecond' });
      assert.match(await ending(page), /^Exited with code 0/);
      assert.equal(await text(page, 'run-stdout'),
        "squares: [0, 1, 4, 9, 16]\n['--count', '3', 'two words']\nFIRST LINE\nSECOND");
      // No server here, so the browser is the only place, and the note says so.
      assert.equal(await count(page, 'run-place'), 0);
      assert.match(await text(page, 'run-note'), /Runs in this browser/);
      const lines = await consoleLines(page);
      assert.ok(lines.some((l) => l.includes("['--count', '3', 'two words']")), JSON.stringify(lines));

      await page.click('tab-code');
      await startRun(page, 'javascript',
        'console.log(scriptArgs.join("|"), readStdin().length);\nthrow new Error("done here");',
        { args: "a 'b c'", stdin: 'xyz' });
      assert.match(await ending(page), /^Exited with code 1/);
      assert.equal(await text(page, 'run-stdout'), 'a|b c 3\n');
      assert.match(await text(page, 'run-stderr'), /Error: done here/);
      // A failed program leaves an error line, so Fix can send its traceback.
      await waitForConsole(page, 'The program failed');
    });

    run('output streams to the Console while it runs; a runaway loop is stopped at the time limit and the studio stays usable', async (page) => {
      await openStudio(page, site.origin + '/kiln/');
      await startRun(page, 'python', 'for i in range(3):\n    print("tick", i, flush=True)\nwhile True:\n    pass');
      // The ticks are in the Console before the run ends.
      await waitForConsole(page, 'tick 2', 120_000);
      await page.click('tab-code');
      assert.equal(await text(page, 'run-status'), null, 'the loop was still running');
      const { typing, settings } = await responsiveness(page);
      assert.ok(typing < 2_000 && settings < 2_000, `studio stalled: typing ${typing} ms, settings ${settings} ms`);
      assert.match(await ending(page, 30_000), /^Stopped by Kiln: time limit of 5 s reached/);

      // JavaScript too, and the Stop button ends a running program at once.
      await startRun(page, 'javascript', 'for (;;) {}');
      await until(async () => /Running in this browser/.test(await text(page, 'run-progress') ?? ''),
        'the program to run', 60_000);
      const pressed = Date.now();
      await page.click('code-stop');
      assert.match(await ending(page, 10_000), /you pressed Stop/);
      assert.ok(Date.now() - pressed < 3_000, `Stop took ${Date.now() - pressed} ms`);
    });

    run('a memory bomb and an output flood are stopped within their limits', async (page) => {
      await openStudio(page, site.origin + '/kiln/');
      // Growth past the cap fails inside the program (MemoryError, QuickJS's out of memory), so
      // it ends by itself, or Kiln names the limit; never the time limit.
      await startRun(page, 'python', 'a = []\nwhile True:\n    a.append(bytearray(10**6))');
      const py = await ending(page);
      assert.doesNotMatch(py, /time limit/);
      assert.ok(/memory limit of 128 MiB/.test(py) || /MemoryError/.test(await text(page, 'run-stderr')), py);
      await startRun(page, 'javascript', 'let a = []; for (;;) a.push(new Array(1e6).fill(1.5));');
      const js = await ending(page);
      assert.doesNotMatch(js, /time limit/);
      assert.ok(/memory limit of 128 MiB/.test(js) || /out of memory/i.test(await text(page, 'run-stderr')), js);
      await startRun(page, 'python', 'while True:\n    print("x" * 1000)');
      assert.match(await ending(page), /output limit of 256 KiB reached/);
      const { typing } = await responsiveness(page);
      assert.ok(typing < 2_000, `studio stalled: typing ${typing} ms`);
    });

    run('a program cannot reach the network or the studio', async (page) => {
      await openStudio(page, site.origin + '/kiln/');
      canary.reset();
      await startRun(page, 'python', [
        'import socket, urllib.request',
        'for attempt in (lambda: socket.create_connection(("127.0.0.1", ' + canary.port + '), timeout=2),',
        '                lambda: urllib.request.urlopen("' + canary.origin + '/py", timeout=2)):',
        '    try:',
        '        attempt()',
        '        print("REACHED")',
        '    except Exception as e:',
        '        print("refused", type(e).__name__)',
      ].join('\n'));
      assert.match(await ending(page), /^Exited with code 0/);
      const out = await text(page, 'run-stdout');
      assert.doesNotMatch(out, /REACHED/);
      assert.equal(out.match(/refused/g)?.length, 2, out);

      await startRun(page, 'javascript', [
        'const seen = ["fetch", "XMLHttpRequest", "WebSocket", "postMessage", "parent", "top", "window", "self", "importScripts", "localStorage", "indexedDB"]',
        '  .filter((name) => typeof globalThis[name] !== "undefined");',
        'console.log("globals: " + (seen.join(",") || "none"));',
      ].join('\n'));
      assert.match(await ending(page), /^Exited with code 0/);
      assert.equal(await text(page, 'run-stdout'), 'globals: none\n');
      assert.deepEqual(canary.hits, []);
      assert.equal(canary.connections(), 0);
    });

    run('a hostile app cannot take over the code runner beside it', async (page) => {
      await openStudio(page, site.origin + '/kiln/');
      // A run first, so the code runner's frame is in the page, a sibling of the app's.
      await startRun(page, 'python', 'print("ready")');
      assert.match(await ending(page), /^Exited with code 0/);
      // The app connects to every frame of the page and asks each to run a program and to
      // take a runtime from it; anything that answers is logged.
      const hostile = `<!DOCTYPE html><title>x</title><script>
let answers = 0;
for (let i = 0; i < top.frames.length; i += 1) {
  const channel = new MessageChannel();
  channel.port1.onmessage = (e) => { answers += 1; console.log('ANSWERED ' + String(e.data).slice(0, 80)); };
  try {
    top.frames[i].postMessage({ kiln: 'connect' }, '*', [channel.port2]);
    channel.port1.postMessage(JSON.stringify({ v: 1, type: 'run', token: 'hostile', language: 'py',
      runtime: 'vendor/python-0123456789abcdef.wasm', source: 'print(1)', args: [], stdin: '',
      timeout_ms: 1000, memory_bytes: 67108864, output_bytes: 1024 }));
    const bytes = new ArrayBuffer(8);
    channel.port1.postMessage({ v: 1, type: 'runtime', runtime: 'vendor/python-0123456789abcdef.wasm', bytes }, [bytes]);
  } catch (e) { console.log('refused ' + e.name); }
}
setTimeout(() => console.log('probe done, ' + top.frames.length + ' frames, ' + answers + ' answers'), 3000);
</script>`;
      await runArtifact(page, hostile);
      const lines = await waitForConsole(page, 'probe done', 20_000);
      assert.ok(lines.some((l) => /probe done, [2-9] frames, 0 answers/.test(l)), JSON.stringify(lines));
      assert.ok(!lines.some((l) => l.includes('ANSWERED')), JSON.stringify(lines));
      // And the code runner still serves the studio.
      await startRun(page, 'python', 'print("still mine")');
      assert.match(await ending(page), /^Exited with code 0/);
      assert.equal(await text(page, 'run-stdout'), 'still mine\n');
    });
  });
}
