// Kiln's in-frame bridge. Composed into every artifact document right after its CSP, so it
// runs before any of the artifact's own code. It forwards console output, errors, unhandled
// rejections, CSP violations and failed resources to the runner (and so to the studio), sends
// a heartbeat so the studio can tell a hung artifact from a quiet one, and gives the artifact
// a working localStorage (the real one throws in an opaque origin) persisted through the
// bridge. The artifact can read and call all of this; the studio trusts none of it.
(() => {
  const TOKEN = __KILN_TOKEN__;
  const STORAGE = __KILN_STORAGE__;
  const up = window.parent;
  const send = (msg) => {
    try { up.postMessage(JSON.stringify({ v: 1, token: TOKEN, msg }), '*'); } catch (_) {}
  };
  const text = (v) => {
    if (typeof v === 'string') return v;
    if (v instanceof Error) return v.stack || String(v);
    try { return JSON.stringify(v) ?? String(v); } catch (_) { return String(v); }
  };
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    const orig = console[level].bind(console);
    console[level] = (...args) => {
      send({ type: 'console', level, text: args.map(text).join(' ').slice(0, 8000) });
      orig(...args);
    };
  }
  addEventListener('error', (e) => {
    if (e instanceof ErrorEvent) {
      send({ type: 'error', message: String(e.message), source: e.filename || null,
        line: e.lineno || null, column: e.colno || null, stack: e.error?.stack ?? null });
    } else if (e.target && e.target !== window) {
      const t = e.target;
      send({ type: 'resource_failed', tag: String(t.tagName || '').toLowerCase(),
        url: String(t.src || t.href || '') });
    }
  }, true);
  addEventListener('unhandledrejection', (e) => send({ type: 'rejection', reason: text(e.reason) }));
  addEventListener('securitypolicyviolation', (e) => send({ type: 'csp_violation',
    directive: String(e.effectiveDirective || e.violatedDirective), blocked: String(e.blockedURI) }));

  // An in-memory Storage with the real API, written through to the studio.
  const data = new Map(Object.entries(STORAGE || {}));
  const storage = {
    get length() { return data.size; },
    key: (i) => Array.from(data.keys())[i] ?? null,
    getItem: (k) => (data.has(String(k)) ? data.get(String(k)) : null),
    setItem: (k, v) => { k = String(k); v = String(v); data.set(k, v); send({ type: 'storage_set', key: k, value: v }); },
    removeItem: (k) => { k = String(k); data.delete(k); send({ type: 'storage_remove', key: k }); },
    clear: () => { data.clear(); send({ type: 'storage_clear' }); },
  };
  const shim = new Proxy(storage, {
    get: (t, p) => (p in t ? t[p] : t.getItem(p)),
    set: (t, p, v) => { t.setItem(p, v); return true; },
    deleteProperty: (t, p) => { t.removeItem(p); return true; },
  });
  for (const name of ['localStorage', 'sessionStorage']) {
    try { Object.defineProperty(window, name, { value: shim, configurable: false }); } catch (_) {}
  }

  // Chromium has no CSP or sandbox switch for WebRTC, which can reach any host through
  // STUN/TURN. Removing the constructors stops ordinary use; README's Sandbox limits says
  // what a determined artifact can still do.
  for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel']) {
    try { Object.defineProperty(window, name, { value: undefined, configurable: false, writable: false }); } catch (_) {}
  }

  send({ type: 'ready' });
  // After the load event and one painted frame, so the studio swaps in a frame with
  // something on it. rAF does not run in a frame that is not rendered; the timeout covers it.
  addEventListener('load', () => {
    let sent = false;
    const loaded = () => { if (!sent) { sent = true; send({ type: 'loaded' }); } };
    requestAnimationFrame(() => setTimeout(loaded, 0));
    setTimeout(loaded, 100);
  });
  setInterval(() => send({ type: 'heartbeat' }), 250);
})();
