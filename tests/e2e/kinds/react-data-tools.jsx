import React, { useEffect, useMemo, useRef, useState } from 'react';
import Papa from 'papaparse';
import _ from 'lodash';
import * as math from 'mathjs';
import Chart from 'chart.js/auto';

const CSV = `region,product,units,price
North,Widget,120,2.5
South,Widget,80,2.5
North,Gadget,45,10
East,Gadget,60,10
South,Gizmo,30,25
East,Widget,95,2.5`;

export default function SalesTools() {
  const rows = useMemo(() => Papa.parse(CSV, { header: true, dynamicTyping: true, skipEmptyLines: true }).data, []);
  const byRegion = useMemo(
    () => _.map(_.groupBy(rows, 'region'), (items, region) => ({ region, revenue: _.sumBy(items, (r) => r.units * r.price) })),
    [rows],
  );
  const [expr, setExpr] = useState('sqrt(3^2 + 4^2) * 2');
  let result;
  try { result = math.format(math.evaluate(expr), { precision: 6 }); } catch (e) { result = `error: ${e.message}`; }
  const canvas = useRef(null);
  useEffect(() => {
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: { labels: byRegion.map((r) => r.region), datasets: [{ label: 'Revenue', data: byRegion.map((r) => r.revenue), backgroundColor: '#8b5cf6' }] },
      options: { animation: false, responsive: false },
    });
    return () => chart.destroy();
  }, [byRegion]);
  return (
    <div className="space-y-4 p-6 font-sans">
      <h1 className="text-xl font-bold">Sales tools</h1>
      <table className="text-sm">
        <thead><tr><th className="pr-6 text-left">Region</th><th className="text-right">Revenue</th></tr></thead>
        <tbody>
          {byRegion.map((r) => <tr key={r.region}><td className="pr-6">{r.region}</td><td className="text-right">{r.revenue.toFixed(2)}</td></tr>)}
        </tbody>
      </table>
      <canvas ref={canvas} width="420" height="200" />
      <label className="block text-sm">
        Calculator <input className="ml-2 rounded border px-2 py-1 font-mono" value={expr} onChange={(e) => setExpr(e.target.value)} />
      </label>
      <output className="block font-mono" data-testid="result">= {result}</output>
    </div>
  );
}
