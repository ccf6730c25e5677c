// Draws a trace as the clinic's floor plan (SVG) and plays it: each patient (token) walks
// from the waiting room to the reception desk, then along one branch per chosen doctor
// (branch width = the gate weight) to a free appointment slot; a patient past a doctor's
// capacity waits at the door and leaves through the "sent on" exit (the residual path);
// the general practitioner, where the model has one, sees everyone. Playback follows one
// step index (the number of patients seen); nothing is drawn before its step. Every
// number comes from the trace: this file computes nothing about the model.
import { el, set, shown, svg } from './dom.js';
import {
  CHIP_H,
  branchRoute,
  exitRoute,
  floorPlan,
  pointAt,
  sample,
  seatArea,
  seatGrid,
  toD,
  unpickedRoute,
  visibleRows,
} from './floorplan.js';

/** Milliseconds per patient at each speed. */
const SPEEDS = { slow: 2000, normal: 1000, fast: 400 };
// A long text should not take minutes to play: the whole walk lasts at most this long.
const MAX_PLAY_MS = 30_000;
// Within one patient's time: walking to the rooms, then the next patient coming to the
// desk; the rest of the step the patient stands at the desk so its branches can be read.
const WALK = 0.45;
const APPROACH = 0.25;
// How long the first patient stands at the desk before the first walk.
const FIRST_PAUSE = 0.5;
// Slot outlines past this many are left out (the patients themselves are always drawn).
const MAX_SLOT_OUTLINES = 240;
// Below this size (px) the stage is not laid out yet: nothing is drawn until it is.
const MIN_STAGE = 200;
const SPECIALTIES = ['cardiology', 'neurology', 'pediatrics', 'dermatology'];

/** What a token shows: its text, with spaces made visible only when it is all space. */
export function tokenLabel(token) {
  const trimmed = token.text.trim();
  return trimmed === '' ? '␣' : trimmed;
}

const ease = (t) => (t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2);

/** Text widths from a canvas with the page's font, so chips fit their words. */
class Measure {
  constructor(family) {
    this.context = document.createElement('canvas').getContext('2d');
    this.family = family;
    this.cache = new Map();
  }

  width(text, size, weight = 400) {
    const key = `${weight} ${size} ${text}`;
    let w = this.cache.get(key);
    if (w === undefined) {
      this.context.font = `${weight} ${size}px ${this.family}`;
      w = this.context.measureText(text).width;
      this.cache.set(key, w);
    }
    return w;
  }

  /** `text` broken into lines of at most `max` px, by words. */
  wrap(text, max, size, weight) {
    const lines = [];
    let line = '';
    for (const word of text.split(' ')) {
      const next = line ? `${line} ${word}` : word;
      if (line && this.width(next, size, weight) > max) {
        lines.push(line);
        line = word;
      } else line = next;
    }
    if (line) lines.push(line);
    return lines.map((l) => this.fit(l, max, size, weight));
  }

  /** The first of `texts` that fits `max` px (the last one cut short if none does). */
  first(texts, max, size, weight) {
    return texts.find((text) => this.width(text, size, weight) <= max) ?? this.fit(texts.at(-1), max, size, weight);
  }

  /** `text`, cut with an ellipsis to fit `max` px. */
  fit(text, max, size, weight) {
    if (this.width(text, size, weight) <= max) return text;
    let cut = text;
    while (cut.length > 1 && this.width(`${cut}…`, size, weight) > max) cut = cut.slice(0, -1);
    return `${cut}…`;
  }
}

export class ClinicView {
  /**
   * @param {object} parts the stage, playback controls, diagnosis and live region (index.html)
   * @param {object} i18n {t, format, percent}
   * @param {object} options {reducedMotion}
   */
  constructor(parts, i18n, { reducedMotion }) {
    this.parts = parts;
    this.i18n = i18n;
    this.reducedMotion = reducedMotion;
    // Step mode: the visitor paused or stepped, or asked for reduced motion; a new trace
    // then keeps its step instead of playing from the start.
    this.stepMode = reducedMotion;
    this.playing = false;
    this.onScreen = false;
    this.speed = 'normal';
    this.step = 0;
    this.timer = null;
    this.trace = null;
    this.routes = 0;
    this.animation = null;
    this.frame = null;
    this.size = { width: 0, height: 0 };
    this.measure = null;
    parts.play.addEventListener('click', () => (this.playing ? this.pause(true) : this.play()));
    parts.back.addEventListener('click', () => this.manualStep(-1));
    parts.forward.addEventListener('click', () => this.manualStep(1));
    parts.restart.addEventListener('click', () => {
      const wasPlaying = this.playing;
      this.pause(!wasPlaying);
      this.goTo(0);
      if (wasPlaying) this.play();
    });
    parts.speed.addEventListener('change', () => {
      this.speed = parts.speed.value;
      if (this.playing) this.schedule();
    });
    // Playback runs only while the clinic is on screen (as Distill's figures do).
    new IntersectionObserver(
      (entries) => {
        const visible = entries.some((e) => e.isIntersecting);
        if (visible === this.onScreen) return;
        this.onScreen = visible;
        if (this.playing) this.schedule();
      },
      { threshold: 0.3 },
    ).observe(parts.stage);
    // Redraw the plan for the stage's new size; the step stays.
    new ResizeObserver(() => {
      const { width, height } = this.stageSize();
      if (Math.abs(width - this.size.width) < 1 && Math.abs(height - this.size.height) < 1) return;
      if (this.trace) {
        this.finishAnimation();
        this.build();
        this.drawnStep = null;
        this.rest(this.step);
      }
    }).observe(parts.stage);
  }

