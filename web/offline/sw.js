// Kiln's service worker: the studio opens with no network once it has been visited, and a new
// deployment is taken up whole or not at all.
//
// `cargo xtask bundle` fills in this build's files and a version made from them. Installing
// caches every file of the studio page (its hashed assets, the page, the examples); the page
// and its assets are then answered from this version's cache, so a page never mixes two
// deployments. A new deployment installs beside the old one and waits: the page offers
// "Update ready — reload", and only then does the new worker take over (the page reloads into
// it). `config.json` (what the deployment says) comes from the network when it answers, else
// from the cache, marked so the page can say it is offline. The server's routes (`api/`,
// short links) and the sandbox's folder are never answered here: the sandbox's frames are on
// an opaque origin, which no service worker controls. The one exception is what the page
// itself fetches from the sandbox for its frames: the Python and JavaScript runtimes, kept on
// first use (they are tens of megabytes, so not at install) under their content-hashed names.
'use strict';

const VERSION = '{{version}}';
const FILES = {{files}};
const RUNTIMES = {{runtimes}};
const RUNTIME_CACHE = 'kiln-runtimes';
const RUNTIME_PATH = /\/vendor\/([a-z]+-[0-9a-f]{16}\.wasm)$/;
const CACHE = `kiln-studio-${VERSION}`;
const OFFLINE_HEADER = 'x-kiln-offline';
const scope = new URL('./', self.location.href).href;
const PASS = ['api/', 's/', 'sandbox/'];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // The page and config.json bypass the HTTP cache, which may hold the old version's; the
    // hashed files cannot be stale, so a copy the browser has is as good.
    await cache.addAll(FILES.map((f) => new Request(new URL(f, scope).href,
      { cache: f === '' || f === 'config.json' ? 'reload' : 'default' })));
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('kiln-studio-') && key !== CACHE) await caches.delete(key);
    }
    // Runtimes this version no longer names go (each is megabytes).
    const runtimes = await caches.open(RUNTIME_CACHE);
    for (const request of await runtimes.keys()) {
      const name = new URL(request.url).pathname.match(RUNTIME_PATH)?.[1];
      if (!RUNTIMES.includes(name)) await runtimes.delete(request);
    }
    // The first version takes the page that installed it, so it works offline from then on.
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'kiln-update') self.skipWaiting();
});

async function fromCache(url) {
  const cache = await caches.open(CACHE);
  return cache.match(url);
}

// Whether `response` is a config.json worth keeping: JSON, not a portal's or a host's page.
async function isConfig(response) {
  try {
    const value = await response.clone().json();
    return value !== null && typeof value === 'object' && 'sandbox' in value;
  } catch (_) {
    return false;
  }
}

// The network's answer, else (no connection, or a proxy whose server is down answering 5xx)
// this version's copy, marked so the page can say it is offline.
async function networkFirst(request, rel) {
  let response = null;
  let failure = null;
  try {
    response = await fetch(request);
  } catch (err) {
    failure = err;
  }
  if (response && response.status < 500) {
    if (response.ok && rel === 'config.json' && await isConfig(response)) {
      const cache = await caches.open(CACHE);
      await cache.put(new URL(rel, scope).href, response.clone());
    }
    return response;
  }
  const cached = await fromCache(new URL(rel, scope).href);
  if (!cached) {
    if (response) return response;
    throw failure;
  }
  const headers = new Headers(cached.headers);
  headers.set(OFFLINE_HEADER, '1');
  return new Response(cached.body, { status: cached.status, statusText: cached.statusText, headers });
}

// Whether `bytes` are the runtime `name` names: its name carries the first 8 bytes of its
// SHA-256, so nothing else (a captive portal's page, a host's fallback page) is kept under it.
async function isRuntime(name, bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const hex = [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return name.endsWith(`-${hex}.wasm`);
}

// A runtime the page fetches for the code runner: from the cache, else fetched, checked
// against its name, and kept.
async function runtime(request, name) {
  const cache = await caches.open(RUNTIME_CACHE);
  const cached = await cache.match(request.url);
  if (cached) return cached;
  const response = await fetch(request);
  if (!response.ok) return response;
  const bytes = await response.clone().arrayBuffer();
  if (!(await isRuntime(name, bytes))) {
    return new Response(`${name} came back with other bytes (a proxy or a portal page?)`,
      { status: 502, headers: { 'content-type': 'text/plain' } });
  }
  await cache.put(request.url, response);
  return new Response(bytes, { status: 200, headers: { 'content-type': 'application/wasm' } });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const name = new URL(request.url).pathname.match(RUNTIME_PATH)?.[1];
  if (name && RUNTIMES.includes(name)) {
    event.respondWith(runtime(request, name));
    return;
  }
  if (!request.url.startsWith(scope)) return;
  const url = new URL(request.url);
  const rel = url.pathname.slice(new URL(scope).pathname.length);
  if (PASS.some((p) => rel.startsWith(p))) return;
  if (request.mode === 'navigate') {
    if (rel !== '' && rel !== 'index.html') return;
    // The page of this version, whatever the network has: its assets are this version's.
    event.respondWith(fromCache(scope).then((r) => r || networkFirst(request, '')));
    return;
  }
  if (rel === 'config.json' || rel.startsWith('examples/')) {
    event.respondWith(networkFirst(request, rel));
    return;
  }
  if (FILES.includes(rel)) {
    event.respondWith(fromCache(url.href).then((r) => r || fetch(request)));
  }
});
