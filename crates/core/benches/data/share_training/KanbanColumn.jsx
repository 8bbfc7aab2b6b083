import { useState } from "react";
import { Plus, MoreHorizontal, Trash2, Calendar, GripVertical, Check, X } from "lucide-react";

const PRIORITY = {
  low: "bg-slate-100 text-slate-600",
  medium: "bg-amber-100 text-amber-700",
  high: "bg-rose-100 text-rose-700",
};

const INITIAL = [
  { id: "c1", title: "Write onboarding email copy", priority: "medium", due: "2024-06-14", assignee: "MK", labels: ["Marketing"] },
  { id: "c2", title: "Fix login redirect loop on Safari", priority: "high", due: "2024-06-11", assignee: "JS", labels: ["Bug", "Web"] },
  { id: "c3", title: "Update dependencies", priority: "low", due: null, assignee: "AL", labels: ["Chore"] },
  { id: "c4", title: "Design empty states for dashboard", priority: "medium", due: "2024-06-20", assignee: "RP", labels: ["Design"] },
];

const AVATAR_COLORS = ["bg-sky-500", "bg-violet-500", "bg-emerald-500", "bg-orange-500", "bg-pink-500"];
const avatarColor = (initials) => AVATAR_COLORS[(initials.charCodeAt(0) + initials.charCodeAt(1)) % AVATAR_COLORS.length];

function formatDue(due) {
  if (!due) return null;
  const d = new Date(due + "T00:00:00");
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  const diff = Math.round((d - today) / 86400000);
  const label = d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  return { label, overdue: diff < 0, soon: diff >= 0 && diff <= 2 };
}

function Card({ card, onDelete, onDragStart, onDragEnter, onDragEnd, isDragging }) {
  const due = formatDue(card.due);
  return (
    <div
      draggable
      onDragStart={onDragStart}
      onDragEnter={onDragEnter}
      onDragEnd={onDragEnd}
      onDragOver={(e) => e.preventDefault()}
      className={`group bg-white rounded-lg border border-slate-200 p-3 shadow-sm cursor-grab active:cursor-grabbing transition ${
        isDragging ? "opacity-40 rotate-1" : "hover:border-slate-300 hover:shadow"
      }`}
    >
      <div className="flex items-start gap-1.5">
        <GripVertical className="w-4 h-4 text-slate-300 mt-0.5 shrink-0 opacity-0 group-hover:opacity-100" />
        <p className="text-sm font-medium text-slate-800 flex-1 leading-snug">{card.title}</p>
        <button
          onClick={onDelete}
          className="opacity-0 group-hover:opacity-100 text-slate-400 hover:text-rose-600 transition"
          aria-label="Delete card"
        >
          <Trash2 className="w-4 h-4" />
        </button>
      </div>

      {card.labels.length > 0 && (
        <div className="flex flex-wrap gap-1 mt-2 pl-5">
          {card.labels.map((l) => (
            <span key={l} className="text-[11px] px-1.5 py-0.5 rounded bg-indigo-50 text-indigo-600 font-medium">{l}</span>
          ))}
        </div>
      )}

      <div className="flex items-center justify-between mt-3 pl-5">
        <div className="flex items-center gap-2">
          <span className={`text-[11px] px-1.5 py-0.5 rounded font-semibold uppercase tracking-wide ${PRIORITY[card.priority]}`}>
            {card.priority}
          </span>
          {due && (
            <span className={`flex items-center gap-1 text-xs ${due.overdue ? "text-rose-600 font-medium" : due.soon ? "text-amber-600" : "text-slate-500"}`}>
              <Calendar className="w-3.5 h-3.5" />
              {due.label}
            </span>
          )}
        </div>
        <span className={`w-6 h-6 rounded-full text-[10px] font-bold text-white grid place-items-center ${avatarColor(card.assignee)}`}>
          {card.assignee}
        </span>
      </div>
    </div>
  );
}

