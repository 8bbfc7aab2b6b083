// An axe-core audit of the studio's main states, at desktop and phone sizes: no serious or
// critical violations. (axe runs in the studio page only; the artifact is another origin's,
// and its content is the model's.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { openStudio, runArtifact, VIEWPORTS, waitForConsole, withPage } from './harness.mjs';
import { setup } from './setup.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const { server, browser } = await setup('server', 'browser');

/** Serious and critical violations in the page as it is now, one line each. */
async function audit(page) {
  // Evaluated through the DevTools protocol, which the studio's CSP does not govern.
  await page.evaluate(axeSource);
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'], iframes: false });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.join(', ')}`);
}

const APP = `<!DOCTYPE html><title>Clicker</title><button id="b">Click</button>
<script>console.log('clicker ready'); console.error('a logged error');</script>`;

describe('accessibility', () => {
  for (const [name, viewport] of Object.entries(VIEWPORTS)) {
    test(`main states have no serious or critical axe violations (${name})`, async () => {
      await withPage(browser, `a11y-${name}`, viewport, async (page) => {
        await openStudio(page, server.url);
        await page.getByTestId('example-card').first().waitFor();
        const found = { empty: await audit(page) };
        await page.getByTestId('settings-button').click();
        await page.getByTestId('settings-panel').waitFor();
        found.settings = await audit(page);
        await page.getByTestId('settings-button').click();
        await runArtifact(page, APP);
        await waitForConsole(page, 'clicker ready');
        found.preview = await audit(page);
        await page.getByTestId('history-button').click();
        await page.getByTestId('history-panel').waitFor();
        found.history = await audit(page);
        await page.getByTestId('history-button').click();
        await page.getByTestId('tab-versions').click();
        found.versions = await audit(page);
        await page.getByTestId('tab-code').click();
        found.code = await audit(page);
        await page.getByTestId('tab-console').click();
        found.console = await audit(page);
        await page.getByTestId('share-button').click();
        found.share = await audit(page);
        const failures = Object.entries(found).flatMap(([state, v]) => v.map((line) => `${state}: ${line}`));
        assert.deepEqual(failures, []);
      });
    });
  }
});
