// Train the receptionist: a small MoE clinic learns on the shipped dataset, in the page,
// through the wasm module's `Training` (on WebGPU or its CPU twin, as the engine chose).
// Every call to it returns a promise and the engine refuses overlapping ones, so they go
// through one queue per run. The page runs steps in small chunks, a time budget per
// animation frame, one step per call (each step's report is a point on the charts), so
// it stays responsive; it measures on
// the held-out sentences every MEASURE_EVERY steps (a measurement routes 800 sentences);
// it draws at most once per frame. Every number drawn is a step's report or a
// measurement the wasm module returned: this file only keeps them and draws them.
import { el } from './dom.js';
import { extent, fillTable, heatmap, legend, lineChart, stackedArea } from './charts.js';
import {
  BALANCE_STRENGTH,
  EXPERT_KINDS,
  TRAIN_DEFAULTS,
  TRAIN_EXPERTS,
  TRAIN_PRESETS,
  fitK,
  fixesK,
  routingNotes,
  takesCapacity,
  trainingOptions,
  trainingSettings,
} from './state.js';

// Steps run back to back within one frame until this many milliseconds are spent (at
// least one step per frame: a step cannot be split).
const FRAME_BUDGET_MS = 10;
// A held-out measurement every this many steps; it gets a frame of its own.
export const MEASURE_EVERY = 25;
// Lines keep at most this many points; longer runs are averaged in bins of steps.
const MAX_POINTS = 300;
// The tables list every this many steps (and the last one).
const TABLE_EVERY = 25;
// While a run plays, the step charts are redrawn at most this often (ms): a step takes
// about a frame on its own, so drawing every frame would halve the steps per second.
const CHART_INTERVAL_MS = 100;
// Announce progress to screen readers at most every this many steps.
const ANNOUNCE_EVERY = 100;
// Chart heights (px): fixed, so that new numbers never move the page.
const HEIGHTS = { lossPanel: 74, accuracy: 160, load: 170, spread: 160 };
const SPECIALTIES = ['cardiology', 'neurology', 'pediatrics', 'dermatology'];
// Test accuracy both languages must reach for the "90% at step N" mark.
const GOAL = 0.9;
const doctorColor = (e) => `var(--doctor-${e % 8})`;

/** Averages of consecutive values, so a long run draws at most MAX_POINTS points. */
function binned(values, steps = null) {
  const n = values.length;
  const size = Math.max(1, Math.ceil(n / MAX_POINTS));
  const points = [];
  for (let start = 0; start < n; start += size) {
    const end = Math.min(n, start + size);
    let sum = 0;
    let count = 0;
    for (let i = start; i < end; i++) {
      if (values[i] === null || values[i] === undefined) continue;
      sum += values[i];
      count += 1;
    }
    points.push([steps ? steps[end - 1] : end, count ? sum / count : null]);
  }
  return points;
}

export class TrainingView {
  /**
   * @param {object} parts the section's nodes (index.html, ids train-* and tr-*)
   * @param {object} i18n {t, format, percent}
   * @param {object} hooks {vocab(), create(options) → Promise<Training>, install(snapshot), load(files)}
   */
  constructor(parts, i18n, hooks) {
    this.parts = parts;
    this.i18n = i18n;
    this.hooks = hooks;
    this.settings = { ...TRAIN_DEFAULTS };
    this.run = null;
    this.runs = 0;
    this.playing = false;
    this.frame = null;
    this.ticking = false;
    this.dirty = { steps: true, measures: true };
    this.tick = this.tick.bind(this);
    this.buildLossPanels();
    parts.play.addEventListener('click', () => (this.playing ? this.pause() : this.play().catch((error) => this.showError(error))));
    parts.step.addEventListener('click', () => this.stepOnce().catch((error) => this.showError(error)));
    parts.reset.addEventListener('click', () => this.reset());
    parts.use.addEventListener('click', () => this.useWeights().catch((error) => this.showError(error)));
    parts.downloadModel.addEventListener('click', () => this.download('model').catch((error) => this.showError(error)));
    parts.downloadCard.addEventListener('click', () => this.download('card').catch((error) => this.showError(error)));
    parts.load.addEventListener('change', () => this.loadFiles());
    for (const details of parts.section.querySelectorAll('details.chart-table')) {
      details.addEventListener('toggle', () => {
        this.dirty.tables = true;
        this.draw();
      });
    }
    let width = 0;
    new ResizeObserver(() => {
      const now = Math.floor(parts.charts.clientWidth);
      if (Math.abs(now - width) < 1) return;
      width = now;
      this.dirty = { steps: true, measures: true, tables: true };
      this.draw();
    }).observe(parts.charts);
  }

