// Kiln's end-to-end harness: a real `kiln serve` on a free port and Debian's headless Chromium,
// driven through playwright-core (no browser download; `executablePath` points at
// /usr/bin/chromium). A failing test leaves a screenshot and the browser console under
// tests/e2e/artifacts/<test>/ so the failure can be seen, not guessed.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
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

/** Starts `kiln serve --port 0` and resolves with its base URL once it prints it. */
export async function startServer() {
  const bin = process.env.KILN_BIN ?? path.join(root, 'target/debug/kiln');
  const child = spawn(bin, ['serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/**
 * Runs `body(page, log)` in a fresh browser context of the given viewport. Console messages,
 * page errors and failed requests are collected in `log`; on failure they are written beside a
 * full-page screenshot, then the error is rethrown.
 */
export async function withPage(browser, name, viewport, body) {
  const context = await browser.newContext({ viewport });
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
    ...log.failedRequests,
  ];
}
