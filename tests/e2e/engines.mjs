// One small driver interface over the three browser engines Kiln is tested on, so a test is
// written once and run on each:
// - Chromium (Debian's `chromium`) through playwright-core, as the rest of the suite;
// - Firefox ESR (Debian's `firefox-esr`) through puppeteer-core over WebDriver BiDi, with
//   site isolation (Fission) on, as people run it (puppeteer turns it off by default);
// - WebKitGTK (Debian's `webkit2gtk-driver`): `WebKitWebDriver` under `xvfb-run`, driving the
//   `MiniBrowser` of libwebkit2gtk-4.1 with `--automation`, through selenium-webdriver.
// Each engine gets a fresh profile per page (a new context, or a new WebDriver session). What
// a test reads of the studio it reads from the page itself (the Console tab, data-testid
// elements), never from an engine's own console, which the three do not expose alike.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { artifactsDir, launchBrowser } from './harness.mjs';

export const ALL_ENGINES = ['chromium', 'firefox', 'webkit'];

/** The engines to test: `KILN_ENGINES=chromium,firefox` narrows the run. */
export const ENGINES = (process.env.KILN_ENGINES ?? ALL_ENGINES.join(','))
  .split(',').map((e) => e.trim()).filter((e) => ALL_ENGINES.includes(e));

const sel = (testid) => `[data-testid="${testid}"]`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** What an engine's version command says, for the log and README's table. */
export function engineVersion(engine) {
  try {
    if (engine === 'chromium') return execFileSync('chromium', ['--version'], { encoding: 'utf8' }).trim();
    if (engine === 'firefox') return execFileSync('firefox-esr', ['--version'], { encoding: 'utf8' }).trim();
    const out = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' });
    return `WebKitGTK ${out.trim()}`;
  } catch (_) {
    return `${engine} (version unknown)`;
  }
}

