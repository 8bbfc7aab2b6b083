import { useEffect, useMemo, useRef, useState } from "react";
import { Bell, CheckCheck, MessageSquare, UserPlus, AlertTriangle, GitPullRequest, Heart, Settings, X } from "lucide-react";

const now = Date.now();
const min = 60 * 1000;

const SEED = [
  { id: 1, type: "mention", actor: "Priya Shah", text: "mentioned you in Q3 roadmap: “@you can you review the timeline?”", at: now - 4 * min, read: false },
  { id: 2, type: "pr", actor: "Diego Alvarez", text: "requested your review on #482 Add rate limiting to public API", at: now - 32 * min, read: false },
  { id: 3, type: "follow", actor: "Hannah Lee", text: "started following you", at: now - 2 * 60 * min, read: false },
  { id: 4, type: "alert", actor: "System", text: "Build failed on main — 3 tests failing in auth.spec.ts", at: now - 5 * 60 * min, read: true },
  { id: 5, type: "like", actor: "Marcus Chen", text: "liked your comment on Design review notes", at: now - 26 * 60 * min, read: true },
  { id: 6, type: "mention", actor: "Olivia Brown", text: "replied to your thread in #frontend", at: now - 3 * 24 * 60 * min, read: true },
];

const TYPE_META = {
  mention: { icon: MessageSquare, color: "bg-blue-100 text-blue-600" },
  pr: { icon: GitPullRequest, color: "bg-violet-100 text-violet-600" },
  follow: { icon: UserPlus, color: "bg-emerald-100 text-emerald-600" },
  alert: { icon: AlertTriangle, color: "bg-amber-100 text-amber-600" },
  like: { icon: Heart, color: "bg-rose-100 text-rose-600" },
};

const INCOMING = [
  { type: "mention", actor: "Sam Wilson", text: "mentioned you in Sprint planning" },
  { type: "like", actor: "Ava Martinez", text: "liked your post about onboarding" },
  { type: "pr", actor: "Noah Kim", text: "merged #490 Fix dark mode flicker" },
];