  /** The loss chart has three panels on one step axis: total, balance, z-loss. */
  buildLossPanels() {
    const { t } = this.i18n;
    this.lossPanels = {};
    this.parts.charts.querySelector('#train-loss').replaceChildren(
      ...['total', 'balance', 'z_loss'].map((key) => {
        const box = el('div', { class: 'panel-chart' });
        const note = el('span', { class: 'panel-note' });
        this.lossPanels[key] = { box, note };
        return el('div', { class: 'loss-panel', dataset: { panel: key } }, el('p', { class: 'panel-title' }, t(`train_loss.${key}`), ' ', note), box);
      }),
    );
  }

  /** The controls, from the engine's router list and the page's settings. */
  setup() {
    const { t } = this.i18n;
    const vocab = this.hooks.vocab();
    const p = this.parts;
    p.router.replaceChildren(...vocab.routers.map(({ name }) => el('option', { value: name }, t(`router_names.${name}`))));
    p.expertKind.replaceChildren(...EXPERT_KINDS.map((kind) => el('option', { value: kind }, t(`train_kinds.${kind}`))));
    p.balance.replaceChildren(...Object.keys(BALANCE_STRENGTH).map((mode) => el('option', { value: mode }, t(`train_balance.${mode}`))));
    p.experts.min = String(TRAIN_EXPERTS[0]);
    p.experts.max = String(TRAIN_EXPERTS[1]);
    p.presets.replaceChildren(
      ...Object.keys(TRAIN_PRESETS).map((name) =>
        el(
          'button',
          { type: 'button', class: 'chip', dataset: { trainPreset: name }, 'data-testid': 'train-preset', 'aria-pressed': 'false', 'aria-describedby': 'train-preset-text', onclick: () => this.applyPreset(name) },
          t(`train_presets.${name}`),
        ),
      ),
    );
    for (const node of p.section.querySelectorAll('[data-train-control] input, [data-train-control] select')) {
      node.addEventListener('change', () => this.onControl());
    }
    for (const node of [p.play, p.step, p.reset]) node.disabled = false;
    this.syncControls();
    this.draw();
  }

  /** Reflects the settings in the controls, with why a control is off. */
  syncControls() {
    const { t, format } = this.i18n;
    const vocab = this.hooks.vocab();
    const s = this.settings;
    const p = this.parts;
    const routerName = t(`router_names.${s.router}`);
    const rule = vocab.byName.get(s.router);
    p.experts.value = String(s.experts);
    p.router.value = s.router;
    p.topK.max = String(s.experts);
    p.topK.disabled = fixesK(vocab, s.router);
    p.topK.value = String(fitK(vocab, s.router, s.topK, s.experts));
    const notes = routingNotes(vocab, t, s.router, s.experts);
    p.whys.topK.textContent = notes.k;
    p.capacityFactor.value = String(s.capacityFactor);
    p.capacityFactor.disabled = !takesCapacity(vocab, s.router);
    p.whys.capacityFactor.textContent = notes.capacity;
    p.expertKind.value = s.expertKind;
    p.shared.checked = s.shared;
    p.balance.value = s.balance;
    const balanced = rule?.balance_loss !== false;
    p.balance.disabled = !balanced;
    p.whys.balance.textContent = balanced ? t(`train_balance_why.${s.balance}`) : t('train_balance_none_router', { router: routerName });
    p.balanceStrength.value = String(s.balanceStrength);
    p.balanceStrength.disabled = !balanced || s.balance === 'none';
    p.whys.balanceStrength.textContent =
      !balanced || s.balance === 'none' ? t('train_strength_off') : t(`train_strength.${s.balance}`, { value: format(BALANCE_STRENGTH[s.balance], 2) });
    p.zLoss.value = String(s.zLoss);
    p.learningRate.value = String(s.learningRate);
    p.batch.value = String(s.batch);
    p.noise.value = String(s.noise);
    p.seed.value = String(s.seed);
    p.steps.value = String(s.steps);
    let active = null;
    for (const button of p.presets.querySelectorAll('[data-train-preset]')) {
      const on = this.matchesPreset(button.dataset.trainPreset);
      button.setAttribute('aria-pressed', String(on));
      if (on && !active) active = button.dataset.trainPreset;
    }
    p.presetText.textContent = active ? t(`train_preset_hints.${active}`) : t('train_preset_none');
    p.settingsNow.textContent = `${active ? t(`train_presets.${active}`) : routerName} · ${t('train_now', { experts: s.experts, k: fitK(vocab, s.router, s.topK, s.experts) })}`;
  }

