import React, { useMemo, useState } from 'react';
import {
  LineChart, Line, BarChart, Bar, PieChart, Pie, Cell,
  XAxis, YAxis, CartesianGrid, Tooltip, Legend, ResponsiveContainer,
} from 'recharts';
import { DollarSign, Users, TrendingUp } from 'lucide-react';

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug'];
const data = months.map((month, i) => ({
  month,
  revenue: 12000 + i * 1850 + (i % 3) * 900,
  users: 420 + i * 61 + (i % 2) * 35,
  churn: 4 + ((i * 7) % 5),
}));
const channels = [
  { name: 'Web', value: 54 },
  { name: 'iOS', value: 29 },
  { name: 'Android', value: 17 },
];
const COLORS = ['#2563eb', '#16a34a', '#f59e0b'];

function Stat({ icon, label, value, delta }) {
  return (
    <div className="rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200">
      <div className="flex items-center gap-2 text-slate-500 text-sm">{icon}{label}</div>
      <div className="mt-1 text-2xl font-semibold text-slate-900">{value}</div>
      <div className="text-xs text-emerald-600">{delta}</div>
    </div>
  );
}

export default function Dashboard() {
  const [metric, setMetric] = useState('revenue');
  const totals = useMemo(() => ({
    revenue: data.reduce((s, d) => s + d.revenue, 0),
    users: data[data.length - 1].users,
  }), []);
  return (
    <div className="min-h-screen bg-slate-50 p-6 font-sans">
      <h1 className="mb-4 text-2xl font-bold text-slate-800">Sales overview</h1>
      <div className="mb-6 grid grid-cols-3 gap-4">
        <Stat icon={<DollarSign size={16} />} label="Revenue" value={`$${totals.revenue.toLocaleString('en-US')}`} delta="+12% vs last period" />
        <Stat icon={<Users size={16} />} label="Active users" value={totals.users} delta="+8%" />
        <Stat icon={<TrendingUp size={16} />} label="Growth" value="14.2%" delta="+2.1 pts" />
      </div>
      <div className="mb-2 flex gap-2" role="group" aria-label="Metric">
        {['revenue', 'users'].map((k) => (
          <button
            key={k}
            onClick={() => setMetric(k)}
            className={`rounded-md px-3 py-1 text-sm ${metric === k ? 'bg-blue-600 text-white' : 'bg-white text-slate-700 ring-1 ring-slate-300'}`}
          >
            {k}
          </button>
        ))}
      </div>
      <div className="mb-6 rounded-xl bg-white p-4 shadow-sm" style={{ height: 260 }}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="month" />
            <YAxis />
            <Tooltip />
            <Legend />
            <Line type="monotone" dataKey={metric} stroke="#2563eb" strokeWidth={2} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <div className="grid grid-cols-2 gap-4">
        <div className="rounded-xl bg-white p-4 shadow-sm">
          <BarChart width={360} height={220} data={data}>
            <XAxis dataKey="month" />
            <YAxis />
            <Bar dataKey="churn" fill="#f97316" isAnimationActive={false} />
          </BarChart>
        </div>
        <div className="rounded-xl bg-white p-4 shadow-sm">
          <PieChart width={300} height={220}>
            <Pie data={channels} dataKey="value" nameKey="name" outerRadius={80} label isAnimationActive={false}>
              {channels.map((c, i) => <Cell key={c.name} fill={COLORS[i]} />)}
            </Pie>
          </PieChart>
        </div>
      </div>
    </div>
  );
}
