// A local model server for browser tests only: it speaks the exact streaming wire formats of
// OpenAI-compatible servers (SSE), Anthropic Messages (SSE with named events), Gemini
// (streamGenerateContent SSE) and Ollama (NDJSON), with CORS, and records every request it
// gets (headers included) so tests can check where an API key went. It is never offered as a
// provider by Kiln itself.
//
// The model name picks the behaviour: `ok` streams the whole reply; `cut` drops the
// connection halfway; `cut-once` does that on its first request only; `slow` streams one small
// chunk every 100 ms; `bad-key` answers 401; `busy` answers 429 (retry-after: 1) to its first
// request and streams normally after; `utf8` streams a reply full of multi-byte characters in
// 7-byte writes, so characters and events are split across chunks; `buggy` streams an app that
// throws a ReferenceError when it starts; `patchy` makes a named counter, answers a follow-up
// with an edit whose SEARCH text is not in it, and answers Kiln's "edit was not applied"
// message with the whole app again, counting by two; `eval` answers tests/eval-suite's cases by
// the `[eval:NAME]` marker in their prompts (and the model calls of the app `asks-model` writes); `verbatim` answers with the text of the last
// message, so a test can script the reply (the hostile-app tests send the app they want the
// "model" to write); `verbatim-slow` does so in 200-character parts, one every 100 ms.
import { createServer } from 'node:http';

export const APP_REPLY = [
  'Here is your counter app.\n\n',
  '```html\n<!DOCTYPE html>\n<html>\n<head><title>Counter</title></head>\n<body>\n',
  '<h1 id="title">Counter</h1>\n<button id="inc">Add</button> <span id="n">0</span>\n',
  '<script>\nlet n = 0;\ndocument.getElementById("inc").onclick = () => {\n',
  '  n += 1; document.getElementById("n").textContent = n; console.log("count " + n);\n};\n',
  'console.log("counter ready");\n</script>\n</body>\n</html>\n```\n\nClick **Add** to count.',
];

const cors = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
};

function openaiChunk(content, finish = null) {
  return `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }] })}\n\n`;
}

function ollamaLine(content, done = false) {
  const base = { model: 'm', created_at: '2026-11-28T00:00:00Z', message: { role: 'assistant', content }, done };
  return JSON.stringify(done ? { ...base, done_reason: 'stop', prompt_eval_count: 12, eval_count: 48 } : base) + '\n';
}

function anthropicEvent(type, data) {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

const anthropicStart = anthropicEvent('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } })
  + anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
const anthropicDelta = (text) => anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
const anthropicEnd = anthropicEvent('content_block_stop', { index: 0 })
  + anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 48 } })
  + anthropicEvent('message_stop', {});

function geminiChunk(text, finish) {
  const candidate = { content: { role: 'model', parts: [{ text }] }, index: 0 };
  if (finish) candidate.finishReason = 'STOP';
  return `data: ${JSON.stringify({ candidates: [candidate], usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 48 } })}\r\n\r\n`;
}

/** The wire format a request path asks for. */
function formatOf(url) {
  if (url.startsWith('/api/chat')) return 'ollama';
  if (url.startsWith('/v1/messages')) return 'anthropic';
  if (url.includes(':streamGenerateContent')) return 'gemini';
  return 'openai';
}

/** The reply `utf8` streams: the counter app, with text in several scripts. */
export const UTF8_REPLY = APP_REPLY.map((p) => p
  .replace('<h1 id="title">Counter</h1>', '<h1 id="title">Zähler — 计数器 🍅</h1>')
  .replace('console.log("counter ready");', 'console.log("zähler 🍅 ready");'));

const COUNTER = (step, intro = 'Here is your counter.') => [
  `${intro}\n\n<kiln-artifact id="counter" kind="html" title="Counter">\n`,
  '<!DOCTYPE html>\n<html>\n<body>\n<button id="inc">Add</button> <span id="n">0</span>\n<script>\n',
  `let n = 0;\ndocument.getElementById("inc").onclick = () => {\n  n += ${step}; document.getElementById("n").textContent = n; console.log("count " + n);\n};\n`,
  'console.log("counter ready");\n</script>\n</body>\n</html>\n</kiln-artifact>\n',
];
const BAD_EDIT = [
  'Done: it counts by two now.\n\n<kiln-edit id="counter">\n<<<<<<< SEARCH\n',
  '  count += 1;\n=======\n  count += 2;\n>>>>>>> REPLACE\n</kiln-edit>\n',
];

/** What `patchy` answers, from the conversation it is sent. */
function patchyReply(json) {
  const messages = json.messages ?? [];
  const last = messages.filter((m) => m.role === 'user').pop();
  const text = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
  if (text.includes('was not applied')) return COUNTER(2, 'Here is the whole app again.');
  return messages.some((m) => m.role === 'assistant') ? BAD_EDIT : COUNTER(1);
}

/** The reply `buggy` streams: the counter app, calling a function that does not exist. */
export const BUGGY_REPLY = APP_REPLY.map((p) => p.replace('console.log("counter ready");', 'console.log("counter ready");\nnotDefinedAnywhere();'));

/** What `eval` answers: the reply for the `[eval:NAME]` marker in the last message
 * (tests/eval-suite has a case for each). */
