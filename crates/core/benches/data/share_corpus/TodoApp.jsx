import { useState, useEffect } from "react";

const FILTERS = {
  all: () => true,
  active: (t) => !t.done,
  done: (t) => t.done,
};

function TodoItem({ todo, onToggle, onDelete, onRename }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(todo.title);

  function commit() {
    const title = draft.trim();
    if (title) onRename(todo.id, title);
    else setDraft(todo.title);
    setEditing(false);
  }

  return (
    <li className="group flex items-center gap-3 py-2 border-b border-slate-100">
      <input
        type="checkbox"
        checked={todo.done}
        onChange={() => onToggle(todo.id)}
        className="h-4 w-4 accent-emerald-600"
      />
      {editing ? (
        <input
          autoFocus
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === "Enter") commit();
            if (e.key === "Escape") {
              setDraft(todo.title);
              setEditing(false);
            }
          }}
          className="flex-1 rounded border border-slate-300 px-2 py-1 text-sm"
        />
      ) : (
        <span
          onDoubleClick={() => setEditing(true)}
          className={`flex-1 text-sm ${todo.done ? "line-through text-slate-400" : "text-slate-700"}`}
        >
          {todo.title}
        </span>
      )}
      <button
        onClick={() => onDelete(todo.id)}
        className="opacity-0 group-hover:opacity-100 text-slate-400 hover:text-rose-500"
        aria-label="Delete"
      >
        ✕
      </button>
    </li>
  );
}

export default function TodoApp() {
  const [todos, setTodos] = useState([
    { id: 1, title: "Read the design doc", done: true },
    { id: 2, title: "Sketch the data model", done: false },
    { id: 3, title: "Write the first test", done: false },
  ]);
  const [title, setTitle] = useState("");
  const [filter, setFilter] = useState("all");

  useEffect(() => {
    const open = todos.filter((t) => !t.done).length;
    document.title = open ? `(${open}) Todos` : "Todos";
  }, [todos]);

  function add(e) {
    e.preventDefault();
    const t = title.trim();
    if (!t) return;
    setTodos((prev) => [...prev, { id: Date.now(), title: t, done: false }]);
    setTitle("");
  }

  const toggle = (id) =>
    setTodos((prev) => prev.map((t) => (t.id === id ? { ...t, done: !t.done } : t)));
  const remove = (id) => setTodos((prev) => prev.filter((t) => t.id !== id));
  const rename = (id, newTitle) =>
    setTodos((prev) => prev.map((t) => (t.id === id ? { ...t, title: newTitle } : t)));

  const visible = todos.filter(FILTERS[filter]);
  const remaining = todos.filter((t) => !t.done).length;

  return (
    <div className="mx-auto mt-16 max-w-md rounded-2xl bg-white p-6 shadow-xl">
      <h1 className="mb-4 text-2xl font-semibold text-slate-800">Todos</h1>
      <form onSubmit={add} className="mb-4 flex gap-2">
        <input
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          placeholder="Add a todo and press Enter"
          className="flex-1 rounded-lg border border-slate-300 px-3 py-2 text-sm focus:border-emerald-500 focus:outline-none"
        />
        <button className="rounded-lg bg-emerald-600 px-4 text-sm font-medium text-white hover:bg-emerald-700">
          Add
        </button>
      </form>
      <ul>
        {visible.map((todo) => (
          <TodoItem
            key={todo.id}
            todo={todo}
            onToggle={toggle}
            onDelete={remove}
            onRename={rename}
          />
        ))}
      </ul>
      {visible.length === 0 && (
        <p className="py-6 text-center text-sm text-slate-400">Nothing here.</p>
      )}
      <div className="mt-4 flex items-center justify-between text-xs text-slate-500">
        <span>{remaining} left</span>
        <div className="flex gap-1">
          {Object.keys(FILTERS).map((f) => (
            <button
              key={f}
              onClick={() => setFilter(f)}
              className={`rounded px-2 py-1 capitalize ${filter === f ? "bg-slate-800 text-white" : "hover:bg-slate-100"}`}
            >
              {f}
            </button>
          ))}
        </div>
        <button
          onClick={() => setTodos((prev) => prev.filter((t) => !t.done))}
          className="hover:text-rose-500"
        >
          Clear done
        </button>
      </div>
    </div>
  );
}
