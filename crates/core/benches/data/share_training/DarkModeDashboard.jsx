import { useEffect, useMemo, useState } from "react";
import {
  AreaChart, Area, BarChart, Bar, XAxis, YAxis, Tooltip, ResponsiveContainer, CartesianGrid,
} from "recharts";
import {
  Sun, Moon, Monitor, TrendingUp, TrendingDown, Users, DollarSign, ShoppingBag, Activity, Bell, Search,
} from "lucide-react";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const revenue = MONTHS.map((m, i) => ({
  month: m,
  revenue: Math.round(42000 + i * 3100 + Math.sin(i * 1.3) * 6500),
  expenses: Math.round(30000 + i * 1400 + Math.cos(i) * 3000),
}));
const channels = [
  { name: "Organic", visits: 18400 },
  { name: "Direct", visits: 12100 },
  { name: "Referral", visits: 7600 },
  { name: "Social", visits: 9800 },
  { name: "Email", visits: 5200 },
];
const orders = [
  { id: "#4821", customer: "Lena Fischer", amount: 248.0, status: "Paid", date: "2 min ago" },
  { id: "#4820", customer: "Tomás Ruiz", amount: 89.5, status: "Pending", date: "18 min ago" },
  { id: "#4819", customer: "Aiko Tanaka", amount: 1320.0, status: "Paid", date: "1 hr ago" },
  { id: "#4818", customer: "Ben Okafor", amount: 56.2, status: "Refunded", date: "3 hr ago" },
  { id: "#4817", customer: "Chloé Martin", amount: 412.75, status: "Paid", date: "5 hr ago" },
];

const STATUS_STYLES = {
  Paid: "bg-emerald-100 text-emerald-700 dark:bg-emerald-500/15 dark:text-emerald-400",
  Pending: "bg-amber-100 text-amber-700 dark:bg-amber-500/15 dark:text-amber-400",
  Refunded: "bg-rose-100 text-rose-700 dark:bg-rose-500/15 dark:text-rose-400",
};

function useTheme() {
  const [mode, setMode] = useState(() => localStorage.getItem("theme") || "system");
  const [systemDark, setSystemDark] = useState(() => window.matchMedia("(prefers-color-scheme: dark)").matches);

  useEffect(() => {
    const mq = window.matchMedia("(prefers-color-scheme: dark)");
    const onChange = (e) => setSystemDark(e.matches);
    mq.addEventListener("change", onChange);
    return () => mq.removeEventListener("change", onChange);
  }, []);

  const dark = mode === "dark" || (mode === "system" && systemDark);

  useEffect(() => {
    document.documentElement.classList.toggle("dark", dark);
    localStorage.setItem("theme", mode);
  }, [dark, mode]);

  return { mode, setMode, dark };
}

function ThemeToggle({ mode, setMode }) {
  const options = [
    { value: "light", icon: Sun, label: "Light" },
    { value: "dark", icon: Moon, label: "Dark" },
    { value: "system", icon: Monitor, label: "System" },
  ];
  return (
    <div className="flex rounded-xl bg-slate-100 p-1 dark:bg-slate-800" role="radiogroup" aria-label="Theme">
      {options.map(({ value, icon: Icon, label }) => (
        <button
          key={value}
          role="radio"
          aria-checked={mode === value}
          onClick={() => setMode(value)}
          title={label}
          className={`flex items-center gap-1.5 rounded-lg px-2.5 py-1.5 text-xs font-medium transition ${
            mode === value
              ? "bg-white text-slate-900 shadow-sm dark:bg-slate-700 dark:text-white"
              : "text-slate-500 hover:text-slate-800 dark:text-slate-400 dark:hover:text-slate-200"
          }`}
        >
          <Icon className="h-4 w-4" />
          <span className="hidden sm:inline">{label}</span>
        </button>
      ))}
    </div>
  );
}

function StatCard({ icon: Icon, label, value, delta, accent }) {
  const up = delta >= 0;
  return (
    <div className="rounded-2xl border border-slate-200 bg-white p-5 transition-colors dark:border-slate-800 dark:bg-slate-900">
      <div className="flex items-center justify-between">
        <span className="text-sm font-medium text-slate-500 dark:text-slate-400">{label}</span>
        <span className={`rounded-lg p-2 ${accent}`}>
          <Icon className="h-4 w-4" />
        </span>
      </div>
      <p className="mt-3 text-2xl font-bold tracking-tight text-slate-900 dark:text-white">{value}</p>
      <p className={`mt-1 flex items-center gap-1 text-xs font-medium ${up ? "text-emerald-600 dark:text-emerald-400" : "text-rose-600 dark:text-rose-400"}`}>
        {up ? <TrendingUp className="h-3.5 w-3.5" /> : <TrendingDown className="h-3.5 w-3.5" />}
        {up ? "+" : ""}{delta}% <span className="font-normal text-slate-400">vs last month</span>
      </p>
    </div>
  );
}