  stageSize() {
    return { width: Math.floor(this.parts.stage.clientWidth), height: Math.floor(this.parts.stage.clientHeight) };
  }

  /** The doctors of a model: names from its card (labels derived in training). */
  setModel(card, config) {
    this.card = card;
    this.config = config;
  }

  /** Shows a new trace: plays it from the start, or keeps the step in step mode. */
  show(trace) {
    this.finishAnimation();
    this.clearTimer();
    this.trace = trace;
    this.prepare(trace);
    this.build();
    this.routes += 1;
    this.parts.stage.dataset.route = String(this.routes);
    this.drawDiagnosis();
    const T = this.patients.length;
    if (T === 0) {
      this.playing = false;
      this.rest(0);
      this.syncPlayButton();
      return;
    }
    if (this.stepMode) {
      this.playing = false;
      this.rest(Math.min(this.step, T));
    } else {
      this.rest(0);
      this.play();
    }
    this.syncPlayButton();
  }

  /** Who goes where, from the trace: per patient its slots, per room its arrivals. */
  prepare(trace) {
    const T = trace.tokens.length;
    const S = trace.slots;
    const E = trace.num_experts;
    const G = trace.shared_experts;
    this.patients = [];
    this.arrivals = Array.from({ length: E + G }, () => []);
    this.exits = [];
    for (let i = 0; i < T; i++) {
      const slots = [];
      for (let s = 0; s < S; s++) {
        const expert = trace.choice_index[i * S + s];
        if (expert < 0) continue;
        const seated = trace.expert_index[i * S + s] >= 0;
        slots.push({ expert, seated, gate: trace.routing_weights[i * S + s] });
      }
      const patient = { index: i, label: tokenLabel(trace.tokens[i]), slots, stops: [] };
      for (const slot of slots) {
        if (slot.seated) {
          patient.stops.push({ kind: 'seat', room: slot.expert, seat: this.arrivals[slot.expert].length });
          this.arrivals[slot.expert].push(i);
        } else {
          patient.stops.push({ kind: 'drop', room: slot.expert, place: this.exits.length });
          this.exits.push({ token: i, expert: slot.expert, reason: 'dropped' });
        }
      }
      for (let g = 0; g < G; g++) {
        patient.stops.push({ kind: 'seat', room: E + g, seat: this.arrivals[E + g].length, shared: true });
        this.arrivals[E + g].push(i);
      }
      // Expert choice can leave a patient with no doctor: without a general practitioner
      // it keeps only its residual, like a dropped one.
      if (!slots.some((s) => s.seated) && !slots.some((s) => !s.seated) && G === 0) {
        patient.stops.push({ kind: 'unpicked', place: this.exits.length });
        this.exits.push({ token: i, expert: -1, reason: 'unpicked' });
      }
      this.patients.push(patient);
    }
    // seen[r][n]: patients seated in room r once n patients have been seen.
    this.seen = this.arrivals.map((list) => {
      const counts = new Uint32Array(T + 1);
      let j = 0;
      for (let n = 0; n <= T; n++) {
        while (j < list.length && list[j] < n) j++;
        counts[n] = j;
      }
      return counts;
    });
  }

