import { useEffect, useMemo, useRef, useState } from "react";
import { Check, Plus, Trash2, Pencil, X, ListTodo } from "lucide-react";

const FILTERS = {
  all: () => true,
  active: (t) => !t.done,
  done: (t) => t.done,
};

const PRIORITIES = {
  low: "bg-slate-100 text-slate-600",
  medium: "bg-amber-100 text-amber-700",
  high: "bg-rose-100 text-rose-700",
};

function useLocalStorage(key, initial) {
  const [value, setValue] = useState(() => {
    try {
      const raw = localStorage.getItem(key);
      return raw ? JSON.parse(raw) : initial;
    } catch {
      return initial;
    }
  });
  useEffect(() => {
    localStorage.setItem(key, JSON.stringify(value));
  }, [key, value]);
  return [value, setValue];
}

function TodoItem({ todo, onToggle, onDelete, onRename }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(todo.text);
  const inputRef = useRef(null);

  useEffect(() => {
    if (editing) inputRef.current?.focus();
  }, [editing]);

  const commit = () => {
    const text = draft.trim();
    if (text) onRename(todo.id, text);
    else setDraft(todo.text);
    setEditing(false);
  };

  return (
    <li className="group flex items-center gap-3 rounded-lg px-3 py-2.5 hover:bg-slate-50">
      <button
        onClick={() => onToggle(todo.id)}
        className={`flex h-5 w-5 shrink-0 items-center justify-center rounded-full border-2 transition ${
          todo.done ? "border-emerald-500 bg-emerald-500 text-white" : "border-slate-300 hover:border-emerald-400"
        }`}
        aria-label={todo.done ? "Mark as not done" : "Mark as done"}
      >
        {todo.done && <Check className="h-3 w-3" strokeWidth={3} />}
      </button>

      {editing ? (
        <input
          ref={inputRef}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === "Enter") commit();
            if (e.key === "Escape") {
              setDraft(todo.text);
              setEditing(false);
            }
          }}
          className="flex-1 rounded border border-indigo-300 px-2 py-0.5 text-sm outline-none focus:ring-2 focus:ring-indigo-200"
        />
      ) : (
        <span
          onDoubleClick={() => setEditing(true)}
          className={`flex-1 text-sm ${todo.done ? "text-slate-400 line-through" : "text-slate-800"}`}
        >
          {todo.text}
        </span>
      )}

      <span className={`rounded px-1.5 py-0.5 text-[10px] font-semibold uppercase ${PRIORITIES[todo.priority]}`}>
        {todo.priority}
      </span>

      <div className="flex gap-1 opacity-0 transition group-hover:opacity-100">
        <button onClick={() => setEditing(true)} className="rounded p-1 text-slate-400 hover:bg-slate-200 hover:text-slate-700">
          <Pencil className="h-4 w-4" />
        </button>
        <button onClick={() => onDelete(todo.id)} className="rounded p-1 text-slate-400 hover:bg-rose-100 hover:text-rose-600">
          <Trash2 className="h-4 w-4" />
        </button>
      </div>
    </li>
  );
}

export default function TodoApp() {
  const [todos, setTodos] = useLocalStorage("todo-app-items", [
    { id: 1, text: "Book dentist appointment", done: false, priority: "medium" },
    { id: 2, text: "Finish quarterly report", done: false, priority: "high" },
    { id: 3, text: "Water the plants", done: true, priority: "low" },
  ]);
  const [text, setText] = useState("");
  const [priority, setPriority] = useState("medium");
  const [filter, setFilter] = useState("all");

  const visible = useMemo(() => todos.filter(FILTERS[filter]), [todos, filter]);
  const remaining = todos.filter((t) => !t.done).length;

  const add = (e) => {
    e.preventDefault();
    const value = text.trim();
    if (!value) return;
    setTodos([{ id: Date.now(), text: value, done: false, priority }, ...todos]);
    setText("");
  };

  const toggle = (id) => setTodos(todos.map((t) => (t.id === id ? { ...t, done: !t.done } : t)));
  const remove = (id) => setTodos(todos.filter((t) => t.id !== id));
  const rename = (id, newText) => setTodos(todos.map((t) => (t.id === id ? { ...t, text: newText } : t)));
  const clearDone = () => setTodos(todos.filter((t) => !t.done));

  return (
    <div className="flex min-h-screen items-start justify-center bg-gradient-to-br from-indigo-50 to-sky-50 px-4 py-16">
      <div className="w-full max-w-lg rounded-2xl bg-white shadow-xl shadow-indigo-100">
        <div className="flex items-center gap-3 border-b border-slate-100 px-6 py-5">
          <div className="rounded-lg bg-indigo-600 p-2 text-white">
            <ListTodo className="h-5 w-5" />
          </div>
          <div>
            <h1 className="text-lg font-semibold text-slate-900">My tasks</h1>
            <p className="text-xs text-slate-500">
              {remaining === 0 ? "All caught up 🎉" : `${remaining} task${remaining === 1 ? "" : "s"} left`}
            </p>
          </div>
        </div>

        <form onSubmit={add} className="flex gap-2 px-6 py-4">
          <input
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="Add a task…"
            className="flex-1 rounded-lg border border-slate-200 px-3 py-2 text-sm outline-none focus:border-indigo-400 focus:ring-2 focus:ring-indigo-100"
          />
          <select
            value={priority}
            onChange={(e) => setPriority(e.target.value)}
            className="rounded-lg border border-slate-200 px-2 text-sm text-slate-600"
          >
            <option value="low">Low</option>
            <option value="medium">Medium</option>
            <option value="high">High</option>
          </select>
          <button
            type="submit"
            disabled={!text.trim()}
            className="flex items-center gap-1 rounded-lg bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-40"
          >
            <Plus className="h-4 w-4" /> Add
          </button>
        </form>

        <div className="flex items-center justify-between px-6 pb-2">
          <div className="flex gap-1 rounded-lg bg-slate-100 p-1 text-xs">
            {Object.keys(FILTERS).map((f) => (
              <button
                key={f}
                onClick={() => setFilter(f)}
                className={`rounded-md px-3 py-1 capitalize ${filter === f ? "bg-white font-medium shadow-sm" : "text-slate-500"}`}
              >
                {f}
              </button>
            ))}
          </div>
          {todos.some((t) => t.done) && (
            <button onClick={clearDone} className="flex items-center gap-1 text-xs text-slate-400 hover:text-rose-600">
              <X className="h-3 w-3" /> Clear completed
            </button>
          )}
        </div>

        <ul className="px-3 pb-4">
          {visible.length === 0 ? (
            <li className="py-10 text-center text-sm text-slate-400">Nothing here.</li>
          ) : (
            visible.map((t) => (
              <TodoItem key={t.id} todo={t} onToggle={toggle} onDelete={remove} onRename={rename} />
            ))
          )}
        </ul>
      </div>
    </div>
  );
}
