// Kiln's end-to-end harness: a real `kiln serve` on a free port and Debian's headless Chromium,
// driven through playwright-core (no browser download; `executablePath` points at
// /usr/bin/chromium). A failing test leaves a screenshot and the browser console under
// tests/e2e/artifacts/<test>/ so the failure can be seen, not guessed.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
export const artifactsDir = path.join(here, 'artifacts');

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};

export const kilnBin = () => process.env.KILN_BIN ?? path.join(root, 'target/debug/kiln');

/**
 * Starts `kiln serve --port 0 [args]` and resolves with its base URL once it prints it. Short
 * links go to a fresh database in a temporary folder unless `args` names one.
 */
export async function startServer(args = [], env = {}) {
  const extra = [...args];
  if (!extra.includes('--database') && !extra.includes('--no-short-links')) {
    extra.push('--database', path.join(mkdtempSync(path.join(tmpdir(), 'kiln-e2e-')), 'links.db'));
  }
  const child = spawn(kilnBin(), ['serve', '--port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kiln serve printed no URL in 20 s; stderr: ${stderr}`)), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/\S+?\//);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`kiln serve exited with ${code}: ${stderr}`)); });
  });
  return {
    url,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      return exited;
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // Playwright turns off Chromium's own limit on navigation and history floods, which every
    // person's browser has; the sandbox is tested as people run it.
    ignoreDefaultArgs: ['--disable-ipc-flooding-protection'],
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/**
 * Runs `body(page, log)` in a fresh browser context of the given viewport (and any other
 * `contextOptions` of Playwright's `newContext`). Console messages,
 * page errors and failed requests are collected in `log`; on failure they are written beside a
 * full-page screenshot, then the error is rethrown.
 */
export async function withPage(browser, name, viewport, body, contextOptions = {}) {
  const context = await browser.newContext({ viewport, ...contextOptions });
  const page = await context.newPage();
  const log = { console: [], errors: [], failedRequests: [] };
  page.on('console', (m) => log.console.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => log.errors.push(String(e)));
  page.on('requestfailed', (r) => log.failedRequests.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
  try {
    await body(page, log);
  } catch (err) {
    const dir = path.join(artifactsDir, name.replace(/[^a-z0-9-]+/gi, '_'));
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'screenshot.png'), fullPage: true }).catch(() => {});
    writeFileSync(path.join(dir, 'console.json'), JSON.stringify(log, null, 2));
    err.message += `\n(screenshot and console saved in ${dir})`;
    throw err;
  } finally {
    await context.close();
  }
}

/** Console entries that count as errors: error-level messages and uncaught exceptions. */
export function problems(log) {
  return [
    ...log.errors,
    ...log.console.filter((m) => m.type === 'error' || m.type === 'warning').map((m) => `${m.type}: ${m.text}`),
    // A new run (or another conversation) replaces a runner frame that may still be loading,
    // which cancels its request: the studio's doing, not a failure.
    ...log.failedRequests.filter((r) => !/\/runner\.html\?(v=[0-9a-f]*&)?connect=\S* net::ERR_ABORTED$/.test(r)),
  ];
}

/**
 * A canary: an HTTP server on loopback that records every connection and request made to it.
 * An attack that reaches it has escaped the sandbox's network rules; the suite asserts it
 * stays silent. (It is a test fixture, never a provider.)
 */
export async function startCanary() {
  const { createServer } = await import('node:http');
  const hits = [];
  let connections = 0;
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.setHeader('access-control-allow-origin', '*');
    res.end('canary');
  });
  server.on('connection', () => { connections += 1; });
  server.on('upgrade', (req, socket) => { hits.push(`UPGRADE ${req.url}`); socket.destroy(); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    hits,
    connections: () => connections,
    reset() { hits.length = 0; connections = 0; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

/** Loads the studio and waits for the app to mount. */
export async function openStudio(page, url) {
  const response = await page.goto(url);
  await page.getByTestId('prompt-input').waitFor({ state: 'visible', timeout: 15_000 });
  return response;
}

/** Pastes `html` into the composer and runs it as an app through the real UI. */
export async function runArtifact(page, html) {
  await page.getByTestId('prompt-input').fill(html);
  await page.getByTestId('run-pasted').click();
  await page.getByTestId('artifact-frame').waitFor({ state: 'attached', timeout: 10_000 });
}

/** The Console tab's lines, as `level text` strings. */
export async function consoleLines(page) {
  await page.getByTestId('tab-console').click();
  // textContent, not innerText: rows off screen are skipped by layout (content-visibility),
  // and innerText of a row not yet laid out is empty.
  const lines = await page.getByTestId('console-entry').evaluateAll((rows) => rows.map((r) =>
    [...r.children].map((c) => c.textContent).join(' ')));
  await page.getByTestId('tab-preview').click();
  return lines.map((l) => l.replace(/\s+/g, ' ').trim());
}

/** Waits until the Console tab shows a line containing `text`. */
export async function waitForConsole(page, text, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const count = Number(await page.getByTestId('console-count').innerText());
    if (count > 0) {
      const lines = await consoleLines(page);
      if (lines.some((l) => l.includes(text))) return lines;
    }
    if (Date.now() > deadline) {
      throw new Error(`console never showed ${JSON.stringify(text)}; it has ${JSON.stringify(await consoleLines(page))}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits for the artifact's frame to be in the page (it starts once the app's data is read). */
export async function waitForArtifactFrame(page, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  while (!artifactFrame(page)) {
    if (Date.now() > deadline) throw new Error('no artifact frame appeared');
    await new Promise((r) => setTimeout(r, 50));
  }
  return artifactFrame(page);
}

/** The frame the artifact runs in (the srcdoc frame inside the runner). */
export function artifactFrame(page) {
  // The newest: while a new run loads under the one on screen (double buffering), the newest
  // frame is the one the studio listens to, and it is on screen a moment later.
  return page.frames().filter((f) => f.url() === 'about:srcdoc').at(-1);
}

/** Fills the model settings panel through the UI. */
export async function configure(page, { provider, baseUrl, model, key }) {
  if (!(await page.getByTestId('settings-panel').isVisible())) {
    await page.getByTestId('settings-button').click();
  }
  await page.getByTestId('settings-provider').selectOption(provider);
  await page.getByTestId('settings-base-url').fill(baseUrl);
  await page.getByTestId('settings-base-url').press('Tab');
  await page.getByTestId('settings-model').fill(model);
  await page.getByTestId('settings-model').press('Tab');
  if (key) {
    await page.getByTestId('settings-api-key').fill(key);
    await page.getByTestId('settings-save-key').click();
  }
}

/** Types a prompt and sends it with Enter. */
export async function send(page, prompt) {
  await page.getByTestId('prompt-input').fill(prompt);
  await page.getByTestId('prompt-input').press('Enter');
}

/** Waits until the status line matches `re`, and returns it. */
export async function waitForStatus(page, re, timeout = 15_000) {
  await page.waitForFunction(
    ([sel, src]) => new RegExp(src).test(document.querySelector(sel)?.textContent ?? ''),
    ['[data-testid=status]', re.source],
    { timeout },
  );
  return page.getByTestId('status').innerText();
}
