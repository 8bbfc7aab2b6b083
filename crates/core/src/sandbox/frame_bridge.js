// Kiln's in-frame bridge. Composed into every artifact document right after its CSP, so it
// runs before any of the artifact's own code. It forwards console output, errors, unhandled
// rejections, CSP violations and failed resources to the runner (and so to the studio), sends
// a heartbeat so the studio can tell a hung artifact from a quiet one, and gives the artifact
// a working localStorage (the real one throws in an opaque origin) persisted through the
// bridge. It also keeps the artifact's dialogs, full screen and history inside its own frame,
// and offers the artifact API, `window.kiln` (docs/artifact-api.md): the person's model, with
// their consent, and a larger store, both answered by the studio through the runner.
// The artifact can read and call all of this; the studio trusts none of it, and the runner
// budgets whatever arrives, from here or from the artifact posing as this.
(() => {
  const TOKEN = __KILN_TOKEN__;
  const STORAGE = __KILN_STORAGE__;
  const QUOTA = __KILN_QUOTA__;
  // Taken now, before the artifact's code can replace them.
  const up = window.parent;
  const post = up.postMessage.bind(up);
  const stringify = JSON.stringify;
  const later = setTimeout.bind(window);
  const every = setInterval.bind(window);

  // Messages leave at once while they are few (up to BURST in a row, one more every EVERY ms),
  // and together once they are many, at most LINES lines at a time, so an artifact that logs
  // in a loop spends its own time, not the studio's, while the last words before a hang (a
  // line, then `while(true)`) still leave before the hang.
  const LINES = 200;
  const BURST = 10;
  const EVERY = 20;
  const now = Date.now.bind(Date);
  let msgs = [];
  let dropped = 0;
  let storage = null;
  let timer = null;
  let tokens = BURST;
  let filled = now();
  const flush = () => {
    timer = null;
    const env = { v: 3, token: TOKEN, msgs, dropped };
    if (storage) env.storage = storage;
    msgs = [];
    dropped = 0;
    storage = null;
    try { post(stringify(env), '*'); } catch (_) {}
  };
  const soon = () => {
    if (timer !== null) return;
    const t = now();
    tokens = Math.min(BURST, tokens + (t - filled) / EVERY);
    filled = t;
    if (tokens >= 1) { tokens -= 1; flush(); }
    else timer = later(() => { tokens = 0; filled = now(); flush(); }, EVERY);
  };
  const send = (msg) => {
    if (msg.type === 'ready' || msg.type === 'loaded' || msgs.length < LINES) msgs.push(msg);
    else dropped += 1;
    soon();
  };
  const text = (v) => {
    if (typeof v === 'string') return v;
    if (v instanceof Error) {
      // Chromium's stack starts with "Name: message"; Firefox's and WebKit's have only the
      // frames, so the message is put first when the stack lacks it.
      const head = String(v);
      const stack = typeof v.stack === 'string' ? v.stack : '';
      return stack.startsWith(head) ? stack : (stack ? `${head}\n${stack}` : head);
    }
    try { return stringify(v) ?? String(v); } catch (_) { return String(v); }
  };
  const refused = (what) => send({ type: 'refused', what: String(what).slice(0, 2000) });

  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    const orig = console[level].bind(console);
    // Past the budget a line is counted, not formatted, and not given to the browser's own
    // console either: a logging loop must not cost the studio (or the developer tools) more
    // than the budget.
    // A line longer than 8,000 characters is cut for the browser's console as well: some
    // engines copy every console argument into other processes (and to developer tools).
    console[level] = (...args) => {
      if (msgs.length < LINES) {
        const line = args.map(text).join(' ');
        send({ type: 'console', level, text: line.slice(0, 8000) });
        if (line.length <= 8000) orig(...args);
        else orig(`${line.slice(0, 8000)} …[cut]`);
      } else {
        dropped += 1;
        soon();
      }
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

  // An in-memory Storage with the real API, written through to the studio. Like the real one
  // it throws QuotaExceededError past the quota (counted in UTF-8 bytes of keys and values, as
  // the studio counts them), and its changes are coalesced before they leave.
  const utf8 = (s) => {
    let n = 0;
    for (let i = 0; i < s.length; i += 1) {
      const c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length
        && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) { n += 4; i += 1; }
      // Other code units, and lone surrogates (which arrive as U+FFFD), take three.
      else n += 3;
    }
    return n;
  };
  const data = new Map(Object.entries(STORAGE || {}));
  // Each entry's size, counted once when it is written.
  const sizes = new Map();
  let bytes = 0;
  for (const [k, v] of data) { const n = utf8(k) + utf8(v); sizes.set(k, n); bytes += n; }
  const changed = () => {
    if (!storage) storage = { clear: false, set: {} };
    return storage;
  };
  const store = {
    get length() { return data.size; },
    key: (i) => Array.from(data.keys())[i] ?? null,
    getItem: (k) => (data.has(String(k)) ? data.get(String(k)) : null),
    setItem: (k, v) => {
      k = String(k); v = String(v);
      const full = () => new DOMException(`this app's storage is full (quota ${QUOTA} bytes)`, 'QuotaExceededError');
      const rest = bytes - (sizes.get(k) ?? 0);
      // Every UTF-16 code unit is at least one UTF-8 byte, so what cannot fit by its length is
      // refused before it is counted: on engines where the app shares the studio's thread, a
      // loop of refused writes then costs that thread the app's own work, not Kiln's.
      if (rest + k.length + v.length > QUOTA) throw full();
      const size = utf8(k) + utf8(v);
      if (rest + size > QUOTA) throw full();
      bytes = rest + size;
      sizes.set(k, size);
      data.set(k, v);
      changed().set[k] = v;
      soon();
    },
    removeItem: (k) => {
      k = String(k);
      if (!data.has(k)) return;
      bytes -= sizes.get(k) ?? 0;
      sizes.delete(k);
      data.delete(k);
      changed().set[k] = null;
      soon();
    },
    clear: () => {
      data.clear();
      sizes.clear();
      bytes = 0;
      storage = { clear: true, set: {} };
      soon();
    },
  };
  const shim = new Proxy(store, {
    get: (t, p) => (p in t ? t[p] : t.getItem(p)),
    set: (t, p, v) => { t.setItem(p, v); return true; },
    deleteProperty: (t, p) => { t.removeItem(p); return true; },
  });
  for (const name of ['localStorage', 'sessionStorage']) {
    try { Object.defineProperty(window, name, { value: shim, configurable: false }); } catch (_) {}
  }

  const define = (obj, name, value) => {
    try { Object.defineProperty(obj, name, { value, configurable: false, writable: false }); } catch (_) {}
  };

  // Chromium has no CSP or sandbox switch for WebRTC, which can reach any host through
  // STUN/TURN. Removing the constructors stops ordinary use; README's Sandbox limits says
  // what a determined artifact can still do.
  for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel']) {
    define(window, name, undefined);
  }

  // Dialogs. Browser dialogs block the whole tab, studio included, and can pose as Kiln (the
  // frame has no allow-modals, so the browser would refuse them anyway). alert() is shown in
  // the app's own area, labelled as the app's; confirm() and prompt() cannot wait for an answer
  // without blocking, so they answer Cancel, and say so.
  let box = null;
  let boxText = null;
  let repeats = 0;
  const show = (message) => {
    try {
      if (!box || !box.isConnected) {
        box = document.createElement('kiln-dialog');
        const root = box.attachShadow({ mode: 'closed' });
        root.innerHTML = '<style>:host{all:initial;position:fixed;z-index:2147483647;top:12px;left:50%;transform:translateX(-50%);max-width:min(90vw,480px);font:14px/1.4 system-ui,sans-serif;color:#111;background:#fff;border:2px solid #444;border-radius:8px;box-shadow:0 4px 16px #0004;padding:10px 12px}b{display:block;font-size:12px;color:#555;margin-bottom:4px}p{margin:0 0 8px;white-space:pre-wrap;overflow-wrap:anywhere;max-height:40vh;overflow:auto}button{font:inherit}</style><b>Message from this app</b><p></p><button type="button">OK</button>';
        boxText = root.querySelector('p');
        root.querySelector('button').addEventListener('click', () => { box.remove(); repeats = 0; });
        (document.body || document.documentElement).append(box);
        repeats = 0;
      }
      repeats += 1;
      boxText.textContent = String(message).slice(0, 2000) + (repeats > 1 ? ` (×${repeats})` : '');
    } catch (_) {}
  };
  define(window, 'alert', (message = '') => {
    show(message);
    refused(`alert() is shown inside the app: ${String(message).slice(0, 200)}`);
  });
  define(window, 'confirm', (message = '') => {
    show(`${message}\n\n(This app asked for OK or Cancel. Kiln's sandbox answers Cancel.)`);
    refused('confirm() is not available in the sandbox and answered Cancel (false); ask for an in-page dialog instead');
    return false;
  });
  define(window, 'prompt', (message = '') => {
    show(`${message}\n\n(This app asked you to type an answer. Kiln's sandbox does not ask; nothing was typed.)`);
    refused('prompt() is not available in the sandbox and answered nothing (null); ask for an in-page input instead');
    return null;
  });
  define(window, 'print', () => refused('print() is not available in the sandbox'));

  // Full screen only when the person allowed it (the frame's permissions policy decides);
  // otherwise say why it failed and where Kiln's own button is.
  for (const name of ['requestFullscreen', 'webkitRequestFullscreen']) {
    const orig = Element.prototype[name];
    if (typeof orig !== 'function') continue;
    define(Element.prototype, name, function (...args) {
      let result;
      try { result = orig.apply(this, args); } catch (e) {
        refused('Full screen was refused: this app did not ask for it, or you did not allow it. Kiln\'s Full screen button shows it full screen.');
        throw e;
      }
      if (result && typeof result.catch === 'function') {
        result.catch(() => refused('Full screen was refused: this app did not ask for it, or you did not allow it. Kiln\'s Full screen button shows it full screen.'));
      }
      return result;
    });
  }

  // History. Each pushState in a frame is an entry in the whole tab's history, so a loop of
  // them floods the browser and the studio with it, and back() can take the whole tab back
  // past the studio. The artifact gets a history of its own, in memory: pushState,
  // replaceState, back, forward and go work within it and fire popstate as usual.
  const entries = [{ state: null }];
  let at = 0;
  const H = History.prototype;
  const go = (delta) => {
    const to = at + (Number(delta) || 0);
    if (to === at || to < 0 || to >= entries.length) return;
    at = to;
    const state = entries[at].state;
    later(() => dispatchEvent(new PopStateEvent('popstate', { state })), 0);
  };
  define(H, 'pushState', function (state) {
    entries.splice(at + 1, entries.length, { state });
    at = entries.length - 1;
    if (entries.length > 1000) { entries.shift(); at -= 1; }
  });
  define(H, 'replaceState', function (state) { entries[at] = { state }; });
  define(H, 'go', function (delta) { go(delta); });
  define(H, 'back', function () { go(-1); });
  define(H, 'forward', function () { go(1); });
  try {
    Object.defineProperty(H, 'length', { get: () => entries.length, configurable: false });
    Object.defineProperty(H, 'state', { get: () => entries[at].state, configurable: false });
  } catch (_) {}

  // The artifact API. Each call leaves at once in an envelope of its own (so a large value never
  // shares a message with a storage change), and its promise settles when the runner hands
  // back the studio's answer. Answers come only from the parent (the runner); the artifact can
  // fake one to itself, which fools nobody else. What a call may do is the studio's decision:
  // this side only spares an honest app a round trip for what is sure to be refused.
  const MAX_CALL = __KILN_MAX_CALL__;
  const MAX_PROMPT = __KILN_MAX_PROMPT__;
  const pending = new Map();
  let nextId = 1;
  // At most OUTSTANDING calls are with the studio at once; the rest wait here, in the app's own
  // memory, up to WAITING (past that a call is refused `busy`), so an app that fires a thousand
  // writes at once has them all done, in order, at the pace the runner takes them.
  const OUTSTANDING = 64;
  const WAITING = 4096;
  const queue = [];
  let outstanding = 0;
  const pump = () => {
    while (outstanding < OUTSTANDING && queue.length > 0) {
      const { id, json } = queue.shift();
      if (!pending.has(id)) continue;
      outstanding += 1;
      pending.get(id).sent = true;
      try { post(json, '*'); } catch (e) { settle(id, { type: 'error', code: 'invalid', message: `kiln: the call cannot be sent: ${e && e.message}` }); }
    }
  };
  // Settles call `id` with `r` (the studio's answer, or this side's), once.
  const settle = (id, r) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (p.sent) { outstanding -= 1; pump(); }
    if (r.type === 'ok') p.resolve(r.value);
    else p.reject(kilnError(String(r.code || 'provider'), String(r.message || 'kiln: the call failed')));
  };
  const kilnError = (code, message) => {
    const e = new Error(message);
    e.name = 'KilnError';
    e.code = code;
    return e;
  };
  const call = (body, handlers = {}) => new Promise((resolve, reject) => {
    const id = nextId;
    nextId += 1;
    const msg = { ...body, id };
    let json;
    try { json = stringify({ v: 3, token: TOKEN, msgs: [], dropped: 0, calls: [msg] }); } catch (e) {
      reject(kilnError('invalid', `kiln: the call cannot be sent: ${e && e.message}`));
      return;
    }
    if (json.length > MAX_CALL) {
      reject(kilnError('too_large', `kiln: the call is ${json.length} bytes of JSON; at most ${MAX_CALL} leave the app`));
      return;
    }
    if (queue.length >= WAITING) {
      reject(kilnError('busy', `kiln: ${WAITING} calls are already waiting to be sent; wait for some to finish`));
      return;
    }
    pending.set(id, { resolve, reject, text: '', sent: false, ...handlers });
    queue.push({ id, json });
    pump();
    if (handlers.signal) {
      const abort = () => {
        const p = pending.get(id);
        if (!p) return;
        if (p.sent) {
          try { post(stringify({ v: 3, token: TOKEN, msgs: [], dropped: 0, calls: [{ type: 'cancel', id }] }), '*'); } catch (_) {}
        }
        settle(id, { type: 'error', code: 'cancelled', message: 'kiln.complete: cancelled (by the app)' });
      };
      if (handlers.signal.aborted) abort();
      else handlers.signal.addEventListener('abort', abort, { once: true });
    }
  });
  addEventListener('message', (e) => {
    if (e.source !== up) return;
    const d = e.data;
    if (!d || typeof d !== 'object' || d.kiln !== 'reply') return;
    const p = pending.get(d.id);
    const r = d.reply;
    if (!p || !r || typeof r !== 'object') return;
    if (r.type === 'text' && typeof r.text === 'string') {
      p.text += r.text;
      if (typeof p.onText === 'function') {
        try { p.onText(r.text, p.text); } catch (err) { later(() => { throw err; }, 0); }
      }
      return;
    }
    settle(d.id, r);
  });
  const isText = (v) => typeof v === 'string';
  const complete = (req) => {
    if (!req || typeof req !== 'object') {
      return Promise.reject(kilnError('invalid', 'kiln.complete: pass { prompt } or { messages }'));
    }
    const body = { type: 'complete', stream: typeof req.onText === 'function' };
    if (req.prompt !== undefined) {
      if (!isText(req.prompt)) return Promise.reject(kilnError('invalid', 'kiln.complete: prompt must be a string'));
      body.prompt = req.prompt;
    }
    if (req.messages !== undefined) {
      if (!Array.isArray(req.messages)) return Promise.reject(kilnError('invalid', 'kiln.complete: messages must be an array'));
      body.messages = req.messages.map((m) => ({ role: m && m.role, content: m && m.content }));
    }
    if (req.system !== undefined) {
      if (!isText(req.system)) return Promise.reject(kilnError('invalid', 'kiln.complete: system must be a string'));
      body.system = req.system;
    }
    if (req.max_tokens !== undefined) body.max_tokens = req.max_tokens;
    // Sizes are checked by length first: a 100 MB prompt is refused without being copied.
    let size = isText(body.prompt) ? body.prompt.length : 0;
    size += isText(body.system) ? body.system.length : 0;
    for (const m of body.messages || []) size += isText(m.content) ? m.content.length : 0;
    if (size > MAX_PROMPT) {
      return Promise.reject(kilnError('too_large', `kiln.complete: the request is ${size} characters; at most ${MAX_PROMPT} bytes are sent`));
    }
    return call(body, { onText: req.onText, signal: req.signal });
  };
  // `shared`: the data everyone who opens the same short link shares (kept by the server;
  // the studio decides whether this app has any, and says so beside it).
  const keptStore = (shared) => {
    const limit = shared ? 64 * 1024 : MAX_CALL;
    return Object.freeze({
      get: (key) => call({ type: 'storage_get', key: String(key), shared }),
      set: (key, value) => {
        key = String(key);
        value = String(value);
        if (key.length + value.length > limit) {
          return Promise.reject(kilnError('invalid', `kiln.storage${shared ? '.shared' : ''}: a key and its value may be at most ${shared ? '64 KiB' : '1 MiB'} together`));
        }
        return call({ type: 'storage_set', key, value, shared }).then(() => undefined);
      },
      delete: (key) => call({ type: 'storage_delete', key: String(key), shared }),
      list: (prefix = '') => call({ type: 'storage_list', prefix: String(prefix), shared }),
    });
  };
  const kv = keptStore(false);
  define(window, 'kiln', Object.freeze({
    version: 1,
    complete,
    storage: Object.freeze({ ...kv, shared: keptStore(true) }),
  }));

  send({ type: 'ready' });
  // After the load event and one painted frame, so the studio swaps in a frame with
  // something on it. rAF does not run in a frame that is not rendered; the timeout covers it.
  addEventListener('load', () => {
    let sent = false;
    const loaded = () => { if (!sent) { sent = true; send({ type: 'loaded' }); } };
    requestAnimationFrame(() => later(loaded, 0));
    later(loaded, 100);
  });
  every(() => send({ type: 'heartbeat' }), 250);
})();
