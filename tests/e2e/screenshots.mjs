// Renders the README's screenshots from a running build: `node tests/e2e/screenshots.mjs`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, startServer, VIEWPORTS } from './harness.mjs';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs');
const server = await startServer();
const browser = await launchBrowser();
try {
  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    const page = await browser.newPage({ viewport });
    await page.goto(server.url);
    await page.getByTestId('prompt-input').fill('A pomodoro timer with a progress ring and a reset button');
    await page.screenshot({ path: path.join(docs, `screenshot-${name}.png`) });
    await page.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
