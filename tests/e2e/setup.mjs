// One setup for every browser test file: it starts the parts the file names, before its first
// test, and stops them after its last, so no file repeats the same before/after.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startCanary, startServer } from './harness.mjs';
import { startReplay } from './replay.mjs';

const START = {
  /** `kiln serve` with the web app, on a free port, with a fresh short-link database. */
  server: startServer,
  /** Headless Chromium (the engine matrix launches its own, per engine). */
  browser: launchBrowser,
  /** A local model server that speaks each provider's wire format (replay.mjs). */
  replay: startReplay,
  /** A server no app may reach unless the person allowed it; it records every hit. */
  canary: startCanary,
};

/** Stops a part; `kiln serve` must exit cleanly. */
async function stop(name, part) {
  if (name === 'server') {
    assert.equal(await part.stop(), 0, `kiln serve exited with an error:\n${part.stderr()}`);
  } else {
    await part.close();
  }
}

/**
 * Starts the parts named (`server`, `browser`, `replay`, `canary`), in that order, and stops
 * them in reverse once the file's tests are done. Meant for a file's top level:
 * `const { server, browser } = await setup('server', 'browser');`
 */
export async function setup(...names) {
  const parts = {};
  after(async () => {
    for (const name of [...names].reverse()) {
      if (parts[name]) await stop(name, parts[name]);
    }
  });
  for (const name of names) {
    const start = START[name];
    if (!start) throw new Error(`setup: no part called ${name}`);
    parts[name] = await start();
  }
  return parts;
}
