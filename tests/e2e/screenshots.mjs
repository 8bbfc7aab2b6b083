// Renders the README's screenshots from a running build: `node tests/e2e/screenshots.mjs`.
// The reply comes from the local replay server (tests/e2e/replay.mjs), so no key is needed.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, startServer, VIEWPORTS, waitForConsole } from './harness.mjs';
import { startReplay } from './replay.mjs';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs');
const server = await startServer();
const replay = await startReplay();
const browser = await launchBrowser();
try {
  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    const page = await browser.newPage({ viewport });
    await page.goto(server.url);
    await page.getByTestId('settings-button').click();
    await page.getByTestId('settings-provider').selectOption('openai');
    await page.getByTestId('settings-base-url').fill(`${replay.origin}/v1`);
    await page.getByTestId('settings-base-url').press('Tab');
    await page.getByTestId('settings-model').fill('ok');
    await page.getByTestId('settings-model').press('Tab');
    await page.getByTestId('settings-button').click();
    await page.getByTestId('prompt-input').fill('A counter with an Add button');
    await page.getByTestId('prompt-input').press('Enter');
    await waitForConsole(page, 'counter ready');
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(docs, `screenshot-${name}.png`) });
    await page.close();
  }
} finally {
  await browser.close();
  await replay.close();
  await server.stop();
}