function ChartTooltip({ active, payload, label, dark }) {
  if (!active || !payload?.length) return null;
  return (
    <div className={`rounded-lg border px-3 py-2 text-xs shadow-lg ${dark ? "border-slate-700 bg-slate-800 text-slate-100" : "border-slate-200 bg-white text-slate-800"}`}>
      <p className="mb-1 font-semibold">{label}</p>
      {payload.map((p) => (
        <p key={p.dataKey} className="flex items-center gap-2">
          <span className="h-2 w-2 rounded-full" style={{ background: p.color }} />
          {p.name}: {typeof p.value === "number" ? p.value.toLocaleString() : p.value}
        </p>
      ))}
    </div>
  );
}

export default function DarkModeDashboard() {
  const { mode, setMode, dark } = useTheme();
  const [range, setRange] = useState(12);

  const palette = useMemo(
    () => ({
      grid: dark ? "#1e293b" : "#e2e8f0",
      axis: dark ? "#64748b" : "#94a3b8",
      primary: dark ? "#818cf8" : "#4f46e5",
      secondary: dark ? "#f472b6" : "#db2777",
      bar: dark ? "#38bdf8" : "#0284c7",
    }),
    [dark]
  );

  const data = revenue.slice(-range);
  const totalRevenue = data.reduce((s, d) => s + d.revenue, 0);

  return (
    <div className="min-h-screen bg-slate-50 text-slate-900 transition-colors duration-300 dark:bg-slate-950 dark:text-slate-100">
      <header className="sticky top-0 z-10 border-b border-slate-200 bg-white/80 backdrop-blur dark:border-slate-800 dark:bg-slate-950/80">
        <div className="mx-auto flex max-w-7xl items-center gap-4 px-6 py-3">
          <div className="flex items-center gap-2">
            <div className="flex h-8 w-8 items-center justify-center rounded-lg bg-indigo-600 text-white">
              <Activity className="h-4 w-4" />
            </div>
            <span className="font-semibold">Pulse</span>
          </div>
          <div className="relative ml-6 hidden flex-1 md:block">
            <Search className="absolute left-3 top-1/2 h-4 w-4 -translate-y-1/2 text-slate-400" />
            <input
              placeholder="Search orders, customers…"
              className="w-full max-w-sm rounded-lg border border-slate-200 bg-slate-50 py-2 pl-9 pr-3 text-sm placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none dark:border-slate-800 dark:bg-slate-900"
            />
          </div>
          <div className="ml-auto flex items-center gap-3">
            <button className="relative rounded-lg p-2 text-slate-500 hover:bg-slate-100 dark:text-slate-400 dark:hover:bg-slate-800" aria-label="Notifications">
              <Bell className="h-5 w-5" />
              <span className="absolute right-1.5 top-1.5 h-2 w-2 rounded-full bg-rose-500" />
            </button>
            <ThemeToggle mode={mode} setMode={setMode} />
            <div className="flex h-8 w-8 items-center justify-center rounded-full bg-gradient-to-br from-amber-400 to-pink-500 text-xs font-bold text-white">
              JD
            </div>
          </div>
        </div>
      </header>

      <main className="mx-auto max-w-7xl space-y-6 px-6 py-8">
        <div className="flex flex-wrap items-end justify-between gap-4">
          <div>
            <h1 className="text-2xl font-bold tracking-tight">Overview</h1>
            <p className="text-sm text-slate-500 dark:text-slate-400">
              Here’s what’s happening with your store. Theme: <span className="font-medium">{dark ? "dark" : "light"}</span>
              {mode === "system" && " (following system)"}
            </p>
          </div>
          <div className="flex rounded-lg border border-slate-200 text-sm dark:border-slate-800">
            {[3, 6, 12].map((r) => (
              <button
                key={r}
                onClick={() => setRange(r)}
                className={`px-3 py-1.5 first:rounded-l-lg last:rounded-r-lg ${
                  range === r ? "bg-slate-900 text-white dark:bg-white dark:text-slate-900" : "hover:bg-slate-100 dark:hover:bg-slate-800"
                }`}
              >
                {r}M
              </button>
            ))}
          </div>
        </div>

        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 xl:grid-cols-4">
          <StatCard icon={DollarSign} label="Revenue" value={`$${(totalRevenue / 1000).toFixed(1)}k`} delta={12.4} accent="bg-indigo-100 text-indigo-600 dark:bg-indigo-500/15 dark:text-indigo-400" />
          <StatCard icon={ShoppingBag} label="Orders" value="3,284" delta={8.1} accent="bg-sky-100 text-sky-600 dark:bg-sky-500/15 dark:text-sky-400" />
          <StatCard icon={Users} label="New customers" value="642" delta={-3.2} accent="bg-pink-100 text-pink-600 dark:bg-pink-500/15 dark:text-pink-400" />
          <StatCard icon={Activity} label="Conversion" value="3.87%" delta={0.6} accent="bg-emerald-100 text-emerald-600 dark:bg-emerald-500/15 dark:text-emerald-400" />
        </div>

        <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
          <section className="rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900 lg:col-span-2">
            <div className="mb-4 flex items-center justify-between">
              <h2 className="font-semibold">Revenue vs expenses</h2>
              <div className="flex gap-4 text-xs text-slate-500 dark:text-slate-400">
                <span className="flex items-center gap-1.5"><span className="h-2 w-2 rounded-full" style={{ background: palette.primary }} />Revenue</span>
                <span className="flex items-center gap-1.5"><span className="h-2 w-2 rounded-full" style={{ background: palette.secondary }} />Expenses</span>
              </div>
            </div>
            <div className="h-72">
              <ResponsiveContainer width="100%" height="100%">
                <AreaChart data={data} margin={{ top: 5, right: 5, left: -10, bottom: 0 }}>
                  <defs>
                    <linearGradient id="rev" x1="0" y1="0" x2="0" y2="1">
                      <stop offset="0%" stopColor={palette.primary} stopOpacity={0.35} />
                      <stop offset="100%" stopColor={palette.primary} stopOpacity={0} />
                    </linearGradient>
                    <linearGradient id="exp" x1="0" y1="0" x2="0" y2="1">
                      <stop offset="0%" stopColor={palette.secondary} stopOpacity={0.25} />
                      <stop offset="100%" stopColor={palette.secondary} stopOpacity={0} />
                    </linearGradient>
                  </defs>
                  <CartesianGrid stroke={palette.grid} vertical={false} />
                  <XAxis dataKey="month" stroke={palette.axis} tickLine={false} axisLine={false} fontSize={12} />
                  <YAxis stroke={palette.axis} tickLine={false} axisLine={false} fontSize={12} tickFormatter={(v) => `$${v / 1000}k`} />
                  <Tooltip content={<ChartTooltip dark={dark} />} />
                  <Area type="monotone" dataKey="revenue" name="Revenue" stroke={palette.primary} strokeWidth={2} fill="url(#rev)" />
                  <Area type="monotone" dataKey="expenses" name="Expenses" stroke={palette.secondary} strokeWidth={2} fill="url(#exp)" />
                </AreaChart>
              </ResponsiveContainer>
            </div>
          </section>

          <section className="rounded-2xl border border-slate-200 bg-white p-5 dark:border-slate-800 dark:bg-slate-900">
            <h2 className="mb-4 font-semibold">Traffic by channel</h2>
            <div className="h-72">
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={channels} layout="vertical" margin={{ top: 0, right: 10, left: 10, bottom: 0 }}>
                  <CartesianGrid stroke={palette.grid} horizontal={false} />
                  <XAxis type="number" stroke={palette.axis} tickLine={false} axisLine={false} fontSize={12} tickFormatter={(v) => `${v / 1000}k`} />
                  <YAxis type="category" dataKey="name" stroke={palette.axis} tickLine={false} axisLine={false} fontSize={12} width={64} />
                  <Tooltip content={<ChartTooltip dark={dark} />} cursor={{ fill: dark ? "#1e293b" : "#f1f5f9" }} />
                  <Bar dataKey="visits" name="Visits" fill={palette.bar} radius={[0, 6, 6, 0]} barSize={18} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </section>
        </div>

        <section className="overflow-hidden rounded-2xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
          <div className="flex items-center justify-between px-5 py-4">
            <h2 className="font-semibold">Recent orders</h2>
            <button className="text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400">View all</button>
          </div>
          <table className="w-full text-sm">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-800/50 dark:text-slate-400">
              <tr>
                <th className="px-5 py-3 font-medium">Order</th>
                <th className="px-5 py-3 font-medium">Customer</th>
                <th className="px-5 py-3 font-medium">Status</th>
                <th className="px-5 py-3 text-right font-medium">Amount</th>
                <th className="hidden px-5 py-3 text-right font-medium sm:table-cell">When</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
              {orders.map((o) => (
                <tr key={o.id} className="hover:bg-slate-50 dark:hover:bg-slate-800/40">
                  <td className="px-5 py-3 font-mono text-xs text-slate-500 dark:text-slate-400">{o.id}</td>
                  <td className="px-5 py-3 font-medium">{o.customer}</td>
                  <td className="px-5 py-3">
                    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLES[o.status]}`}>{o.status}</span>
                  </td>
                  <td className="px-5 py-3 text-right tabular-nums">${o.amount.toFixed(2)}</td>
                  <td className="hidden px-5 py-3 text-right text-slate-500 dark:text-slate-400 sm:table-cell">{o.date}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </main>
    </div>
  );
}