function timeAgo(ts) {
  const s = Math.floor((Date.now() - ts) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

function groupLabel(ts) {
  const d = new Date(ts);
  const today = new Date();
  const yesterday = new Date();
  yesterday.setDate(today.getDate() - 1);
  if (d.toDateString() === today.toDateString()) return "Today";
  if (d.toDateString() === yesterday.toDateString()) return "Yesterday";
  return "Earlier";
}

const initials = (name) => name.split(" ").map((p) => p[0]).join("").slice(0, 2);

export default function NotificationsPanel() {
  const [items, setItems] = useState(SEED);
  const [open, setOpen] = useState(true);
  const [tab, setTab] = useState("all");
  const [, forceTick] = useState(0);
  const panelRef = useRef(null);
  const incomingIdx = useRef(0);

  const unread = items.filter((n) => !n.read).length;

  // Refresh relative timestamps every 30s
  useEffect(() => {
    const id = setInterval(() => forceTick((t) => t + 1), 30000);
    return () => clearInterval(id);
  }, []);

  // Simulate a new notification arriving every 20 seconds
  useEffect(() => {
    const id = setInterval(() => {
      const next = INCOMING[incomingIdx.current % INCOMING.length];
      incomingIdx.current++;
      setItems((prev) => [{ ...next, id: Date.now(), at: Date.now(), read: false, fresh: true }, ...prev]);
    }, 20000);
    return () => clearInterval(id);
  }, []);

  useEffect(() => {
    if (!open) return;
    const onClick = (e) => {
      if (panelRef.current && !panelRef.current.contains(e.target)) setOpen(false);
    };
    const onKey = (e) => e.key === "Escape" && setOpen(false);
    document.addEventListener("mousedown", onClick);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onClick);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  const visible = useMemo(() => {
    if (tab === "unread") return items.filter((n) => !n.read);
    if (tab === "mentions") return items.filter((n) => n.type === "mention");
    return items;
  }, [items, tab]);

  const grouped = useMemo(() => {
    const groups = {};
    for (const n of visible) (groups[groupLabel(n.at)] ||= []).push(n);
    return Object.entries(groups);
  }, [visible]);

  const markRead = (id) => setItems((prev) => prev.map((n) => (n.id === id ? { ...n, read: true, fresh: false } : n)));
  const markAllRead = () => setItems((prev) => prev.map((n) => ({ ...n, read: true, fresh: false })));
  const dismiss = (id) => setItems((prev) => prev.filter((n) => n.id !== id));

  return (
    <div className="min-h-screen bg-slate-100 flex justify-end p-6">
      <div className="relative" ref={panelRef}>
        <button
          onClick={() => setOpen((o) => !o)}
          className="relative w-11 h-11 rounded-full bg-white shadow-sm border border-slate-200 grid place-items-center hover:bg-slate-50"
          aria-label={`Notifications (${unread} unread)`}
        >
          <Bell className="w-5 h-5 text-slate-700" />
          {unread > 0 && (
            <span className="absolute -top-1 -right-1 min-w-[20px] h-5 px-1 rounded-full bg-rose-500 text-white text-[11px] font-bold grid place-items-center ring-2 ring-slate-100">
              {unread > 9 ? "9+" : unread}
            </span>
          )}
        </button>

        {open && (
          <div className="absolute right-0 mt-2 w-96 max-w-[calc(100vw-2rem)] bg-white rounded-2xl shadow-xl border border-slate-200 overflow-hidden">
            <div className="flex items-center justify-between px-4 pt-4">
              <h2 className="font-semibold text-slate-900">Notifications</h2>
              <div className="flex items-center gap-1">
                <button
                  onClick={markAllRead}
                  disabled={!unread}
                  className="flex items-center gap-1 text-xs font-medium text-indigo-600 hover:bg-indigo-50 disabled:text-slate-300 disabled:hover:bg-transparent px-2 py-1 rounded"
                >
                  <CheckCheck className="w-4 h-4" /> Mark all read
                </button>
                <button className="p-1.5 rounded hover:bg-slate-100 text-slate-400" aria-label="Settings">
                  <Settings className="w-4 h-4" />
                </button>
              </div>
            </div>

            <div className="flex gap-4 px-4 mt-3 border-b border-slate-200 text-sm">
              {[
                ["all", "All"],
                ["unread", `Unread${unread ? ` (${unread})` : ""}`],
                ["mentions", "Mentions"],
              ].map(([key, label]) => (
                <button
                  key={key}
                  onClick={() => setTab(key)}
                  className={`pb-2 -mb-px border-b-2 transition ${
                    tab === key ? "border-indigo-600 text-indigo-600 font-medium" : "border-transparent text-slate-500 hover:text-slate-700"
                  }`}
                >
                  {label}
                </button>
              ))}
            </div>

            <div className="max-h-[28rem] overflow-y-auto">
              {grouped.length === 0 ? (
                <div className="py-14 text-center">
                  <Bell className="w-8 h-8 mx-auto text-slate-300" />
                  <p className="mt-2 text-sm text-slate-500">You're all caught up!</p>
                </div>
              ) : (
                grouped.map(([label, list]) => (
                  <div key={label}>
                    <p className="px-4 pt-3 pb-1 text-[11px] font-semibold uppercase tracking-wider text-slate-400">{label}</p>
                    {list.map((n) => {
                      const { icon: Icon, color } = TYPE_META[n.type];
                      return (
                        <div
                          key={n.id}
                          onClick={() => markRead(n.id)}
                          className={`group relative flex gap-3 px-4 py-3 cursor-pointer transition ${
                            n.read ? "hover:bg-slate-50" : "bg-indigo-50/50 hover:bg-indigo-50"
                          } ${n.fresh ? "animate-pulse" : ""}`}
                        >
                          <div className="relative shrink-0">
                            <div className="w-10 h-10 rounded-full bg-slate-200 grid place-items-center text-sm font-semibold text-slate-600">
                              {initials(n.actor)}
                            </div>
                            <span className={`absolute -bottom-1 -right-1 w-5 h-5 rounded-full grid place-items-center ring-2 ring-white ${color}`}>
                              <Icon className="w-3 h-3" />
                            </span>
                          </div>
                          <div className="flex-1 min-w-0 pr-4">
                            <p className="text-sm text-slate-700 leading-snug">
                              <span className="font-semibold text-slate-900">{n.actor}</span> {n.text}
                            </p>
                            <p className="text-xs text-slate-400 mt-1">{timeAgo(n.at)}</p>
                          </div>
                          {!n.read && <span className="absolute right-4 top-4 w-2 h-2 rounded-full bg-indigo-600 group-hover:hidden" />}
                          <button
                            onClick={(e) => {
                              e.stopPropagation();
                              dismiss(n.id);
                            }}
                            className="absolute right-3 top-3 hidden group-hover:block p-0.5 rounded text-slate-400 hover:text-slate-700 hover:bg-slate-200"
                            aria-label="Dismiss"
                          >
                            <X className="w-3.5 h-3.5" />
                          </button>
                        </div>
                      );
                    })}
                  </div>
                ))
              )}
            </div>

            <div className="border-t border-slate-200 p-2">
              <button className="w-full text-sm text-slate-600 hover:bg-slate-50 rounded-lg py-2 font-medium">View all notifications</button>
            </div>
          </div>
        )}
      </div>
    </div>
  );
}
