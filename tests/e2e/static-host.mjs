// A plain static file server for tests of `kiln build`: files from a folder under a base path,
// with the folder's `_headers` applied the way Netlify and Cloudflare Pages apply them. No
// Kiln code runs in it. (A test fixture; it is not how Kiln is served.)
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const TYPES = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', wasm: 'application/wasm',
  css: 'text/css; charset=utf-8', svg: 'image/svg+xml', json: 'application/json',
  webmanifest: 'application/manifest+json',
};

/** Parses a `_headers` file into `[{ pattern, headers: [[name, value]] }]`. */
export function parseHeaders(text) {
  const rules = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      rules.push({ pattern: line.trim(), headers: [] });
    } else if (rules.length) {
      const i = line.indexOf(':');
      rules.at(-1).headers.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
    }
  }
  return rules;
}

function matches(pattern, urlPath) {
  return pattern.endsWith('*') ? urlPath.startsWith(pattern.slice(0, -1)) : urlPath === pattern;
}

/** Serves `dir` at `http://<host>:<port><base>` and resolves with its origin. With
 * `headers: false` it ignores `_headers`, as a plain file server (`python3 -m http.server`) does;
 * `port` starts it again where an earlier one was (the same origin, for offline tests). */
export async function startStaticHost(dir, { base = '/', host = '127.0.0.1', headers: useHeaders = true, port = 0 } = {}) {
  // Read per request, so a host can start before the build writes the folder.
  const headersPath = path.join(dir, '_headers');
  const server = createServer((req, res) => {
    const rules = useHeaders && existsSync(headersPath) ? parseHeaders(readFileSync(headersPath, 'utf8')) : [];
    const urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (!urlPath.startsWith(base) || urlPath.includes('..')) { res.writeHead(404); return res.end(); }
    let file = path.join(dir, urlPath.slice(base.length));
    if (urlPath.endsWith('/')) file = path.join(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile() || path.basename(file) === '_headers') {
      res.writeHead(404); return res.end('not found');
    }
    const headers = { 'content-type': TYPES[path.extname(file).slice(1)] ?? 'application/octet-stream' };
    for (const rule of rules) {
      if (matches(rule.pattern, urlPath)) for (const [k, v] of rule.headers) headers[k.toLowerCase()] = v;
    }
    res.writeHead(200, headers);
    res.end(readFileSync(file));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    origin: `http://${host}:${server.address().port}`,
    port: server.address().port,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