  /** A preset is the experiment; how long it runs (and its seed) is the visitor's to change. */
  matchesPreset(name) {
    const want = trainingSettings(TRAIN_PRESETS[name]);
    return Object.keys(want).every((key) => key === 'steps' || key === 'seed' || want[key] === this.settings[key]);
  }

  /** The settings the controls show (numbers as typed: the engine checks the ranges). */
  readControls() {
    const p = this.parts;
    const number = (node, fallback) => (node.value.trim() === '' || !Number.isFinite(Number(node.value)) ? fallback : Number(node.value));
    const s = this.settings;
    const balance = p.balance.value;
    return {
      experts: number(p.experts, s.experts),
      router: p.router.value,
      topK: number(p.topK, s.topK),
      capacityFactor: number(p.capacityFactor, s.capacityFactor),
      expertKind: p.expertKind.value,
      shared: p.shared.checked,
      balance,
      // A new balancing mode starts from its own default strength.
      balanceStrength: balance !== s.balance ? BALANCE_STRENGTH[balance] : number(p.balanceStrength, s.balanceStrength),
      zLoss: number(p.zLoss, s.zLoss),
      learningRate: number(p.learningRate, s.learningRate),
      batch: number(p.batch, s.batch),
      noise: number(p.noise, s.noise),
      seed: number(p.seed, s.seed),
      steps: number(p.steps, s.steps),
    };
  }

  /** A setting changed: the run so far was trained with the old ones, so a new run starts. */
  onControl() {
    const next = this.readControls();
    // k follows the router's rule and stays within the doctors, as in the clinic.
    next.topK = fitK(this.hooks.vocab(), next.router, next.topK, Math.max(1, next.experts));
    this.reset();
    this.settings = next;
    this.syncControls();
    this.parts.note.textContent = this.i18n.t('train_settings_changed');
  }

  applyPreset(name) {
    this.reset();
    this.settings = trainingSettings(TRAIN_PRESETS[name]);
    this.syncControls();
    return this.play().catch((error) => this.showError(error));
  }

  showError(error) {
    // A reset while a call was in flight is the visitor's doing, not an error.
    if (error?.code === 'cancelled') return;
    this.parts.message.hidden = false;
    this.parts.message.textContent = this.i18n.t('train_error', { message: error.message });
  }

  clearError() {
    this.parts.message.hidden = true;
    this.parts.message.textContent = '';
  }

  /** A run for the current settings, created on first use (creating one reads the dataset). */
  async ensureRun() {
    if (this.run?.training) return this.run;
    if (this.run?.creating) return this.run.creating;
    const settings = { ...this.settings };
    const run = this.newRun(settings);
    run.creating = this.hooks.create(trainingOptions(settings, this.hooks.vocab())).then(
      (training) => {
        run.creating = null;
        if (this.run !== run) {
          training.free();
          throw Object.assign(new Error('the run was reset'), { code: 'cancelled' });
        }
        this.adopt(run, training);
        return run;
      },
      (error) => {
        if (this.run === run) this.run = null;
        throw error;
      },
    );
    this.run = run;
    this.syncButtons();
    return run.creating;
  }

  /** The run's engine-side session: its size and where it runs come from the engine. */
  adopt(run, training) {
    run.training = training;
    run.experts = training.config().moe.num_experts;
    run.backend = training.backend();
    this.parts.section.dataset.backend = run.backend.kind;
  }

  /**
   * `fn(training)` once every earlier call of this run has settled: the engine refuses
   * overlapping calls ("busy"). Rejects with code "cancelled" if the run was reset first.
   */
  call(run, fn) {
    const next = run.queue.then(() => {
      if (this.run !== run || !run.training) throw Object.assign(new Error('the run was reset'), { code: 'cancelled' });
      return fn(run.training);
    });
    run.queue = next.catch(() => {});
    return next;
  }

  newRun(settings) {
    return {
      id: ++this.runs,
      settings,
      training: null,
      creating: null,
      queue: Promise.resolve(),
      backend: null,
      experts: settings.experts,
      target: settings.steps,
      step: 0,
      stepIndex: [],
      total: [],
      crossEntropy: [],
      balance: [],
      zLoss: [],
      shares: [],
      measures: [],
      measureDue: false,
      playMs: 0,
      playingSince: null,
      stepMs: 0,
      measureMs: 0,
      reached: null,
      announced: 0,
      waiters: [],
      done: false,
    };
  }

