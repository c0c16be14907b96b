/**
 * Customers reaching a node per day, as an ECharts bar chart. ECharts (only the bar chart, the grid,
 * the tooltip and the SVG renderer) is a chunk of its own, loaded with the first chart shown.
 */
import { BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([BarChart, GridComponent, TooltipComponent, SVGRenderer]);

export interface DailyPoint {
  date: string;
  passed: number;
}

export default function DailyChart({ days, width = 350, height = 140 }: { days: DailyPoint[]; width?: number; height?: number }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts>(null);
  useEffect(() => {
    const c = echarts.init(host.current!, undefined, { renderer: 'svg', width, height });
    chart.current = c;
    return () => c.dispose();
  }, [width, height]);
  useEffect(() => {
    chart.current?.setOption({
      animation: false,
      grid: { left: 32, right: 8, top: 10, bottom: 24 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: days.map((d) => d.date.slice(5)), axisLabel: { fontSize: 10 } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: 10 } },
      series: [{ type: 'bar', name: 'reached', data: days.map((d) => d.passed), itemStyle: { color: '#3182ce' } }],
    });
  }, [days]);
  return (
    <figure className="je-chart" data-testid="daily-chart">
      <div ref={host} role="img" aria-label={`reached per day: ${days.map((d) => `${d.date} ${d.passed}`).join(', ')}`} />
      <figcaption>
        reached per day ({days[0]?.date} – {days.at(-1)?.date})
      </figcaption>
    </figure>
  );
}
