import { useMemo, useState } from "react";
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ArrowDownRight, ArrowUpRight, Download } from "lucide-react";

const METRICS = {
  visitors: { label: "Visitors", color: "#6366f1", base: 4200, noise: 900, format: (v) => v.toLocaleString() },
  signups: { label: "Sign-ups", color: "#10b981", base: 180, noise: 60, format: (v) => v.toLocaleString() },
  revenue: { label: "Revenue", color: "#f59e0b", base: 5400, noise: 1800, format: (v) => `$${v.toLocaleString()}` },
};

const RANGES = { "7d": 7, "30d": 30, "90d": 90 };

// deterministic pseudo-random so the chart doesn't jump on every render
function seeded(seed) {
  let s = seed;
  return () => {
    s = (s * 9301 + 49297) % 233280;
    return s / 233280;
  };
}

function generate(metric, days) {
  const { base, noise } = METRICS[metric];
  const rand = seeded(metric.length * 1000 + days);
  const today = new Date();
  const series = [];
  for (let i = days * 2 - 1; i >= 0; i--) {
    const d = new Date(today);
    d.setDate(today.getDate() - i);
    const weekend = d.getDay() === 0 || d.getDay() === 6;
    const trend = 1 + (days * 2 - i) * 0.004;
    const value = Math.round((base + (rand() - 0.5) * noise) * trend * (weekend ? 0.72 : 1));
    series.push({ date: d, value });
  }
  return { previous: series.slice(0, days), current: series.slice(days) };
}

function CustomTooltip({ active, payload, metric }) {
  if (!active || !payload?.length) return null;
  const point = payload[0].payload;
  return (
    <div className="rounded-lg border border-gray-200 bg-white px-3 py-2 text-sm shadow-lg">
      <p className="text-gray-500">{point.date.toLocaleDateString(undefined, { weekday: "short", month: "short", day: "numeric" })}</p>
      <p className="font-semibold text-gray-900">{METRICS[metric].format(point.value)}</p>
      {point.prev != null && (
        <p className="text-xs text-gray-400">Prev. period: {METRICS[metric].format(point.prev)}</p>
      )}
    </div>
  );
}