  /** Builds the SVG floor plan for the current trace and stage size. */
  build() {
    const { t } = this.i18n;
    const trace = this.trace;
    const stage = this.parts.stage;
    const size = this.stageSize();
    this.size = size;
    if (size.width < MIN_STAGE || size.height < MIN_STAGE) {
      // Not laid out (a scene without the clinic, or a hidden frame): drawn once it is.
      this.plan = null;
      stage.replaceChildren();
      return;
    }
    this.measure ??= new Measure(getComputedStyle(stage).fontFamily);
    const measure = this.measure;
    const E = trace.num_experts;
    const G = trace.shared_experts;
    const capacity = trace.capacity;
    const needsExit = this.exits.length > 0 || capacity != null;
    const chipWidths = this.patients.map((p) => Math.max(CHIP_H, measure.width(p.label, 12) + 12));
    const plan = floorPlan({ width: size.width, height: size.height, rooms: E + G, exit: needsExit, chipWidths });
    this.plan = plan;

    const root = svg('svg', {
      class: `floor-plan ${plan.orientation}`,
      viewBox: `0 0 ${size.width} ${size.height}`,
      width: size.width,
      height: size.height,
      role: 'img',
      'aria-label': t('clinic_aria', { count: this.patients.length, doctors: E }),
    });
    // The waiting room shows whole rows of patients only; a long text scrolls by rows.
    this.waitingRows = visibleRows(plan.waiting.area);
    const clipId = `waiting-clip-${Math.random().toString(36).slice(2, 8)}`;
    const clipHeight = this.waitingRows * (CHIP_H + 4);
    root.append(svg('defs', {}, svg('clipPath', { id: clipId }, svg('rect', { x: plan.waiting.x, y: plan.waiting.area.y - 1, width: plan.waiting.w, height: clipHeight }))));

    // Corridor, desk, waiting room.
    const c = plan.corridor;
    root.append(svg('rect', { class: 'corridor', x: c.x, y: c.y, width: c.w, height: c.h, rx: 6 }));
    const w = plan.waiting;
    this.waitingTitle = svg('text', { class: 'area-title', x: w.x + 6, y: w.y + 14 });
    root.append(svg('rect', { class: 'area waiting-area', x: w.x, y: w.y, width: w.w, height: w.h, rx: 8 }), this.waitingTitle);
    const d = plan.desk;
    root.append(
      svg('rect', { class: 'desk', x: d.x, y: d.y, width: d.w, height: d.h, rx: 4 }),
      svg('text', { class: 'desk-label', x: d.x + d.w / 2, y: d.y + 13, 'text-anchor': 'middle' }, measure.fit(t('reception'), d.w - 8, 11, 600)),
    );

    // The sentence, one chip per patient, in the waiting room.
    this.chipsLayer = svg('g', { class: 'chips' });
    this.chipNodes = this.patients.map((p, i) => {
      const chip = plan.waiting.chips[i];
      const experts = Array.from(trace.expert_index.subarray(i * trace.slots, (i + 1) * trace.slots));
      const node = svg(
        'g',
        { class: 'patient waiting', 'data-testid': 'token', transform: `translate(${chip.x} ${chip.y})`, dataset: { experts: experts.join(','), index: i } },
        svg('rect', { width: chip.w, height: CHIP_H, rx: CHIP_H / 2 }),
        svg('text', { x: chip.w / 2, y: 14, 'text-anchor': 'middle' }, measure.fit(p.label, chip.w - 8, 12)),
      );
      this.chipsLayer.append(node);
      return node;
    });
    root.append(svg('g', { 'clip-path': `url(#${clipId})` }, this.chipsLayer));

    // Rooms.
    this.roomNodes = [];
    // One form of the doctors' names in the whole clinic ("Doctor 5" beside "Dr 6" reads as
    // two kinds of room): the full name only where every doctor's fits beside its label.
    this.fullNames = true;
    for (let r = 0; r < E; r++) {
      const { name, label, space } = this.roomText(r, plan.rooms[r], trace);
      if (measure.width(name, 12, 700) + (label ? 5 + measure.width(label, 11) : 0) > space) this.fullNames = false;
    }
    for (let r = 0; r < E + G; r++) root.append(this.buildRoom(r, plan.rooms[r], trace));

    // The exit, or (wide, without one) how to read the plan.
    this.exitNodes = [];
    this.exitCount = null;
    if (plan.exit) root.append(this.buildExit(plan.exit));
    if (plan.legend) root.append(this.buildLegend(plan.legend));

    this.branchLayer = svg('g', { class: 'branches' });
    this.walkLayer = svg('g', { class: 'walkers' });
    this.walker = this.walkerNode('');
    this.walkLayer.append(this.walker);
    root.append(this.branchLayer, this.walkLayer);
    stage.replaceChildren(root);
    this.svg = root;
    this.drawnStep = null;
  }

  /** A room's name, short name and label, and the width its first line has for them. */
  roomText(r, box, trace) {
    const { t } = this.i18n;
    const shared = r >= trace.num_experts;
    const info = shared ? null : this.card?.experts?.[r];
    return {
      shared,
      info,
      name: shared ? t('gp') : t('doctor', { index: r + 1 }),
      shortName: shared ? t('gp_short') : t('doctor_short', { index: r + 1 }),
      label: shared ? t('gp_note') : info ? t(`labels.${info.label}`) : '',
      // Room for the receptionist's % on the right, except in the GP's room.
      space: box.w - 12 - (shared ? 0 : 40),
    };
  }