const EVAL_REPLIES = {
  counter: () => COUNTER(1),
  buggy: () => BUGGY_REPLY,
  words: () => ['I would rather not write that app.'],
  hang: () => ['<kiln-artifact id="hang" kind="html">\n<!DOCTYPE html><body><button id="inc">+</button>',
    '<script>while (true) {}</script></body>\n</kiln-artifact>\n'],
  edit: () => COUNTER(1),
  'edit-2': () => ['Added a reset button.\n\n<kiln-edit id="counter">\n<<<<<<< SEARCH\n',
    '<span id="n">0</span>\n=======\n<span id="n">0</span> <button id="reset" onclick="n = 0; document.getElementById(\'n\').textContent = n">Reset</button>\n>>>>>>> REPLACE\n</kiln-edit>\n'],
  doc: () => ['<kiln-artifact id="budget" kind="markdown" title="Budget">\n# Budget\n\n',
    '| Item | Cost |\n|---|---|\n| Rent | 900 |\n| Food | 300 |\n| **Total** | **1200** |\n\n```js\nconst total = 900 + 300;\n```\n</kiln-artifact>\n'],
  'wrong-kind': () => COUNTER(1),
  // An app that asks the person's model (window.kiln) when it starts; the inner call's prompt
  // carries a marker of its own, answered below.
  'asks-model': () => ['<kiln-artifact id="asker" kind="html" title="Asker">\n<!DOCTYPE html><body><p id="answer">Waiting for the model…</p>',
    '<script>\nkiln.complete({ prompt: "[eval:inner] What is six times seven? Answer in words." })\n',
    '  .then((t) => { document.getElementById("answer").textContent = t; })\n',
    '  .catch((e) => { document.getElementById("answer").textContent = "ERR " + e.code; });\n</script></body>\n</kiln-artifact>\n'],
  inner: () => ['forty-', 'two'],
};
/** What `verbatim` answers: the last message as it was sent, in small parts. */
function verbatimReply(json, size) {
  const last = (json.messages ?? []).filter((m) => m.role === 'user').pop();
  const text = typeof last?.content === 'string' ? last.content
    : (last?.content ?? []).map((c) => c.text ?? '').join('');
  return text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [''];
}

function evalReply(json) {
  const last = (json.messages ?? []).filter((m) => m.role === 'user').pop();
  const text = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
  const name = /\[eval:([a-z0-9-]+)\]/.exec(text)?.[1];
  return (EVAL_REPLIES[name] ?? (() => ['No such eval case.']))();
}

export async function startReplay() {
  const requests = [];
  const seenModels = new Map();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', async () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.method === 'OPTIONS') { res.writeHead(204, cors); return res.end(); }
      let json = {};
      try { json = JSON.parse(body || '{}'); } catch (_) {}
      const format = formatOf(req.url);
      const model = format === 'gemini'
        ? decodeURIComponent(req.url.split('/models/')[1].split(':')[0])
        : (json.model ?? '');
      const nth = (seenModels.get(model) ?? 0) + 1;
      if (req.method === 'POST') seenModels.set(model, nth);
      if (req.url.endsWith('/models') || req.url.endsWith('/api/tags')) {
        res.writeHead(200, { ...cors, 'content-type': 'application/json' });
        return res.end(req.url.endsWith('/api/tags')
          ? JSON.stringify({ models: [{ name: 'ok', model: 'ok' }, { name: 'slow', model: 'slow' }] })
          : JSON.stringify({ object: 'list', data: [{ id: 'ok', object: 'model' }, { id: 'slow', object: 'model' }] }));
      }
      if (model === 'bad-key') {
        res.writeHead(401, { ...cors, 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }));
      }
      if (model === 'busy' && nth === 1) {
        res.writeHead(429, { ...cors, 'content-type': 'application/json', 'retry-after': '1' });
        return res.end(JSON.stringify({ error: { message: 'Rate limit reached, please slow down', type: 'rate_limit_error' } }));
      }
      const ollama = format === 'ollama';
      res.writeHead(200, { ...cors, 'content-type': ollama ? 'application/x-ndjson' : 'text/event-stream' });
      if (format === 'anthropic') res.write(anthropicStart);
      const parts = model === 'slow' ? APP_REPLY.join('').match(/[\s\S]{1,12}/g)
        : model === 'utf8' ? UTF8_REPLY : model === 'buggy' ? BUGGY_REPLY
          : model === 'patchy' ? patchyReply(json) : model === 'eval' ? evalReply(json)
            : model === 'verbatim' ? verbatimReply(json, 400)
              : model === 'verbatim-slow' ? verbatimReply(json, 200) : APP_REPLY;
      const half = Math.floor(parts.length / 2);
      const cut = model === 'cut' || (model === 'cut-once' && nth === 1);
      const chunk = { ollama: ollamaLine, openai: openaiChunk, anthropic: anthropicDelta, gemini: geminiChunk }[format];
      for (const [i, part] of parts.entries()) {
        if (cut && i === half) { res.socket.destroy(); return; }
        const bytes = Buffer.from(format === 'gemini' ? chunk(part, i === parts.length - 1) : chunk(part));
        // `utf8`: tiny writes, flushed one by one, so a character's bytes arrive apart.
        const step = model === 'utf8' ? 7 : bytes.length;
        for (let at = 0; at < bytes.length; at += step) {
          res.write(bytes.subarray(at, at + step));
          if (step < bytes.length) await new Promise((r) => setTimeout(r, 2));
        }
        await new Promise((r) => setTimeout(r, model === 'slow' || model === 'verbatim-slow' ? 100 : 30));
      }
      const end = { ollama: ollamaLine('', true), openai: openaiChunk(null, 'stop') + 'data: [DONE]\n\n', anthropic: anthropicEnd, gemini: '' }[format];
      res.end(end);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
