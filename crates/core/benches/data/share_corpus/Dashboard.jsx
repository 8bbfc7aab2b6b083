import React, { useMemo, useState } from "react";
import {
  AreaChart, Area, BarChart, Bar, XAxis, YAxis, CartesianGrid, Tooltip,
  ResponsiveContainer, PieChart, Pie, Cell, Legend,
} from "recharts";
import { TrendingUp, TrendingDown, Users, DollarSign, ShoppingCart, Activity } from "lucide-react";

const traffic = [
  { day: "Mon", visits: 4200, signups: 240, revenue: 3100 },
  { day: "Tue", visits: 4800, signups: 310, revenue: 3900 },
  { day: "Wed", visits: 5100, signups: 290, revenue: 4200 },
  { day: "Thu", visits: 4700, signups: 335, revenue: 4050 },
  { day: "Fri", visits: 5600, signups: 402, revenue: 5200 },
  { day: "Sat", visits: 6900, signups: 520, revenue: 6100 },
  { day: "Sun", visits: 6300, signups: 470, revenue: 5800 },
];

const channels = [
  { name: "Organic search", value: 42 },
  { name: "Social", value: 23 },
  { name: "Referral", value: 17 },
  { name: "E-mail", value: 11 },
  { name: "Paid", value: 7 },
];

const COLORS = ["#6366f1", "#22c55e", "#f59e0b", "#ec4899", "#0ea5e9"];

const orders = [
  { id: "#10421", customer: "Hannah Lee", product: "Standing desk", total: 549, status: "Shipped" },
  { id: "#10420", customer: "Marco Rossi", product: "Ergonomic chair", total: 389, status: "Processing" },
  { id: "#10419", customer: "Aisha Khan", product: "Monitor arm", total: 129, status: "Delivered" },
  { id: "#10418", customer: "Tom Becker", product: "Desk lamp", total: 79, status: "Refunded" },
  { id: "#10417", customer: "Yuki Sato", product: "Cable tray", total: 35, status: "Delivered" },
  { id: "#10416", customer: "Lucía Gómez", product: "Footrest", total: 59, status: "Shipped" },
];

const STATUS_STYLES = {
  Shipped: "bg-blue-100 text-blue-700",
  Processing: "bg-amber-100 text-amber-700",
  Delivered: "bg-green-100 text-green-700",
  Refunded: "bg-rose-100 text-rose-700",
};

function StatCard({ title, value, change, icon: Icon }) {
  const up = change >= 0;
  return (
    <div className="rounded-2xl bg-white p-5 shadow-sm ring-1 ring-gray-100">
      <div className="flex items-center justify-between">
        <p className="text-sm font-medium text-gray-500">{title}</p>
        <span className="rounded-lg bg-indigo-50 p-2 text-indigo-600">
          <Icon size={18} />
        </span>
      </div>
      <p className="mt-3 text-3xl font-semibold text-gray-900">{value}</p>
      <p className={`mt-1 flex items-center gap-1 text-sm ${up ? "text-green-600" : "text-rose-600"}`}>
        {up ? <TrendingUp size={14} /> : <TrendingDown size={14} />}
        {Math.abs(change)}% vs last week
      </p>
    </div>
  );
}

