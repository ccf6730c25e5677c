// Draws a trace as the clinic: patients (tokens) in the waiting room, the receptionist's
// probabilities for the patient at the desk, doctors' rooms with their appointment slots,
// patients sent on without a consultation, and the diagnosis once everyone has been seen.
// It only draws what the trace says; every number comes from the model. Text reaches the
// DOM only through textContent.

const SPEEDS = { slow: 900, normal: 450, fast: 160 };
// A long text should not take minutes to play: the whole walk lasts at most this long.
const MAX_PLAY_MS = 8000;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** What a token shows: its text, with spaces made visible only when it is all space. */
function tokenLabel(token) {
  const trimmed = token.text.trim();
  return trimmed === '' ? '␣' : trimmed;
}

export class ClinicView {
  /**
   * @param {object} parts the page's containers (see index.html) and playback controls
   * @param {object} i18n {t, format, percent}
   * @param {boolean} reducedMotion start in step mode, without animation
   */
  constructor(parts, i18n, reducedMotion) {
    this.parts = parts;
    this.i18n = i18n;
    this.reducedMotion = reducedMotion;
    this.stepMode = reducedMotion;
    this.speed = 'normal';
    this.step = 0;
    this.timer = null;
    this.trace = null;
    this.rooms = [];
    this.gpRooms = [];
    parts.play.addEventListener('click', () => (this.timer ? this.pause(true) : this.play()));
    parts.back.addEventListener('click', () => this.manualStep(-1));
    parts.forward.addEventListener('click', () => this.manualStep(1));
    parts.restart.addEventListener('click', () => {
      this.pause(true);
      this.goTo(0);
      if (!this.stepMode) this.play();
    });
    parts.speed.addEventListener('change', () => {
      this.speed = parts.speed.value;
      if (this.timer) {
        this.pause(false);
        this.play();
      }
    });
  }

  /** Builds one room per doctor, named by the model card (derived labels, top tokens). */
  setModel(card, config) {
    const { t } = this.i18n;
    const rooms = this.parts.rooms;
    rooms.replaceChildren();
    this.rooms = [];
    this.gpRooms = [];
    const experts = config.moe.num_experts;
    for (let e = 0; e < experts; e++) {
      const info = card?.experts?.[e];
      const room = this.room(e, t('doctor', { index: e + 1 }), info ? t(`labels.${info.label}`) : '', info);
      room.node.dataset.testid = 'expert';
      room.node.dataset.index = String(e);
      room.node.dataset.label = info ? info.label : 'general';
      room.node.style.setProperty('--doctor', `var(--doctor-${e % 8})`);
      this.rooms.push(room);
      rooms.append(room.node);
    }
    for (let j = 0; j < config.moe.shared_experts; j++) {
      const room = this.room(experts + j, t('gp'), t('gp_note'), null);
      room.node.classList.add('gp');
      room.node.dataset.testid = 'expert';
      room.node.dataset.index = String(experts + j);
      room.node.dataset.shared = 'true';
      this.gpRooms.push(room);
      rooms.append(room.node);
    }
  }

  room(index, title, subtitle, info) {
    const { t } = this.i18n;
    const node = element('article', 'room');
    const header = element('h4', 'room-title');
    header.append(element('span', 'room-name', title));
    if (subtitle) header.append(element('span', 'room-label', subtitle));
    node.append(header);
    if (info && info.top_tokens.length) {
      const tokens = info.top_tokens.slice(0, 5).map((p) => p.replace(/▁/g, ' ').trim() || '␣');
      node.append(element('p', 'room-often', t('often_sees', { tokens: tokens.join(' · ') })));
    }
    const slots = element('p', 'room-slots');
    const seats = element('div', 'seats');
    seats.setAttribute('aria-hidden', 'true');
    const visits = element('ol', 'visits');
    const count = element('p', 'room-count');
    node.append(slots, seats, visits, count);
    return { node, slots, seats, visits, count, index };
  }

