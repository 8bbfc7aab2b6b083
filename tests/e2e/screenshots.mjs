// Makes the screenshots of the studio's main states in docs/screenshots/, desktop and phone,
// through the real UI against the local replay provider (not part of the test suite):
//
//   node tests/e2e/screenshots.mjs        (needs a built kiln with the bundle, as the tests do)
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  artifactFrame, configure, launchBrowser, openStudio, send, startServer, VIEWPORTS,
  waitForConsole, waitForStatus,
} from './harness.mjs';
import { startReplay } from './replay.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'docs/screenshots');
mkdirSync(out, { recursive: true });
const server = await startServer();
const replay = await startReplay();
const browser = await launchBrowser();

async function shoot(page, name) {
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(out, `${name}.png`) });
  console.log(`docs/screenshots/${name}.png`);
}

for (const [device, viewport] of [['desktop', VIEWPORTS.desktop], ['phone', VIEWPORTS.phone]]) {
  const context = await browser.newContext({ viewport, colorScheme: 'light' });
  const page = await context.newPage();
  await openStudio(page, server.url);
  await page.getByTestId('example-card').first().waitFor();
  await shoot(page, `${device}-1-first-visit-gallery`);

  await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'patchy' });
  await page.getByTestId('settings-button').click();
  await send(page, 'a counter');
  await waitForStatus(page, /^Done\./);
  await waitForConsole(page, 'counter ready');
  await shoot(page, `${device}-2-generated-app`);

  await send(page, 'count by two');
  for (let i = 0; i < 200 && replay.requests.filter((r) => r.method === 'POST').length < 3; i += 1) await page.waitForTimeout(50);
  await waitForStatus(page, /^Done\./);
  await page.getByTestId('tab-versions').click();
  await shoot(page, `${device}-3-versions-and-diff`);
  replay.requests.length = 0;
  await page.getByTestId('history-button').click();
  await page.getByTestId('history-item').first().waitFor();
  await shoot(page, `${device}-8-history`);
  await page.getByTestId('history-button').click();

  if (device === 'desktop') {
    await page.getByTestId('tab-code').click();
    await page.getByTestId('edit-code').click();
    await page.locator('[data-testid=code-editor] .cm-content').waitFor();
    await shoot(page, `${device}-4-code-editor`);
    await page.getByTestId('cancel-edit').click();

    const react = readFileSync(path.join(root, 'tests/e2e/kinds/react-recharts-dashboard.jsx'), 'utf8');
    await page.getByTestId('prompt-input').fill(`<kiln-artifact id="dashboard" kind="react" title="Sales overview">\n${react}</kiln-artifact>\n`);
    await page.getByTestId('run-pasted').click();
    await page.waitForTimeout(500);
    await artifactFrame(page).waitForSelector('html[data-kiln-rendered="ok"]', { timeout: 20_000 });
    await shoot(page, `${device}-5-react-artifact`);

    await configure(page, { provider: 'openai', baseUrl: `${replay.origin}/v1`, model: 'buggy' });
    await page.getByTestId('settings-button').click();
    await send(page, 'a counter that throws');
    await waitForStatus(page, /^Done\./);
    await waitForConsole(page, 'notDefinedAnywhere');
    await page.getByTestId('tab-console').click();
    await shoot(page, `${device}-6-console-and-fix`);

    await page.getByTestId('share-button').click();
    await page.getByTestId('share-link').waitFor();
    await shoot(page, `${device}-7-share-dialog`);
  }
  await context.close();
}
await browser.close();
await replay.close?.();
await server.stop();
process.exit(0);