  buildRoom(r, box, trace) {
    const { t } = this.i18n;
    const measure = this.measure;
    const { shared, info, name, shortName, label, space } = this.roomText(r, box, trace);
    const load = shared ? this.patients.length : trace.expert_load[r];
    const group = svg('g', {
      class: shared ? 'room gp' : 'room',
      'data-testid': 'expert',
      dataset: { index: r, load, shared: shared ? 'true' : null, label: shared ? null : info ? info.label : 'general' },
      style: { '--doctor': shared ? 'var(--ink)' : `var(--doctor-${r % 8})` },
    });
    group.append(
      svg('rect', { class: 'walls', x: box.x, y: box.y, width: box.w, height: box.h, rx: 6 }),
      svg('rect', { class: 'band', x: box.x, y: box.y, width: box.w, height: 4, rx: 2 }),
    );
    // The door: a gap in the wall on the corridor side.
    const door = box.door;
    const vertical = box.doorWall === 'left' || box.doorWall === 'right';
    const gap = 22;
    group.append(
      vertical
        ? svg('rect', { class: 'door', x: door.x - 2, y: door.y - gap / 2, width: 4, height: gap })
        : svg('rect', { class: 'door', x: door.x - gap / 2, y: door.y - 2, width: gap, height: 4 }),
    );
    // The header, in at most three short lines: the name (with the label beside it where
    // it fits) and the receptionist's % for the patient at the desk; then the label, if it
    // did not fit, and the counts. Text is cut short only where a room is too small.
    const narrow = this.plan.orientation === 'narrow';
    const lineHeight = 13;
    const firstY = narrow ? 14 : 17;
    const avail = box.w - 12;
    const preferred = shared || this.fullNames ? name : shortName;
    const beside = (n) => Boolean(label) && measure.width(n, 12, 700) + 5 + measure.width(label, 11) <= space;
    const labelFirst = beside(preferred) || beside(shortName);
    // With many doctors (a clinic trained with up to 16) a room can be too narrow even for
    // "Dr 12" beside the %: then its number alone (its colour and the tooltip say whose).
    const fitting =
      [preferred, shortName].find((n) => measure.width(n, 12, 700) <= space) ?? (shared ? t('gp_short') : String(r + 1));
    const first = beside(preferred) ? preferred : labelFirst ? shortName : fitting;
    const title = svg('text', { class: 'room-name', x: box.x + 6, y: box.y + firstY }, svg('tspan', {}, first));
    if (labelFirst) title.append(svg('tspan', { class: 'room-label', dx: 5 }, label));
    const arrivals = this.arrivals[r];
    const slots = shared || trace.capacity == null ? null : trace.capacity;
    // The counts, longest form first; a narrow room takes the first form that fits.
    const statsForms = (seen) =>
      slots == null
        ? [t('patients_seen', { count: seen })]
        : [
            `${t('patients_seen', { count: seen })} · ${seen >= slots ? t('slots_full') : t('slots', { count: slots })}`,
            t('slots_used', { seen, count: slots }),
          ];
    const statsWidth = Math.max(measure.width(statsForms(0).at(-1), 11), measure.width(statsForms(arrivals.length).at(-1), 11));
    let prefix = '';
    let lines = 2;
    let counts = true;
    if (label && !labelFirst) {
      if (measure.width(`${label} · `, 11) + statsWidth <= avail) prefix = `${label} · `;
      else if (box.h >= 96) {
        group.append(svg('text', { class: 'room-label', x: box.x + 6, y: box.y + firstY + lineHeight }, measure.fit(label, avail, 11)));
        lines = 3;
      } else {
        // A small room keeps its label and drops the count: its seated patients show it.
        prefix = label;
        counts = false;
      }
    }
    const header = firstY + lineHeight * (lines - 1) + 5;
    const stats = svg('text', { class: 'room-stats', x: box.x + 6, y: box.y + firstY + lineHeight * (lines - 1) });
    const probability = svg('text', { class: 'room-p', x: box.x + box.w - 6, y: box.y + firstY, 'text-anchor': 'end' });
    group.append(title, stats, probability);
    if (first !== name || !counts) group.append(svg('title', {}, `${name}: ${label}`));

    // Seats: one per appointment slot where there is a capacity, else one per patient.
    const cells = Math.max(arrivals.length, slots ?? 0);
    const widest = arrivals.reduce((m, i) => Math.max(m, measure.width(this.patients[i].label, 11)), 0);
    const area = seatArea(box, header);
    const grid = seatGrid(area, cells, Math.min(64, Math.max(24, widest + 10), area.w));
    if (slots != null && slots <= MAX_SLOT_OUTLINES) {
      for (let s = 0; s < slots; s++) {
        const cell = grid.cells[s];
        group.append(
          grid.mode === 'chip'
            ? svg('rect', { class: 'slot', x: cell.x - grid.w / 2, y: cell.y - grid.h / 2, width: grid.w, height: grid.h, rx: 4 })
            : svg('circle', { class: 'slot', cx: cell.x, cy: cell.y, r: grid.w / 2 }),
        );
      }
    }
    const seatedNodes = arrivals.map((token, seat) => {
      const cell = grid.cells[seat];
      const patient = this.patients[token];
      const node = svg('g', { class: 'seated', 'data-testid': 'seated', dataset: { token, expert: r }, transform: `translate(${cell.x} ${cell.y})` });
      if (grid.mode === 'chip') {
        node.append(
          svg('rect', { x: -grid.w / 2, y: -grid.h / 2, width: grid.w, height: grid.h, rx: 4 }),
          svg('text', { y: 4, 'text-anchor': 'middle' }, measure.fit(patient.label, grid.w - 6, 11)),
        );
      } else {
        node.append(svg('circle', { r: Math.max(1, grid.w / 2) }));
      }
      shown(node, false);
      group.append(node);
      return node;
    });
    this.roomNodes.push({ group, stats, probability, seatedNodes, box, grid, slots, shown: -1, statsLine: (seen) => (counts ? measure.first(statsForms(seen).map((form) => prefix + form), avail, 11) : measure.fit(prefix, avail, 11)) });
    return group;
  }

