import React, { useEffect, useRef } from 'react';
import * as d3 from 'd3';

const temps = [
  { city: 'Oslo', jan: -4, jul: 17 },
  { city: 'Lisbon', jan: 11, jul: 23 },
  { city: 'Cairo', jan: 14, jul: 28 },
  { city: 'Tokyo', jan: 5, jul: 26 },
  { city: 'Sydney', jan: 23, jul: 13 },
  { city: 'Quito', jan: 14, jul: 14 },
];

export default function TemperatureChart() {
  const ref = useRef(null);
  useEffect(() => {
    const width = 560, height = 300, m = { top: 20, right: 20, bottom: 30, left: 40 };
    const svg = d3.select(ref.current).attr('viewBox', [0, 0, width, height]);
    svg.selectAll('*').remove();
    const x0 = d3.scaleBand().domain(temps.map((d) => d.city)).range([m.left, width - m.right]).padding(0.2);
    const x1 = d3.scaleBand().domain(['jan', 'jul']).range([0, x0.bandwidth()]).padding(0.05);
    const y = d3.scaleLinear().domain([d3.min(temps, (d) => Math.min(d.jan, d.jul)) - 2, d3.max(temps, (d) => Math.max(d.jan, d.jul)) + 2]).nice().range([height - m.bottom, m.top]);
    const color = d3.scaleOrdinal().domain(['jan', 'jul']).range(['#60a5fa', '#f87171']);
    svg.append('g').attr('transform', `translate(0,${y(0)})`).call(d3.axisBottom(x0));
    svg.append('g').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(6).tickFormat((d) => `${d}°`));
    svg.append('g')
      .selectAll('g')
      .data(temps)
      .join('g')
      .attr('transform', (d) => `translate(${x0(d.city)},0)`)
      .selectAll('rect')
      .data((d) => ['jan', 'jul'].map((k) => ({ key: k, value: d[k] })))
      .join('rect')
      .attr('class', 'bar')
      .attr('x', (d) => x1(d.key))
      .attr('y', (d) => y(Math.max(0, d.value)))
      .attr('width', x1.bandwidth())
      .attr('height', (d) => Math.abs(y(d.value) - y(0)))
      .attr('fill', (d) => color(d.key));
  }, []);
  return (
    <div className="p-4">
      <h2 className="mb-2 text-lg font-semibold">Average temperature, January and July</h2>
      <svg ref={ref} className="w-full max-w-xl" role="img" aria-label="Grouped bar chart" />
    </div>
  );
}
