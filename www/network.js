// The clinic network: the same routing with the doctors spread over several hospitals
// (expert parallelism). Each hospital is a device; a patient (token) lives in one, and a
// patient whose doctor works in another travels there and back (the dispatch and combine
// all-to-alls). Every figure comes from the wasm module's `network()` object for the
// routing drawn; this file only draws it, next to the trace's own choices.
import { el, svg } from './dom.js';
import { fillTable, heatmap } from './charts.js';
import { NO_LINK, fitNetwork, networkOptions } from './state.js';

// The diagram's height depends on the screen only, never on the text, so nothing below
// moves when a new routing is drawn.
const DIAGRAM_H = { wide: 250, narrow: 290 };
const NARROW = 520;

/** Seconds in the unit that reads best: ns, µs, ms or s, to three significant digits. */
export function formatSeconds(seconds, format) {
  if (seconds === 0) return `${format(0, 0)} s`;
  const units = [
    [1, 's'],
    [1e-3, 'ms'],
    [1e-6, 'µs'],
    [1e-9, 'ns'],
    [1e-12, 'ps'],
  ];
  // Rounded before the unit is chosen: 999.6 µs reads 1.00 ms, not "1,000 µs".
  const rounded = Number(seconds.toPrecision(3));
  const [size, unit] = units.find(([s]) => Math.abs(rounded) >= s) ?? units.at(-1);
  const value = rounded / size;
  return `${format(value, Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2)} ${unit}`;
}

/** Bytes in decimal units (as link speeds are given): B, kB, MB, GB. */
export function formatBytes(bytes, format) {
  const units = [
    [1e9, 'GB'],
    [1e6, 'MB'],
    [1e3, 'kB'],
  ];
  // Rounded before the unit is chosen: 999,950 B reads 1.0 MB, not "1,000 kB".
  const rounded = bytes >= 1e3 ? Number(bytes.toPrecision(3)) : bytes;
  const found = units.find(([s]) => rounded >= s);
  if (!found) return `${format(bytes, 0)} B`;
  const value = rounded / found[0];
  return `${format(value, value >= 100 ? 0 : 1)} ${found[1]}`;
}

export class NetworkView {
  /**
   * @param {object} parts the section's nodes (index.html, ids net-*)
   * @param {object} i18n {t, format, percent}
   * @param {object} hooks {price(settings) → Promise of the network object for the routing drawn}
   */
  constructor(parts, i18n, hooks) {
    this.parts = parts;
    this.i18n = i18n;
    this.hooks = hooks;
    this.presets = null;
    this.settings = null;
    this.experts = 0;
    this.trace = null;
    this.network = null;
    this.generation = 0;
    this.width = 0;
    const onChange = () => this.change(this.fromControls());
    for (const node of [parts.devices, parts.placement, parts.link, parts.device, parts.sizes]) node.addEventListener(node.type === 'range' ? 'input' : 'change', onChange);
    for (const details of parts.section.querySelectorAll('details')) details.addEventListener('toggle', () => this.drawTables());
    new ResizeObserver(() => {
      const width = Math.floor(parts.diagram.clientWidth);
      if (Math.abs(width - this.width) < 1) return;
      this.width = width;
      if (this.network) this.draw();
    }).observe(parts.diagram);
  }

  /** The menus, from the wasm module's `networkPresets()`. */
  setPresets(presets, defaults) {
    const { t, format } = this.i18n;
    this.presets = presets;
    const option = (value, text) => el('option', { value }, text);
    this.parts.placement.replaceChildren(...presets.placements.map((p) => option(p, t(`net_placements.${p}`))));
    this.parts.link.replaceChildren(
      ...presets.links.map((l) =>
        option(l.name, l.name === NO_LINK ? t('net_no_link') : t('net_link_option', { name: this.presetName('links', l), speed: this.speed(l.bytes_per_s) })),
      ),
    );
    this.parts.device.replaceChildren(
      ...presets.devices.map((d) => {
        const tera = d.flops_per_s / 1e12;
        return option(d.name, t('net_device_option', { name: this.presetName('devices', d), flops: format(tera, tera >= 100 ? 0 : 1) }));
      }),
    );
    this.parts.sizes.replaceChildren(
      ...presets.sizes.map((s) => option(s.name, s.d_model ? t('net_sizes_option', { name: this.presetName('sizes', s), d: s.d_model }) : this.presetName('sizes', s))),
    );
    this.settings = { ...defaults };
  }