  async play() {
    this.clearError();
    if (this.run?.done) this.reset();
    this.playing = true;
    this.syncButtons();
    const run = await this.ensureRun().catch((error) => {
      this.playing = false;
      this.syncButtons();
      throw error;
    });
    if (!this.playing || this.run !== run) return;
    run.playingSince = performance.now();
    this.parts.note.textContent = '';
    this.requestFrame();
  }

  pause() {
    const run = this.run;
    this.playing = false;
    this.stopClock(run);
    this.cancelFrame();
    this.syncButtons();
    this.draw();
    // Paused: a measurement of where the run is now (after a step in flight), unless the
    // last one was taken at this step.
    if (run?.training && run.step > 0) {
      this.measureNow(run, { unlessMeasured: true })
        .then(() => this.run === run && this.draw())
        .catch((error) => this.showError(error));
    }
  }

  /** One optimiser step, then a measurement (the visitor is looking at this very step). */
  async stepOnce() {
    this.clearError();
    if (this.playing) this.pause();
    if (this.run?.done) this.reset();
    const run = await this.ensureRun();
    if (this.run !== run) return;
    const start = performance.now();
    await this.stepNow(run);
    await this.measureNow(run);
    run.playMs += performance.now() - start;
    if (this.run !== run) return;
    if (run.step >= run.target) this.finish(run);
    this.draw();
  }

  /** Stops and forgets the run; charts go back to empty. */
  reset() {
    const run = this.run;
    this.playing = false;
    this.cancelFrame();
    this.run = null;
    delete this.parts.section.dataset.backend;
    if (run) {
      for (const waiter of run.waiters) waiter.reject(Object.assign(new Error('the run was reset before it finished'), { code: 'cancelled' }));
      run.training?.free();
      run.training = null;
    }
    this.dirty = { steps: true, measures: true, tables: true };
    this.syncButtons();
    this.draw();
  }

  requestFrame() {
    // A tick still awaiting its calls asks for the next frame itself when it ends.
    if (this.frame === null && !this.ticking) this.frame = requestAnimationFrame(this.tick);
  }

  cancelFrame() {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
  }

  stopClock(run) {
    if (run?.playingSince != null) {
      run.playMs += performance.now() - run.playingSince;
      run.playingSince = null;
    }
  }

  /**
   * One animation frame: steps within the budget, or one measurement; then one drawing.
   * The next frame is asked for only once this one's calls have settled.
   */
  async tick() {
    this.frame = null;
    const run = this.run;
    if (!this.playing || !run?.training || this.ticking) return;
    // One tick at a time: a Pause and Play while this one awaits its calls must not start
    // a second loop beside it (requestFrame waits for this flag).
    this.ticking = true;
    try {
      await this.advance(run);
    } finally {
      this.ticking = false;
    }
    // Playing on (this run, or one started meanwhile): the next frame.
    if (this.playing) this.requestFrame();
  }

  /** One frame's work for `run`: steps within the budget, or one measurement; then a drawing. */
  async advance(run) {
    const start = performance.now();
    const going = () => this.playing && this.run === run;
    try {
      if (run.measureDue) await this.measureNow(run);
      else {
        while (going() && !run.measureDue && run.step < run.target && performance.now() - start < FRAME_BUDGET_MS) {
          await this.stepNow(run);
        }
      }
    } catch (error) {
      if (this.run !== run) return;
      this.playing = false;
      this.stopClock(run);
      this.showError(error);
      for (const waiter of run.waiters.splice(0)) waiter.reject(error);
      this.syncButtons();
      return;
    }
    if (this.run !== run) return;
    if (run.step >= run.target && !run.measureDue) this.finish(run);
    this.draw({ throttle: true });
  }

  /** One optimiser step, its report kept (within the queue, so later calls see it). */
  stepNow(run) {
    return this.call(run, async (training) => {
      const start = performance.now();
      const report = await training.step(1);
      run.stepMs += performance.now() - start;
      if (this.run === run) this.keepStep(run, report);
    });
  }

  keepStep(run, report) {
    run.step = report.step;
    run.stepIndex.push(report.step);
    run.total.push(report.total);
    run.crossEntropy.push(report.cross_entropy);
    // Routers without a balance loss report none (null, or nothing at all).
    run.balance.push(report.balance ?? null);
    run.zLoss.push(report.z_loss);
    const sum = report.demand.reduce((a, b) => a + b, 0) || 1;
    run.shares.push(Float32Array.from(report.demand, (d) => d / sum));
    if (run.step % MEASURE_EVERY === 0 || run.step >= run.target) run.measureDue = true;
    this.dirty.steps = true;
  }

