import React, { useMemo, useState } from "react";
import {
  BarChart, Bar, XAxis, YAxis, Tooltip, ResponsiveContainer, CartesianGrid,
  PieChart, Pie, Cell, Legend,
} from "recharts";
import { TrendingDown, TrendingUp, Wallet } from "lucide-react";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun"];

const DATA = [
  { month: "Jan", Housing: 1450, Food: 520, Transport: 180, Fun: 240, Health: 90 },
  { month: "Feb", Housing: 1450, Food: 480, Transport: 165, Fun: 310, Health: 60 },
  { month: "Mar", Housing: 1450, Food: 610, Transport: 210, Fun: 190, Health: 140 },
  { month: "Apr", Housing: 1500, Food: 540, Transport: 195, Fun: 280, Health: 75 },
  { month: "May", Housing: 1500, Food: 575, Transport: 230, Fun: 420, Health: 80 },
  { month: "Jun", Housing: 1500, Food: 505, Transport: 150, Fun: 260, Health: 110 },
];

const CATEGORIES = {
  Housing: "#6366f1",
  Food: "#f59e0b",
  Transport: "#10b981",
  Fun: "#ec4899",
  Health: "#06b6d4",
};

const currency = (n) =>
  n.toLocaleString("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });

function StatCard({ label, value, delta, icon: Icon }) {
  const up = delta > 0;
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
      <div className="flex items-center justify-between">
        <span className="text-sm text-slate-500">{label}</span>
        <Icon className="h-4 w-4 text-slate-400" />
      </div>
      <div className="mt-2 text-2xl font-semibold text-slate-900">{value}</div>
      {delta !== undefined && (
        <div className={`mt-1 flex items-center gap-1 text-xs font-medium ${up ? "text-rose-600" : "text-emerald-600"}`}>
          {up ? <TrendingUp className="h-3 w-3" /> : <TrendingDown className="h-3 w-3" />}
          {Math.abs(delta).toFixed(1)}% vs last month
        </div>
      )}
    </div>
  );
}