  /** A preset's name in the visitor's language where the page has one, else the engine's label. */
  presetName(kind, preset) {
    const key = `net_presets.${preset.name}`;
    const text = this.i18n.t(key);
    return text === key ? preset.label : text;
  }

  speed(bytesPerSecond) {
    return `${this.i18n.format(bytesPerSecond / 1e9, bytesPerSecond >= 1e11 ? 0 : 1)} GB/s`;
  }

  /** A model of `experts` doctors: at most that many hospitals. */
  setModel(experts) {
    this.experts = experts;
    this.parts.devices.max = String(experts);
    this.settings = fitNetwork(this.settings, experts, this.settings.link);
    this.syncControls();
  }

  fromControls() {
    const p = this.parts;
    return fitNetwork(
      { devices: Number(p.devices.value), placement: p.placement.value, link: p.link.value, device: p.device.value, sizes: p.sizes.value },
      this.experts,
      this.settings.link,
    );
  }

  syncControls() {
    const { t } = this.i18n;
    const p = this.parts;
    const s = this.settings;
    p.devices.value = String(s.devices);
    p.devicesValue.textContent = String(s.devices);
    p.placement.value = s.placement;
    p.link.value = s.link;
    p.device.value = s.device;
    p.sizes.value = s.sizes;
    // One hospital needs no link, and several need one: the menu offers only what fits
    // (hidden rather than disabled, so the control is not marked as switched off).
    for (const option of p.link.options) option.hidden = (s.devices === 1) !== (option.value === NO_LINK);
    p.link.disabled = s.devices === 1;
    p.linkWhy.textContent = s.devices === 1 ? t('net_link_one') : t(`net_link_notes.${s.link}`);
    p.placement.disabled = s.devices === 1;
    p.placementWhy.textContent = t(`net_placement_notes.${s.placement}`);
  }

  /** The settings' options for the wasm module. */
  options() {
    return networkOptions(this.settings);
  }

  /** A control changed: price the routing drawn with the new settings. */
  async change(settings) {
    this.settings = settings;
    this.syncControls();
    const generation = ++this.generation;
    try {
      const network = await this.hooks.price(settings);
      if (generation === this.generation && network) this.show(this.trace, network);
    } catch (error) {
      if (generation === this.generation) this.showError(error);
    }
  }

  /** Settings from outside (the test hook): taken as they are once the engine accepted them. */
  apply(settings, network) {
    this.settings = { ...settings };
    this.syncControls();
    this.generation += 1;
    this.show(this.trace, network);
  }

  showError(error) {
    this.parts.message.hidden = false;
    this.parts.message.textContent = this.i18n.t('error', { message: error.message });
  }

  /**
   * A new routing drawn, priced with the settings of the moment: a pricing still in flight
   * for the routing before is dropped when it lands.
   */
  routed(trace, network) {
    this.generation += 1;
    this.show(trace, network);
  }

  /** A routing and its network object (or the error pricing it gave). */
  show(trace, network) {
    this.trace = trace;
    if (network instanceof Error) return this.showError(network);
    if (!network) return;
    this.parts.message.hidden = true;
    this.network = network;
    this.draw();
  }

  draw() {
    const { t, format, percent } = this.i18n;
    const net = this.network;
    const trace = this.trace;
    const p = this.parts;
    const D = net.devices;
    const travellers = this.travellers();
    const bytesEachWay = net.bytes.dispatch;
    p.section.dataset.devices = String(D);
    p.section.dataset.crossing = String(net.crossing_slots);
    p.summary.textContent =
      net.seated_slots === 0
        ? t('net_summary_empty')
        : D === 1
          ? t('net_summary_one', { count: net.seated_slots })
          : t('net_summary', {
              count: net.crossing_slots,
              seated: net.seated_slots,
              patients: travellers.size,
              share: percent(net.crossing_share),
              bytes: formatBytes(net.bytes.total, format),
              each: formatBytes(bytesEachWay, format),
            });
    const sized = net.sizes.name !== 'clinic';
    p.sizesNote.textContent = sized
      ? t('net_sizes_theirs', { name: this.presetName('sizes', net.sizes), d: net.d_model, ff: net.d_ff, clinicD: trace?.d_model ?? '' })
      : t('net_sizes_own', { d: net.d_model, ff: net.d_ff });
    this.drawDiagram(travellers);
    this.drawShare();
    this.drawTime();
    this.drawStragglers();
    this.drawTables();
  }