  /** A held-out measurement; `unlessMeasured`: none if the last one was at this step. */
  measureNow(run, { unlessMeasured = false } = {}) {
    return this.call(run, async (training) => {
      if (unlessMeasured && run.measures.at(-1)?.step === run.step) return;
      const start = performance.now();
      const m = await training.measure();
      run.measureMs += performance.now() - start;
      if (this.run === run) this.keepMeasure(run, m);
    });
  }

  keepMeasure(run, m) {
    run.measureDue = false;
    const accuracy = Object.fromEntries(m.accuracy);
    run.measures.push({
      step: m.step,
      accuracy,
      load: m.load,
      max: m.load_max_over_mean,
      min: m.load_min_over_mean,
      specialty: m.specialty_by_doctor,
      labels: m.labels,
    });
    if (!run.reached && Object.values(accuracy).every((a) => a >= GOAL)) {
      run.reached = { step: m.step, seconds: this.seconds(run) };
    }
    this.dirty.measures = true;
    if (m.step - run.announced >= ANNOUNCE_EVERY || m.step >= run.target || !this.playing) {
      run.announced = m.step;
      this.parts.live.textContent = this.describe(run);
    }
  }

  /** Seconds the run has been playing (steps, measurements and drawing; pauses left out). */
  seconds(run) {
    return (run.playMs + (run.playingSince != null ? performance.now() - run.playingSince : 0)) / 1000;
  }

  describe(run) {
    const { t, percent, format } = this.i18n;
    const m = run.measures.at(-1);
    if (!m) return t('train_status', { step: run.step, count: run.target });
    return t('train_announce', {
      step: m.step,
      en: percent(m.accuracy.en ?? 0),
      pt: percent(m.accuracy['pt-BR'] ?? 0),
      max: format(m.max, 2),
      min: format(m.min, 2),
    });
  }

  /** The run reached its length: the weights become the page's model, and callers hear. */
  async finish(run) {
    if (run.done) return;
    run.done = true;
    this.playing = false;
    this.stopClock(run);
    this.syncButtons();
    const waiters = run.waiters.splice(0);
    try {
      await this.useWeights(run);
      if (this.run !== run) throw Object.assign(new Error('the run was reset before it finished'), { code: 'cancelled' });
      const result = this.result(run);
      for (const waiter of waiters) waiter.resolve(result);
    } catch (error) {
      this.showError(error);
      for (const waiter of waiters) waiter.reject(error);
    }
  }

  /** What `moeClinic.train()` resolves to. */
  result(run) {
    const m = run.measures.at(-1);
    return {
      steps: run.step,
      seconds: this.seconds(run),
      // Where the steps ran: "gpu" (WebGPU) or "cpu", as the engine chose (Training.backend()).
      backend: run.backend.kind,
      loss: [...run.total],
      accuracy: { en: m.accuracy.en, 'pt-BR': m.accuracy['pt-BR'] },
      load: [...m.load],
      loadMaxOverMean: m.max,
      loadMinOverMean: m.min,
      // Extra: when both languages first reached 90% on the held-out sentences, if they did.
      reached90: run.reached,
      stepSeconds: run.stepMs / 1000 / Math.max(1, run.step),
      measureSeconds: run.measureMs / 1000 / Math.max(1, run.measures.length),
    };
  }

  /**
   * The hook: a run with `options` (camelCase, as the README lists), resolving once it has
   * trained `steps` steps. Invalid options reject before the page changes anything.
   */
  async train(options) {
    const settings = trainingSettings(options ?? {});
    const training = await this.hooks.create(trainingOptions(settings, this.hooks.vocab()));
    this.reset();
    this.settings = settings;
    this.syncControls();
    const run = this.newRun(settings);
    this.adopt(run, training);
    this.run = run;
    const done = new Promise((resolve, reject) => run.waiters.push({ resolve, reject }));
    await this.play();
    return done;
  }

  /** The weights as they are now become the clinic's model (the run goes on). */
  async useWeights(run = this.run) {
    if (!run?.training) return;
    this.clearError();
    const snapshot = await this.call(run, async (training) => ({ bytes: await training.exportModel(), card: await training.exportCard(), step: run.step }));
    await this.hooks.install(snapshot);
    // The step of the weights installed (the run may have gone on meanwhile).
    this.parts.note.textContent = this.i18n.t('train_installed', { step: snapshot.step });
  }