  buildExit(exit) {
    const { t } = this.i18n;
    const measure = this.measure;
    const group = svg('g', { class: 'exit', 'data-testid': 'exit' });
    group.append(svg('rect', { class: 'exit-area', x: exit.x, y: exit.y, width: exit.w, height: exit.h, rx: 8 }));
    const narrow = this.plan.orientation === 'narrow';
    // Title and count on the first line; the note beside them where there is room.
    this.exitCount = svg('text', { class: 'area-title exit-title', x: exit.x + 6, y: exit.y + 14 });
    group.append(this.exitCount);
    const note = t('exit_note');
    let noteLines = 0;
    if (!narrow) {
      const lines = measure.wrap(note, exit.w - 12, 10).slice(0, 2);
      lines.forEach((line, i) => group.append(svg('text', { class: 'exit-note', x: exit.x + 6, y: exit.y + 28 + 12 * i }, line)));
      noteLines = lines.length;
    }
    this.exitNote = narrow ? note : null;
    const below = 14 + 12 * Math.max(0, noteLines - 1);
    const area = narrow ? { ...exit.area, x: exit.x + 6, w: exit.w - 12, y: exit.y + 20, h: exit.h - 24 } : { ...exit.area, y: exit.area.y + below, h: exit.area.h - below };
    this.exitArea = area;
    const widest = this.exits.reduce((m, x) => Math.max(m, measure.width(this.patients[x.token].label, 11)), 0);
    const grid = seatGrid(area, this.exits.length, Math.min(64, Math.max(24, widest + 10), area.w));
    this.exitGrid = grid;
    this.exitNodes = this.exits.map((x, place) => {
      const cell = grid.cells[place];
      const node = svg('g', {
        class: 'sent-on',
        'data-testid': 'sent-on',
        dataset: { token: x.token, expert: x.expert, reason: x.reason },
        transform: `translate(${cell.x} ${cell.y})`,
        style: x.expert >= 0 ? { '--doctor': `var(--doctor-${x.expert % 8})` } : {},
      });
      if (grid.mode === 'chip') {
        node.append(
          svg('rect', { x: -grid.w / 2, y: -grid.h / 2, width: grid.w, height: grid.h, rx: 4 }),
          svg('text', { y: 4, 'text-anchor': 'middle' }, measure.fit(this.patients[x.token].label, grid.w - 6, 11)),
        );
      } else {
        node.append(svg('circle', { r: Math.max(1, grid.w / 2) }));
      }
      shown(node, false);
      group.append(node);
      return node;
    });
    return group;
  }

  buildLegend(box) {
    const { t } = this.i18n;
    const group = svg('g', { class: 'legend' });
    let y = box.y + 18;
    for (const paragraph of [t('legend_width'), t('legend_percent'), t('legend_slot')]) {
      const lines = this.measure.wrap(paragraph, box.w - 12, 11);
      // Whole paragraphs only: one that does not fit is left out, not cut.
      if (y + 14 * (lines.length - 1) > box.y + box.h - 4) break;
      for (const line of lines) {
        group.append(svg('text', { x: box.x + 6, y }, line));
        y += 14;
      }
      y += 6;
    }
    return group;
  }

  walkerNode(label) {
    const w = Math.max(CHIP_H, this.measure.width(label, 12) + 12);
    return svg(
      'g',
      { class: 'walker' },
      svg('rect', { x: -w / 2, y: -CHIP_H / 2, width: w, height: CHIP_H, rx: CHIP_H / 2 }),
      svg('text', { y: 4, 'text-anchor': 'middle' }, label),
    );
  }

  setWalker(node, label) {
    const w = Math.max(CHIP_H, this.measure.width(label, 12) + 12);
    const [rect, text] = node.children;
    set(rect, { x: -w / 2, width: w });
    text.textContent = label;
  }

  /** The route of one stop of a patient: desk to room (and seat), or on to the exit. */
  stopRoute(stop, lanes) {
    const plan = this.plan;
    if (stop.kind === 'unpicked') return { legs: [{ walk: sample(unpickedRoute(plan, this.exitGrid.cells[stop.place])), share: 1 }] };
    const room = plan.rooms[stop.room];
    const branch = branchRoute(plan, room, plan.lane(lanes.indexOf(stop.room), lanes.length));
    if (stop.kind === 'seat') {
      const cell = this.roomNodes[stop.room].grid.cells[stop.seat];
      return { legs: [{ walk: sample([...branch, { L: cell }]), share: 1 }] };
    }
    // Past capacity: to the door, wait in the corridor, then out through the exit.
    const toQueue = sample([...branch, { L: room.queue }]);
    const out = sample(exitRoute(plan, room, this.exitGrid.cells[stop.place]).slice(1).map((s, i) => (i === 0 ? { M: room.queue } : s)));
    return { legs: [{ walk: toQueue, share: 0.35 }, { hold: room.queue, share: 0.35 }, { walk: out, share: 0.3 }] };
  }

