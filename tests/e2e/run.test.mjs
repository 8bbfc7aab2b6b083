// Code artifacts in the studio: a Python or JavaScript program from a model reply shows as code,
// and Run in the Code tab runs it on the server's wasmtime host (chosen over the browser, which
// coderun.test.mjs covers), with its output and how it ended; a runaway program is stopped by
// the time limit and the page stays usable.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStudio, runArtifact, VIEWPORTS, withPage } from './harness.mjs';
import { setup } from './setup.mjs';

const { server, browser } = await setup('server', 'browser');

const reply = (language, code) =>
  `Here it is.\n\n<kiln-artifact id="prog" kind="code" language="${language}" title="Program">\n${code}\n</kiln-artifact>\n`;

/** Where Run goes: under `kiln serve` both places are offered (the browser first; the choice
 * stays for the page's later artifacts). */
async function onServer(page) {
  await page.getByTestId('run-place').selectOption('server');
  assert.match(await page.getByTestId('run-note').innerText(), /Runs on this server/);
}

async function runInCodeTab(page, language, code) {
  await runArtifact(page, reply(language, code));
  await page.getByTestId('tab-code').click();
  await onServer(page);
  await page.getByTestId('code-run').click();
  const status = page.getByTestId('run-status');
  await status.waitFor({ timeout: 60_000 });
  return status.innerText();
}

describe('running code artifacts', () => {
  test('Python and JavaScript run on the server and show their output', async () => {
    await withPage(browser, 'run-code', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      const status = await runInCodeTab(page, 'python', 'import math\nprint("squares:", [n * n for n in range(5)])\nprint(math.pi > 3)');
      assert.match(status, /^Exited with code 0/);
      assert.equal(await page.getByTestId('run-stdout').innerText(), 'squares: [0, 1, 4, 9, 16]\nTrue\n');
      assert.match(await page.getByTestId('code-view').innerText(), /import math/);

      const js = await runInCodeTab(page, 'javascript', 'console.log([1, 2, 3].map((n) => n * 2).join(","));\nthrow new Error("done here");');
      assert.match(js, /^Exited with code 1/);
      assert.equal(await page.getByTestId('run-stdout').innerText(), '2,4,6\n');
      assert.match(await page.getByTestId('run-stderr').innerText(), /Error: done here/);
    });
  });

  test('Run gives the program the arguments and standard input typed in the Code tab', async () => {
    await withPage(browser, 'run-args-stdin', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      const program = 'import sys\nprint(sys.argv[1:])\nprint(sys.stdin.read().upper(), end="")';
      await runArtifact(page, reply('python', program));
      await page.getByTestId('tab-code').click();
      await page.getByTestId('run-input').locator('summary').click();
      await page.getByTestId('code-args').fill('--count 3 "two words"');
      await page.getByTestId('code-stdin').fill('first line\nsecond');
      await onServer(page);
      await page.getByTestId('code-run').click();
      await page.getByTestId('run-stdout').waitFor({ timeout: 60_000 });
      assert.match(await page.getByTestId('run-status').innerText(), /^Exited with code 0/);
      assert.equal(await page.getByTestId('run-stdout').innerText(), "['--count', '3', 'two words']\nFIRST LINE\nSECOND");

      // JavaScript reads them as scriptArgs and readStdin().
      await runArtifact(page, reply('javascript', 'console.log(scriptArgs.join("|"), readStdin().length);'));
      await page.getByTestId('tab-code').click();
      await page.getByTestId('run-input').locator('summary').click();
      await page.getByTestId('code-args').fill("a 'b c'");
      await page.getByTestId('code-stdin').fill('xyz');
      await onServer(page);
      await page.getByTestId('code-run').click();
      await page.getByTestId('run-stdout').waitFor({ timeout: 60_000 });
      assert.equal(await page.getByTestId('run-stdout').innerText(), 'a|b c 3\n');

      // A quote left open is said before anything is sent.
      await page.getByTestId('code-args').fill('"unclosed');
      await page.getByTestId('code-run').click();
      assert.match(await page.getByTestId('run-status').innerText(), /Could not run: the arguments: a quote \(\"\) is not closed/);
    });
  });

  test('a runaway program is stopped by the time limit and the page keeps working', async () => {
    await withPage(browser, 'run-runaway', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      const status = await runInCodeTab(page, 'python', 'while True:\n    pass');
      assert.match(status, /^Stopped by Kiln: time limit/);
      await page.getByTestId('prompt-input').fill('still typing');
      assert.equal(await page.getByTestId('prompt-input').inputValue(), 'still typing');
    });
  });

  test('the browser runs the same program alike, and either place can be chosen per run', async () => {
    await withPage(browser, 'run-both-places', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      const program = 'import sys\nprint(sys.argv[1:], sys.stdin.read())';
      await runArtifact(page, reply('python', program));
      await page.getByTestId('tab-code').click();
      await page.getByTestId('run-input').locator('summary').click();
      await page.getByTestId('code-args').fill('x "y z"');
      await page.getByTestId('code-stdin').fill('in');
      assert.equal(await page.getByTestId('run-place').inputValue(), 'browser');
      assert.match(await page.getByTestId('run-note').innerText(), /Runs in this browser/);
      await page.getByTestId('code-run').click();
      await page.getByTestId('run-stdout').waitFor({ timeout: 120_000 });
      const inBrowser = await page.getByTestId('run-stdout').innerText();
      assert.equal(inBrowser, "['x', 'y z'] in\n");
      await onServer(page);
      // The browser's result goes as the server run starts; the server's comes in its place.
      await page.evaluate(() => {
        window.kilnTestCleared = false;
        new MutationObserver(() => {
          if (!document.querySelector('[data-testid="run-stdout"]')) window.kilnTestCleared = true;
        }).observe(document.body, { childList: true, subtree: true });
      });
      await page.getByTestId('code-run').click();
      await page.waitForFunction(() => window.kilnTestCleared
        && document.querySelector('[data-testid="run-stdout"]'), null, { timeout: 60_000 });
      assert.equal(await page.getByTestId('run-stdout').innerText(), inBrowser);
    });
  });

  test('an HTML app has no Run button', async () => {
    await withPage(browser, 'run-none-for-html', VIEWPORTS.desktop, async (page) => {
      await openStudio(page, server.url);
      await runArtifact(page, '<!DOCTYPE html><title>x</title><p>hi</p>');
      await page.getByTestId('tab-code').click();
      assert.equal(await page.getByTestId('code-run').count(), 0);
    });
  });
});
