// Kiln's sandbox runner. This page lives on the sandbox origin, a different site from the
// studio, so Chromium gives it (and the artifact inside it) a process of its own: an artifact
// that hangs or eats memory takes this process down, not the studio.
//
// The studio hands over a MessagePort once this frame has loaded; from then on every command
// arrives on that port, and nothing else is listened to from the studio's side. The runner
// puts the artifact's document (already composed with its CSP and bridge by kiln-core) into a
// nested sandboxed `srcdoc` frame, which also inherits this page's own CSP, and relays the
// bridge's messages (JSON strings) from that frame, and only that frame, to the studio.
'use strict';
(() => {
  let port = null;
  let frame = null;

  addEventListener('message', (e) => {
    if (!port && e.source === window.parent && e.data && e.data.kiln === 'connect' && e.ports.length === 1) {
      port = e.ports[0];
      port.onmessage = (m) => command(m.data);
      return;
    }
    if (port && frame && e.source === frame.contentWindow && typeof e.data === 'string') {
      port.postMessage(e.data);
    }
  });

  function command(data) {
    let msg;
    try { msg = JSON.parse(data); } catch (_) { return; }
    if (msg && msg.type === 'run' && typeof msg.document === 'string') {
      if (frame) frame.remove();
      frame = document.createElement('iframe');
      frame.setAttribute('sandbox', typeof msg.sandbox === 'string' ? msg.sandbox : 'allow-scripts');
      frame.setAttribute('allow', typeof msg.allow === 'string' ? msg.allow : '');
      frame.setAttribute('referrerpolicy', 'no-referrer');
      frame.setAttribute('title', 'Artifact');
      frame.srcdoc = msg.document;
      document.body.appendChild(frame);
    }
  }
})();
