// Small SVG charts for the hospitals and training views: lines over steps, a stacked area
// of shares, a heatmap, and the table each one has as its alternative. They draw the
// numbers they are given at the container's own pixel width (so text keeps its size on a
// phone) and a height the caller fixes (so a new number never moves the page). They know
// nothing about the model.
import { el, svg } from './dom.js';

const MARGIN = { top: 8, right: 10, bottom: 20, left: 42 };
const FONT = 11;

/** `count` round tick values covering [low, high]. */
export function niceTicks(low, high, count = 4) {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** The range of some values, padded so a flat line is not drawn on the frame. */
export function extent(values, { floor = null, ceiling = null } = {}) {
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v < low) low = v;
    if (v > high) high = v;
  }
  if (low === Infinity) return [floor ?? 0, ceiling ?? 1];
  if (high - low < 1e-9) {
    const pad = Math.abs(high) * 0.1 || 0.1;
    low -= pad;
    high += pad;
  }
  const pad = (high - low) * 0.08;
  low -= pad;
  high += pad;
  if (floor !== null) low = Math.max(floor, low);
  if (ceiling !== null) high = Math.min(ceiling, high);
  return [low, high];
}

const scale = ([d0, d1], [r0, r1]) => (v) => r0 + ((v - d0) / (d1 - d0 || 1)) * (r1 - r0);

/** The frame of a chart: the svg, its plot area and its scales. */
function frame(width, height, xDomain, yDomain, { format, xFormat, yTicks } = {}) {
  const plot = { left: MARGIN.left, right: Math.max(MARGIN.left + 10, width - MARGIN.right), top: MARGIN.top, bottom: height - MARGIN.bottom };
  const x = scale(xDomain, [plot.left, plot.right]);
  const y = scale(yDomain, [plot.bottom, plot.top]);
  const axes = svg('g', { class: 'axes', 'aria-hidden': 'true' });
  const ticks = yTicks ?? niceTicks(yDomain[0], yDomain[1], 3);
  // Enough decimals to tell neighbouring ticks apart (and no more).
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
  const digits = Math.max(0, Math.min(4, -Math.floor(Math.log10(step) + 1e-9)));
  for (const v of ticks) {
    if (v < yDomain[0] - 1e-12 || v > yDomain[1] + 1e-12) continue;
    axes.append(
      svg('line', { class: 'grid', x1: plot.left, x2: plot.right, y1: y(v), y2: y(v) }),
      svg('text', { x: plot.left - 4, y: y(v) + FONT / 3, 'text-anchor': 'end' }, format ? format(v, digits) : String(v)),
    );
  }
  const xTicks = niceTicks(xDomain[0], xDomain[1], Math.max(2, Math.floor((plot.right - plot.left) / 70)));
  for (const v of xTicks) {
    axes.append(svg('text', { x: x(v), y: height - 5, 'text-anchor': 'middle' }, xFormat ? xFormat(v) : String(v)));
  }
  axes.append(svg('line', { class: 'axis', x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom }));
  return { plot, x, y, axes };
}

/** An SVG that fills its container's width at a fixed height. */
function canvas(container, height, label) {
  const width = Math.max(120, Math.floor(container.clientWidth));
  const node = svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label });
  return { node, width };
}

