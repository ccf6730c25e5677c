// The numbers below the clinic: what the routing cost, and the same routing as a table
// for readers who prefer numbers and for screen readers. Draws only; computes nothing
// about the model.
import { el } from './dom.js';

/** The backend label: "WebGPU (...)" or "CPU (fallback: reason)". */
export function backendText(backend, t) {
  if (backend.kind === 'gpu') {
    const a = backend.adapter;
    const adapter = [a.vendor, a.architecture].filter(Boolean).join(' ') || a.name || a.backend;
    return t('backend_webgpu', { adapter });
  }
  return t('backend_cpu', { reason: backend.reason || '' });
}

/**
 * One row per doctor: a bar for the patients seated, an outline for those who asked
 * (they differ where a capacity sent some on). `scale` is the count a full bar stands
 * for, so that two charts side by side can share one scale.
 */
export function loadRows(load, demand, scale, label) {
  return Array.from(load, (seated, e) => {
    const asked = demand[e];
    return el(
      'li',
      {
        class: 'load',
        dataset: { index: e, load: seated, demand: asked },
        style: { '--doctor': `var(--doctor-${e % 8})`, '--seated': String(seated / scale), '--asked': String(asked / scale) },
      },
      el('span', { class: 'name' }, label(e)),
      el('span', { class: 'bar' }),
      el('span', { class: 'value' }, asked !== seated ? `${seated} / ${asked}` : String(seated)),
    );
  });
}

/** Load per doctor and the trace's metrics. */
export function renderCosts(parts, trace, i18n) {
  const { t, format, compact } = i18n;
  const most = Math.max(1, ...trace.expert_demand, ...trace.expert_load);
  parts.loadChart.replaceChildren(...loadRows(trace.expert_load, trace.expert_demand, most, (e) => t('doctor', { index: e + 1 })));
  const m = trace.metrics;
  const na = t('not_applicable');
  const value = (x, digits = 3) => (x === null || x === undefined ? na : format(x, digits));
  const rows = [
    [t('dropped'), String(trace.dropped_slots)],
    [t('aux_loss'), value(m.aux_loss)],
    [t('z_loss'), value(m.z_loss)],
    [t('entropy'), value(m.entropy)],
    [t('params'), t('params_value', { active: compact(m.params_active_per_token), total: compact(m.params_total) })],
    [t('flops'), t('flops_value', { active: compact(m.flops_active_per_token), dense: compact(m.flops_dense_per_token) })],
  ];
  const timings = trace.timings;
  const gpu = timings.gpu_stages ? timings.gpu_stages.reduce((sum, s) => sum + s.ms, 0) : null;
  rows.push([
    t('timing'),
    gpu === null
      ? t('timing_value', { wall: format(timings.wall_ms, 2) })
      : t('timing_gpu', { wall: format(timings.wall_ms, 2), gpu: format(gpu, 2) }),
  ]);
  parts.metrics.replaceChildren(...rows.flatMap(([name, text]) => [el('dt', {}, name), el('dd', {}, text)]));
}

/** Token x doctor probabilities, with the chosen doctors and their gates. */
export function renderTable(table, trace, i18n) {
  const { t, percent } = i18n;
  const E = trace.num_experts;
  const S = trace.slots;
  const head = el(
    'tr',
    {},
    el('th', { scope: 'col' }, t('table_token')),
    Array.from({ length: E }, (_, e) => el('th', { scope: 'col' }, t('doctor', { index: e + 1 }))),
  );
  const body = document.createDocumentFragment();
  trace.tokens.forEach((token, i) => {
    const slots = new Map();
    for (let s = 0; s < S; s++) {
      const e = trace.choice_index[i * S + s];
      if (e >= 0) slots.set(e, { gate: trace.routing_weights[i * S + s], seated: trace.expert_index[i * S + s] >= 0 });
    }
    const cells = Array.from({ length: E }, (_, e) => {
      const slot = slots.get(e);
      return el(
        'td',
        slot ? { class: slot.seated ? 'chosen' : 'dropped' } : {},
        percent(trace.probs[i * E + e]),
        slot ? el('small', {}, slot.seated ? t('table_gate', { gate: percent(slot.gate) }) : t('table_dropped')) : null,
      );
    });
    body.append(el('tr', {}, el('th', { class: 'token', scope: 'row' }, token.text.trim() || '␣'), cells));
  });
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(body);
}
