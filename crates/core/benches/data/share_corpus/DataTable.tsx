import { useMemo, useState } from 'react';

type SortDirection = 'asc' | 'desc';

interface Employee {
  id: number;
  name: string;
  email: string;
  department: 'Engineering' | 'Design' | 'Sales' | 'Support' | 'Finance';
  role: string;
  salary: number;
  startDate: string;
  active: boolean;
}

const EMPLOYEES: Employee[] = [
  { id: 1, name: 'Ada Fernández', email: 'ada.fernandez@acme.io', department: 'Engineering', role: 'Staff engineer', salary: 168000, startDate: '2017-03-14', active: true },
  { id: 2, name: 'Bilal Qureshi', email: 'bilal.q@acme.io', department: 'Sales', role: 'Account executive', salary: 92000, startDate: '2021-08-02', active: true },
  { id: 3, name: 'Chloé Martin', email: 'chloe.martin@acme.io', department: 'Design', role: 'Product designer', salary: 118000, startDate: '2019-11-25', active: true },
  { id: 4, name: 'Dmitri Volkov', email: 'd.volkov@acme.io', department: 'Engineering', role: 'Backend engineer', salary: 139000, startDate: '2020-01-06', active: false },
  { id: 5, name: 'Emeka Obi', email: 'emeka.obi@acme.io', department: 'Finance', role: 'Controller', salary: 125000, startDate: '2018-05-21', active: true },
  { id: 6, name: 'Freya Nilsson', email: 'freya.n@acme.io', department: 'Support', role: 'Support lead', salary: 84000, startDate: '2022-02-14', active: true },
  { id: 7, name: 'Gustavo Lima', email: 'g.lima@acme.io', department: 'Engineering', role: 'Frontend engineer', salary: 131000, startDate: '2021-04-19', active: true },
  { id: 8, name: 'Hana Kobayashi', email: 'hana.k@acme.io', department: 'Design', role: 'Design manager', salary: 152000, startDate: '2016-09-12', active: true },
  { id: 9, name: 'Ivan Petrović', email: 'ivan.p@acme.io', department: 'Sales', role: 'Sales engineer', salary: 121000, startDate: '2023-01-09', active: true },
  { id: 10, name: 'Julia Schmidt', email: 'julia.schmidt@acme.io', department: 'Support', role: 'Support engineer', salary: 78000, startDate: '2023-06-26', active: false },
  { id: 11, name: 'Kwame Mensah', email: 'kwame.m@acme.io', department: 'Finance', role: 'Analyst', salary: 97000, startDate: '2022-10-03', active: true },
  { id: 12, name: 'Lina Haddad', email: 'lina.haddad@acme.io', department: 'Engineering', role: 'Engineering manager', salary: 176000, startDate: '2015-07-01', active: true },
];

type Column = { key: keyof Employee; label: string; align?: 'right'; render?: (e: Employee) => React.ReactNode };

const currency = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });

