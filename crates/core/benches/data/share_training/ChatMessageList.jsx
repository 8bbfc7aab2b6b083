import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { Send, Smile, Paperclip, Check, CheckCheck, ArrowDown } from "lucide-react";

const ME = { id: "me", name: "You" };
const PEOPLE = {
  maya: { id: "maya", name: "Maya Chen", color: "bg-pink-500" },
  omar: { id: "omar", name: "Omar Haddad", color: "bg-indigo-500" },
};

const now = Date.now();
const min = 60 * 1000;
const INITIAL = [
  { id: 1, from: "maya", text: "Morning! Did the staging deploy go out?", at: now - 26 * 60 * min, status: "read" },
  { id: 2, from: "me", text: "Yep, about 20 minutes ago. Smoke tests are green ✅", at: now - 25.5 * 60 * min, status: "read" },
  { id: 3, from: "omar", text: "Nice. I'm seeing a slow query on the orders page though", at: now - 25 * 60 * min, status: "read" },
  { id: 4, from: "omar", text: "p95 went from 180ms to ~900ms", at: now - 25 * 60 * min + 20000, status: "read" },
  { id: 5, from: "me", text: "Probably the new join on shipments. I'll add an index.", at: now - 24.8 * 60 * min, status: "read" },
  { id: 6, from: "maya", text: "Can we sync at 2pm about the release notes?", at: now - 40 * min, status: "read", reactions: { "👍": ["omar"] } },
  { id: 7, from: "me", text: "Works for me", at: now - 38 * min, status: "read" },
  { id: 8, from: "omar", text: "Same. Index fixed it btw — back to 170ms 🎉", at: now - 5 * min, status: "read", reactions: { "🎉": ["maya", "me"] } },
];

const REPLIES = [
  "Sounds good!",
  "Let me check and get back to you.",
  "👍",
  "Can you share the link?",
  "Haha, fair enough",
  "I'll update the ticket.",
];
const QUICK_REACTIONS = ["👍", "❤️", "😂", "🎉", "👀"];

const sameDay = (a, b) => new Date(a).toDateString() === new Date(b).toDateString();
const timeLabel = (t) => new Date(t).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
function dayLabel(t) {
  const d = new Date(t);
  const today = new Date();
  const yesterday = new Date(Date.now() - 864e5);
  if (d.toDateString() === today.toDateString()) return "Today";
  if (d.toDateString() === yesterday.toDateString()) return "Yesterday";
  return d.toLocaleDateString([], { weekday: "long", month: "short", day: "numeric" });
}

function Avatar({ person }) {
  return (
    <div className={`flex h-8 w-8 shrink-0 items-center justify-center rounded-full text-xs font-semibold text-white ${person.color}`}>
      {person.name.split(" ").map((n) => n[0]).join("")}
    </div>
  );
}

function StatusIcon({ status }) {
  if (status === "sending") return <span className="text-[10px] text-blue-200">sending…</span>;
  if (status === "sent") return <Check className="h-3.5 w-3.5 text-blue-200" />;
  return <CheckCheck className={`h-3.5 w-3.5 ${status === "read" ? "text-sky-200" : "text-blue-200"}`} />;
}