export default function KanbanColumn({ title = "In Progress", wipLimit = 5 }) {
  const [cards, setCards] = useState(INITIAL);
  const [adding, setAdding] = useState(false);
  const [draft, setDraft] = useState({ title: "", priority: "medium", due: "" });
  const [dragId, setDragId] = useState(null);
  const [menuOpen, setMenuOpen] = useState(false);

  const overLimit = cards.length > wipLimit;

  function addCard(e) {
    e.preventDefault();
    if (!draft.title.trim()) return;
    setCards((prev) => [
      ...prev,
      {
        id: crypto.randomUUID(),
        title: draft.title.trim(),
        priority: draft.priority,
        due: draft.due || null,
        assignee: "ME",
        labels: [],
      },
    ]);
    setDraft({ title: "", priority: "medium", due: "" });
    setAdding(false);
  }

  function handleDragEnter(targetId) {
    if (!dragId || dragId === targetId) return;
    setCards((prev) => {
      const from = prev.findIndex((c) => c.id === dragId);
      const to = prev.findIndex((c) => c.id === targetId);
      const next = [...prev];
      const [moved] = next.splice(from, 1);
      next.splice(to, 0, moved);
      return next;
    });
  }

  function sortBy(key) {
    const order = { high: 0, medium: 1, low: 2 };
    setCards((prev) =>
      [...prev].sort((a, b) =>
        key === "priority"
          ? order[a.priority] - order[b.priority]
          : (a.due || "9999").localeCompare(b.due || "9999")
      )
    );
    setMenuOpen(false);
  }

  return (
    <div className="min-h-screen bg-slate-100 p-8 flex justify-center items-start">
      <section className="w-80 bg-slate-50 rounded-xl border border-slate-200 flex flex-col max-h-[85vh]">
        <header className="flex items-center justify-between px-3 py-2.5 border-b border-slate-200 relative">
          <div className="flex items-center gap-2">
            <span className="w-2.5 h-2.5 rounded-full bg-blue-500" />
            <h2 className="text-sm font-semibold text-slate-700">{title}</h2>
            <span className={`text-xs px-1.5 rounded-full font-medium ${overLimit ? "bg-rose-100 text-rose-700" : "bg-slate-200 text-slate-600"}`}>
              {cards.length}/{wipLimit}
            </span>
          </div>
          <div className="flex items-center gap-1">
            <button onClick={() => setAdding(true)} className="p-1 rounded hover:bg-slate-200 text-slate-500" aria-label="Add card">
              <Plus className="w-4 h-4" />
            </button>
            <button onClick={() => setMenuOpen((o) => !o)} className="p-1 rounded hover:bg-slate-200 text-slate-500" aria-label="Column menu">
              <MoreHorizontal className="w-4 h-4" />
            </button>
          </div>
          {menuOpen && (
            <div className="absolute right-2 top-10 z-10 w-44 bg-white rounded-lg border border-slate-200 shadow-lg py-1 text-sm">
              <button onClick={() => sortBy("priority")} className="w-full text-left px-3 py-1.5 hover:bg-slate-50">Sort by priority</button>
              <button onClick={() => sortBy("due")} className="w-full text-left px-3 py-1.5 hover:bg-slate-50">Sort by due date</button>
              <button
                onClick={() => { setCards([]); setMenuOpen(false); }}
                className="w-full text-left px-3 py-1.5 hover:bg-rose-50 text-rose-600"
              >
                Clear column
              </button>
            </div>
          )}
        </header>

        {overLimit && (
          <p className="mx-3 mt-2 text-xs text-rose-600 bg-rose-50 border border-rose-200 rounded px-2 py-1">
            WIP limit exceeded — finish something before starting more.
          </p>
        )}

        <div className="flex-1 overflow-y-auto p-2 space-y-2" onDragOver={(e) => e.preventDefault()}>
          {cards.map((card) => (
            <Card
              key={card.id}
              card={card}
              isDragging={dragId === card.id}
              onDragStart={() => setDragId(card.id)}
              onDragEnter={() => handleDragEnter(card.id)}
              onDragEnd={() => setDragId(null)}
              onDelete={() => setCards((prev) => prev.filter((c) => c.id !== card.id))}
            />
          ))}
          {cards.length === 0 && !adding && (
            <div className="text-center text-sm text-slate-400 py-8 border-2 border-dashed border-slate-200 rounded-lg">
              No cards yet
            </div>
          )}

          {adding && (
            <form onSubmit={addCard} className="bg-white rounded-lg border border-blue-300 p-2 space-y-2 shadow-sm">
              <textarea
                autoFocus
                rows={2}
                value={draft.title}
                onChange={(e) => setDraft({ ...draft, title: e.target.value })}
                onKeyDown={(e) => {
                  if (e.key === "Enter" && !e.shiftKey) addCard(e);
                  if (e.key === "Escape") setAdding(false);
                }}
                placeholder="What needs doing?"
                className="w-full text-sm resize-none outline-none"
              />
              <div className="flex gap-2">
                <select
                  value={draft.priority}
                  onChange={(e) => setDraft({ ...draft, priority: e.target.value })}
                  className="text-xs border border-slate-200 rounded px-1.5 py-1"
                >
                  <option value="low">Low</option>
                  <option value="medium">Medium</option>
                  <option value="high">High</option>
                </select>
                <input
                  type="date"
                  value={draft.due}
                  onChange={(e) => setDraft({ ...draft, due: e.target.value })}
                  className="text-xs border border-slate-200 rounded px-1.5 py-1 flex-1"
                />
              </div>
              <div className="flex gap-1 justify-end">
                <button type="button" onClick={() => setAdding(false)} className="p-1.5 rounded hover:bg-slate-100 text-slate-500" aria-label="Cancel">
                  <X className="w-4 h-4" />
                </button>
                <button type="submit" className="flex items-center gap-1 text-xs font-medium bg-blue-600 text-white px-2.5 py-1.5 rounded hover:bg-blue-700">
                  <Check className="w-3.5 h-3.5" /> Add card
                </button>
              </div>
            </form>
          )}
        </div>

        {!adding && (
          <button
            onClick={() => setAdding(true)}
            className="m-2 mt-0 flex items-center gap-1.5 text-sm text-slate-500 hover:text-slate-700 hover:bg-slate-200/60 rounded-lg px-2 py-1.5"
          >
            <Plus className="w-4 h-4" /> Add a card
          </button>
        )}
      </section>
    </div>
  );
}
