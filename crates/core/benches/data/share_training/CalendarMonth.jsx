import { useMemo, useState } from "react";
import { Check, ChevronLeft, ChevronRight, Plus, Trash2 } from "lucide-react";

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const CATEGORIES = {
  work: { label: "Work", dot: "bg-blue-500", pill: "bg-blue-100 text-blue-800" },
  personal: { label: "Personal", dot: "bg-emerald-500", pill: "bg-emerald-100 text-emerald-800" },
  health: { label: "Health", dot: "bg-rose-500", pill: "bg-rose-100 text-rose-800" },
  travel: { label: "Travel", dot: "bg-amber-500", pill: "bg-amber-100 text-amber-800" },
};

const pad = (n) => String(n).padStart(2, "0");
const toKey = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const fromKey = (k) => {
  const [y, m, d] = k.split("-").map(Number);
  return new Date(y, m - 1, d);
};

function seedEvents() {
  const t = new Date();
  const on = (offset) => toKey(new Date(t.getFullYear(), t.getMonth(), t.getDate() + offset));
  return [
    { id: 1, date: on(0), time: "09:30", title: "Sprint planning", category: "work" },
    { id: 2, date: on(0), time: "18:00", title: "Climbing gym", category: "health" },
    { id: 3, date: on(2), time: "12:00", title: "Lunch with Sam", category: "personal" },
    { id: 4, date: on(5), time: "", title: "Flight to Lisbon", category: "travel" },
    { id: 5, date: on(6), time: "", title: "Lisbon", category: "travel" },
    { id: 6, date: on(-3), time: "15:00", title: "Dentist", category: "health" },
    { id: 7, date: on(9), time: "10:00", title: "Quarterly review", category: "work" },
    { id: 8, date: on(9), time: "14:00", title: "1:1 with Priya", category: "work" },
    { id: 9, date: on(9), time: "16:30", title: "Design crit", category: "work" },
    { id: 10, date: on(9), time: "19:00", title: "Book club", category: "personal" },
  ];
}

function buildGrid(year, month) {
  const first = new Date(year, month, 1);
  const offset = (first.getDay() + 6) % 7; // Monday-first
  const start = new Date(year, month, 1 - offset);
  const days = [];
  for (let i = 0; i < 42; i++) {
    days.push(new Date(start.getFullYear(), start.getMonth(), start.getDate() + i));
  }
  // Trim a trailing week that is entirely next month
  return days[35].getMonth() !== month ? days.slice(0, 35) : days;
}

function EventForm({ date, onSave, onCancel }) {
  const [title, setTitle] = useState("");
  const [time, setTime] = useState("");
  const [category, setCategory] = useState("work");

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (!title.trim()) return;
        onSave({ date, title: title.trim(), time, category });
      }}
      className="space-y-3 rounded-xl border border-gray-200 bg-gray-50 p-3"
    >
      <input
        autoFocus
        value={title}
        onChange={(e) => setTitle(e.target.value)}
        placeholder="Event title"
        className="w-full rounded-lg border border-gray-300 px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none"
      />
      <div className="flex gap-2">
        <input
          type="time"
          value={time}
          onChange={(e) => setTime(e.target.value)}
          className="rounded-lg border border-gray-300 px-2 py-1.5 text-sm"
        />
        <select
          value={category}
          onChange={(e) => setCategory(e.target.value)}
          className="flex-1 rounded-lg border border-gray-300 px-2 py-1.5 text-sm"
        >
          {Object.entries(CATEGORIES).map(([k, c]) => (
            <option key={k} value={k}>{c.label}</option>
          ))}
        </select>
      </div>
      <div className="flex justify-end gap-2">
        <button type="button" onClick={onCancel} className="rounded-lg px-3 py-1.5 text-sm text-gray-600 hover:bg-gray-200">
          Cancel
        </button>
        <button className="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700">Save</button>
      </div>
    </form>
  );
}