function Message({ msg, first, last, onReact }) {
  const mine = msg.from === "me";
  const person = PEOPLE[msg.from];
  const [hover, setHover] = useState(false);

  const radius = mine
    ? `rounded-2xl ${first ? "" : "rounded-tr-md"} ${last ? "" : "rounded-br-md"}`
    : `rounded-2xl ${first ? "" : "rounded-tl-md"} ${last ? "" : "rounded-bl-md"}`;

  return (
    <div
      className={`group flex items-end gap-2 ${mine ? "justify-end" : "justify-start"} ${last ? "mb-3" : "mb-0.5"}`}
      onMouseEnter={() => setHover(true)}
      onMouseLeave={() => setHover(false)}
    >
      {!mine && (last ? <Avatar person={person} /> : <div className="w-8 shrink-0" />)}
      <div className={`flex max-w-[72%] flex-col ${mine ? "items-end" : "items-start"}`}>
        {!mine && first && <span className="mb-1 ml-1 text-xs font-medium text-gray-500">{person.name}</span>}
        <div className="relative">
          <div
            className={`px-3.5 py-2 text-[15px] leading-snug ${radius} ${
              mine ? "bg-blue-600 text-white" : "bg-white text-gray-900 shadow-sm ring-1 ring-gray-200"
            }`}
          >
            <p className="whitespace-pre-wrap break-words">{msg.text}</p>
            <div className={`mt-0.5 flex items-center justify-end gap-1 text-[11px] ${mine ? "text-blue-100" : "text-gray-400"}`}>
              {timeLabel(msg.at)}
              {mine && <StatusIcon status={msg.status} />}
            </div>
          </div>

          {hover && (
            <div
              className={`absolute -top-9 z-10 flex gap-0.5 rounded-full border border-gray-200 bg-white px-1.5 py-1 shadow-md ${
                mine ? "right-0" : "left-0"
              }`}
            >
              {QUICK_REACTIONS.map((r) => (
                <button key={r} onClick={() => onReact(msg.id, r)} className="rounded-full px-1 text-base transition hover:scale-125">
                  {r}
                </button>
              ))}
            </div>
          )}
        </div>

        {msg.reactions && Object.keys(msg.reactions).length > 0 && (
          <div className="-mt-1.5 flex gap-1 px-2">
            {Object.entries(msg.reactions).map(([emoji, who]) => (
              <button
                key={emoji}
                onClick={() => onReact(msg.id, emoji)}
                className={`flex items-center gap-0.5 rounded-full border px-1.5 py-0.5 text-xs shadow-sm ${
                  who.includes("me") ? "border-blue-300 bg-blue-50" : "border-gray-200 bg-white"
                }`}
              >
                {emoji}
                {who.length > 1 && <span className="text-gray-600">{who.length}</span>}
              </button>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}

function TypingIndicator({ person }) {
  return (
    <div className="mb-3 flex items-end gap-2">
      <Avatar person={person} />
      <div className="flex gap-1 rounded-2xl bg-white px-4 py-3 shadow-sm ring-1 ring-gray-200">
        {[0, 150, 300].map((d) => (
          <span key={d} className="h-2 w-2 animate-bounce rounded-full bg-gray-400" style={{ animationDelay: `${d}ms` }} />
        ))}
      </div>
    </div>
  );
}

export default function ChatMessageList() {
  const [messages, setMessages] = useState(INITIAL);
  const [draft, setDraft] = useState("");
  const [typing, setTyping] = useState(null);
  const [atBottom, setAtBottom] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const scrollRef = useRef(null);
  const inputRef = useRef(null);
  const timers = useRef([]);

  useEffect(() => () => timers.current.forEach(clearTimeout), []);

  const later = (fn, ms) => timers.current.push(setTimeout(fn, ms));

  const scrollToBottom = (smooth = true) => {
    const el = scrollRef.current;
    if (el) el.scrollTo({ top: el.scrollHeight, behavior: smooth ? "smooth" : "auto" });
  };

  useLayoutEffect(() => scrollToBottom(false), []);

  useEffect(() => {
    if (atBottom) scrollToBottom();
  }, [messages, typing]); // eslint-disable-line react-hooks/exhaustive-deps

  const onScroll = () => {
    const el = scrollRef.current;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    setAtBottom(bottom);
    if (bottom) setUnseen(0);
  };

  const updateStatus = (id, status) =>
    setMessages((ms) => ms.map((m) => (m.id === id ? { ...m, status } : m)));

  const send = (e) => {
    e.preventDefault();
    const text = draft.trim();
    if (!text) return;
    const id = Date.now();
    setMessages((ms) => [...ms, { id, from: "me", text, at: Date.now(), status: "sending" }]);
    setDraft("");
    setAtBottom(true);
    inputRef.current?.focus();

    later(() => updateStatus(id, "sent"), 400);
    later(() => updateStatus(id, "delivered"), 1000);
    later(() => updateStatus(id, "read"), 1800);

    // Simulate a teammate replying
    const responder = Math.random() < 0.5 ? "maya" : "omar";
    later(() => setTyping(responder), 2000);
    later(() => {
      setTyping(null);
      setMessages((ms) => [
        ...ms,
        { id: Date.now(), from: responder, text: REPLIES[Math.floor(Math.random() * REPLIES.length)], at: Date.now(), status: "read" },
      ]);
      setUnseen((n) => (scrollRef.current && scrollRef.current.scrollHeight - scrollRef.current.scrollTop - scrollRef.current.clientHeight > 60 ? n + 1 : n));
    }, 3600);
  };

  const react = (id, emoji) =>
    setMessages((ms) =>
      ms.map((m) => {
        if (m.id !== id) return m;
        const reactions = { ...(m.reactions || {}) };
        const who = reactions[emoji] || [];
        reactions[emoji] = who.includes("me") ? who.filter((w) => w !== "me") : [...who, "me"];
        if (reactions[emoji].length === 0) delete reactions[emoji];
        return { ...m, reactions };
      })
    );

  return (
    <div className="relative mx-auto flex h-[640px] max-w-md flex-col overflow-hidden rounded-3xl border border-gray-200 bg-gray-100 shadow-xl">
      <header className="flex items-center gap-3 border-b border-gray-200 bg-white px-4 py-3">
        <div className="flex -space-x-2">
          {Object.values(PEOPLE).map((p) => (
            <div key={p.id} className="rounded-full ring-2 ring-white">
              <Avatar person={p} />
            </div>
          ))}
        </div>
        <div>
          <h2 className="text-sm font-semibold text-gray-900">#release-crew</h2>
          <p className="text-xs text-gray-500">{typing ? `${PEOPLE[typing].name.split(" ")[0]} is typing…` : "3 members · 2 online"}</p>
        </div>
      </header>

      <div ref={scrollRef} onScroll={onScroll} className="relative flex-1 overflow-y-auto px-3 pt-4">
        {messages.map((m, i) => {
          const prev = messages[i - 1];
          const next = messages[i + 1];
          const newDay = !prev || !sameDay(prev.at, m.at);
          const first = newDay || prev.from !== m.from || m.at - prev.at > 5 * min;
          const last = !next || next.from !== m.from || next.at - m.at > 5 * min || !sameDay(next.at, m.at);
          return (
            <div key={m.id}>
              {newDay && (
                <div className="my-4 flex items-center gap-3 text-xs font-medium text-gray-400">
                  <div className="h-px flex-1 bg-gray-300" />
                  {dayLabel(m.at)}
                  <div className="h-px flex-1 bg-gray-300" />
                </div>
              )}
              <Message msg={m} first={first} last={last} onReact={react} />
            </div>
          );
        })}
        {typing && <TypingIndicator person={PEOPLE[typing]} />}
      </div>

      {!atBottom && (
        <button
          onClick={() => { scrollToBottom(); setUnseen(0); }}
          className="absolute bottom-24 left-1/2 flex -translate-x-1/2 items-center gap-1 rounded-full bg-gray-900 px-3 py-1.5 text-xs font-medium text-white shadow-lg"
        >
          <ArrowDown className="h-3.5 w-3.5" />
          {unseen > 0 ? `${unseen} new` : "Jump to latest"}
        </button>
      )}

      <form onSubmit={send} className="flex items-end gap-2 border-t border-gray-200 bg-white p-3">
        <button type="button" className="rounded-full p-2 text-gray-500 hover:bg-gray-100" aria-label="Attach file">
          <Paperclip className="h-5 w-5" />
        </button>
        <textarea
          ref={inputRef}
          rows={1}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) send(e);
          }}
          placeholder="Message #release-crew"
          className="max-h-32 flex-1 resize-none rounded-2xl border border-gray-300 px-4 py-2 text-sm focus:border-blue-500 focus:outline-none"
        />
        <button type="button" className="rounded-full p-2 text-gray-500 hover:bg-gray-100" aria-label="Emoji" onClick={() => setDraft((d) => d + "😊")}>
          <Smile className="h-5 w-5" />
        </button>
        <button
          type="submit"
          disabled={!draft.trim()}
          className="rounded-full bg-blue-600 p-2.5 text-white transition hover:bg-blue-700 disabled:bg-gray-300"
          aria-label="Send"
        >
          <Send className="h-4 w-4" />
        </button>
      </form>
    </div>
  );
}