export default function AnalyticsChartCard() {
  const [metric, setMetric] = useState("visitors");
  const [range, setRange] = useState("30d");
  const [compare, setCompare] = useState(true);
  const days = RANGES[range];
  const { color, label, format } = METRICS[metric];

  const { data, total, change } = useMemo(() => {
    const { current, previous } = generate(metric, days);
    const data = current.map((p, i) => ({ ...p, prev: previous[i]?.value, label: p.date.toLocaleDateString(undefined, { month: "short", day: "numeric" }) }));
    const total = current.reduce((s, p) => s + p.value, 0);
    const prevTotal = previous.reduce((s, p) => s + p.value, 0);
    return { data, total, change: ((total - prevTotal) / prevTotal) * 100 };
  }, [metric, days]);

  const up = change >= 0;

  const exportCsv = () => {
    const rows = ["date,value,previous", ...data.map((d) => `${d.date.toISOString().slice(0, 10)},${d.value},${d.prev ?? ""}`)];
    const url = URL.createObjectURL(new Blob([rows.join("\n")], { type: "text/csv" }));
    const a = Object.assign(document.createElement("a"), { href: url, download: `${metric}-${range}.csv` });
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <div className="flex min-h-screen items-center justify-center bg-gray-100 p-6">
      <div className="w-full max-w-3xl rounded-2xl border border-gray-200 bg-white p-6 shadow-sm">
        <div className="flex flex-wrap items-start justify-between gap-4">
          <div className="flex gap-1 rounded-lg bg-gray-100 p-1">
            {Object.entries(METRICS).map(([key, m]) => (
              <button
                key={key}
                onClick={() => setMetric(key)}
                className={`rounded-md px-3 py-1.5 text-sm font-medium transition ${
                  metric === key ? "bg-white text-gray-900 shadow-sm" : "text-gray-500 hover:text-gray-700"
                }`}
              >
                {m.label}
              </button>
            ))}
          </div>
          <div className="flex items-center gap-2">
            <select
              value={range}
              onChange={(e) => setRange(e.target.value)}
              className="rounded-lg border border-gray-200 px-3 py-1.5 text-sm text-gray-700"
            >
              <option value="7d">Last 7 days</option>
              <option value="30d">Last 30 days</option>
              <option value="90d">Last 90 days</option>
            </select>
            <button
              onClick={exportCsv}
              title="Export CSV"
              className="rounded-lg border border-gray-200 p-2 text-gray-500 hover:bg-gray-50 hover:text-gray-800"
            >
              <Download className="h-4 w-4" />
            </button>
          </div>
        </div>

        <div className="mt-6 flex flex-wrap items-end gap-3">
          <div>
            <p className="text-sm text-gray-500">Total {label.toLowerCase()}</p>
            <p className="text-3xl font-bold tracking-tight text-gray-900">{format(total)}</p>
          </div>
          <span
            className={`mb-1 inline-flex items-center gap-0.5 rounded-full px-2 py-0.5 text-sm font-medium ${
              up ? "bg-emerald-50 text-emerald-700" : "bg-rose-50 text-rose-700"
            }`}
          >
            {up ? <ArrowUpRight className="h-4 w-4" /> : <ArrowDownRight className="h-4 w-4" />}
            {Math.abs(change).toFixed(1)}%
          </span>
          <span className="mb-1 text-sm text-gray-400">vs previous {days} days</span>
          <label className="mb-1 ml-auto flex items-center gap-2 text-sm text-gray-600">
            <input type="checkbox" checked={compare} onChange={(e) => setCompare(e.target.checked)} className="rounded" />
            Compare
          </label>
        </div>

        <div className="mt-4 h-72">
          <ResponsiveContainer width="100%" height="100%">
            <AreaChart data={data} margin={{ top: 10, right: 0, left: -12, bottom: 0 }}>
              <defs>
                <linearGradient id={`fill-${metric}`} x1="0" y1="0" x2="0" y2="1">
                  <stop offset="0%" stopColor={color} stopOpacity={0.3} />
                  <stop offset="100%" stopColor={color} stopOpacity={0} />
                </linearGradient>
              </defs>
              <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#f1f5f9" />
              <XAxis
                dataKey="label"
                tickLine={false}
                axisLine={false}
                tick={{ fontSize: 12, fill: "#94a3b8" }}
                interval={Math.ceil(days / 7) - 1}
              />
              <YAxis
                tickLine={false}
                axisLine={false}
                tick={{ fontSize: 12, fill: "#94a3b8" }}
                tickFormatter={(v) => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v)}
              />
              <Tooltip content={<CustomTooltip metric={metric} />} cursor={{ stroke: "#cbd5e1", strokeDasharray: "4 4" }} />
              {compare && (
                <Area
                  type="monotone"
                  dataKey="prev"
                  stroke="#cbd5e1"
                  strokeDasharray="4 4"
                  strokeWidth={1.5}
                  fill="none"
                  dot={false}
                  activeDot={false}
                />
              )}
              <Area
                type="monotone"
                dataKey="value"
                stroke={color}
                strokeWidth={2}
                fill={`url(#fill-${metric})`}
                dot={false}
                activeDot={{ r: 4, strokeWidth: 2, stroke: "#fff" }}
              />
            </AreaChart>
          </ResponsiveContainer>
        </div>

        <div className="mt-4 grid grid-cols-3 gap-4 border-t border-gray-100 pt-4 text-sm">
          <div>
            <p className="text-gray-500">Daily average</p>
            <p className="font-semibold text-gray-900">{format(Math.round(total / days))}</p>
          </div>
          <div>
            <p className="text-gray-500">Best day</p>
            <p className="font-semibold text-gray-900">{format(Math.max(...data.map((d) => d.value)))}</p>
          </div>
          <div>
            <p className="text-gray-500">Lowest day</p>
            <p className="font-semibold text-gray-900">{format(Math.min(...data.map((d) => d.value)))}</p>
          </div>
        </div>
      </div>
    </div>
  );
}