  /** Shows a new trace: builds patients and visits, then plays (or shows the end state). */
  show(trace) {
    this.pause(false);
    this.trace = trace;
    const { t, percent } = this.i18n;
    const T = trace.tokens.length;
    const S = trace.slots;
    const E = trace.num_experts;
    const queue = this.parts.queue;
    queue.replaceChildren();
    this.patients = [];
    this.visits = [];
    for (const room of [...this.rooms, ...this.gpRooms]) room.visits.replaceChildren();
    this.parts.sentOn.replaceChildren();
    this.parts.unserved.replaceChildren();

    for (let i = 0; i < T; i++) {
      const token = trace.tokens[i];
      const experts = Array.from(trace.expert_index.subarray(i * S, (i + 1) * S));
      const chosen = Array.from(trace.choice_index.subarray(i * S, (i + 1) * S));
      const patient = element('li', 'patient');
      patient.dataset.testid = 'token';
      patient.dataset.experts = experts.join(',');
      patient.append(element('span', 'word', tokenLabel(token)));
      const dots = element('span', 'dots');
      dots.setAttribute('aria-hidden', 'true');
      patient.append(dots);
      queue.append(patient);
      let served = false;
      let dropped = false;
      for (let s = 0; s < S; s++) {
        const e = chosen[s];
        if (e < 0) continue;
        const gate = trace.routing_weights[i * S + s];
        const visit = element('li', 'visit');
        visit.style.setProperty('--doctor', `var(--doctor-${e % 8})`);
        visit.style.setProperty('--gate', String(Math.max(0.15, Math.min(1, gate))));
        visit.append(element('span', 'word', tokenLabel(token)), element('small', 'gate', percent(gate)));
        visit.hidden = true;
        if (experts[s] >= 0) {
          served = true;
          this.rooms[e].visits.append(visit);
          const dot = element('span', 'dot');
          dot.style.setProperty('--doctor', `var(--doctor-${e % 8})`);
          dots.append(dot);
        } else {
          dropped = true;
          visit.classList.add('dropped');
          visit.append(element('small', 'to', t('doctor', { index: e + 1 })));
          this.parts.sentOn.append(visit);
        }
        this.visits.push({ token: i, node: visit });
      }
      for (const room of this.gpRooms) {
        const visit = element('li', 'visit gp-visit', tokenLabel(token));
        visit.hidden = true;
        room.visits.append(visit);
        this.visits.push({ token: i, node: visit });
      }
      if (!served && !dropped && trace.shared_experts === 0) {
        const visit = element('li', 'visit unserved', tokenLabel(token));
        visit.hidden = true;
        this.parts.unserved.append(visit);
        this.visits.push({ token: i, node: visit });
      }
      this.patients.push({ node: patient, served, dropped, token });
    }

    this.parts.sentOnBox.hidden = trace.dropped_slots === 0;
    this.parts.unservedBox.hidden = !this.patients.some((p) => !p.served && !p.dropped) || trace.shared_experts > 0;
    for (let e = 0; e < E; e++) {
      const room = this.rooms[e];
      room.node.dataset.load = String(trace.expert_load[e]);
      room.slots.textContent = trace.capacity == null ? t('slots_unlimited') : t('slots', { count: trace.capacity });
      room.seats.replaceChildren();
      if (trace.capacity != null && trace.capacity <= 24) {
        for (let c = 0; c < trace.capacity; c++) room.seats.append(element('span', 'seat'));
      }
    }
    for (const room of this.gpRooms) {
      room.node.dataset.load = String(T);
      room.slots.textContent = t('slots_unlimited');
    }
    this.drawDiagnosis();
    if (T === 0) {
      this.goTo(0);
      return;
    }
    if (this.stepMode) {
      this.goTo(T);
    } else {
      this.goTo(0);
      this.play();
    }
  }

  drawDiagnosis() {
    const { t, percent } = this.i18n;
    const box = this.parts.diagnosis;
    const diagnosis = this.trace?.diagnosis;
    box.dataset.label = diagnosis ? diagnosis.label : '';
    const bars = this.parts.diagnosisBars;
    bars.replaceChildren();
    if (!diagnosis) return;
    const names = ['cardiology', 'neurology', 'pediatrics', 'dermatology'];
    names.forEach((name, i) => {
      const row = element('li', name === diagnosis.label ? 'verdict top' : 'verdict');
      row.style.setProperty('--p', String(diagnosis.probs[i]));
      row.append(element('span', 'name', t(`specialties.${name}`)), element('span', 'value', percent(diagnosis.probs[i])));
      bars.append(row);
    });
  }

