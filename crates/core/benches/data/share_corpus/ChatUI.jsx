import { useEffect, useRef, useState } from 'react';
import { Send, Bot, User, Copy, RotateCcw, Sparkles } from 'lucide-react';

const CANNED = [
  "That's a great question. In short: it depends on how often the data changes. If it changes rarely, cache it aggressively and invalidate on write.",
  "Here's one way to think about it. Start with the simplest thing that could work, measure, and only then add complexity where the numbers say it matters.",
  "I'd split that into two steps. First make the parser return a typed error instead of throwing, then handle each error once at the edge.",
  "Good catch! The off-by-one comes from using <= instead of < in the loop condition, so the last iteration reads past the end of the array.",
];

const SUGGESTIONS = ['Explain caching strategies', 'Review my loop', 'How do I structure errors?'];

function formatTime(date) {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function Message({ message, onCopy }) {
  const mine = message.role === 'user';
  return (
    <div className={`flex gap-3 ${mine ? 'flex-row-reverse' : ''}`}>
      <div className={`flex h-8 w-8 shrink-0 items-center justify-center rounded-full ${mine ? 'bg-violet-600 text-white' : 'bg-gray-200 text-gray-700'}`}>
        {mine ? <User size={16} /> : <Bot size={16} />}
      </div>
      <div className={`group max-w-[75%] ${mine ? 'items-end' : 'items-start'} flex flex-col`}>
        <div className={`whitespace-pre-wrap rounded-2xl px-4 py-2.5 text-sm leading-relaxed ${mine ? 'rounded-tr-sm bg-violet-600 text-white' : 'rounded-tl-sm bg-white text-gray-800 shadow-sm ring-1 ring-gray-100'}`}>
          {message.text}
          {message.streaming && <span className="ml-0.5 inline-block h-4 w-1.5 animate-pulse bg-gray-400 align-middle" />}
        </div>
        <div className="mt-1 flex items-center gap-2 text-xs text-gray-400">
          <span>{formatTime(message.time)}</span>
          {!mine && !message.streaming && (
            <button onClick={() => onCopy(message.text)} className="opacity-0 transition group-hover:opacity-100 hover:text-gray-600" title="Copy">
              <Copy size={12} />
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

export default function ChatUI() {
  const [messages, setMessages] = useState([
    { id: 1, role: 'assistant', text: 'Hi! Ask me anything about your code.', time: new Date() },
  ]);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const bottom = useRef(null);
  const timer = useRef(null);

  useEffect(() => {
    bottom.current?.scrollIntoView({ behavior: 'smooth' });
  }, [messages]);

  useEffect(() => () => clearInterval(timer.current), []);

  function streamReply(full) {
    const id = Date.now() + 1;
    setMessages((m) => [...m, { id, role: 'assistant', text: '', time: new Date(), streaming: true }]);
    let shown = 0;
    timer.current = setInterval(() => {
      shown = Math.min(full.length, shown + 3);
      setMessages((m) => m.map((msg) => (msg.id === id ? { ...msg, text: full.slice(0, shown), streaming: shown < full.length } : msg)));
      if (shown >= full.length) {
        clearInterval(timer.current);
        setBusy(false);
      }
    }, 25);
  }

  function send(text) {
    const value = text.trim();
    if (!value || busy) return;
    setMessages((m) => [...m, { id: Date.now(), role: 'user', text: value, time: new Date() }]);
    setDraft('');
    setBusy(true);
    setTimeout(() => streamReply(CANNED[Math.floor(Math.random() * CANNED.length)]), 600);
  }

  function copy(text) {
    navigator.clipboard?.writeText(text);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  }

  function reset() {
    clearInterval(timer.current);
    setBusy(false);
    setMessages([{ id: Date.now(), role: 'assistant', text: 'Fresh start. What are we working on?', time: new Date() }]);
  }

  return (
    <div className="flex h-screen flex-col bg-gray-50">
      <header className="flex items-center justify-between border-b bg-white px-5 py-3">
        <div className="flex items-center gap-2">
          <Sparkles className="text-violet-600" size={20} />
          <h1 className="font-semibold text-gray-900">Code Buddy</h1>
          <span className="rounded-full bg-green-100 px-2 py-0.5 text-xs text-green-700">online</span>
        </div>
        <button onClick={reset} className="flex items-center gap-1 rounded-md px-2 py-1 text-sm text-gray-500 hover:bg-gray-100">
          <RotateCcw size={14} /> New chat
        </button>
      </header>

      <main className="flex-1 space-y-5 overflow-y-auto px-4 py-6">
        {messages.map((m) => <Message key={m.id} message={m} onCopy={copy} />)}
        {busy && messages[messages.length - 1]?.role === 'user' && (
          <div className="flex items-center gap-2 pl-11 text-sm text-gray-400">
            <span className="h-2 w-2 animate-bounce rounded-full bg-gray-400" />
            <span className="h-2 w-2 animate-bounce rounded-full bg-gray-400 [animation-delay:150ms]" />
            <span className="h-2 w-2 animate-bounce rounded-full bg-gray-400 [animation-delay:300ms]" />
          </div>
        )}
        <div ref={bottom} />
      </main>

      {messages.length <= 1 && (
        <div className="flex flex-wrap justify-center gap-2 px-4 pb-3">
          {SUGGESTIONS.map((s) => (
            <button key={s} onClick={() => send(s)} className="rounded-full border border-violet-200 bg-white px-3 py-1.5 text-sm text-violet-700 hover:bg-violet-50">
              {s}
            </button>
          ))}
        </div>
      )}

      <form onSubmit={(e) => { e.preventDefault(); send(draft); }} className="border-t bg-white p-4">
        <div className="flex items-end gap-2 rounded-2xl border border-gray-200 bg-gray-50 p-2 focus-within:border-violet-400">
          <textarea
            rows={1}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(draft); } }}
            placeholder="Message Code Buddy…"
            className="max-h-40 flex-1 resize-none bg-transparent px-2 py-1.5 text-sm outline-none"
          />
          <button type="submit" disabled={!draft.trim() || busy} className="rounded-xl bg-violet-600 p-2 text-white disabled:opacity-40">
            <Send size={16} />
          </button>
        </div>
        <p className="mt-2 text-center text-xs text-gray-400">{copied ? 'Copied to clipboard' : 'Enter to send · Shift+Enter for a new line'}</p>
      </form>
    </div>
  );
}