function miniBrowser() {
  const candidates = ['/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser', '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser'];
  const found = candidates.find((c) => existsSync(c));
  if (found) return found;
  const listed = execFileSync('dpkg', ['-L', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' });
  return listed.split('\n').find((l) => l.endsWith('/MiniBrowser'));
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/**
 * Starts `engine` and resolves with `{ name, newPage(viewport), close() }`. A page has the
 * methods below (all async), whatever the engine.
 */
export async function launchEngine(engine) {
  const start = { chromium: chromiumEngine, firefox: firefoxEngine, webkit: webkitEngine }[engine];
  if (!start) throw new Error(`unknown engine ${engine}`);
  const started = await deadline(`${engine}: launch`, start(), LAUNCH_MS);
  return {
    name: started.name,
    newPage: async (viewport) =>
      withDeadlines(engine, await deadline(`${engine}: new page`, started.newPage(viewport), NEW_PAGE_MS)),
    async close() {
      try {
        await deadline(`${engine}: close`, started.close(), CLOSE_MS);
      } catch (err) {
        // A browser that does not close is killed, or its processes outlive the test file.
        console.log(`# ${err.message}${started.kill ? '; killed' : ''}`);
        started.kill?.();
      }
    },
  };
}

// A hung browser fails the test that was waiting on it, by name and within minutes, instead
// of holding the whole run until CI's limit (no driver below bounds every call on its own).
const LAUNCH_MS = 120_000;
const CALL_MS = 90_000;
// Long enough for WebKit's one restart of its driver (below).
const NEW_PAGE_MS = 150_000;
const CLOSE_MS = 30_000;

/** `promise`, or an error naming `what` once `ms` have passed without an answer. */
function deadline(what, promise, ms) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([Promise.resolve(promise).finally(() => clearTimeout(timer)), late]);
}

/** The page with every method bounded by a deadline (closing by a shorter one). */
function withDeadlines(engine, page) {
  return new Proxy(page, {
    get(target, key) {
      const value = target[key];
      if (typeof value !== 'function') return value;
      const ms = key === 'close' ? CLOSE_MS : CALL_MS;
      return (...args) => deadline(`${engine}: page.${String(key)}()`, value.apply(target, args), ms);
    },
  });
}

// ---- Chromium: playwright-core ----------------------------------------------------------

async function chromiumEngine() {
  const browser = await launchBrowser();
  return {
    name: 'chromium',
    async newPage(viewport) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      let dialogs = 0;
      page.on('dialog', (d) => { dialogs += 1; d.dismiss().catch(() => {}); });
      const srcdoc = () => page.frames().filter((f) => f.url() === 'about:srcdoc').at(-1);
      return {
        engine: 'chromium',
        dialogs: async () => dialogs,
        goto: (url) => page.goto(url),
        reload: () => page.reload(),
        url: () => page.url(),
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        async artifactEval(fn, arg) {
          const f = srcdoc();
          if (!f) throw new Error('no artifact frame');
          return f.evaluate(fn, arg);
        },
        hasArtifact: () => Boolean(srcdoc()),
        click: (testid) => page.locator(sel(testid)).click({ timeout: 15_000 }),
        focus: (testid) => page.locator(sel(testid)).focus(),
        async artifactClick(css) {
          const f = srcdoc();
          if (!f) throw new Error('no artifact frame');
          await f.locator(css).click({ timeout: 15_000 });
        },
        type: (text, delay = 20) => page.keyboard.type(text, { delay }),
        press: (key) => page.keyboard.press(key),
        windows: async () => context.pages().length,
        screenshot: (file) => page.screenshot({ path: file, fullPage: true }),
        /** Crashes the page's renderer, as an app that eats all memory would. */
        async crash() {
          const cdp = await context.newCDPSession(page);
          await cdp.send('Page.crash').catch(() => {});
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

// ---- Firefox: puppeteer-core over WebDriver BiDi ----------------------------------------

// Prefs for the test profile: nothing that changes how pages run (site isolation, popups,
// speculative connections stay as in a person's Firefox), only no calls home and no first-run
// pages, on a machine that reaches no other host.
const FIREFOX_PREFS = {
  'app.normandy.api_url': '',
  'app.update.disabledForTesting': true,
  'browser.newtabpage.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.search.update': false,
  'browser.shell.checkDefaultBrowser': false,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.startup.page': 0,
  'browser.uitour.enabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'extensions.update.enabled': false,
  'media.gmp-manager.updateEnabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'services.settings.server': 'http://127.0.0.1:9/',
  'toolkit.telemetry.reportingpolicy.firstRun': false,
  // A slow-script dialog would block the test; the studio's own watchdog is what is tested.
  'dom.max_script_run_time': 0,
  'hangmonitor.timeout': 0,
};

async function firefoxEngine() {
  const { default: puppeteer } = await import('puppeteer-core');
  // Started here rather than by puppeteer.launch, which turns site isolation (Fission) off
  // (fission.webContentIsolationStrategy = 0) and popup blocking and speculative connections
  // too: the sandbox is tested as people run Firefox.
  const profile = mkdtempSync(path.join(tmpdir(), 'kiln-firefox-'));
  writeFileSync(path.join(profile, 'user.js'),
    Object.entries(FIREFOX_PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n'));
  const child = spawn(process.env.FIREFOX ?? '/usr/bin/firefox-esr',
    ['--headless', '--no-remote', '--profile', profile, '--remote-debugging-port=0', 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  const endpoint = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Firefox printed no WebDriver BiDi address: ${stderr}`)), 30_000);
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = stderr.match(/WebDriver BiDi listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`Firefox exited with ${code}: ${stderr}`)); });
  });
  const browser = await puppeteer.connect({ browserWSEndpoint: `${endpoint}/session`, protocol: 'webDriverBiDi' });
  return {
    name: 'firefox',
    async newPage(viewport) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport(viewport);
      let dialogs = 0;
      page.on('dialog', (d) => { dialogs += 1; d.dismiss().catch(() => {}); });
      const srcdoc = () => page.frames().filter((f) => f.url() === 'about:srcdoc').at(-1);
      // The frame the keyboard is in: down the chain of focused frames, each asked itself.
      async function focused() {
        let frame = page.mainFrame();
        for (let depth = 0; depth < 4; depth += 1) {
          const inFrame = await frame.evaluate(() => document.hasFocus()
            && document.activeElement instanceof HTMLIFrameElement).catch(() => false);
          if (!inFrame) return frame;
          const next = frame.childFrames().find((c) => c.url() !== 'about:blank')
            ?? frame.childFrames().at(-1);
          if (!next) return frame;
          const kids = frame.childFrames();
          // Of several children, the one whose document has the focus.
          let found = null;
          for (const c of kids) {
            if (await c.evaluate(() => document.hasFocus()).catch(() => false)) found = c;
          }
          frame = found ?? next;
        }
        return frame;
      }
      async function key(value) {
        const frame = await focused();
        await frame.browsingContext.performActions([{
          type: 'key',
          id: 'kiln-keyboard',
          actions: [{ type: 'keyDown', value }, { type: 'keyUp', value }],
        }]);
      }
      return {
        engine: 'firefox',
        dialogs: async () => dialogs,
        goto: (url) => page.goto(url),
        reload: () => page.reload(),
        url: () => page.url(),
        evaluate: (fn, arg) => page.evaluate(fn, arg),
        async artifactEval(fn, arg) {
          const f = srcdoc();
          if (!f) throw new Error('no artifact frame');
          return f.evaluate(fn, arg);
        },
        hasArtifact: () => Boolean(srcdoc()),
        async click(testid) {
          await page.waitForSelector(sel(testid), { visible: true, timeout: 15_000 });
          await page.click(sel(testid));
        },
        focus: (testid) => page.focus(sel(testid)),
        // A person's click, dispatched in the artifact frame's own browsing context: Firefox
        // does not route input sent to the top-level page into a frame of another process
        // (Mozilla bug 1773393, why puppeteer turns site isolation off); sent to the frame
        // itself, it arrives as the real thing (trusted, with user activation).
        async artifactClick(css) {
          const f = srcdoc();
          if (!f) throw new Error('no artifact frame');
          await f.waitForSelector(css, { timeout: 15_000 });
          const [x, y] = await f.evaluate((s) => {
            const r = document.querySelector(s).getBoundingClientRect();
            return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)];
          }, css);
          await f.browsingContext.performActions([{
            type: 'pointer',
            id: 'kiln-pointer',
            parameters: { pointerType: 'mouse' },
            actions: [
              { type: 'pointerMove', x, y },
              { type: 'pointerDown', button: 0 },
              { type: 'pointerUp', button: 0 },
            ],
          }]);
        },
        // Keys go to the frame that has the focus when each is pressed, as the browser would
        // route them (input sent to the top-level page does not reach a frame of another
        // process in Firefox: Mozilla bug 1773393).
        async type(text, delay = 20) {
          for (const ch of text) {
            await key(ch);
            if (delay) await sleep(delay);
          }
        },
        press: (k) => key(k === 'Enter' ? '\uE007' : k === 'Escape' ? '\uE00C' : k === 'Tab' ? '\uE004' : k),
        windows: async () => (await context.pages()).length,
        screenshot: (file) => page.screenshot({ path: file, fullPage: true }),
        close: () => context.close(),
      };
    },
    async close() {
      await browser.close().catch(() => {});
      try { process.kill(-child.pid, 'SIGTERM'); } catch (_) {}
    },
    kill() { try { process.kill(-child.pid, 'SIGKILL'); } catch (_) {} },
  };
}

// ---- WebKitGTK: WebKitWebDriver + MiniBrowser under Xvfb, selenium-webdriver ----------

const SESSION_MS = 45_000;

/** Starts `WebKitWebDriver` under Xvfb on a free port, once it accepts connections. */
async function startWebKitDriver() {
  const port = await freePort();
  const child = spawn('xvfb-run', ['-a', 'WebKitWebDriver', `--port=${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  for (let i = 0; ; i += 1) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100) throw new Error(`WebKitWebDriver did not start: ${stderr}`);
    await sleep(100);
  }
  const signal = (sig) => { try { process.kill(-child.pid, sig); } catch (_) {} };
  return { port, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') };
}

async function webkitEngine() {
  const { Builder, By } = await import('selenium-webdriver');
  let server = await startWebKitDriver();
  const binary = miniBrowser();
  const sessions = new Set();
  /** A new WebDriver session (a fresh MiniBrowser). WebKitWebDriver has been seen never to
   * answer a new-session request (once in a full run): then it is restarted and asked again. */
  async function newSession() {
    for (let attempt = 1; ; attempt += 1) {
      const build = new Builder().usingServer(`http://127.0.0.1:${server.port}`).withCapabilities({
        browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': { binary, args: ['--automation'] },
      }).build();
      try {
        return await deadline('webkit: a new session', build, SESSION_MS);
      } catch (err) {
        if (attempt >= 2) throw err;
        console.log(`# ${err.message}; restarting WebKitWebDriver`);
        build.then((d) => d.quit()).catch(() => {});
        server.kill();
        sessions.clear();
        server = await startWebKitDriver();
      }
    }
  }
  return {
    name: 'webkit',
    async newPage(viewport) {
      // A session is a fresh MiniBrowser with an ephemeral profile.
      const driver = await newSession();
      sessions.add(driver);
      await driver.manage().window().setRect({ width: viewport.width, height: viewport.height + 80 }).catch(() => {});
      await driver.manage().setTimeouts({ script: 30_000, pageLoad: 30_000 });
      // WebDriver classic works in one frame at a time: each call says where.
      const inStudio = () => driver.switchTo().defaultContent();
      async function inArtifact() {
        await inStudio();
        const runners = await driver.findElements(By.css('iframe.artifact-frame'));
        if (runners.length === 0) return false;
        // The newest runner is the one the studio listens to.
        await driver.switchTo().frame(runners.at(-1));
        const inner = await driver.findElements(By.css('iframe'));
        if (inner.length === 0) { await inStudio(); return false; }
        await driver.switchTo().frame(inner.at(-1));
        return true;
      }
      const run = (fn, arg) => driver.executeScript(`return (${fn}).apply(null, arguments)`, arg);
      let dialogs = 0;
      return {
        engine: 'webkit',
        /** Browser dialogs seen open (each dismissed): WebDriver shows one as an open alert. */
        async dialogs() {
          try {
            const alert = await driver.switchTo().alert();
            dialogs += 1;
            await alert.dismiss();
          } catch (_) { /* none open */ }
          return dialogs;
        },
        async goto(url) { await inStudio(); await driver.get(url); },
        async reload() { await inStudio(); await driver.navigate().refresh(); },
        async url() { await inStudio(); return driver.getCurrentUrl(); },
        async evaluate(fn, arg) { await inStudio(); return run(fn, arg); },
        async artifactEval(fn, arg) {
          if (!(await inArtifact())) throw new Error('no artifact frame');
          try { return await run(fn, arg); } finally { await inStudio(); }
        },
        async hasArtifact() {
          const found = await inArtifact();
          await inStudio();
          return found;
        },
        async click(testid) {
          await inStudio();
          const deadline = Date.now() + 15_000;
          for (;;) {
            const els = await driver.findElements(By.css(sel(testid)));
            if (els.length > 0 && await els[0].isDisplayed()) { await els[0].click(); return; }
            if (Date.now() > deadline) throw new Error(`no visible ${testid}`);
            await sleep(50);
          }
        },
        async focus(testid) { await inStudio(); await run((s) => document.querySelector(s).focus(), sel(testid)); },
        async artifactClick(css) {
          const deadline = Date.now() + 15_000;
          for (;;) {
            if (await inArtifact()) {
              const els = await driver.findElements(By.css(css));
              if (els.length > 0) { try { await els[0].click(); } finally { await inStudio(); } return; }
            }
            await inStudio();
            if (Date.now() > deadline) throw new Error(`no ${css} in the artifact`);
            await sleep(50);
          }
        },
        async type(text, delay = 20) {
          for (const ch of text) {
            await driver.actions().sendKeys(ch).perform();
            if (delay) await sleep(delay);
          }
        },
        async press(key) {
          const { Key } = await import('selenium-webdriver');
          const k = { Enter: Key.ENTER, Escape: Key.ESCAPE, Tab: Key.TAB }[key] ?? key;
          await driver.actions().sendKeys(k).perform();
        },
        async windows() { return (await driver.getAllWindowHandles()).length; },
        async screenshot(file) { await inStudio(); writeFileSync(file, await driver.takeScreenshot(), 'base64'); },
        async close() { sessions.delete(driver); await driver.quit().catch(() => {}); },
      };
    },
    async close() {
      for (const d of sessions) await d.quit().catch(() => {});
      server.stop();
    },
    kill() { server.kill(); },
  };
}

// ---- What tests do with any engine's page ------------------------------------------------

/** Runs `body(page)` on a fresh page of `engine`; on failure a screenshot is saved. */
export async function withEnginePage(engine, name, viewport, body) {
  const page = await engine.newPage(viewport);
  try {
    await body(page);
  } catch (err) {
    const dir = path.join(artifactsDir, `${engine.name}-${name.replace(/[^a-z0-9-]+/gi, '_')}`);
    mkdirSync(dir, { recursive: true });
    await page.screenshot(path.join(dir, 'screenshot.png')).catch(() => {});
    err.message += `\n(${engine.name}; screenshot saved in ${dir})`;
    throw err;
  } finally {
    // A page that will not close must not hide what the test found.
    await page.close().catch((err) => console.log(`# ${err.message}`));
  }
}

/** Waits until `check()` (an async predicate) holds. */
export async function until(check, what, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** The number of elements with `testid` shown in the studio. */
export const count = (page, testid) => page.evaluate((s) => [...document.querySelectorAll(s)]
  .filter((e) => e.getClientRects().length > 0).length, sel(testid));

/** Waits for an element with `testid` to be shown. */
export const shown = (page, testid, timeout = 10_000) => until(async () => (await count(page, testid)) > 0, testid, timeout);

/** The text of the first element with `testid`. */
export const text = (page, testid) => page.evaluate((s) => document.querySelector(s)?.textContent ?? null, sel(testid));

/** The value of the input with `testid`. */
export const value = (page, testid) => page.evaluate((s) => document.querySelector(s)?.value ?? null, sel(testid));

/**
 * Puts `text` into the input with `testid` as a paste would (the `input` event the page
 * listens to, without typing each character).
 */
export async function fill(page, testid, text) {
  await page.evaluate(([s, t]) => {
    const el = document.querySelector(s);
    el.focus();
    const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
    Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, t);
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, [sel(testid), text]);
}

/** Loads the studio and waits for it to mount. */
export async function openStudio(page, url) {
  await page.goto(url);
  await shown(page, 'prompt-input', 20_000);
}

/** Pastes `html` into the composer and runs it as an app through the real UI. */
export async function runArtifact(page, html) {
  await fill(page, 'prompt-input', html);
  await page.click('run-pasted');
  await until(() => page.evaluate(() => document.querySelector('[data-testid="artifact-frame"]') !== null), 'the artifact frame');
}

/** The Console tab's lines, as `level text`. */
export async function consoleLines(page) {
  await page.click('tab-console');
  const lines = await page.evaluate(() => [...document.querySelectorAll('[data-testid="console-entry"]')]
    .map((r) => [...r.children].map((c) => c.textContent).join(' ')));
  await page.click('tab-preview');
  return lines.map((l) => l.replace(/\s+/g, ' ').trim());
}

/** Waits until the Console tab shows a line containing `needle`. */
export async function waitForConsole(page, needle, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const n = Number(await text(page, 'console-count'));
    if (n > 0) {
      const lines = await consoleLines(page);
      if (lines.some((l) => l.includes(needle))) return lines;
      if (Date.now() > deadline) {
        throw new Error(`console never showed ${JSON.stringify(needle)}; it has ${JSON.stringify(lines.slice(-20))}`);
      }
    } else if (Date.now() > deadline) {
      throw new Error(`console never showed ${JSON.stringify(needle)}; it is empty`);
    }
    await sleep(100);
  }
}

/** Waits until the status line matches `re`, and returns it. */
export async function waitForStatus(page, re, timeout = 15_000) {
  return until(async () => {
    const t = await text(page, 'status');
    return t !== null && re.test(t) ? t : null;
  }, `status ${re}`, timeout);
}

/** Fills the model settings panel through the UI. */
export async function configure(page, { provider, baseUrl, model }) {
  if ((await count(page, 'settings-panel')) === 0) await page.click('settings-button');
  // The panel's code is a part of its own: on a page just opened it may still be arriving.
  await shown(page, 'settings-panel');
  await page.evaluate(([s, v]) => {
    const el = document.querySelector(s);
    el.value = v;
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, [sel('settings-provider'), provider]);
  await fill(page, 'settings-base-url', baseUrl);
  await fill(page, 'settings-model', model);
}

/** Types a prompt and sends it with Enter. */
export async function send(page, prompt) {
  await fill(page, 'prompt-input', prompt);
  // A click, as a person's: a script's focus() in the studio does not take the keyboard back
  // from an app frame of another process in every engine.
  await page.click('prompt-input');
  await page.press('Enter');
}

/**
 * How long the studio takes to show text put in the prompt box, and to open Model settings,
 * now: each timed in the page itself from the action to the next painted frame.
 */
export async function responsiveness(page) {
  const t0 = Date.now();
  await fill(page, 'prompt-input', 'still typing');
  await until(async () => (await value(page, 'prompt-input')) === 'still typing', 'typed text', 30_000);
  const typing = Date.now() - t0;
  const t1 = Date.now();
  await page.click('settings-button');
  await shown(page, 'settings-panel', 30_000);
  const settings = Date.now() - t1;
  await page.click('settings-button');
  return { typing, settings };
}