/** A path through points, skipping gaps (null values). */
function linePath(points, x, y) {
  let d = '';
  let pen = false;
  for (const [px, py] of points) {
    if (py === null || py === undefined || !Number.isFinite(py)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(px).toFixed(1)},${y(py).toFixed(1)}`;
    pen = true;
  }
  return d;
}

/**
 * Lines over steps. `series`: [{key, points: [[x, y]], className}]; `refs`: horizontal
 * reference lines [{y, className}]; `band`: [low, high] shaded; `domain`: {x, y}.
 */
export function lineChart(container, { height, label, series, domain, refs = [], band = null, format, xFormat, yTicks }) {
  const { node, width } = canvas(container, height, label);
  const { plot, x, y, axes } = frame(width, height, domain.x, domain.y, { format, xFormat, yTicks });
  node.append(axes);
  if (band) {
    const top = y(Math.min(band[1], domain.y[1]));
    const bottom = y(Math.max(band[0], domain.y[0]));
    node.append(svg('rect', { class: 'band', x: plot.left, width: plot.right - plot.left, y: top, height: Math.max(0, bottom - top), 'aria-hidden': 'true' }));
  }
  for (const ref of refs) {
    if (ref.y < domain.y[0] || ref.y > domain.y[1]) continue;
    node.append(svg('line', { class: `ref ${ref.className ?? ''}`, x1: plot.left, x2: plot.right, y1: y(ref.y), y2: y(ref.y), 'aria-hidden': 'true' }));
  }
  for (const s of series) {
    node.append(svg('path', { class: `series ${s.className ?? ''}`, d: linePath(s.points, x, y), style: s.color ? { '--series': s.color } : {} }));
    const last = s.points.findLast(([, v]) => v !== null && v !== undefined && Number.isFinite(v));
    if (last && s.dot !== false) node.append(svg('circle', { class: `end ${s.className ?? ''}`, cx: x(last[0]), cy: y(last[1]), r: 2.5, style: s.color ? { '--series': s.color } : {} }));
  }
  container.replaceChildren(node);
  return node;
}

/**
 * Shares that add up to 1 at each x, stacked: `rows` is [[x, shares[]]], colours by
 * index. `refs` draws dashed lines (an even split's boundaries, say).
 */
export function stackedArea(container, { height, label, rows, domain, colors, refs = [], xFormat, format }) {
  const { node, width } = canvas(container, height, label);
  const { plot, x, y, axes } = frame(width, height, domain.x, [0, 1], { format, xFormat, yTicks: [0, 0.5, 1] });
  const count = rows[0]?.[1].length ?? 0;
  const below = rows.map(() => 0);
  for (let e = 0; e < count; e++) {
    const upper = rows.map(([px, shares], i) => [px, below[i] + shares[e]]);
    const lower = rows.map(([px], i) => [px, below[i]]);
    let d = '';
    upper.forEach(([px, v], i) => (d += `${i ? 'L' : 'M'}${x(px).toFixed(1)},${y(v).toFixed(1)}`));
    for (let i = lower.length - 1; i >= 0; i--) d += `L${x(lower[i][0]).toFixed(1)},${y(lower[i][1]).toFixed(1)}`;
    node.append(svg('path', { class: `area-band ${e >= 8 ? 'light' : ''}`, d: `${d}Z`, style: { '--series': colors(e) } }));
    rows.forEach(([, shares], i) => (below[i] += shares[e]));
  }
  for (const ref of refs) node.append(svg('line', { class: 'ref even', x1: plot.left, x2: plot.right, y1: y(ref), y2: y(ref), 'aria-hidden': 'true' }));
  node.append(axes);
  container.replaceChildren(node);
  return node;
}

/**
 * A matrix of shares or counts as coloured cells, the value written in each where it fits.
 * `values[r][c]`; `max` is what the darkest cell stands for; `diagonal` outlines r == c.
 */
export function heatmap(container, { label, values, rowLabels, colLabels, max, format, cell: cellMax = 40, diagonal = false, colTitle = '' }) {
  const rows = values.length;
  const cols = values[0]?.length ?? 0;
  const width = Math.max(120, Math.floor(container.clientWidth));
  const left = Math.min(110, Math.max(...rowLabels.map((l) => l.length * 6.5), 24) + 8);
  const top = colTitle ? 32 : 18;
  const cell = Math.max(14, Math.min(cellMax, Math.floor((width - left - 4) / Math.max(1, cols))));
  const height = top + rows * cell + 4;
  const node = svg('svg', { class: 'chart heatmap', width: left + cols * cell + 4, height, viewBox: `0 0 ${left + cols * cell + 4} ${height}`, role: 'img', 'aria-label': label });
  if (colTitle) node.append(svg('text', { class: 'axis-title', x: left, y: 10 }, colTitle));
  const showText = cell >= 24;
  colLabels.forEach((text, c) => node.append(svg('text', { class: 'col-label', x: left + c * cell + cell / 2, y: top - 5, 'text-anchor': 'middle' }, text)));
  values.forEach((row, r) => {
    node.append(svg('text', { class: 'row-label', x: left - 6, y: top + r * cell + cell / 2 + FONT / 3, 'text-anchor': 'end' }, rowLabels[r]));
    row.forEach((v, c) => {
      const share = max > 0 ? Math.min(1, v / max) : 0;
      node.append(
        svg('rect', {
          class: `cell ${diagonal && r === c ? 'diagonal' : ''}`,
          x: left + c * cell + 1,
          y: top + r * cell + 1,
          width: cell - 2,
          height: cell - 2,
          style: { '--share': share.toFixed(3) },
        }),
      );
      if (showText) {
        node.append(
          svg('text', { class: `cell-text ${share > 0.55 ? 'on-dark' : ''}`, x: left + c * cell + cell / 2, y: top + r * cell + cell / 2 + FONT / 3, 'text-anchor': 'middle' }, format(v)),
        );
      }
    });
  });
  container.replaceChildren(node);
  return node;
}

/** A table from a header row and body rows of strings (the first cell of each row a header). */
export function fillTable(table, { columns, rows }) {
  const head = el('tr', {}, columns.map((c) => el('th', { scope: 'col' }, c)));
  const body = document.createDocumentFragment();
  for (const row of rows) body.append(el('tr', {}, el('th', { scope: 'row' }, row[0]), row.slice(1).map((v) => el('td', {}, v))));
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(body);
}

/** A legend: coloured keys and names, in HTML so it wraps on a phone. */
export function legend(list, items) {
  list.replaceChildren(
    ...items.map(({ name, color, className }) => el('li', { class: className ?? '', style: color ? { '--series': color } : {} }, el('span', { class: 'key', 'aria-hidden': 'true' }), name)),
  );
}
