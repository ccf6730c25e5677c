// The numbers beside the clinic: what the routing cost, and the same routing as a table
// for readers who prefer numbers and for screen readers. Draws only; computes nothing
// about the model.

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The backend label: "WebGPU (...)" or "CPU (fallback: reason)". */
export function backendText(backend, t) {
  if (backend.kind === 'gpu') {
    const a = backend.adapter;
    const adapter = [a.vendor, a.architecture].filter(Boolean).join(' ') || a.name || a.backend;
    return t('backend_webgpu', { adapter });
  }
  return t('backend_cpu', { reason: backend.reason || '' });
}

/** Load per doctor (bar: seated; outline: asked for) and the trace's metrics. */
export function renderCosts(parts, trace, i18n) {
  const { t, format, compact } = i18n;
  const E = trace.num_experts;
  const chart = parts.loadChart;
  chart.replaceChildren();
  const most = Math.max(1, ...trace.expert_demand, ...trace.expert_load);
  for (let e = 0; e < E; e++) {
    const row = element('li', 'load');
    row.style.setProperty('--doctor', `var(--doctor-${e % 8})`);
    row.style.setProperty('--seated', String(trace.expert_load[e] / most));
    row.style.setProperty('--asked', String(trace.expert_demand[e] / most));
    const asked = trace.expert_demand[e] !== trace.expert_load[e] ? ` / ${trace.expert_demand[e]}` : '';
    row.append(
      element('span', 'name', t('doctor', { index: e + 1 })),
      element('span', 'bar'),
      element('span', 'value', `${trace.expert_load[e]}${asked}`),
    );
    chart.append(row);
  }
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
  parts.metrics.replaceChildren();
  for (const [name, text] of rows) {
    parts.metrics.append(element('dt', '', name), element('dd', '', text));
  }
}

/** Token x doctor probabilities, with the chosen doctors and their gates. */
export function renderTable(table, trace, i18n) {
  const { t, percent } = i18n;
  const E = trace.num_experts;
  const S = trace.slots;
  const head = element('tr');
  const corner = element('th', '', t('table_token'));
  corner.scope = 'col';
  head.append(corner);
  for (let e = 0; e < E; e++) {
    const th = element('th', '', t('doctor', { index: e + 1 }));
    th.scope = 'col';
    head.append(th);
  }
  const body = document.createDocumentFragment();
  trace.tokens.forEach((token, i) => {
    const row = element('tr');
    const name = element('th', 'token', token.text.trim() || '␣');
    name.scope = 'row';
    row.append(name);
    const slots = new Map();
    for (let s = 0; s < S; s++) {
      const e = trace.choice_index[i * S + s];
      if (e >= 0) slots.set(e, { gate: trace.routing_weights[i * S + s], seated: trace.expert_index[i * S + s] >= 0 });
    }
    for (let e = 0; e < E; e++) {
      const cell = element('td', '', percent(trace.probs[i * E + e]));
      const slot = slots.get(e);
      if (slot) {
        cell.className = slot.seated ? 'chosen' : 'dropped';
        cell.append(element('small', '', slot.seated ? t('table_gate', { gate: percent(slot.gate) }) : t('table_dropped')));
      }
      row.append(cell);
    }
    body.append(row);
  });
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(body);
}
