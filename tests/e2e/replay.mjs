// A local model server for browser tests only: it speaks the exact streaming wire formats of
// OpenAI-compatible servers (SSE) and Ollama (NDJSON), with CORS, and records every request
// it gets (headers included) so tests can check where an API key went. It is never offered
// as a provider by Kiln itself.
//
// The model name picks the behaviour: `ok` streams the whole reply; `cut` drops the
// connection halfway; `slow` streams one small chunk every 100 ms; `bad-key` answers 401.
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

export async function startReplay() {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', async () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.method === 'OPTIONS') { res.writeHead(204, cors); return res.end(); }
      let json = {};
      try { json = JSON.parse(body || '{}'); } catch (_) {}
      const model = json.model ?? '';
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
      const ollama = req.url.startsWith('/api/chat');
      res.writeHead(200, { ...cors, 'content-type': ollama ? 'application/x-ndjson' : 'text/event-stream' });
      const parts = model === 'slow' ? APP_REPLY.join('').match(/[\s\S]{1,12}/g) : APP_REPLY;
      const half = Math.floor(parts.length / 2);
      for (const [i, part] of parts.entries()) {
        if (model === 'cut' && i === half) { res.socket.destroy(); return; }
        res.write(ollama ? ollamaLine(part) : openaiChunk(part));
        await new Promise((r) => setTimeout(r, model === 'slow' ? 100 : 30));
      }
      res.end(ollama ? ollamaLine('', true) : openaiChunk(null, 'stop') + 'data: [DONE]\n\n');
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
