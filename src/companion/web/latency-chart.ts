import { html, Html } from './html';
import { CHART_WINDOW_MS } from './status-data';

/**
 * The latency chart: an inline SVG (no script, no library) of how long each sync step took over
 * the last hour, time across, milliseconds up (square-root scale so one slow write does not
 * flatten the rest). Inbound and outbound are drawn as different shapes, not only colours.
 */

const W = 600;
const H = 160;
const PAD = { left: 48, right: 8, top: 8, bottom: 22 };

export function latencyChart(points: Array<{ at: Date; ms: number; direction: 'inbound' | 'outbound' }>, now: Date): Html {
  if (!points.length) return html`<p class="hint" id="latency-empty">No sync activity in the last hour.</p>`;
  const max = Math.max(100, ...points.map((p) => p.ms));
  const start = now.getTime() - CHART_WINDOW_MS;
  const x = (at: Date) => PAD.left + ((at.getTime() - start) / CHART_WINDOW_MS) * (W - PAD.left - PAD.right);
  const y = (ms: number) => H - PAD.bottom - Math.sqrt(ms / max) * (H - PAD.top - PAD.bottom);
  const sorted = [...points.map((p) => p.ms)].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const ticks = [0, max / 4, max].map((v) => Math.round(v));
  return html`<figure class="chart">
<svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="latency-title" id="latency-chart">
<title id="latency-title">${points.length} sync steps in the last hour; median ${median} ms, slowest ${sorted[sorted.length - 1]} ms</title>
${ticks.map((t) => html`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" class="grid-line"/><text x="${PAD.left - 4}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" class="axis">${t} ms</text>`)}
<text x="${PAD.left}" y="${H - 4}" class="axis">60 min ago</text><text x="${W - PAD.right}" y="${H - 4}" text-anchor="end" class="axis">now</text>
${points.map((p) =>
  p.direction === 'inbound'
    ? html`<circle cx="${x(p.at).toFixed(1)}" cy="${y(p.ms).toFixed(1)}" r="3.5" class="pt-in"/>`
    : html`<rect x="${(x(p.at) - 3).toFixed(1)}" y="${(y(p.ms) - 3).toFixed(1)}" width="6" height="6" class="pt-out"/>`,
)}
</svg>
<figcaption>● ServiceNow → incident.io &nbsp; ■ incident.io → ServiceNow · median ${median} ms</figcaption>
</figure>`;
}