  /** The branches of the patient at the desk, drawn with its gate weights. */
  drawBranches(i) {
    const { t, percent } = this.i18n;
    const layer = this.branchLayer;
    layer.replaceChildren();
    const trace = this.trace;
    const E = trace.num_experts;
    for (let r = 0; r < this.roomNodes.length; r++) {
      const room = this.roomNodes[r];
      if (r >= E) continue;
      if (i === null) {
        room.probability.textContent = '';
        room.group.classList.remove('chosen');
        continue;
      }
      const p = trace.probs[i * E + r];
      room.probability.textContent = percent(p);
      room.group.classList.toggle('chosen', this.patients[i].slots.some((s) => s.expert === r));
    }
    if (i === null) return;
    const patient = this.patients[i];
    const lanes = this.lanes(patient);
    for (const stop of patient.stops) {
      if (stop.kind === 'unpicked') {
        layer.append(svg('path', { class: 'branch unpicked', d: toD(unpickedRoute(this.plan, this.exitGrid.cells[stop.place])) }));
        continue;
      }
      const room = this.plan.rooms[stop.room];
      const route = branchRoute(this.plan, room, this.plan.lane(lanes.indexOf(stop.room), lanes.length));
      const slot = patient.slots.find((s) => s.expert === stop.room);
      const gate = stop.shared ? 1 : slot.gate;
      const width = 1.5 + 11 * Math.max(0, Math.min(1, gate));
      layer.append(
        svg('path', {
          class: stop.shared ? 'branch shared' : 'branch',
          d: toD(route),
          'stroke-width': width.toFixed(1),
          style: { '--doctor': stop.shared ? 'var(--ink)' : `var(--doctor-${stop.room % 8})` },
          dataset: { expert: stop.room, gate: gate.toFixed(4) },
        }),
      );
      // The gate, written beside the door.
      const label = stop.shared ? t('gp_everyone') : percent(gate);
      const door = room.door;
      // Wide: in the corridor beside the door; narrow: just inside the room, below it.
      const at = {
        right: { x: door.x - 5, y: door.y + 24, anchor: 'end' },
        left: { x: door.x + 5, y: door.y + 24, anchor: 'start' },
        bottom: { x: door.x + 14, y: door.y + 13, anchor: 'start' },
        top: { x: door.x + 14, y: door.y - 5, anchor: 'start' },
      }[room.doorWall];
      layer.append(
        svg(
          'text',
          {
            class: 'gate-label',
            x: at.x,
            y: at.y,
            'text-anchor': at.anchor,
            style: { '--doctor': stop.shared ? 'var(--ink)' : `var(--doctor-${stop.room % 8})` },
          },
          label,
        ),
      );
    }
  }

  /** The doctors a patient goes to, in lane order. */
  lanes(patient) {
    return patient.stops.filter((s) => s.kind !== 'unpicked').map((s) => s.room);
  }

  /** Draws the state after `n` patients have been seen, without motion. */
  rest(n, { walkerAtDesk = true } = {}) {
    const T = this.patients.length;
    n = Math.max(0, Math.min(T, n));
    if (!this.plan) {
      this.step = n;
      this.parts.stage.dataset.step = String(n);
      this.drawStatus();
      return;
    }
    const from = this.drawnStep ?? 0;
    const fresh = this.drawnStep === null;
    this.step = n;
    this.drawnStep = n;
    // Seated and sent-on patients: only those already seen are drawn.
    const low = fresh ? 0 : Math.min(from, n);
    const high = fresh ? T : Math.max(from, n);
    this.roomNodes.forEach((room, r) => {
      const arrivals = this.arrivals[r];
      room.seatedNodes.forEach((node, seat) => {
        const token = arrivals[seat];
        if (token >= low && token <= high) shown(node, token < n);
      });
    });
    this.exitNodes.forEach((node, place) => {
      const token = this.exits[place].token;
      if (token >= low && token <= high) shown(node, token < n);
    });
    for (let i = 0; i < T; i++) {
      const state = i < n ? 'seen' : i === n ? 'at-desk' : 'waiting';
      const node = this.chipNodes[i];
      if (node.dataset.state !== state) {
        node.dataset.state = state;
        node.setAttribute('class', `patient ${state}`);
      }
    }
    this.scrollWaiting(n);
    const { t } = this.i18n;
    this.roomNodes.forEach((room, r) => {
      const seen = this.seen[r][n];
      if (room.shown === seen) return;
      room.shown = seen;
      room.group.dataset.seen = String(seen);
      room.stats.textContent = room.statsLine(seen);
      room.group.classList.toggle('full', room.slots != null && seen >= room.slots);
    });
    if (this.exitCount) {
      const out = this.exits.filter((x) => x.token < n).length;
      const title = `${t('exit_title')} · ${t('exit_count', { count: out })}`;
      const lines = this.exitNote ? [`${title} · ${this.exitNote}`, title] : [title];
      this.exitCount.textContent = this.measure.first(lines, this.plan.exit.w - 12, 11, 700);
    }
    const waiting = Math.max(0, T - n - (n < T ? 1 : 0));
    this.waitingTitle.textContent = this.measure.first(
      [`${t('waiting_room')} · ${t('waiting_count', { count: waiting })}`, `${t('waiting_room')} (${waiting})`],
      this.plan.waiting.w - 12,
      11,
      700,
    );
    if (n < T && walkerAtDesk) {
      this.setWalker(this.walker, this.patients[n].label);
      this.walker.setAttribute('transform', `translate(${this.plan.spot.x} ${this.plan.spot.y})`);
      shown(this.walker, true);
      this.drawBranches(n);
    } else {
      shown(this.walker, false);
      this.drawBranches(null);
    }
    this.parts.stage.dataset.step = String(n);
    this.drawStatus();
  }

