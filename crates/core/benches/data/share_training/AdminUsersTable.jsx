import { useMemo, useState } from "react";
import {
  ChevronDown,
  ChevronUp,
  MoreHorizontal,
  Search,
  Shield,
  Trash2,
  UserPlus,
  X,
} from "lucide-react";

const ROLES = ["Admin", "Editor", "Viewer"];
const STATUSES = ["Active", "Invited", "Suspended"];

const FIRST = ["Ava", "Liam", "Noah", "Emma", "Olivia", "Mateo", "Priya", "Kenji", "Sofia", "Omar", "Zoe", "Lucas", "Hana", "Diego", "Grace", "Yusuf", "Mia", "Elijah", "Chloe", "Ravi", "Nora", "Felix", "Isla", "Theo"];
const LAST = ["Chen", "Garcia", "Patel", "Nguyen", "Smith", "Kowalski", "Okafor", "Rossi", "Tanaka", "Haddad", "Müller", "Silva"];

function makeUsers() {
  return FIRST.map((first, i) => {
    const last = LAST[(i * 7) % LAST.length];
    const daysAgo = (i * 37) % 400;
    return {
      id: i + 1,
      name: `${first} ${last}`,
      email: `${first}.${last}`.toLowerCase().replace("ü", "u") + "@example.com",
      role: ROLES[i % 5 === 0 ? 0 : i % 3 === 0 ? 1 : 2],
      status: STATUSES[i % 7 === 3 ? 2 : i % 5 === 4 ? 1 : 0],
      lastActive: new Date(Date.now() - daysAgo * 86400000 - i * 3600000),
    };
  });
}

const statusStyles = {
  Active: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  Invited: "bg-amber-50 text-amber-700 ring-amber-600/20",
  Suspended: "bg-rose-50 text-rose-700 ring-rose-600/20",
};

function relative(date) {
  const days = Math.floor((Date.now() - date.getTime()) / 86400000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days < 30) return `${days} days ago`;
  if (days < 365) return `${Math.floor(days / 30)} mo ago`;
  return `${Math.floor(days / 365)} yr ago`;
}

function Avatar({ name }) {
  const initials = name.split(" ").map((p) => p[0]).join("");
  const hue = [...name].reduce((h, c) => h + c.charCodeAt(0), 0) % 360;
  return (
    <div
      className="flex h-9 w-9 shrink-0 items-center justify-center rounded-full text-sm font-semibold text-white"
      style={{ background: `hsl(${hue} 55% 50%)` }}
    >
      {initials}
    </div>
  );
}

function SortHeader({ label, field, sort, onSort }) {
  const active = sort.field === field;
  return (
    <th className="px-4 py-3 text-left font-medium">
      <button onClick={() => onSort(field)} className="inline-flex items-center gap-1 hover:text-gray-900">
        {label}
        {active ? (
          sort.dir === "asc" ? <ChevronUp className="h-4 w-4" /> : <ChevronDown className="h-4 w-4" />
        ) : (
          <ChevronDown className="h-4 w-4 opacity-20" />
        )}
      </button>
    </th>
  );
}

function InviteModal({ onClose, onInvite }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("Viewer");
  const valid = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email);

  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/40 p-4" onClick={onClose}>
      <div className="w-full max-w-md rounded-xl bg-white p-6 shadow-xl" onClick={(e) => e.stopPropagation()}>
        <div className="mb-4 flex items-center justify-between">
          <h2 className="text-lg font-semibold">Invite user</h2>
          <button onClick={onClose} className="rounded p-1 text-gray-400 hover:bg-gray-100">
            <X className="h-5 w-5" />
          </button>
        </div>
        <label className="mb-1 block text-sm font-medium text-gray-700">Email address</label>
        <input
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          placeholder="name@company.com"
          className="mb-4 w-full rounded-lg border border-gray-300 px-3 py-2 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
        />
        <label className="mb-1 block text-sm font-medium text-gray-700">Role</label>
        <select
          value={role}
          onChange={(e) => setRole(e.target.value)}
          className="mb-6 w-full rounded-lg border border-gray-300 px-3 py-2"
        >
          {ROLES.map((r) => <option key={r}>{r}</option>)}
        </select>
        <div className="flex justify-end gap-2">
          <button onClick={onClose} className="rounded-lg px-4 py-2 text-sm font-medium text-gray-700 hover:bg-gray-100">
            Cancel
          </button>
          <button
            disabled={!valid}
            onClick={() => onInvite(email, role)}
            className="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-50"
          >
            Send invite
          </button>
        </div>
      </div>
    </div>
  );
}