export default function SpendingInsights() {
  const [selected, setSelected] = useState("Jun");
  const [hidden, setHidden] = useState([]);

  const totals = useMemo(
    () => DATA.map((d) => ({ month: d.month, total: Object.keys(CATEGORIES).reduce((s, k) => s + d[k], 0) })),
    []
  );

  const idx = MONTHS.indexOf(selected);
  const current = DATA[idx];
  const currentTotal = totals[idx].total;
  const prevTotal = idx > 0 ? totals[idx - 1].total : null;
  const delta = prevTotal ? ((currentTotal - prevTotal) / prevTotal) * 100 : undefined;
  const average = totals.reduce((s, t) => s + t.total, 0) / totals.length;

  const pieData = Object.keys(CATEGORIES).map((name) => ({ name, value: current[name] }));
  const topCategory = [...pieData].filter((d) => d.name !== "Housing").sort((a, b) => b.value - a.value)[0];

  const toggle = (name) =>
    setHidden((h) => (h.includes(name) ? h.filter((x) => x !== name) : [...h, name]));

  return (
    <div className="min-h-screen bg-slate-50 p-6 font-sans">
      <div className="mx-auto max-w-5xl space-y-6">
        <header className="flex flex-wrap items-end justify-between gap-4">
          <div>
            <h1 className="text-2xl font-bold text-slate-900">Spending insights</h1>
            <p className="text-sm text-slate-500">Six months of household expenses</p>
          </div>
          <div className="flex rounded-lg border border-slate-200 bg-white p-1">
            {MONTHS.map((m) => (
              <button
                key={m}
                onClick={() => setSelected(m)}
                className={`rounded-md px-3 py-1 text-sm transition ${
                  selected === m ? "bg-indigo-600 text-white" : "text-slate-600 hover:bg-slate-100"
                }`}
              >
                {m}
              </button>
            ))}
          </div>
        </header>

        <div className="grid gap-4 sm:grid-cols-3">
          <StatCard label={`Spent in ${selected}`} value={currency(currentTotal)} delta={delta} icon={Wallet} />
          <StatCard label="Monthly average" value={currency(average)} icon={Wallet} />
          <StatCard label="Biggest flexible category" value={`${topCategory.name} · ${currency(topCategory.value)}`} icon={TrendingUp} />
        </div>

        <div className="grid gap-6 lg:grid-cols-3">
          <section className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm lg:col-span-2">
            <div className="mb-3 flex items-center justify-between">
              <h2 className="font-semibold text-slate-800">By month</h2>
              <div className="flex flex-wrap gap-2">
                {Object.entries(CATEGORIES).map(([name, color]) => (
                  <button
                    key={name}
                    onClick={() => toggle(name)}
                    className={`flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs ${
                      hidden.includes(name) ? "border-slate-200 text-slate-400" : "border-slate-300 text-slate-700"
                    }`}
                  >
                    <span className="h-2 w-2 rounded-full" style={{ background: hidden.includes(name) ? "#cbd5e1" : color }} />
                    {name}
                  </button>
                ))}
              </div>
            </div>
            <div className="h-72">
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={DATA} onClick={(e) => e && e.activeLabel && setSelected(e.activeLabel)}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
                  <XAxis dataKey="month" tickLine={false} axisLine={false} />
                  <YAxis tickFormatter={(v) => `$${v / 1000}k`} tickLine={false} axisLine={false} width={48} />
                  <Tooltip formatter={(v) => currency(v)} cursor={{ fill: "#eef2ff" }} />
                  {Object.entries(CATEGORIES)
                    .filter(([name]) => !hidden.includes(name))
                    .map(([name, color], i, arr) => (
                      <Bar
                        key={name}
                        dataKey={name}
                        stackId="a"
                        fill={color}
                        radius={i === arr.length - 1 ? [4, 4, 0, 0] : [0, 0, 0, 0]}
                      />
                    ))}
                </BarChart>
              </ResponsiveContainer>
            </div>
          </section>

          <section className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
            <h2 className="mb-3 font-semibold text-slate-800">{selected} breakdown</h2>
            <div className="h-72">
              <ResponsiveContainer width="100%" height="100%">
                <PieChart>
                  <Pie data={pieData} dataKey="value" nameKey="name" innerRadius={55} outerRadius={90} paddingAngle={2}>
                    {pieData.map((d) => (
                      <Cell key={d.name} fill={CATEGORIES[d.name]} />
                    ))}
                  </Pie>
                  <Tooltip formatter={(v) => currency(v)} />
                  <Legend iconType="circle" wrapperStyle={{ fontSize: 12 }} />
                </PieChart>
              </ResponsiveContainer>
            </div>
          </section>
        </div>

        <section className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
          <h2 className="mb-3 font-semibold text-slate-800">Category detail</h2>
          <table className="w-full text-sm">
            <thead>
              <tr className="text-left text-slate-500">
                <th className="py-2 font-medium">Category</th>
                <th className="py-2 text-right font-medium">{selected}</th>
                <th className="py-2 text-right font-medium">6-mo avg</th>
                <th className="py-2 text-right font-medium">Share</th>
              </tr>
            </thead>
            <tbody>
              {Object.keys(CATEGORIES).map((name) => {
                const avg = DATA.reduce((s, d) => s + d[name], 0) / DATA.length;
                const over = current[name] > avg * 1.1;
                return (
                  <tr key={name} className="border-t border-slate-100">
                    <td className="py-2">
                      <span className="mr-2 inline-block h-2 w-2 rounded-full" style={{ background: CATEGORIES[name] }} />
                      {name}
                    </td>
                    <td className={`py-2 text-right tabular-nums ${over ? "font-semibold text-rose-600" : ""}`}>
                      {currency(current[name])}
                    </td>
                    <td className="py-2 text-right tabular-nums text-slate-500">{currency(avg)}</td>
                    <td className="py-2 text-right tabular-nums">{((current[name] / currentTotal) * 100).toFixed(0)}%</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      </div>
    </div>
  );
}