  /** Keeps the row of the patient at the desk in view when the sentence is long. */
  scrollWaiting(n) {
    const chips = this.plan.waiting.chips;
    if (chips.length === 0) return;
    const rows = chips.at(-1).row + 1;
    const current = chips[Math.min(n, chips.length - 1)].row;
    const first = Math.max(0, Math.min(rows - this.waitingRows, current - 1));
    this.waitingScroll = first * (CHIP_H + 4);
    this.chipsLayer.setAttribute('transform', `translate(0 ${-this.waitingScroll})`);
  }

  drawStatus() {
    const { t } = this.i18n;
    const T = this.patients.length;
    const n = this.step;
    const done = T > 0 && n === T;
    this.parts.diagnosisBars.hidden = !done;
    this.parts.diagnosisPending.hidden = done || T === 0;
    this.parts.diagnosisEmpty.hidden = T !== 0;
    this.parts.status.textContent = T === 0 ? '' : done ? t('step_done', { count: T }) : t('step_status', { step: n + 1, count: T });
    this.parts.back.disabled = n === 0;
    this.parts.forward.disabled = n >= T;
    this.parts.play.disabled = T === 0;
    this.parts.restart.disabled = T === 0;
    // Focus never stays on a control that has just been disabled.
    const active = document.activeElement;
    if (active && active.disabled && [this.parts.back, this.parts.forward, this.parts.play, this.parts.restart].includes(active)) {
      (this.parts.play.disabled ? this.parts.fallbackFocus : this.parts.play).focus();
    }
  }

  drawDiagnosis() {
    const { t, percent } = this.i18n;
    const box = this.parts.diagnosis;
    const diagnosis = this.trace?.diagnosis;
    box.dataset.label = diagnosis ? diagnosis.label : '';
    const bars = this.parts.diagnosisBars;
    bars.replaceChildren(
      ...(diagnosis
        ? SPECIALTIES.map((name, i) =>
            el(
              'li',
              { class: name === diagnosis.label ? 'verdict top' : 'verdict', style: { '--p': String(diagnosis.probs[i]) } },
              el('span', { class: 'name' }, t(`specialties.${name}`)),
              el('span', { class: 'value' }, percent(diagnosis.probs[i])),
            ),
          )
        : []),
    );
  }

  /** Goes to step `n`: animated when it is the next step and motion is allowed. */
  goTo(n, animate = false) {
    this.finishAnimation();
    const T = this.patients ? this.patients.length : 0;
    n = Math.max(0, Math.min(T, n));
    const from = this.step;
    if (animate && !this.reducedMotion && this.plan && n === from + 1) this.animate(from);
    else {
      this.rest(n);
      // Played without motion: each step is still told.
      if (animate && n === from + 1) this.narrateStep(from);
    }
  }

  /** Patient `s` walks to its doctors; then patient `s + 1` comes to the desk. */
  animate(s) {
    const T = this.patients.length;
    const duration = this.interval() * (WALK + APPROACH);
    const walkShare = WALK / (WALK + APPROACH);
    const patient = this.patients[s];
    const lanes = this.lanes(patient);
    shown(this.walker, false);
    const copies = patient.stops.map((stop) => {
      const node = this.walkerNode(patient.label);
      if (stop.kind !== 'unpicked' && stop.room < this.trace.num_experts) node.style.setProperty('--doctor', `var(--doctor-${stop.room % 8})`);
      node.classList.add(stop.kind === 'seat' ? 'to-seat' : 'to-exit');
      // A patient turned away waits at the door under a "full" sign before leaving.
      if (stop.kind === 'drop') node.append(svg('text', { class: 'queue-note', y: -14, 'text-anchor': 'middle' }, this.i18n.t('slots_full')));
      this.walkLayer.append(node);
      return { node, ...this.stopRoute(stop, lanes) };
    });
    let committed = false;
    let approach = null;
    const commit = () => {
      if (committed) return;
      committed = true;
      for (const copy of copies) copy.node.remove();
      this.rest(s + 1, { walkerAtDesk: false });
      if (s + 1 < T) {
        const chip = this.plan.waiting.chips[s + 1];
        const from = { x: chip.x + chip.w / 2, y: chip.y + CHIP_H / 2 - this.waitingScroll };
        this.setWalker(this.walker, this.patients[s + 1].label);
        approach = sample([{ M: from }, { L: this.plan.spot }]);
        shown(this.walker, true);
      }
      this.narrateStep(s);
    };
    const place = (node, p) => node.setAttribute('transform', `translate(${p.x.toFixed(1)} ${p.y.toFixed(1)})`);
    this.animation = {
      duration,
      start: null,
      update: (t) => {
        if (t < walkShare) {
          const f = t / walkShare;
          for (const copy of copies) {
            let at = 0;
            for (const leg of copy.legs) {
              if (f <= at + leg.share || leg === copy.legs.at(-1)) {
                const local = Math.min(1, Math.max(0, (f - at) / leg.share));
                place(copy.node, leg.hold ?? pointAt(leg.walk, ease(local)));
                copy.node.classList.toggle('queued', Boolean(leg.hold));
                break;
              }
              at += leg.share;
            }
          }
        } else {
          commit();
          if (approach) place(this.walker, pointAt(approach, ease((t - walkShare) / (1 - walkShare))));
        }
      },
      done: () => {
        commit();
        if (s + 1 < T) {
          place(this.walker, this.plan.spot);
          this.drawBranches(s + 1);
        }
      },
    };
    this.frame = requestAnimationFrame((now) => this.tick(now));
  }