  /** Tokens with at least one seated doctor in another hospital (from the trace and the object). */
  travellers() {
    const out = new Map();
    const trace = this.trace;
    const net = this.network;
    if (!trace || !net) return out;
    const S = trace.slots;
    for (let i = 0; i < trace.tokens.length; i++) {
      for (let s = 0; s < S; s++) {
        const e = trace.expert_index[i * S + s];
        if (e < 0 || e >= trace.num_experts) continue;
        if (net.expert_device[e] !== net.home[i]) out.set(i, (out.get(i) ?? 0) + 1);
      }
    }
    return out;
  }

  /**
   * D hospitals side by side: each one's patients in its lobby (top), its doctors below,
   * the street between. A visit to a doctor at home is a thin grey line; a patient who
   * must change hospital is drawn on the street, leaving, with a coloured line to the
   * doctor's hospital (and back, with the answer).
   */
  drawDiagram(travellers) {
    const { t } = this.i18n;
    const net = this.network;
    const trace = this.trace;
    const D = net.devices;
    const E = net.expert_device.length;
    const T = net.home.length;
    const width = Math.max(200, Math.floor(this.parts.diagram.clientWidth));
    const narrow = width < NARROW;
    const height = narrow ? DIAGRAM_H.narrow : DIAGRAM_H.wide;
    const gap = D > 8 ? 3 : 6;
    const bw = (width - (D - 1) * gap) / D;
    const header = 18;
    const lobbyTop = header + 4;
    const lobbyH = height * 0.42;
    const doctorsTop = height - 40;
    const node = svg('svg', {
      class: 'hospitals',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': t('net_diagram_aria', { count: D, patients: T, travelling: travellers.size }),
    });
    const bx = (d) => d * (bw + gap);
    // Each hospital's doctors, spread along its bottom.
    const perHospital = Array.from({ length: D }, () => []);
    net.expert_device.forEach((d, e) => perHospital[d].push(e));
    const doctorAt = new Map();
    const size = Math.max(10, Math.min(24, (bw - 6) / Math.max(1, ...perHospital.map((l) => l.length)) - 3));
    perHospital.forEach((list, d) => {
      const span = list.length * (size + 3) - 3;
      list.forEach((e, j) => doctorAt.set(e, { x: bx(d) + (bw - span) / 2 + j * (size + 3), y: doctorsTop }));
    });
    // Each hospital's patients, in sentence order, in a grid that fits its lobby.
    const homes = Array.from({ length: D }, () => []);
    net.home.forEach((d, i) => homes[d].push(i));
    const most = Math.max(1, ...homes.map((l) => l.length));
    let r = 6;
    const fits = (radius) => {
      const pitch = 2 * radius + 3;
      const perRow = Math.max(1, Math.floor((bw - 6) / pitch));
      return Math.ceil(most / perRow) * pitch <= lobbyH;
    };
    while (r > 1.5 && !fits(r)) r -= 0.5;
    const pitch = 2 * r + 3;
    const perRow = Math.max(1, Math.floor((bw - 6) / pitch));
    const patientAt = new Map();
    homes.forEach((list, d) => {
      const rowWidth = Math.min(list.length, perRow) * pitch;
      list.forEach((i, j) => {
        patientAt.set(i, { x: bx(d) + (bw - rowWidth) / 2 + (j % perRow) * pitch + pitch / 2, y: lobbyTop + Math.floor(j / perRow) * pitch + pitch / 2 });
      });
    });
    const buildings = svg('g', { class: 'buildings', 'aria-hidden': 'true' });
    for (let d = 0; d < D; d++) {
      buildings.append(
        svg('rect', { class: 'building', x: bx(d), y: 0.5, width: bw, height: height - 1, rx: 6 }),
        svg('rect', { class: 'street', x: bx(d), y: lobbyTop + lobbyH + 4, width: bw, height: doctorsTop - lobbyTop - lobbyH - 12 }),
        svg('text', { class: 'building-name', x: bx(d) + bw / 2, y: 13, 'text-anchor': 'middle' }, bw >= 86 ? t('net_hospital', { index: d + 1 }) : `H${d + 1}`),
      );
    }
    node.append(buildings);
    const lines = svg('g', { class: 'visits', 'aria-hidden': 'true' });
    const walkers = svg('g', { class: 'walkers', 'aria-hidden': 'true' });
    const S = trace ? trace.slots : 0;
    for (let i = 0; i < T; i++) {
      const from = patientAt.get(i);
      for (let s = 0; s < S; s++) {
        const e = trace.expert_index[i * S + s];
        if (e < 0 || e >= E) continue;
        const to = doctorAt.get(e);
        const crossing = net.expert_device[e] !== net.home[i];
        const tx = to.x + size / 2;
        const midY = lobbyTop + lobbyH + (doctorsTop - lobbyTop - lobbyH) / 2;
        const d = `M${from.x.toFixed(1)},${from.y.toFixed(1)} C${from.x.toFixed(1)},${midY.toFixed(1)} ${tx.toFixed(1)},${midY.toFixed(1)} ${tx.toFixed(1)},${to.y.toFixed(1)}`;
        lines.append(svg('path', { class: crossing ? 'visit crossing' : 'visit', d, style: crossing ? { '--doctor': `var(--doctor-${e % 8})` } : {} }));
        if (crossing) {
          // On the street, halfway: the patient who left its hospital for this doctor.
          walkers.append(svg('circle', { class: 'walker-dot', cx: (from.x + tx) / 2, cy: midY, r: Math.max(2.5, r * 0.8), style: { '--doctor': `var(--doctor-${e % 8})` } }));
        }
      }
    }
    node.append(lines);
    const patients = svg('g', { class: 'patients' });
    for (let i = 0; i < T; i++) {
      const at = patientAt.get(i);
      const text = trace?.tokens[i]?.text?.trim() || '␣';
      patients.append(
        svg(
          'circle',
          { class: travellers.has(i) ? 'patient-dot leaving' : 'patient-dot', cx: at.x, cy: at.y, r, 'data-testid': 'net-patient', dataset: { token: i, home: net.home[i], travels: travellers.get(i) ?? 0 } },
          svg('title', {}, text),
        ),
      );
    }
    node.append(patients, walkers);
    const doctors = svg('g', { class: 'net-doctors', 'aria-hidden': 'true' });
    for (let e = 0; e < E; e++) {
      const at = doctorAt.get(e);
      doctors.append(
        svg('rect', { class: 'net-doctor', x: at.x, y: at.y, width: size, height: size, rx: 3, style: { '--doctor': `var(--doctor-${e % 8})` } }),
        size >= 14 ? svg('text', { class: 'net-doctor-label', x: at.x + size / 2, y: at.y + size / 2 + 4, 'text-anchor': 'middle' }, String(e + 1)) : null,
      );
    }
    const labelY = doctorsTop + size + 12;
    if (labelY < height) {
      for (let d = 0; d < D; d++) {
        if (bw >= 70) doctors.append(svg('text', { class: 'building-note', x: bx(d) + bw / 2, y: labelY, 'text-anchor': 'middle' }, t('net_doctors_short')));
      }
    }
    node.append(doctors);
    this.parts.diagram.replaceChildren(node);
  }

