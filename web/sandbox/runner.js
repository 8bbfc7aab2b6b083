// Kiln's sandbox runner. This page lives on the sandbox origin, a different site from the
// studio, so the browser can give it (and the artifact inside it) a process of its own: an
// artifact that hangs or eats memory takes this process down, not the studio.
//
// The studio hands over a MessagePort once this frame has loaded; from then on every command
// arrives on that port, and nothing else is listened to from the studio's side. The runner
// puts the artifact's document (already composed with its CSP and bridge by kiln-core) into a
// nested sandboxed `srcdoc` frame, which also inherits this page's own CSP.
//
// The artifact cannot reach this page's realm (its frame has another opaque origin), so this is
// where its messages are budgeted before the studio sees them: each must carry this view's
// token (checked before parsing), is rebuilt field by field into the shapes kiln-core accepts,
// and leaves in one batch at most every FLUSH_MS, with at most LINES lines and LINE_BYTES of
// text; the rest is counted as dropped. Storage changes are coalesced, so a write storm costs
// the studio one change per STORAGE_MS. The artifact API's calls (`window.kiln`) are rebuilt
// and queued the same way, and the studio's answers are handed back to the frame. The runner also reports what only it can see: the
// artifact's frame leaving its document, and who moved the keyboard focus into it (see
// kiln_core::sandbox::FocusGuard), and hides the artifact when the studio says so.
'use strict';
(() => {
  // The studio frames this page sandboxed, so it runs on an opaque origin. Framed any other way
  // (another site framing it without a sandbox, to run an app on this page's real origin, the
  // studio's own in a single-origin build), it does nothing.
  if (self.origin !== 'null') return;
  // Kept in step with kiln_core::sandbox (bridge.rs, storage.rs, live.rs).
  const VERSION = 3;
  const FLUSH_MS = 100;
  const STORAGE_MS = 500;
  const LINES = 40;
  const LINE_BYTES = 64 * 1024;
  const TEXT = 8000;
  const QUOTA = 1024 * 1024;
  const MAX_CALL = 1024 * 1024 + 16 * 1024;
  const MESSAGE_BYTES = Math.max(QUOTA, MAX_CALL) + 64 * 1024;
  // Artifact-API calls: at most CALLS a batch and MAX_CALL bytes of them (or one larger
  // call alone), the rest queued up to QUEUED; past that a call is answered `busy` here.
  const CALLS = 32;
  const QUEUED = 256;

  let port = null;
  let frame = null;
  let token = '';
  let prefix = null;
  let shade = null;

  const fresh = () => ({ alive: false, msgs: [], bytes: 0, dropped: 0, refused: 0, events: [],
    ready: false, loaded: false });
  let out = fresh();
  let calls = [];
  let storage = null;
  let storageBytes = 0;
  let lastStorage = 0;
  let timer = null;

  const wellFormed = (s) => (typeof s.toWellFormed === 'function' ? s.toWellFormed()
    : s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
  const str = (v, max = TEXT) => (typeof v === 'string' ? wellFormed(v.slice(0, max)) : null);
  const num = (v) => (Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : null);
  const LEVELS = ['log', 'info', 'warn', 'error', 'debug'];

  // One message rebuilt into exactly the shape kiln-core's FromFrame accepts, or null.
  function clean(m) {
    if (!m || typeof m !== 'object') return null;
    switch (m.type) {
      case 'console': {
        const text = str(m.text);
        return LEVELS.includes(m.level) && text !== null ? { type: 'console', level: m.level, text } : null;
      }
      case 'error': {
        const message = str(m.message);
        if (message === null) return null;
        return { type: 'error', message, source: str(m.source), line: num(m.line),
          column: num(m.column), stack: str(m.stack) };
      }
      case 'rejection': { const reason = str(m.reason); return reason === null ? null : { type: 'rejection', reason }; }
      case 'refused': { const what = str(m.what, 2000); return what === null ? null : { type: 'refused', what }; }
      case 'csp_violation': {
        const directive = str(m.directive, 200);
        const blocked = str(m.blocked, 2000);
        return directive === null || blocked === null ? null : { type: 'csp_violation', directive, blocked };
      }
      case 'resource_failed': {
        const tag = str(m.tag, 100);
        const url = str(m.url, 2000);
        return tag === null || url === null ? null : { type: 'resource_failed', tag, url };
      }
      default: return null;
    }
  }

  // The artifact's frame hears the answer to its call `id` (only the frame that is running now:
  // an answer for a frame that went away is dropped).
  function answer(id, reply) {
    try { if (frame && frame.contentWindow) frame.contentWindow.postMessage({ kiln: 'reply', id, reply }, '*'); } catch (_) {}
  }
  const refuse = (id, code, message) => answer(id, { type: 'error', code, message });

  // One artifact-API call rebuilt into exactly the shape kiln-core's AppCall accepts, or null.
  function cleanCall(c) {
    const id = num(c.id);
    const text = (v) => (typeof v === 'string' ? wellFormed(v) : null);
    switch (c.type) {
      case 'complete': {
        const out = { type: 'complete', id, stream: c.stream === true };
        if (c.prompt !== undefined) { out.prompt = text(c.prompt); if (out.prompt === null) return null; }
        if (c.system !== undefined) { out.system = text(c.system); if (out.system === null) return null; }
        if (c.max_tokens !== undefined) { out.max_tokens = num(c.max_tokens); if (out.max_tokens === null) return null; }
        if (c.messages !== undefined) {
          if (!Array.isArray(c.messages) || c.messages.length > 100) return null;
          out.messages = [];
          for (const m of c.messages) {
            const content = m && text(m.content);
            if (!m || (m.role !== 'user' && m.role !== 'assistant') || content === null) return null;
            out.messages.push({ role: m.role, content });
          }
        }
        return out;
      }
      case 'cancel': return { type: 'cancel', id };
      case 'storage_get':
      case 'storage_delete': {
        const key = text(c.key);
        return key === null ? null : { type: c.type, id, key, shared: c.shared === true };
      }
      case 'storage_set': {
        const key = text(c.key);
        const value = text(c.value);
        return key === null || value === null ? null
          : { type: 'storage_set', id, key, value, shared: c.shared === true };
      }
      case 'storage_list': {
        const prefix = c.prefix === undefined ? '' : text(c.prefix);
        return prefix === null ? null : { type: 'storage_list', id, prefix, shared: c.shared === true };
      }
      default: return null;
    }
  }

  function takeCalls(list) {
    for (const c of list.slice(0, QUEUED)) {
      if (!c || typeof c !== 'object' || num(c.id) === null) { out.dropped += 1; continue; }
      const clean = cleanCall(c);
      if (clean === null) { refuse(c.id, 'invalid', 'kiln: this call is not one the artifact API knows, or its fields are of the wrong kinds'); continue; }
      const json = JSON.stringify(clean);
      if (json.length > MAX_CALL) { refuse(c.id, 'too_large', `kiln: the call is ${json.length} bytes of JSON; at most ${MAX_CALL}`); continue; }
      if (calls.length >= QUEUED) { refuse(c.id, 'busy', 'kiln: too many calls at once; wait for some to finish'); continue; }
      calls.push({ clean, size: json.length });
    }
  }

  function mergeStorage(s) {
    if (!s || typeof s !== 'object') return;
    if (s.clear === true) { storage = { clear: true, set: {} }; storageBytes = 0; }
    if (!s.set || typeof s.set !== 'object') return;
    for (const key of Object.keys(s.set)) {
      const value = s.set[key];
      if (value !== null && typeof value !== 'string') { out.refused += 1; continue; }
      const k = wellFormed(key);
      const v = value === null ? null : wellFormed(value);
      const size = k.length + (v === null ? 0 : v.length);
      // A change larger than the whole quota cannot be a real store's: refused, not carried.
      if (storageBytes + size > QUOTA + 4096) { out.refused += 1; continue; }
      if (!storage) storage = { clear: false, set: {} };
      storage.set[k] = v;
      storageBytes += size;
    }
  }

  const pending = () => out.alive || out.msgs.length > 0 || out.dropped > 0 || out.refused > 0
    || out.events.length > 0 || calls.length > 0;

  function flush() {
    timer = null;
    if (!port) return;
    const now = Date.now();
    const storageDue = storage !== null && now - lastStorage >= STORAGE_MS;
    if (pending() || storageDue) {
      const batch = { v: VERSION, token, alive: out.alive, msgs: out.msgs, dropped: out.dropped,
        storage_refused: out.refused, events: out.events };
      if (calls.length > 0) {
        let n = 0;
        let bytes = 0;
        while (n < calls.length && n < CALLS && (n === 0 || bytes + calls[n].size <= MAX_CALL)) {
          bytes += calls[n].size;
          n += 1;
        }
        batch.calls = calls.splice(0, n).map((c) => c.clean);
      }
      if (storageDue) {
        batch.storage = storage;
        storage = null;
        storageBytes = 0;
        lastStorage = now;
      }
      out = fresh();
      port.postMessage(JSON.stringify(batch));
    }
    if (storage !== null || calls.length > 0) schedule();
  }

  // Batches leave at once while they are few (up to BURST in a row, one more every FLUSH_MS):
  // a new run's `ready` swaps frames sooner, and the last line before a hang still arrives,
  // since a hung artifact stops this page's timers too. A flood waits for its slot, so the
  // studio gets at most one batch per FLUSH_MS on average. Storage alone waits for its own.
  const BURST = 5;
  let tokens = BURST;
  let filled = Date.now();
  function schedule() {
    if (timer !== null) return;
    const now = Date.now();
    tokens = Math.min(BURST, tokens + (now - filled) / FLUSH_MS);
    filled = now;
    if (!pending() && storage !== null) {
      timer = setTimeout(flush, Math.max(0, STORAGE_MS - (now - lastStorage)));
    } else if (tokens >= 1) {
      tokens -= 1;
      flush();
    } else {
      timer = setTimeout(() => { tokens = 0; filled = Date.now(); flush(); }, FLUSH_MS);
    }
  }

  function fromFrame(data) {
    if (typeof data !== 'string' || data.length > MESSAGE_BYTES || prefix === null || !data.startsWith(prefix)) {
      out.dropped += 1;
      return;
    }
    let env;
    try { env = JSON.parse(data); } catch (_) { out.dropped += 1; return; }
    if (!env || env.token !== token || !Array.isArray(env.msgs)) { out.dropped += 1; return; }
    out.alive = true;
    const told = num(env.dropped);
    if (told) out.dropped += Math.min(told, 1e9);
    for (const m of env.msgs) {
      if (m && m.type === 'heartbeat') continue;
      if (m && (m.type === 'ready' || m.type === 'loaded')) {
        if (m.type === 'ready') readies += 1;
        if (!out[m.type]) { out[m.type] = true; out.msgs.push({ type: m.type }); }
        continue;
      }
      const c = clean(m);
      if (c === null) { out.dropped += 1; continue; }
      const size = JSON.stringify(c).length;
      if (out.msgs.length >= LINES || out.bytes + size > LINE_BYTES) { out.dropped += 1; continue; }
      out.bytes += size;
      out.msgs.push(c);
    }
    if (env.storage) mergeStorage(env.storage);
    if (Array.isArray(env.calls)) takeCalls(env.calls);
    schedule();
  }

  // Events are few and the studio acts on them (focus above all): they leave at once.
  function event(e) {
    out.events.push(e);
    if (timer !== null) { clearTimeout(timer); timer = null; }
    flush();
  }

  // Leaving its document: every document of the artifact's own says `ready` once and loads
  // once, so a load with no `ready` to match it, by the time a reload would have said it, is
  // the browser's error page (CSP refused a link, a form, a redirect).
  let loads = 0;
  let readies = 0;
  function watchLoads(f) {
    f.addEventListener('load', () => {
      loads += 1;
      if (loads === 1) return;
      setTimeout(() => {
        if (f === frame && readies < loads) event({ type: 'navigated' });
      }, 300);
    });
  }

  // Who moved the keyboard focus into the app. A person's click or key in the artifact gives
  // this page transient user activation (activation reaches every ancestor); the artifact's
  // own focus() does not; and a studio keystroke or click after the activation began means
  // the person moved on. Polled: no event tells a page that focus entered a child frame.
  // Focus the app took is taken back at once, into this page (keys that land here go
  // nowhere), while the studio decides; an app that takes it even while paused is stopped.
  let studioInputAt = 0;
  let givenUntil = 0;
  let activeSince = 0;
  let wasActive = false;
  let wasInApp = false;
  let ejected = false;
  // Put in the page with the first run (this script runs in the head, before the body).
  const sink = document.createElement('div');
  sink.tabIndex = -1;
  sink.className = 'sink';
  // Focus that arrives without a fresh activation is held here (in the sink) for a moment:
  // WebKit moves the focus on the press and sets the activation only with the click, so a
  // person's click may show its activation a few milliseconds late. If it does, the focus goes
  // back to the app as the person's; if not, the app took it. A second taking meanwhile (a
  // loop) hides the app at once.
  const SUSPECT_MS = 150;
  let suspectSince = null;
  const freshly = (active) => active && activeSince >= studioInputAt;
  setInterval(() => {
    const ua = navigator.userActivation;
    const active = ua ? ua.isActive : true;
    if (active && !wasActive) activeSince = Date.now();
    wasActive = active;
    if (suspectSince !== null && frame) {
      if (freshly(active)) {
        suspectSince = null;
        if (ejected) { ejected = false; frame.style.display = ''; }
        givenUntil = Date.now() + 100;
        try { frame.contentWindow.focus(); } catch (_) {}
        event({ type: 'focus', by: 'person' });
      } else if (Date.now() - suspectSince > SUSPECT_MS) {
        suspectSince = null;
        event({ type: 'focus', by: 'app' });
      }
    }
    const inApp = frame !== null && document.hasFocus() && document.activeElement === frame;
    if (inApp && !wasInApp) {
      if (shade !== null || ejected) {
        // Hidden, and it took the focus all the same (window.focus() needs no layout): it
        // is stopped.
        frame.remove();
        frame = null;
        suspectSince = null;
        sink.focus();
        event({ type: 'stopped' });
      } else if (Date.now() < givenUntil || freshly(active)) {
        event({ type: 'focus', by: 'person' });
      } else if (suspectSince === null) {
        suspectSince = Date.now();
        sink.focus();
      } else {
        frame.style.display = 'none';
        ejected = true;
        sink.focus();
      }
    }
    wasInApp = frame !== null && document.hasFocus() && document.activeElement === frame;
  }, 5);

  // Paused: the artifact hidden (it keeps running, but a frame that is not displayed cannot
  // take the focus), with the reason and a Resume button that only a person can press.
  function pause(reason) {
    if (!frame || shade) return;
    ejected = false;
    frame.style.display = 'none';
    shade = document.createElement('div');
    shade.className = 'paused';
    const p = document.createElement('p');
    p.textContent = reason;
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = 'Resume app';
    b.addEventListener('click', () => resume());
    shade.append(p, b);
    document.body.append(shade);
    event({ type: 'paused' });
  }

  function resume() {
    if (!frame) return;
    if (ejected) { ejected = false; frame.style.display = ''; }
    if (shade) {
      shade.remove();
      shade = null;
      frame.style.display = '';
      event({ type: 'resumed' });
    }
    givenUntil = Date.now() + 300;
    try { frame.contentWindow.focus(); } catch (_) {}
  }

  addEventListener('message', (e) => {
    if (!port && e.source === window.parent && e.data && e.data.kiln === 'connect' && e.ports.length === 1) {
      port = e.ports[0];
      port.onmessage = (m) => command(m.data);
      return;
    }
    if (port && frame && e.source === frame.contentWindow) fromFrame(e.data);
  });

  function command(data) {
    let msg;
    try { msg = JSON.parse(data); } catch (_) { return; }
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'run' && typeof msg.document === 'string' && typeof msg.token === 'string') {
      if (frame) frame.remove();
      if (shade) { shade.remove(); shade = null; }
      token = msg.token;
      calls = [];
      prefix = `{"v":${VERSION},"token":${JSON.stringify(token)}`;
      loads = 0;
      readies = 0;
      frame = document.createElement('iframe');
      // Never an app frame on a real origin, whoever asks.
      const flags = typeof msg.sandbox === 'string' ? msg.sandbox.split(/\s+/)
        .filter((f) => f && f !== 'allow-same-origin' && !f.startsWith('allow-top-navigation')
          && f !== 'allow-popups-to-escape-sandbox') : ['allow-scripts'];
      frame.setAttribute('sandbox', flags.join(' '));
      frame.setAttribute('allow', typeof msg.allow === 'string' ? msg.allow : '');
      // Firefox wants the older attribute as well before it lets a nested frame go full screen.
      if (typeof msg.allow === 'string' && msg.allow.startsWith('fullscreen *;')) frame.setAttribute('allowfullscreen', '');
      frame.setAttribute('referrerpolicy', 'no-referrer');
      frame.setAttribute('title', 'Artifact');
      watchLoads(frame);
      frame.srcdoc = msg.document;
      if (!sink.isConnected) document.body.append(sink);
      document.body.appendChild(frame);
    } else if (msg.type === 'studio_input' && typeof msg.at_ms === 'number') {
      studioInputAt = Math.max(studioInputAt, msg.at_ms);
    } else if (msg.type === 'pause' && typeof msg.reason === 'string') {
      pause(msg.reason.slice(0, 500));
    } else if (msg.type === 'focus') {
      resume();
    } else if (msg.type === 'probe' && Number.isInteger(msg.ms) && msg.ms > 0 && msg.ms <= 500) {
      const until = Date.now() + msg.ms;
      while (Date.now() < until) { /* the probe: this thread, busy */ }
    } else if (msg.type === 'reply' && Number.isInteger(msg.id) && msg.reply && typeof msg.reply === 'object') {
      answer(msg.id, msg.reply);
    } else if (msg.type === 'unhide') {
      if (frame && ejected && !shade) { ejected = false; frame.style.display = ''; }
    }
  }
})();