  tick(now) {
    const a = this.animation;
    if (!a) return;
    a.start ??= now;
    const t = Math.min(1, (now - a.start) / a.duration);
    a.update(t);
    if (t >= 1) {
      this.animation = null;
      a.done();
      return;
    }
    this.frame = requestAnimationFrame((n) => this.tick(n));
  }

  /** Ends a walk at once, in its final state. */
  finishAnimation() {
    const a = this.animation;
    if (!a) return;
    cancelAnimationFrame(this.frame);
    this.animation = null;
    a.update(1);
    a.done();
  }

  /** What happened to patient `i`, for the live region. */
  outcome(i) {
    const { t } = this.i18n;
    const patient = this.patients[i];
    const parts = [];
    const seated = patient.stops.filter((s) => s.kind === 'seat').map((s) => (s.shared ? t('gp') : t('doctor', { index: s.room + 1 })));
    if (seated.length) parts.push(t('narrate_to', { doctors: seated.join(', ') }));
    const dropped = patient.stops.filter((s) => s.kind === 'drop').map((s) => t('doctor', { index: s.room + 1 }));
    if (dropped.length) parts.push(t('narrate_dropped', { doctors: dropped.join(', ') }));
    if (patient.stops.some((s) => s.kind === 'unpicked')) parts.push(t('narrate_unserved'));
    return t('narrate_step', { step: i + 1, count: this.patients.length, token: patient.label, outcome: parts.join('; ') });
  }

  narrateStep(i) {
    // Every step is narrated when the visitor steps by hand or asked for reduced motion;
    // while playing with motion, one summary per routing is enough for a screen reader.
    if (this.stepMode || this.reducedMotion) this.parts.live.textContent = this.outcome(i);
  }

  manualStep(delta) {
    this.pause(true);
    const before = this.step;
    const T = this.patients.length;
    if (delta > 0 && before < T) {
      this.rest(before + 1);
      this.narrateStep(before);
    } else if (delta < 0 && before > 0) {
      this.rest(before - 1);
      const patient = this.patients[before - 1];
      this.parts.live.textContent = this.i18n.t('narrate_back', { step: before, count: T, token: patient.label });
    }
  }

  interval() {
    return Math.min(SPEEDS[this.speed], MAX_PLAY_MS / Math.max(1, this.patients.length));
  }

  play() {
    const T = this.patients ? this.patients.length : 0;
    if (T === 0) return;
    this.finishAnimation();
    if (this.step >= T) this.rest(0);
    this.stepMode = false;
    this.playing = true;
    this.syncPlayButton();
    this.schedule(FIRST_PAUSE);
  }

  /**
   * Plans the next step, `share` of a patient's time from now, while playing and on
   * screen (off screen the plan waits; the IntersectionObserver calls again).
   */
  schedule(share = 1 - WALK - APPROACH) {
    this.clearTimer();
    if (!this.playing || !this.onScreen) return;
    this.timer = setTimeout(() => this.advance(), this.interval() * share);
  }

  advance() {
    this.timer = null;
    if (this.step >= this.patients.length) {
      this.pause(false);
      return;
    }
    this.goTo(this.step + 1, true);
    this.schedule(1);
  }

  clearTimer() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Stops playing; `toStepMode` when the visitor paused or stepped by hand. */
  pause(toStepMode) {
    this.clearTimer();
    this.playing = false;
    if (toStepMode) {
      this.finishAnimation();
      this.stepMode = true;
    }
    this.syncPlayButton();
  }

  syncPlayButton() {
    const { t } = this.i18n;
    const play = this.parts.play;
    play.setAttribute('aria-pressed', String(this.playing));
    play.querySelector('.label').textContent = this.playing ? t('pause') : t('play');
    play.classList.toggle('playing', this.playing);
  }

  /** Test hook: jumps to step `n` (no motion) and resolves once it is drawn. */
  jump(n) {
    this.pause(true);
    this.rest(n);
    return new Promise((resolve) => requestAnimationFrame(() => resolve(this.step)));
  }
}