export default function Dashboard() {
  const [metric, setMetric] = useState("visits");
  const [statusFilter, setStatusFilter] = useState("All");

  const totals = useMemo(() => {
    const sum = (key) => traffic.reduce((acc, d) => acc + d[key], 0);
    return { visits: sum("visits"), signups: sum("signups"), revenue: sum("revenue") };
  }, []);

  const conversion = ((totals.signups / totals.visits) * 100).toFixed(1);
  const visibleOrders = statusFilter === "All" ? orders : orders.filter((o) => o.status === statusFilter);

  return (
    <div className="min-h-screen bg-gray-50 p-6 font-sans">
      <header className="mb-6 flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold text-gray-900">Store overview</h1>
          <p className="text-sm text-gray-500">Last 7 days · updated a minute ago</p>
        </div>
        <div className="flex rounded-lg bg-white p-1 shadow-sm ring-1 ring-gray-100">
          {["visits", "signups", "revenue"].map((m) => (
            <button
              key={m}
              onClick={() => setMetric(m)}
              className={`rounded-md px-3 py-1.5 text-sm capitalize ${metric === m ? "bg-indigo-600 text-white" : "text-gray-600 hover:bg-gray-100"}`}
            >
              {m}
            </button>
          ))}
        </div>
      </header>

      <div className="mb-6 grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <StatCard title="Visits" value={totals.visits.toLocaleString()} change={12.4} icon={Users} />
        <StatCard title="Revenue" value={`$${totals.revenue.toLocaleString()}`} change={8.1} icon={DollarSign} />
        <StatCard title="Sign-ups" value={totals.signups.toLocaleString()} change={-2.3} icon={ShoppingCart} />
        <StatCard title="Conversion" value={`${conversion}%`} change={0.6} icon={Activity} />
      </div>

      <div className="mb-6 grid grid-cols-1 gap-4 lg:grid-cols-3">
        <div className="rounded-2xl bg-white p-5 shadow-sm ring-1 ring-gray-100 lg:col-span-2">
          <h2 className="mb-4 font-semibold capitalize text-gray-800">{metric} per day</h2>
          <div className="h-72">
            <ResponsiveContainer width="100%" height="100%">
              <AreaChart data={traffic} margin={{ top: 5, right: 10, left: 0, bottom: 0 }}>
                <defs>
                  <linearGradient id="fill" x1="0" y1="0" x2="0" y2="1">
                    <stop offset="5%" stopColor="#6366f1" stopOpacity={0.35} />
                    <stop offset="95%" stopColor="#6366f1" stopOpacity={0} />
                  </linearGradient>
                </defs>
                <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#eef0f4" />
                <XAxis dataKey="day" tickLine={false} axisLine={false} />
                <YAxis tickLine={false} axisLine={false} width={48} />
                <Tooltip />
                <Area type="monotone" dataKey={metric} stroke="#6366f1" strokeWidth={2} fill="url(#fill)" />
              </AreaChart>
            </ResponsiveContainer>
          </div>
        </div>
        <div className="rounded-2xl bg-white p-5 shadow-sm ring-1 ring-gray-100">
          <h2 className="mb-4 font-semibold text-gray-800">Traffic sources</h2>
          <div className="h-72">
            <ResponsiveContainer width="100%" height="100%">
              <PieChart>
                <Pie data={channels} dataKey="value" nameKey="name" innerRadius={55} outerRadius={85} paddingAngle={3}>
                  {channels.map((entry, index) => (
                    <Cell key={entry.name} fill={COLORS[index % COLORS.length]} />
                  ))}
                </Pie>
                <Legend verticalAlign="bottom" height={60} iconType="circle" />
                <Tooltip formatter={(v) => `${v}%`} />
              </PieChart>
            </ResponsiveContainer>
          </div>
        </div>
      </div>

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <div className="rounded-2xl bg-white p-5 shadow-sm ring-1 ring-gray-100">
          <h2 className="mb-4 font-semibold text-gray-800">Sign-ups</h2>
          <div className="h-56">
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={traffic}>
                <XAxis dataKey="day" tickLine={false} axisLine={false} />
                <Tooltip cursor={{ fill: "#f3f4f6" }} />
                <Bar dataKey="signups" fill="#22c55e" radius={[6, 6, 0, 0]} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </div>
        <div className="rounded-2xl bg-white p-5 shadow-sm ring-1 ring-gray-100 lg:col-span-2">
          <div className="mb-4 flex items-center justify-between">
            <h2 className="font-semibold text-gray-800">Recent orders</h2>
            <select
              value={statusFilter}
              onChange={(e) => setStatusFilter(e.target.value)}
              className="rounded-md border border-gray-200 px-2 py-1 text-sm"
            >
              {["All", ...Object.keys(STATUS_STYLES)].map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </div>
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-gray-400">
              <tr>
                <th className="pb-2">Order</th>
                <th className="pb-2">Customer</th>
                <th className="pb-2">Product</th>
                <th className="pb-2 text-right">Total</th>
                <th className="pb-2 text-right">Status</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-100">
              {visibleOrders.map((o) => (
                <tr key={o.id}>
                  <td className="py-2 font-mono text-gray-500">{o.id}</td>
                  <td className="py-2 text-gray-900">{o.customer}</td>
                  <td className="py-2 text-gray-600">{o.product}</td>
                  <td className="py-2 text-right">${o.total}</td>
                  <td className="py-2 text-right">
                    <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLES[o.status]}`}>{o.status}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}