  /** The measured crossing share beside what uniform routing would give, 1 - 1/D. */
  drawShare() {
    const { t, percent } = this.i18n;
    const net = this.network;
    const rows = [
      ['net_share_measured', net.crossing_share, 'measured'],
      ['net_share_uniform', net.uniform_crossing_share, 'uniform'],
    ];
    this.parts.share.replaceChildren(
      ...rows.map(([key, value, kind]) =>
        el(
          'li',
          { class: `share-row ${kind}`, dataset: { value: value.toFixed(6) }, style: { '--share': String(value) } },
          el('span', { class: 'name' }, t(key)),
          el('span', { class: 'bar' }),
          el('span', { class: 'value' }, percent(value)),
        ),
      ),
    );
  }

  /** The layer's time: compute, then the two all-to-alls, on one bar. */
  drawTime() {
    const { t, format, percent } = this.i18n;
    const time = this.network.time_s;
    const total = time.total || 1;
    const parts = [
      ['compute', time.compute],
      ['dispatch', time.dispatch],
      ['combine', time.combine],
    ];
    this.parts.time.replaceChildren(
      ...parts.map(([name, seconds]) =>
        el('span', { class: `time-part ${name}`, dataset: { phase: name, seconds: String(seconds) }, style: { '--share': String(seconds / total) }, title: `${t(`net_time.${name}`)}: ${formatSeconds(seconds, format)}` }),
      ),
    );
    this.parts.timeLegend.replaceChildren(
      ...parts.map(([name, seconds]) =>
        el('li', { class: `time-key ${name}` }, el('span', { class: 'key', 'aria-hidden': 'true' }), `${t(`net_time.${name}`)}: ${formatSeconds(seconds, format)}`),
      ),
    );
    const net = this.network;
    const communication = time.dispatch + time.combine;
    this.parts.section.dataset.communicationShare = (communication / total).toFixed(6);
    this.parts.timeNote.textContent = t(communication > time.compute ? 'net_time_comm' : 'net_time_compute', {
      total: formatSeconds(time.total, format),
      share: percent(communication / total),
      link: net.link.name === NO_LINK ? t('net_no_link') : this.presetName('links', net.link),
      device: this.presetName('devices', net.device),
    });
  }