export default function CalendarMonth() {
  const today = new Date();
  const [cursor, setCursor] = useState({ year: today.getFullYear(), month: today.getMonth() });
  const [events, setEvents] = useState(seedEvents);
  const [selected, setSelected] = useState(toKey(today));
  const [adding, setAdding] = useState(false);
  const [hidden, setHidden] = useState([]);

  const grid = useMemo(() => buildGrid(cursor.year, cursor.month), [cursor]);

  const byDay = useMemo(() => {
    const map = {};
    for (const ev of events) {
      if (hidden.includes(ev.category)) continue;
      (map[ev.date] ||= []).push(ev);
    }
    for (const list of Object.values(map)) {
      list.sort((a, b) => (a.time || "00:00").localeCompare(b.time || "00:00"));
    }
    return map;
  }, [events, hidden]);

  const monthLabel = new Date(cursor.year, cursor.month).toLocaleDateString([], { month: "long", year: "numeric" });
  const shift = (delta) =>
    setCursor(({ year, month }) => {
      const d = new Date(year, month + delta, 1);
      return { year: d.getFullYear(), month: d.getMonth() };
    });
  const goToday = () => {
    setCursor({ year: today.getFullYear(), month: today.getMonth() });
    setSelected(toKey(today));
  };

  const selectedDate = fromKey(selected);
  const selectedEvents = byDay[selected] || [];
  const monthCount = events.filter((e) => {
    const d = fromKey(e.date);
    return d.getFullYear() === cursor.year && d.getMonth() === cursor.month;
  }).length;

  const selectDay = (d) => {
    setSelected(toKey(d));
    setAdding(false);
    if (d.getMonth() !== cursor.month) setCursor({ year: d.getFullYear(), month: d.getMonth() });
  };

  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-6 p-6 lg:flex-row">
      <section className="flex-1 rounded-2xl border border-gray-200 bg-white shadow-sm">
        <header className="flex items-center gap-3 border-b border-gray-200 px-5 py-4">
          <h2 className="text-xl font-semibold text-gray-900">{monthLabel}</h2>
          <span className="text-sm text-gray-500">{monthCount} events</span>
          <div className="ml-auto flex items-center gap-1">
            <button onClick={goToday} className="mr-2 rounded-lg border border-gray-300 px-3 py-1.5 text-sm font-medium hover:bg-gray-50">
              Today
            </button>
            <button onClick={() => shift(-1)} className="rounded-lg p-2 hover:bg-gray-100" aria-label="Previous month">
              <ChevronLeft className="h-5 w-5" />
            </button>
            <button onClick={() => shift(1)} className="rounded-lg p-2 hover:bg-gray-100" aria-label="Next month">
              <ChevronRight className="h-5 w-5" />
            </button>
          </div>
        </header>

        <div className="grid grid-cols-7 border-b border-gray-200 text-center text-xs font-semibold uppercase tracking-wide text-gray-500">
          {WEEKDAYS.map((d) => (
            <div key={d} className="py-2">{d}</div>
          ))}
        </div>

        <div className="grid grid-cols-7">
          {grid.map((d) => {
            const key = toKey(d);
            const inMonth = d.getMonth() === cursor.month;
            const isToday = key === toKey(today);
            const isSelected = key === selected;
            const dayEvents = byDay[key] || [];
            const weekend = d.getDay() === 0 || d.getDay() === 6;
            return (
              <button
                key={key}
                onClick={() => selectDay(d)}
                onDoubleClick={() => { selectDay(d); setAdding(true); }}
                className={`flex min-h-[104px] flex-col items-stretch border-b border-r border-gray-100 p-1.5 text-left transition hover:bg-indigo-50/50 ${
                  inMonth ? (weekend ? "bg-gray-50/60" : "bg-white") : "bg-gray-50 text-gray-400"
                } ${isSelected ? "ring-2 ring-inset ring-indigo-500" : ""}`}
              >
                <span
                  className={`mb-1 flex h-7 w-7 items-center justify-center self-end rounded-full text-sm ${
                    isToday ? "bg-indigo-600 font-semibold text-white" : inMonth ? "text-gray-900" : ""
                  }`}
                >
                  {d.getDate()}
                </span>
                <div className="space-y-0.5">
                  {dayEvents.slice(0, 3).map((ev) => (
                    <div key={ev.id} className={`truncate rounded px-1.5 py-0.5 text-[11px] font-medium ${CATEGORIES[ev.category].pill} ${inMonth ? "" : "opacity-60"}`}>
                      {ev.time && <span className="mr-1 opacity-70">{ev.time}</span>}
                      {ev.title}
                    </div>
                  ))}
                  {dayEvents.length > 3 && (
                    <div className="px-1.5 text-[11px] font-medium text-gray-500">+{dayEvents.length - 3} more</div>
                  )}
                </div>
              </button>
            );
          })}
        </div>
      </section>

      <aside className="w-full space-y-4 lg:w-80">
        <div className="rounded-2xl border border-gray-200 bg-white p-5 shadow-sm">
          <p className="text-sm font-medium text-indigo-600">
            {selectedDate.toLocaleDateString([], { weekday: "long" })}
          </p>
          <h3 className="text-2xl font-semibold text-gray-900">
            {selectedDate.toLocaleDateString([], { month: "long", day: "numeric" })}
          </h3>

          <ul className="mt-4 space-y-2">
            {selectedEvents.length === 0 && !adding && (
              <li className="rounded-lg border border-dashed border-gray-300 py-6 text-center text-sm text-gray-500">
                Nothing scheduled
              </li>
            )}
            {selectedEvents.map((ev) => (
              <li key={ev.id} className="group flex items-center gap-3 rounded-lg px-2 py-2 hover:bg-gray-50">
                <span className={`h-2.5 w-2.5 shrink-0 rounded-full ${CATEGORIES[ev.category].dot}`} />
                <div className="min-w-0 flex-1">
                  <p className="truncate text-sm font-medium text-gray-900">{ev.title}</p>
                  <p className="text-xs text-gray-500">{ev.time || "All day"} · {CATEGORIES[ev.category].label}</p>
                </div>
                <button
                  onClick={() => setEvents((list) => list.filter((x) => x.id !== ev.id))}
                  className="rounded p-1 text-gray-400 opacity-0 transition hover:text-rose-600 group-hover:opacity-100"
                  aria-label={`Delete ${ev.title}`}
                >
                  <Trash2 className="h-4 w-4" />
                </button>
              </li>
            ))}
          </ul>

          <div className="mt-4">
            {adding ? (
              <EventForm
                date={selected}
                onCancel={() => setAdding(false)}
                onSave={(ev) => {
                  setEvents((list) => [...list, { ...ev, id: Date.now() }]);
                  setAdding(false);
                }}
              />
            ) : (
              <button
                onClick={() => setAdding(true)}
                className="flex w-full items-center justify-center gap-2 rounded-lg bg-indigo-600 py-2 text-sm font-medium text-white hover:bg-indigo-700"
              >
                <Plus className="h-4 w-4" /> Add event
              </button>
            )}
          </div>
        </div>

        <div className="rounded-2xl border border-gray-200 bg-white p-5 shadow-sm">
          <h4 className="mb-3 text-sm font-semibold text-gray-900">Calendars</h4>
          {Object.entries(CATEGORIES).map(([k, c]) => {
            const on = !hidden.includes(k);
            return (
              <label key={k} className="flex cursor-pointer items-center gap-3 py-1.5 text-sm text-gray-700">
                <input
                  type="checkbox"
                  checked={on}
                  onChange={() => setHidden((h) => (on ? [...h, k] : h.filter((x) => x !== k)))}
                  className="sr-only"
                />
                <span className={`flex h-4 w-4 items-center justify-center rounded ${on ? c.dot : "border-2 border-gray-300"}`}>
                  {on && <Check className="h-3 w-3 text-white" strokeWidth={3} />}
                </span>
                {c.label}
                <span className="ml-auto text-xs text-gray-400">{events.filter((e) => e.category === k).length}</span>
              </label>
            );
          })}
        </div>
      </aside>
    </div>
  );
}