  async download(kind) {
    const run = this.run;
    if (!run?.training) return;
    const { card, bytes } = await this.call(run, async (training) => ({
      card: await training.exportCard(),
      bytes: kind === 'model' ? await training.exportModel() : null,
    }));
    const base = (card.weights_file ?? 'trained.safetensors').replace(/\.safetensors$/, '');
    const blob =
      kind === 'model'
        ? new Blob([bytes], { type: 'application/octet-stream' })
        : new Blob([JSON.stringify(card, null, 2)], { type: 'application/json' });
    const url = URL.createObjectURL(blob);
    const link = el('a', { href: url, download: kind === 'model' ? `${base}.safetensors` : `${base}.json`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  /** Weights (and optionally their card) from files: a clinic for them, or a clear message. */
  async loadFiles() {
    const { t } = this.i18n;
    const files = [...this.parts.load.files];
    this.parts.load.value = '';
    if (files.length === 0) return;
    this.clearError();
    const weights = files.find((f) => !/\.json$/i.test(f.name));
    const cardFile = files.find((f) => /\.json$/i.test(f.name));
    if (!weights) {
      this.showError(new Error(t('train_load_no_weights')));
      return;
    }
    let card = null;
    if (cardFile) {
      try {
        card = JSON.parse(await cardFile.text());
      } catch {
        this.showError(new Error(t('train_load_bad_card', { name: cardFile.name })));
        return;
      }
    }
    try {
      const bytes = new Uint8Array(await weights.arrayBuffer());
      const note = await this.hooks.load({ bytes, card, name: weights.name });
      this.parts.note.textContent = note;
    } catch (error) {
      this.showError(new Error(t('train_load_bad', { name: weights.name, message: error.message })));
    }
  }

  syncButtons() {
    const { t } = this.i18n;
    const p = this.parts;
    const run = this.run;
    p.play.classList.toggle('playing', this.playing);
    p.play.setAttribute('aria-pressed', String(this.playing));
    p.play.querySelector('.label').textContent = t(this.playing ? 'train_pause' : run?.step > 0 && !run.done ? 'train_resume' : 'train_play');
    const trained = Boolean(run?.training && run.step > 0);
    for (const node of [p.use, p.downloadModel, p.downloadCard]) node.disabled = !trained;
    p.section.dataset.state = this.playing ? 'running' : run?.done ? 'done' : run?.step > 0 ? 'paused' : 'idle';
  }

  /**
   * Status line and charts: called at most once per animation frame. `throttle` (while
   * playing) leaves the step charts for a later frame if they were drawn very recently;
   * measurements, pauses and the end are always drawn at once.
   */
  draw({ throttle = false } = {}) {
    const run = this.run;
    const { t, format, percent } = this.i18n;
    const p = this.parts;
    const step = run?.step ?? 0;
    p.status.dataset.step = String(step);
    let status = run ? t('train_status', { step, count: run.target }) : t('train_status_idle');
    if (run?.backend) {
      const where = run.backend.kind === 'gpu' ? 'train_on_gpu' : run.backend.reason_code === 'software-adapter' ? 'train_on_cpu_software' : 'train_on_cpu';
      status += ` · ${t(where)}`;
    }
    if (run && step > 0) {
      const seconds = this.seconds(run);
      if (seconds > 0) status += ` · ${t('train_rate', { rate: format(step / seconds, 0) })}`;
      const m = run.measures.at(-1);
      if (m) status += ` · ${t('train_accuracy_now', { en: percent(m.accuracy.en ?? 0), pt: percent(m.accuracy['pt-BR'] ?? 0) })}`;
      if (run.reached) status += ` · ${t('train_reached', { step: run.reached.step, seconds: format(run.reached.seconds, 1) })}`;
    }
    p.status.textContent = status;
    this.syncButtons();
    const now = performance.now();
    if (throttle && this.playing && !this.dirty.measures && now - (this.chartsDrawnAt ?? 0) < CHART_INTERVAL_MS) return;
    this.chartsDrawnAt = now;
    if (this.dirty.steps) {
      this.drawLoss(run);
      this.drawLoad(run);
    }
    if (this.dirty.measures) {
      this.drawAccuracy(run);
      this.drawSpread(run);
      this.drawSpecialty(run);
    }
    if (this.dirty.steps || this.dirty.measures || this.dirty.tables) this.drawTables(run);
    this.dirty = { steps: false, measures: false, tables: false };
  }

  xDomain(run) {
    return [0, Math.max(run?.target ?? this.settings.steps, 1)];
  }

  drawLoss(run) {
    const { t, format } = this.i18n;
    const steps = run?.stepIndex ?? [];
    const panels = {
      total: [
        { key: 'total', values: run?.total ?? [], color: 'var(--ink)' },
        { key: 'cross_entropy', values: run?.crossEntropy ?? [], color: 'var(--accent)', className: 'dashed' },
      ],
      balance: [{ key: 'balance', values: run?.balance ?? [], color: 'var(--doctor-0)' }],
      z_loss: [{ key: 'z_loss', values: run?.zLoss ?? [], color: 'var(--doctor-6)' }],
    };
    for (const [key, series] of Object.entries(panels)) {
      const { box, note } = this.lossPanels[key];
      const all = series.flatMap((s) => s.values);
      const last = series[0].values.at(-1);
      note.textContent = last === undefined ? '' : last === null ? t('not_applicable') : format(last, 3);
      lineChart(box, {
        height: HEIGHTS.lossPanel,
        label: t(`train_loss.${key}`),
        series: series.map((s) => ({ points: binned(s.values, steps), color: s.color, className: s.className, dot: false })),
        domain: { x: this.xDomain(run), y: key === 'balance' ? extent([...all, 1]) : extent(all, { floor: 0 }) },
        refs: key === 'balance' ? [{ y: 1, className: 'even' }] : [],
        format: (v, digits) => format(v, digits),
      });
    }
    legend(this.parts.legends.loss, [
      { name: t('train_loss.total'), color: 'var(--ink)' },
      { name: t('train_loss.cross_entropy'), color: 'var(--accent)', className: 'dashed' },
      { name: t('train_loss.balance'), color: 'var(--doctor-0)' },
      { name: t('train_loss.z_loss'), color: 'var(--doctor-6)' },
    ]);
    this.chartData('loss', steps.length);
  }

  drawAccuracy(run) {
    const { t, percent } = this.i18n;
    const measures = run?.measures ?? [];
    const colors = { en: 'var(--doctor-1)', 'pt-BR': 'var(--doctor-0)' };
    lineChart(this.parts.boxes.accuracy, {
      height: HEIGHTS.accuracy,
      label: t('train_chart_accuracy'),
      series: ['en', 'pt-BR'].map((lang) => ({ points: measures.map((m) => [m.step, m.accuracy[lang] ?? null]), color: colors[lang], className: lang === 'pt-BR' ? 'dashed' : '' })),
      domain: { x: this.xDomain(run), y: [0, 1] },
      refs: [{ y: GOAL, className: 'goal' }],
      yTicks: [0, 0.25, 0.5, 0.75, 1],
      format: (v) => percent(v),
    });
    legend(this.parts.legends.accuracy, [
      { name: t('train_lang.en'), color: colors.en },
      { name: t('train_lang.pt-BR'), color: colors['pt-BR'], className: 'dashed' },
      { name: t('train_goal'), className: 'goal' },
    ]);
    this.chartData('accuracy', measures.length);
  }

  drawLoad(run) {
    const { t, percent } = this.i18n;
    const E = run?.experts ?? this.settings.experts;
    const shares = run?.shares ?? [];
    const size = Math.max(1, Math.ceil(shares.length / MAX_POINTS));
    const rows = [];
    for (let start = 0; start < shares.length; start += size) {
      const end = Math.min(shares.length, start + size);
      const mean = new Float64Array(E);
      for (let i = start; i < end; i++) for (let e = 0; e < E; e++) mean[e] += shares[i][e] / (end - start);
      rows.push([run.stepIndex[end - 1], Array.from(mean)]);
    }
    if (rows.length === 1) rows.unshift([rows[0][0] - 1, rows[0][1]]);
    stackedArea(this.parts.boxes.load, {
      height: HEIGHTS.load,
      label: t('train_chart_load'),
      rows,
      domain: { x: this.xDomain(run) },
      colors: doctorColor,
      refs: Array.from({ length: E - 1 }, (_, e) => (e + 1) / E),
      format: (v) => percent(v),
    });
    legend(
      this.parts.legends.load,
      Array.from({ length: E }, (_, e) => ({ name: t('doctor_short', { index: e + 1 }), color: doctorColor(e), className: e >= 8 ? 'light' : '' })),
    );
    this.chartData('load', shares.length);
  }

  drawSpread(run) {
    const { t, format } = this.i18n;
    const measures = run?.measures ?? [];
    const high = Math.max(2.2, ...measures.map((m) => m.max));
    lineChart(this.parts.boxes.spread, {
      height: HEIGHTS.spread,
      label: t('train_chart_spread'),
      series: [
        { points: measures.map((m) => [m.step, m.max]), color: 'var(--doctor-5)' },
        { points: measures.map((m) => [m.step, m.min]), color: 'var(--doctor-1)', className: 'dashed' },
      ],
      domain: { x: this.xDomain(run), y: [0, high * 1.05] },
      band: [0.5, 2],
      refs: [
        { y: 1, className: 'even' },
        { y: 0.25, className: 'collapse' },
      ],
      format: (v, digits) => `${format(v, digits)}×`,
    });
    legend(this.parts.legends.spread, [
      { name: t('train_spread.max'), color: 'var(--doctor-5)' },
      { name: t('train_spread.min'), color: 'var(--doctor-1)', className: 'dashed' },
      { name: t('train_spread.band'), className: 'band' },
      { name: t('train_spread.collapse'), className: 'collapse' },
    ]);
    const last = measures.at(-1);
    this.parts.boxes.spread.dataset.min = last ? String(last.min) : '';
    this.parts.boxes.spread.dataset.max = last ? String(last.max) : '';
    this.chartData('spread', measures.length);
  }

  drawSpecialty(run) {
    const { t, percent } = this.i18n;
    const m = run?.measures.at(-1);
    const E = run?.experts ?? this.settings.experts;
    const values = m ? m.specialty : SPECIALTIES.map(() => new Array(E).fill(0));
    heatmap(this.parts.boxes.specialty, {
      label: t('train_chart_specialty'),
      values,
      rowLabels: SPECIALTIES.map((s) => t(`specialties.${s}`)),
      colLabels: Array.from({ length: E }, (_, e) => String(e + 1)),
      max: Math.max(0.01, ...values.flat()),
      format: (v) => percent(v).replace(/\s?%$/, ''),
      colTitle: t('train_specialty_doctors'),
    });
    legend(
      this.parts.legends.specialty,
      m ? m.labels.map((label, e) => ({ name: `${e + 1}: ${t(`labels.${label}`)}`, color: doctorColor(e), className: e >= 8 ? 'light' : '' })) : [],
    );
    this.chartData('specialty', m ? 1 : 0);
  }

  /** Test hook and screen readers: how many points a chart holds now. */
  chartData(name, points) {
    this.parts.section.querySelector(`[data-testid=train-chart][data-chart="${name}"]`).dataset.points = String(points);
  }

  /** The tables, built only while open: every TABLE_EVERY steps and the last. */
  drawTables(run) {
    const { t, format, percent } = this.i18n;
    const open = (name) => this.parts.section.querySelector(`details[data-chart="${name}"]`).open;
    const measures = run?.measures ?? [];
    const sampled = [];
    if (run) run.stepIndex.forEach((step, i) => (step % TABLE_EVERY === 0 || i === run.stepIndex.length - 1) && sampled.push(i));
    const value = (v, digits = 3) => (v === null || v === undefined ? t('not_applicable') : format(v, digits));
    const E = run?.experts ?? this.settings.experts;
    const doctors = Array.from({ length: E }, (_, e) => t('doctor_short', { index: e + 1 }));
    const tables = {
      loss: () => ({
        columns: [t('train_table_step'), t('train_loss.total'), t('train_loss.cross_entropy'), t('train_loss.balance'), t('train_loss.z_loss')],
        rows: sampled.map((i) => [String(run.stepIndex[i]), value(run.total[i]), value(run.crossEntropy[i]), value(run.balance[i]), value(run.zLoss[i])]),
      }),
      accuracy: () => ({
        columns: [t('train_table_step'), t('train_lang.en'), t('train_lang.pt-BR')],
        rows: measures.map((m) => [String(m.step), percent(m.accuracy.en ?? 0), percent(m.accuracy['pt-BR'] ?? 0)]),
      }),
      load: () => ({
        columns: [t('train_table_step'), ...doctors],
        rows: sampled.map((i) => [String(run.stepIndex[i]), ...Array.from(run.shares[i], (v) => percent(v))]),
      }),
      spread: () => ({
        columns: [t('train_table_step'), t('train_spread.max'), t('train_spread.min')],
        rows: measures.map((m) => [String(m.step), `${format(m.max, 2)}×`, `${format(m.min, 2)}×`]),
      }),
      specialty: () => {
        const m = measures.at(-1);
        if (!m) return { columns: [t('train_table_specialty'), ...doctors], rows: [] };
        return {
          columns: [t('train_table_specialty'), ...doctors],
          rows: [...SPECIALTIES.map((s, r) => [t(`specialties.${s}`), ...m.specialty[r].map((v) => percent(v))]), [t('train_table_label'), ...m.labels.map((l) => t(`labels.${l}`))]],
        };
      },
    };
    for (const [name, build] of Object.entries(tables)) {
      if (!open(name)) continue;
      const table = this.parts.section.querySelector(`#train-${name}-table`);
      fillTable(table, build());
      table.caption.textContent = t(`train_table_caption.${name}`, { every: TABLE_EVERY });
    }
  }
}
