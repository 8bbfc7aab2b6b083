// `kiln serve` for teams, through the real UI: short links that open in a fresh profile and
// survive a restart, concurrent creation from many clients, and providers whose keys only the
// server holds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  artifactFrame, kilnBin, openStudio, runArtifact, send, startServer, VIEWPORTS,
  waitForConsole, waitForStatus, withPage,
} from './harness.mjs';
import { startReplay } from './replay.mjs';
import { setup } from './setup.mjs';

const APP = `<!DOCTYPE html><title>Greeter</title><button id="b">Greet</button><script>
document.getElementById('b').onclick = () => console.log('hello team');
console.log('greeter ready');
</script>`;

const { browser } = await setup('browser');
const work = mkdtempSync(path.join(tmpdir(), 'kiln-team-'));
const database = path.join(work, 'links.db');

/** Share payloads made by the CLI, each a different small app. */
/** POSTs a share payload to `/api/links` as the studio does: JSON, from a non-browser client. */
function postLink(server, payload) {
  return fetch(`${server.url}api/links`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ payload }),
  });
}

function payloads(n) {
  return Array.from({ length: n }, (_, i) => {
    const file = path.join(work, `app-${i}.html`);
    writeFileSync(file, `<!DOCTYPE html><title>App ${i}</title><p>app number ${i}</p>`);
    const link = execFileSync(kilnBin(), ['share', 'encode', file], { encoding: 'utf8' }).trim();
    return link.slice(link.indexOf('#') + 1);
  });
}

describe('short links', () => {
  test('made in the Share dialog, opened in a fresh profile, still there after a restart', async () => {
    let server = await startServer(['--database', database]);
    let shortLink;
    try {
      await withPage(browser, 'short-make', VIEWPORTS.desktop, async (page) => {
        await openStudio(page, server.url);
        await runArtifact(page, APP);
        await waitForConsole(page, 'greeter ready');
        await page.getByTestId('share-button').click();
        await page.getByTestId('share-short').click();
        const field = page.getByTestId('share-short-link');
        await field.waitFor({ timeout: 10_000 });
        shortLink = await field.inputValue();
        assert.match(shortLink, new RegExp(`^${server.url}s/[A-Za-z0-9_-]{12}$`));
      });
      await withPage(browser, 'short-open', VIEWPORTS.phone, async (page) => {
        await page.goto(shortLink);
        await waitForConsole(page, 'greeter ready');
        await artifactFrame(page).locator('#b').click();
        await waitForConsole(page, 'hello team');
      });
      assert.equal(await server.stop(), 0);
      server = await startServer(['--database', database]);
      const id = shortLink.split('/s/')[1];
      await withPage(browser, 'short-after-restart', VIEWPORTS.desktop, async (page) => {
        await page.goto(`${server.url}s/${id}`);
        await waitForConsole(page, 'greeter ready');
      });
    } finally {
      await server.stop();
    }
  });

  test('many clients at once: no link lost, none stored twice', async () => {
    const db = path.join(work, 'concurrent.db');
    const server = await startServer(['--database', db, '--requests-per-minute', '0']);
    try {
      const distinct = payloads(12);
      // Each payload sent by three clients at the same moment.
      const sends = distinct.flatMap((p) => [p, p, p]).map((p) =>
        postLink(server, p).then(async (r) => ({ status: r.status, p, ...(await r.json()) })));
      const results = await Promise.all(sends);
      assert.ok(results.every((r) => r.status === 201), JSON.stringify(results.filter((r) => r.status !== 201)));
      const idOf = new Map();
      for (const r of results) {
        if (idOf.has(r.p)) assert.equal(idOf.get(r.p), r.id, 'the same app got two ids');
        idOf.set(r.p, r.id);
      }
      assert.equal(new Set(idOf.values()).size, distinct.length);
      // Every id opens its own app.
      for (const [p, id] of idOf) {
        const r = await fetch(`${server.url}s/${id}`, { redirect: 'manual' });
        assert.equal(r.status, 303);
        // The id comes along, for the shared data of the app it opens.
        assert.equal(r.headers.get('location'), `../?s=${id}#${p}`);
      }
      const listed = execFileSync(kilnBin(), ['links', 'list', '--database', db], { encoding: 'utf8' });
      assert.equal(listed.trim().split('\n').length, distinct.length, listed);
    } finally {
      await server.stop();
    }
  });

  test('the server refuses what is not a share link, and limits request size and rate', async () => {
    const server = await startServer(['--max-request-bytes', '2048', '--requests-per-minute', '3']);
    try {
      const bad = await postLink(server, 'hello');
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).error, /share link/i);
      const big = await postLink(server, 'x'.repeat(5000));
      assert.equal(big.status, 413);
      const third = await postLink(server, 'x');
      assert.equal(third.status, 400);
      const limited = await postLink(server, 'x');
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      // Pages and links are not rate limited, only the API.
      assert.equal((await fetch(server.url)).status, 200);
    } finally {
      await server.stop();
    }
  });
});

describe('providers the server holds keys for', () => {
  let replay;
  before(async () => { replay = await startReplay(); });
  after(async () => { await replay?.close(); });

  test('the page offers them, and generation goes through the server with its key', async () => {
    const SERVER_KEY = 'sk-held-by-the-server-77e2';
    const config = path.join(work, 'team.toml');
    writeFileSync(config, `[[providers]]
id = "team"
protocol = "openai"
base_url = "${replay.origin}/v1"
api_key_env = "KILN_E2E_TEAM_KEY"
models = ["ok"]
`);
    const server = await startServer(['--config', config], { KILN_E2E_TEAM_KEY: SERVER_KEY });
    try {
      await withPage(browser, 'team-proxy', VIEWPORTS.desktop, async (page) => {
        const seen = [];
        page.on('request', (r) => seen.push(JSON.stringify({ url: r.url(), headers: r.headers(), body: r.postData() })));
        await openStudio(page, server.url);
        await page.getByTestId('settings-button').click();
        await page.getByTestId('server-provider-team').click();
        assert.equal(await page.getByTestId('settings-model').inputValue(), 'ok');
        replay.requests.length = 0;
        await send(page, 'a counter');
        await waitForStatus(page, /^Done\./);
        await waitForConsole(page, 'counter ready');
        const chat = replay.requests.find((r) => r.method === 'POST');
        assert.equal(chat.headers.authorization, `Bearer ${SERVER_KEY}`);
        assert.equal(chat.url, '/v1/chat/completions');
        assert.ok(!seen.some((s) => s.includes(SERVER_KEY)), 'the browser saw the server key');
        assert.ok(seen.some((s) => s.includes(`${server.url}api/providers/team/chat/completions`)));
      });
      // Only chat and model lists go through; other API paths do not.
      const other = await fetch(`${server.url}api/providers/team/files`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      assert.equal(other.status, 403);
    } finally {
      await server.stop();
      assert.ok(!server.stderr().includes(SERVER_KEY), 'the key reached the server log');
      assert.match(server.stderr(), /proxied/);
    }
  });
});