  /** Draws the state after `step` patients have been seen. */
  goTo(step, animate = false) {
    const trace = this.trace;
    const T = trace ? trace.tokens.length : 0;
    this.step = Math.max(0, Math.min(T, step));
    const { t } = this.i18n;
    for (let i = 0; i < this.patients.length; i++) {
      const p = this.patients[i];
      p.node.dataset.state = i < this.step ? (p.served ? 'seen' : 'sent') : i === this.step ? 'current' : 'waiting';
      if (i === this.step) p.node.setAttribute('aria-current', 'step');
      else p.node.removeAttribute('aria-current');
    }
    for (const v of this.visits) {
      const visible = v.token < this.step;
      if (visible && v.node.hidden && animate && !this.reducedMotion) v.node.classList.add('arrive');
      else if (!visible) v.node.classList.remove('arrive');
      v.node.hidden = !visible;
    }
    for (let e = 0; e < this.rooms.length; e++) {
      const room = this.rooms[e];
      const seen = room.visits.querySelectorAll('.visit:not([hidden])').length;
      room.count.textContent = t('patients_seen', { count: seen });
      const seats = room.seats.children;
      for (let c = 0; c < seats.length; c++) seats[c].classList.toggle('taken', c < seen);
    }
    for (const room of this.gpRooms) {
      room.count.textContent = t('patients_seen', { count: this.step });
    }
    this.drawReception();
    const done = T > 0 && this.step === T;
    this.parts.diagnosisBars.hidden = !done;
    this.parts.diagnosisPending.hidden = done || T === 0;
    this.parts.diagnosisEmpty.hidden = T !== 0;
    this.parts.status.textContent = T === 0 ? '' : done ? t('step_done', { count: T }) : t('step_status', { step: this.step + 1, count: T });
    this.parts.back.disabled = this.step === 0;
    this.parts.forward.disabled = this.step >= T;
  }

  drawReception() {
    const { t, percent } = this.i18n;
    const trace = this.trace;
    const desk = this.parts.desk;
    desk.replaceChildren();
    const T = trace ? trace.tokens.length : 0;
    if (!trace || this.step >= T) {
      this.parts.deskWho.textContent = t('reception_idle');
      return;
    }
    const i = this.step;
    const E = trace.num_experts;
    const S = trace.slots;
    this.parts.deskWho.textContent = t('reception_patient', { token: tokenLabel(trace.tokens[i]) });
    const chosen = new Set(Array.from(trace.choice_index.subarray(i * S, (i + 1) * S)).filter((e) => e >= 0));
    for (let e = 0; e < E; e++) {
      const p = trace.probs[i * E + e];
      const row = element('li', chosen.has(e) ? 'chance chosen' : 'chance');
      row.style.setProperty('--p', String(p));
      row.style.setProperty('--doctor', `var(--doctor-${e % 8})`);
      row.append(element('span', 'name', t('doctor', { index: e + 1 })), element('span', 'value', percent(p)));
      desk.append(row);
    }
  }

  /** What happened to patient `i`, for the live region. */
  outcome(i) {
    const { t } = this.i18n;
    const trace = this.trace;
    const S = trace.slots;
    const experts = Array.from(trace.expert_index.subarray(i * S, (i + 1) * S)).filter((e) => e >= 0);
    let outcome;
    if (experts.length) {
      outcome = t('narrate_to', { doctors: experts.map((e) => t('doctor', { index: e + 1 })).join(', ') });
    } else if (this.patients[i].dropped) {
      outcome = t('narrate_dropped');
    } else if (trace.shared_experts > 0) {
      outcome = t('narrate_to', { doctors: t('gp') });
    } else {
      outcome = t('narrate_unserved');
    }
    return t('narrate_step', { step: i + 1, count: trace.tokens.length, token: tokenLabel(trace.tokens[i]), outcome });
  }

  manualStep(delta) {
    this.pause(true);
    const before = this.step;
    this.goTo(this.step + delta, delta > 0);
    if (this.step !== before) {
      const seen = delta > 0 ? this.step - 1 : this.step;
      this.parts.live.textContent = this.outcome(seen);
    }
  }

  play() {
    const T = this.trace ? this.trace.tokens.length : 0;
    if (T === 0) return;
    if (this.step >= T) this.goTo(0);
    this.stepMode = false;
    const interval = Math.min(SPEEDS[this.speed], MAX_PLAY_MS / T);
    this.parts.play.textContent = this.i18n.t('pause');
    this.parts.play.setAttribute('aria-pressed', 'true');
    this.timer = setInterval(() => {
      this.goTo(this.step + 1, true);
      if (this.step >= T) this.pause(false);
    }, interval);
  }

  /** Stops playing; `toStepMode` when the visitor paused or stepped by hand. */
  pause(toStepMode) {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (toStepMode) this.stepMode = true;
    this.parts.play.textContent = this.i18n.t('play');
    this.parts.play.setAttribute('aria-pressed', 'false');
  }
}