const COLUMNS: Column[] = [
  { key: 'name', label: 'Name', render: (e) => (<div><div className="font-medium text-gray-900">{e.name}</div><div className="text-xs text-gray-500">{e.email}</div></div>) },
  { key: 'department', label: 'Department' },
  { key: 'role', label: 'Role' },
  { key: 'salary', label: 'Salary', align: 'right', render: (e) => currency.format(e.salary) },
  { key: 'startDate', label: 'Start date', render: (e) => new Date(e.startDate).toLocaleDateString('en-US', { year: 'numeric', month: 'short' }) },
  { key: 'active', label: 'Status', render: (e) => (
    <span className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${e.active ? 'bg-emerald-50 text-emerald-700' : 'bg-gray-100 text-gray-500'}`}>
      <span className={`h-1.5 w-1.5 rounded-full ${e.active ? 'bg-emerald-500' : 'bg-gray-400'}`} />
      {e.active ? 'Active' : 'Inactive'}
    </span>
  ) },
];

const PAGE_SIZE = 5;

export default function EmployeeTable() {
  const [query, setQuery] = useState('');
  const [department, setDepartment] = useState<string>('All');
  const [sortKey, setSortKey] = useState<keyof Employee>('name');
  const [direction, setDirection] = useState<SortDirection>('asc');
  const [page, setPage] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());

  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    const filtered = EMPLOYEES.filter((e) =>
      (department === 'All' || e.department === department) &&
      (!q || e.name.toLowerCase().includes(q) || e.email.includes(q) || e.role.toLowerCase().includes(q)));
    return filtered.sort((a, b) => {
      const x = a[sortKey], y = b[sortKey];
      const cmp = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return direction === 'asc' ? cmp : -cmp;
    });
  }, [query, department, sortKey, direction]);

  const pageCount = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const current = rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const payroll = rows.reduce((sum, e) => sum + (e.active ? e.salary : 0), 0);

  function sortBy(key: keyof Employee) {
    if (key === sortKey) setDirection(direction === 'asc' ? 'desc' : 'asc');
    else { setSortKey(key); setDirection('asc'); }
  }

  function toggle(id: number) {
    const next = new Set(selected);
    next.has(id) ? next.delete(id) : next.add(id);
    setSelected(next);
  }

  const allOnPage = current.length > 0 && current.every((e) => selected.has(e.id));

  return (
    <div className="mx-auto max-w-5xl p-8">
      <div className="mb-4 flex flex-wrap items-center gap-3">
        <input
          value={query}
          onChange={(e) => { setQuery(e.target.value); setPage(0); }}
          placeholder="Search name, e-mail or role"
          className="w-64 rounded-md border border-gray-300 px-3 py-2 text-sm"
        />
        <select value={department} onChange={(e) => { setDepartment(e.target.value); setPage(0); }} className="rounded-md border border-gray-300 px-3 py-2 text-sm">
          {['All', 'Engineering', 'Design', 'Sales', 'Support', 'Finance'].map((d) => <option key={d}>{d}</option>)}
        </select>
        <span className="ml-auto text-sm text-gray-500">
          {selected.size > 0 ? `${selected.size} selected · ` : ''}{rows.length} people · payroll {currency.format(payroll)}
        </span>
      </div>
      <div className="overflow-hidden rounded-lg border border-gray-200">
        <table className="min-w-full divide-y divide-gray-200 text-sm">
          <thead className="bg-gray-50">
            <tr>
              <th className="w-10 px-4 py-3">
                <input type="checkbox" checked={allOnPage} onChange={() => {
                  const next = new Set(selected);
                  current.forEach((e) => (allOnPage ? next.delete(e.id) : next.add(e.id)));
                  setSelected(next);
                }} />
              </th>
              {COLUMNS.map((c) => (
                <th key={c.key} onClick={() => sortBy(c.key)} className={`cursor-pointer select-none px-4 py-3 font-semibold text-gray-600 ${c.align === 'right' ? 'text-right' : 'text-left'}`}>
                  {c.label}{sortKey === c.key ? (direction === 'asc' ? ' ▲' : ' ▼') : ''}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100 bg-white">
            {current.map((e) => (
              <tr key={e.id} className={selected.has(e.id) ? 'bg-indigo-50' : 'hover:bg-gray-50'}>
                <td className="px-4 py-3"><input type="checkbox" checked={selected.has(e.id)} onChange={() => toggle(e.id)} /></td>
                {COLUMNS.map((c) => (
                  <td key={c.key} className={`px-4 py-3 text-gray-700 ${c.align === 'right' ? 'text-right tabular-nums' : ''}`}>
                    {c.render ? c.render(e) : String(e[c.key])}
                  </td>
                ))}
              </tr>
            ))}
            {current.length === 0 && (
              <tr><td colSpan={COLUMNS.length + 1} className="px-4 py-10 text-center text-gray-400">No one matches these filters.</td></tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="mt-4 flex items-center justify-between text-sm">
        <button disabled={page === 0} onClick={() => setPage(page - 1)} className="rounded-md border px-3 py-1.5 disabled:opacity-40">Previous</button>
        <span className="text-gray-500">Page {page + 1} of {pageCount}</span>
        <button disabled={page >= pageCount - 1} onClick={() => setPage(page + 1)} className="rounded-md border px-3 py-1.5 disabled:opacity-40">Next</button>
      </div>
    </div>
  );
}