  /** Each hospital's work against the mean: the busiest one sets everyone's pace. */
  drawStragglers() {
    const { t, format } = this.i18n;
    const net = this.network;
    const flops = net.device_flops;
    const mean = flops.reduce((a, b) => a + b, 0) / flops.length || 1;
    const most = Math.max(mean, ...flops);
    this.parts.stragglers.style.setProperty('--mean', String(mean / most));
    this.parts.stragglers.replaceChildren(
      ...flops.map((f, d) =>
        el(
          'li',
          { class: 'load straggler', dataset: { device: d, flops: f }, style: { '--doctor': 'var(--accent)', '--seated': String(f / most), '--asked': String(f / most) } },
          el('span', { class: 'name' }, t('net_hospital', { index: d + 1 })),
          el('span', { class: 'bar' }),
          el('span', { class: 'value' }, `${format(f / mean, 2)}×`),
        ),
      ),
    );
    this.parts.stragglerNote.textContent = net.devices === 1 ? t('net_straggler_one') : t('net_straggler', { ratio: format(net.slowest_over_mean, 2) });
  }

  /** The tables, built only while their section is open. */
  drawTables() {
    const net = this.network;
    if (!net) return;
    const { t, format } = this.i18n;
    const D = net.devices;
    const hospital = (d) => t('net_hospital', { index: d + 1 });
    // The heatmap always (it is the picture); its table only when open.
    const max = Math.max(1, ...net.traffic.flat());
    heatmap(this.parts.heatmap, {
      label: t('net_heatmap_aria', { count: D }),
      values: net.traffic,
      rowLabels: Array.from({ length: D }, (_, d) => (D > 6 ? `H${d + 1}` : hospital(d))),
      colLabels: Array.from({ length: D }, (_, d) => `H${d + 1}`),
      max,
      format: (v) => String(v),
      diagonal: true,
      colTitle: t('net_heatmap_to'),
    });
    if (this.parts.trafficTable.closest('details').open) {
      fillTable(this.parts.trafficTable, {
        columns: [t('net_table_from_to'), ...Array.from({ length: D }, (_, d) => hospital(d))],
        rows: net.traffic.map((row, i) => [hospital(i), ...row.map(String)]),
      });
    }
    if (this.parts.timeTable.closest('details').open) {
      const time = net.time_s;
      fillTable(this.parts.timeTable, {
        columns: [t('net_table_phase'), t('net_table_time'), t('net_table_share')],
        rows: ['compute', 'dispatch', 'combine', 'total'].map((name) => [t(`net_time.${name}`), formatSeconds(time[name], format), this.i18n.percent(time[name] / (time.total || 1))]),
      });
    }
    if (this.parts.devicesTable.closest('details').open) {
      const mean = net.device_flops.reduce((a, b) => a + b, 0) / D || 1;
      const rows = [];
      for (let d = 0; d < D; d++) {
        // Visits leaving and arriving: the traffic matrix's row and column, home excluded.
        const out = net.traffic[d].reduce((a, v, j) => a + (j === d ? 0 : v), 0);
        const arriving = net.traffic.reduce((a, row, i) => a + (i === d ? 0 : row[d]), 0);
        rows.push([hospital(d), String(net.device_slots[d]), format(net.device_flops[d], 0), `${format(net.device_flops[d] / mean, 2)}×`, String(out), String(arriving)]);
      }
      fillTable(this.parts.devicesTable, {
        columns: [t('net_table_hospital'), t('net_table_slots'), t('net_table_flops'), t('net_table_mean'), t('net_table_out'), t('net_table_in')],
        rows,
      });
    }
  }
}