export default function AdminUsersTable() {
  const [users, setUsers] = useState(makeUsers);
  const [query, setQuery] = useState("");
  const [roleFilter, setRoleFilter] = useState("All");
  const [sort, setSort] = useState({ field: "name", dir: "asc" });
  const [selected, setSelected] = useState(new Set());
  const [page, setPage] = useState(0);
  const [menuFor, setMenuFor] = useState(null);
  const [inviting, setInviting] = useState(false);
  const pageSize = 8;

  const filtered = useMemo(() => {
    const q = query.toLowerCase();
    const list = users.filter(
      (u) =>
        (roleFilter === "All" || u.role === roleFilter) &&
        (u.name.toLowerCase().includes(q) || u.email.includes(q))
    );
    const dir = sort.dir === "asc" ? 1 : -1;
    return list.sort((a, b) => {
      const av = a[sort.field], bv = b[sort.field];
      return (av instanceof Date ? av - bv : String(av).localeCompare(String(bv))) * dir;
    });
  }, [users, query, roleFilter, sort]);

  const pageCount = Math.max(1, Math.ceil(filtered.length / pageSize));
  const current = Math.min(page, pageCount - 1);
  const rows = filtered.slice(current * pageSize, current * pageSize + pageSize);
  const allOnPageSelected = rows.length > 0 && rows.every((u) => selected.has(u.id));

  const toggleSort = (field) =>
    setSort((s) => ({ field, dir: s.field === field && s.dir === "asc" ? "desc" : "asc" }));

  const toggleRow = (id) =>
    setSelected((s) => {
      const next = new Set(s);
      next.has(id) ? next.delete(id) : next.add(id);
      return next;
    });

  const togglePage = () =>
    setSelected((s) => {
      const next = new Set(s);
      rows.forEach((u) => (allOnPageSelected ? next.delete(u.id) : next.add(u.id)));
      return next;
    });

  const updateUser = (id, patch) => setUsers((list) => list.map((u) => (u.id === id ? { ...u, ...patch } : u)));

  const deleteSelected = () => {
    if (!confirm(`Remove ${selected.size} user(s)?`)) return;
    setUsers((list) => list.filter((u) => !selected.has(u.id)));
    setSelected(new Set());
  };

  const invite = (email, role) => {
    const name = email.split("@")[0].replace(/[._]/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
    setUsers((list) => [
      { id: Math.max(0, ...list.map((u) => u.id)) + 1, name, email, role, status: "Invited", lastActive: new Date() },
      ...list,
    ]);
    setInviting(false);
  };

  const counts = useMemo(
    () => Object.fromEntries(STATUSES.map((s) => [s, users.filter((u) => u.status === s).length])),
    [users]
  );

  return (
    <div className="min-h-screen bg-gray-50 p-6 text-gray-900">
      <div className="mx-auto max-w-6xl">
        <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
          <div>
            <h1 className="text-2xl font-bold">Users</h1>
            <p className="mt-1 text-sm text-gray-500">
              {users.length} total · {counts.Active} active · {counts.Invited} pending invites
            </p>
          </div>
          <button
            onClick={() => setInviting(true)}
            className="inline-flex items-center gap-2 rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-700"
          >
            <UserPlus className="h-4 w-4" /> Invite user
          </button>
        </div>

        <div className="rounded-xl border border-gray-200 bg-white shadow-sm">
          <div className="flex flex-wrap items-center gap-3 border-b border-gray-200 p-4">
            <div className="relative flex-1 min-w-[220px]">
              <Search className="absolute left-3 top-1/2 h-4 w-4 -translate-y-1/2 text-gray-400" />
              <input
                value={query}
                onChange={(e) => { setQuery(e.target.value); setPage(0); }}
                placeholder="Search by name or email"
                className="w-full rounded-lg border border-gray-300 py-2 pl-9 pr-3 text-sm focus:border-indigo-500 focus:outline-none"
              />
            </div>
            <div className="flex rounded-lg border border-gray-300 p-0.5 text-sm">
              {["All", ...ROLES].map((r) => (
                <button
                  key={r}
                  onClick={() => { setRoleFilter(r); setPage(0); }}
                  className={`rounded-md px-3 py-1.5 ${roleFilter === r ? "bg-gray-900 text-white" : "text-gray-600 hover:bg-gray-100"}`}
                >
                  {r}
                </button>
              ))}
            </div>
            {selected.size > 0 && (
              <button
                onClick={deleteSelected}
                className="inline-flex items-center gap-1.5 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm font-medium text-rose-700 hover:bg-rose-100"
              >
                <Trash2 className="h-4 w-4" /> Remove {selected.size}
              </button>
            )}
          </div>

          <div className="overflow-x-auto">
            <table className="w-full text-sm">
              <thead className="bg-gray-50 text-gray-500">
                <tr>
                  <th className="w-10 px-4 py-3">
                    <input type="checkbox" checked={allOnPageSelected} onChange={togglePage} className="rounded" />
                  </th>
                  <SortHeader label="Name" field="name" sort={sort} onSort={toggleSort} />
                  <SortHeader label="Role" field="role" sort={sort} onSort={toggleSort} />
                  <SortHeader label="Status" field="status" sort={sort} onSort={toggleSort} />
                  <SortHeader label="Last active" field="lastActive" sort={sort} onSort={toggleSort} />
                  <th className="w-12" />
                </tr>
              </thead>
              <tbody className="divide-y divide-gray-100">
                {rows.map((u) => (
                  <tr key={u.id} className={selected.has(u.id) ? "bg-indigo-50/50" : "hover:bg-gray-50"}>
                    <td className="px-4 py-3">
                      <input type="checkbox" checked={selected.has(u.id)} onChange={() => toggleRow(u.id)} className="rounded" />
                    </td>
                    <td className="px-4 py-3">
                      <div className="flex items-center gap-3">
                        <Avatar name={u.name} />
                        <div>
                          <div className="font-medium">{u.name}</div>
                          <div className="text-gray-500">{u.email}</div>
                        </div>
                      </div>
                    </td>
                    <td className="px-4 py-3">
                      <select
                        value={u.role}
                        onChange={(e) => updateUser(u.id, { role: e.target.value })}
                        className="rounded-md border-0 bg-transparent py-1 pr-7 text-sm hover:bg-gray-100"
                      >
                        {ROLES.map((r) => <option key={r}>{r}</option>)}
                      </select>
                      {u.role === "Admin" && <Shield className="ml-1 inline h-3.5 w-3.5 text-indigo-500" />}
                    </td>
                    <td className="px-4 py-3">
                      <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${statusStyles[u.status]}`}>
                        {u.status}
                      </span>
                    </td>
                    <td className="px-4 py-3 text-gray-500">{relative(u.lastActive)}</td>
                    <td className="relative px-4 py-3 text-right">
                      <button
                        onClick={() => setMenuFor(menuFor === u.id ? null : u.id)}
                        className="rounded p-1 text-gray-400 hover:bg-gray-100 hover:text-gray-700"
                      >
                        <MoreHorizontal className="h-5 w-5" />
                      </button>
                      {menuFor === u.id && (
                        <div className="absolute right-4 top-11 z-10 w-40 rounded-lg border border-gray-200 bg-white py-1 text-left shadow-lg">
                          {u.status !== "Suspended" ? (
                            <button
                              onClick={() => { updateUser(u.id, { status: "Suspended" }); setMenuFor(null); }}
                              className="block w-full px-3 py-2 text-left hover:bg-gray-50"
                            >
                              Suspend
                            </button>
                          ) : (
                            <button
                              onClick={() => { updateUser(u.id, { status: "Active" }); setMenuFor(null); }}
                              className="block w-full px-3 py-2 text-left hover:bg-gray-50"
                            >
                              Reactivate
                            </button>
                          )}
                          {u.status === "Invited" && (
                            <button onClick={() => setMenuFor(null)} className="block w-full px-3 py-2 text-left hover:bg-gray-50">
                              Resend invite
                            </button>
                          )}
                          <button
                            onClick={() => { setUsers((l) => l.filter((x) => x.id !== u.id)); setMenuFor(null); }}
                            className="block w-full px-3 py-2 text-left text-rose-600 hover:bg-rose-50"
                          >
                            Delete
                          </button>
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
                {rows.length === 0 && (
                  <tr>
                    <td colSpan={6} className="px-4 py-12 text-center text-gray-500">No users match your filters.</td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>

          <div className="flex items-center justify-between border-t border-gray-200 px-4 py-3 text-sm text-gray-600">
            <span>
              Showing {filtered.length ? current * pageSize + 1 : 0}–{Math.min((current + 1) * pageSize, filtered.length)} of {filtered.length}
            </span>
            <div className="flex gap-1">
              <button
                disabled={current === 0}
                onClick={() => setPage(current - 1)}
                className="rounded-md border border-gray-300 px-3 py-1.5 disabled:opacity-40"
              >
                Previous
              </button>
              <button
                disabled={current >= pageCount - 1}
                onClick={() => setPage(current + 1)}
                className="rounded-md border border-gray-300 px-3 py-1.5 disabled:opacity-40"
              >
                Next
              </button>
            </div>
          </div>
        </div>
      </div>

      {inviting && <InviteModal onClose={() => setInviting(false)} onInvite={invite} />}
    </div>
  );
}
