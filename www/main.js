// Boots the page: language, options and state from the URL, the model, the controls, the
// embed protocol and scenes, the "Embed" action and the test hooks. Computes nothing
// about the model: the wasm module routes, prices the network and trains; clinic.js,
// busy.js, report.js, network.js and train.js draw.
import init, { Clinic, Training, limits, networkPresets, routers } from './pkg/moe_clinic.js';
import { compactFormatter, loadStrings, numberFormatter, percentFormatter, translator } from './i18n.js';
import { el } from './dom.js';
import {
  COMPACT_EMBED,
  NETWORK_DEFAULTS,
  SCENES,
  differsFromTrained,
  fitState,
  fixesK,
  networkOptions,
  parseFragment,
  parseQuery,
  routingNotes,
  routingOf,
  serializeFragment,
  takesCapacity,
  trainedState,
  vocabulary,
} from './state.js';
import { ClinicView } from './clinic.js';
import { BusyDay } from './busy.js';
import { embedSnippet } from './embed.js';
import { backendText, renderCosts, renderTable } from './report.js';
import { NetworkView } from './network.js';
import { TrainingView } from './train.js';

// Named after the systems that use them (DESIGN.md's router names).
const PRESETS = {
  switch: { model: 'switch-4', router: 'switch', k: 1, capacityFactor: 1.25 },
  mixtral: { model: 'mixtral-8', router: 'mixtral', k: 2 },
  deepseek: { model: 'shared-gp', router: 'mixtral', k: 2 },
  gshard: { model: 'mixtral-8', router: 'token-choice', k: 2, capacityFactor: 1.25 },
  expert_choice: { model: 'mixtral-8', router: 'expert-choice', k: 2, capacityFactor: 1 },
  dense: { model: 'mixtral-8', router: 'dense', k: 8 },
  collapse: { model: 'no-manager', router: 'mixtral', k: 2 },
};
const TYPING_DEBOUNCE_MS = 200;
// The text box grows with its text up to this height (px), then scrolls.
const TEXT_MAX_HEIGHT = 160;
// Wide screens show the settings beside the clinic, always open.
const WIDE = matchMedia('(min-width: 64rem)');

const $ = (id) => document.getElementById(id);
const query = parseQuery(location.search, navigator.languages || []);
const inFrame = window.parent !== window;
// What this page shows: the full page, the compact embed, or one scene of the lesson.
const layout = query.embed ? (query.scene ? SCENES[query.scene] : COMPACT_EMBED) : null;
const measurements = [];
let strings = {};
let t = (key) => key;
let i18n;
let view;
let busy;
let network;
let training;
let models = [];
let tokenizer = null;
const clinics = new Map();
let clinic = null;
let card = null;
let config = null;
let state = null;
let routeCount = 0;
let lastTrace = null;
// The engine's routing rules and limits, from the wasm module once it is loaded.
let vocab = null;
// Every routing, the visitor's and the busy day's, goes through this one queue.
let queue = Promise.resolve();
// What a clinic last routed: `network()` prices a clinic's LAST routing, so pricing the
// routing drawn needs to know whether anything (the busy day) routed since.
let lastRouted = null;
let drawnRouting = null;
// The training dataset, fetched the first time someone trains.
let dataset = null;
// The backend asked for; becomes "cpu" if ?backend=webgpu finds no WebGPU.
let backendChoice = query.backend;
let webgpuMissing = false;
// Until the model is ready, what the visitor types (or a host sends) is kept here and
// routed once ready, instead of being overwritten by the default example.
let booted = false;
let pendingText = null;
let resolveReady;
let rejectReady;
const ready = new Promise((resolve, reject) => {
  resolveReady = resolve;
  rejectReady = reject;
});
// A page that cannot start rejects `ready` with the reason; nobody has to be listening.
ready.catch(() => {});

/** Sends a message to the host page, when embedded. */
function post(message) {
  if (inFrame) window.parent.postMessage(message, '*');
}

function showMessage(id, text) {
  const node = $(id);
  node.hidden = !text;
  node.textContent = text || '';
}

/** A notice over the top of the clinic: it takes no room, so nothing moves when it comes. */
function showNotice(id, text) {
  showMessage(id, text);
  $('notices-close').hidden = ![...$('notices').querySelectorAll('.notice-item')].some((n) => !n.hidden);
}

function enqueue(job) {
  const run = queue.then(job);
  queue = run.catch(() => {});
  return run;
}

/** Grows the text box with its text (and shrinks it back), up to a limit. */
function autosize() {
  const box = $('text');
  box.style.height = 'auto';
  const full = box.scrollHeight + 2;
  box.style.height = `${Math.min(full, TEXT_MAX_HEIGHT)}px`;
  // Past the limit the box scrolls, so every line of a long text can still be reached.
  box.style.overflowY = full > TEXT_MAX_HEIGHT ? 'auto' : 'hidden';
}

function applyStaticStrings() {
  document.documentElement.lang = query.lang;
  document.title = t('title');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const id of ['restart', 'back', 'forward']) $(id).title = t($(id).querySelector('.label').dataset.i18n);
  $('about').replaceChildren(...strings.about.map((text) => el('p', {}, text)));
  // The examples: under the text box, and (for narrow screens, where every line above
  // the clinic counts) inside the settings drawer instead.
  const examples = () => strings.examples.map((text) => el('button', { type: 'button', class: 'chip', onclick: () => setText(text, true) }, text));
  $('examples').replaceChildren(...examples());
  $('drawer-examples').replaceChildren(...examples());
  $('presets').replaceChildren(
    ...Object.keys(PRESETS).map((name) =>
      el(
        'button',
        { type: 'button', class: 'chip', dataset: { preset: name }, 'aria-pressed': 'false', 'aria-describedby': 'preset-text', onclick: (event) => applyPreset(name, event) },
        t(`presets.${name}`),
      ),
    ),
  );
  $('embed-scene').replaceChildren(
    el('option', { value: '' }, t('scenes.default')),
    ...Object.keys(SCENES).map((name) => el('option', { value: name }, t(`scenes.${name}`))),
  );
  $('embed-lang').value = query.lang;
  updateLinks();
}

/** The language link and the "open the full clinic" link keep the routing state. */
function updateLinks() {
  const other = query.lang === 'pt-BR' ? 'en' : 'pt-BR';
  const params = new URLSearchParams({ lang: other });
  if (query.embed) params.set('embed', '1');
  if (query.embed && query.scene) params.set('scene', query.scene);
  if (query.backend !== 'auto') params.set('backend', query.backend);
  const hash = state ? serializeFragment(state) : location.hash;
  const link = $('lang-switch');
  link.href = `?${params}${hash}`;
  link.lang = other;
  const full = new URL(location.href);
  full.searchParams.delete('embed');
  full.searchParams.delete('scene');
  full.hash = hash;
  $('open-full').href = full.toString();
}

/** The router menu, from the engine's own list. */
function fillRouterMenu() {
  $('router').replaceChildren(...vocab.routers.map(({ name }) => el('option', { value: name }, t(`router_names.${name}`))));
}

// Why the CPU runs, by the engine's reason code; any other code shows the engine's words.
const CPU_REASONS = {
  'no-adapter': 'cpu_no_webgpu',
  requested: 'cpu_requested',
  'device-lost-twice': 'gpu_lost',
  'device-unrecoverable': 'gpu_lost',
};

/** The page's own description of why the CPU runs. */
function localBackendText(backend) {
  if (backend.kind === 'gpu') return backendText(backend, t);
  if (webgpuMissing && backend.reason_code === 'requested') return t('backend_cpu', { reason: t('cpu_webgpu_missing') });
  const key = CPU_REASONS[backend.reason_code];
  return t('backend_cpu', { reason: key ? t(key) : backend.reason || '' });
}

async function fetchChecked(url, kind) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return kind === 'bytes' ? new Uint8Array(await response.arrayBuffer()) : kind === 'json' ? response.json() : response.text();
}

/** A clinic on the chosen backend; ?backend=webgpu without WebGPU says so and uses the CPU. */
async function createClinic(bytes) {
  try {
    return await Clinic.create({ model: bytes, tokenizer, backend: backendChoice });
  } catch (error) {
    if (backendChoice !== 'webgpu') throw error;
    backendChoice = 'cpu';
    webgpuMissing = true;
    showNotice('backend-notice', t('webgpu_unavailable'));
    return Clinic.create({ model: bytes, tokenizer, backend: 'cpu' });
  }
}

/**
 * What the page keeps of a new clinic, read while nothing routes on it yet (a routing in
 * flight makes it answer "busy").
 */
function entryOf(instance, modelCard) {
  return { clinic: instance, card: modelCard, config: instance.config(), backend: instance.backend() };
}

/** Creates (once) the clinic for a model, with its card. */
async function clinicFor(name) {
  if (!clinics.has(name)) {
    const entry = models.find((m) => m.name === name);
    const loading = (async () => {
      tokenizer ??= await fetchChecked('models/tokenizer.json', 'text');
      const [bytes, modelCard] = await Promise.all([
        fetchChecked(`models/${entry.weights}`, 'bytes'),
        fetchChecked(`models/${entry.card}`, 'json'),
      ]);
      return entryOf(await createClinic(bytes), modelCard);
    })();
    clinics.set(name, loading);
    loading.catch(() => clinics.delete(name));
  }
  return clinics.get(name);
}

let modelRequests = 0;

/**
 * Makes `name` the current model; false (and nothing changed) where a newer choice came
 * while this one loaded, so that a slow first download never wins over a later pick.
 */
async function loadModel(name) {
  const ticket = ++modelRequests;
  const entry = await clinicFor(name);
  if (ticket !== modelRequests) return false;
  ({ clinic, card, config } = entry);
  view.setModel(card, config);
  network.setModel(config.moe.num_experts);
  // As the clinic was made; each routing drawn then says where it ran.
  $('backend').textContent = localBackendText(entry.backend);
  // Each doctor's derived label and the tokens it most often received in training.
  $('doctor-cards').replaceChildren(
    ...(card.experts ?? []).map((info, e) =>
      el(
        'li',
        {},
        t('doctor_card', {
          doctor: t('doctor', { index: e + 1 }),
          label: t(`labels.${info.label}`),
          tokens: info.top_tokens.slice(0, 6).map((p) => p.replace(/▁/g, ' ').trim() || '␣').join(' · '),
        }),
      ),
    ),
  );
  return true;
}

/** The model menu: the shipped models, then any trained or loaded in this page. */
function fillModelMenu() {
  $('model').replaceChildren(...models.map((m) => el('option', { value: m.name }, m.local ? t(`local_models.${m.name}`) : m.name)));
}

/** Whether a card describes weights of this configuration (its doctors and their number). */
function cardFits(modelCard, modelConfig) {
  const E = modelConfig.moe.num_experts;
  return (
    modelCard !== null &&
    typeof modelCard === 'object' &&
    Array.isArray(modelCard.experts) &&
    modelCard.experts.length === E &&
    modelCard.experts.every(
      (x) => x && typeof x.label === 'string' && Array.isArray(x.top_tokens) && x.top_tokens.every((p) => typeof p === 'string'),
    ) &&
    (modelCard.config?.moe?.num_experts ?? E) === E
  );
}

/**
 * Weights made or loaded in this page become a model of the menu (`trained` or `loaded`)
 * and the clinic's current one. Bad bytes reject with the engine's coded error; a card
 * that does not fit the weights is left out, and the note says so.
 */
async function installModel(name, bytes, modelCard, title) {
  tokenizer ??= await fetchChecked('models/tokenizer.json', 'text');
  const instance = await createClinic(bytes);
  const modelConfig = instance.config();
  const fits = modelCard ? cardFits(modelCard, modelConfig) : false;
  const previous = clinics.get(name);
  // Without a card the doctors have no derived label yet: they are drawn unnamed.
  clinics.set(name, Promise.resolve(entryOf(instance, fits ? modelCard : { experts: [] })));
  const row = { name, local: true, title: { [query.lang]: title } };
  const index = models.findIndex((m) => m.name === name);
  if (index >= 0) models[index] = row;
  else models.push(row);
  fillModelMenu();
  // Picked at once, unless the visitor picked another model meanwhile.
  if (await loadModel(name)) {
    state = fitState({ ...trainedState(config), model: name, text: state.text }, config, vocab).state;
    syncControls();
    await route().catch(() => null);
  }
  // The clinic these weights replace routes nothing any more: freed once the queue has
  // finished whatever it was doing with it.
  if (previous) previous.then(({ clinic: old }) => enqueue(() => old.free())).catch(() => {});
  const experts = modelConfig.moe.num_experts;
  return {
    note: !modelCard
      ? t('train_loaded_no_card', { count: experts })
      : fits
        ? t('train_loaded_with_card', { count: experts })
        : t('train_loaded_card_mismatch', { count: experts }),
  };
}

/** A training run on the shipped dataset (fetched once, the first time). */
async function createTraining(options) {
  tokenizer ??= await fetchChecked('models/tokenizer.json', 'text');
  dataset ??= fetchChecked('models/dataset.safetensors', 'bytes').catch((error) => {
    dataset = null;
    throw error;
  });
  // The clinic's backend choice (?backend=, or "cpu" once WebGPU proved missing); on
  // "auto" the engine trains on the CPU where the WebGPU adapter is a software one.
  return Training.create({ dataset: await dataset, tokenizer, options, backend: backendChoice });
}

function networkParts() {
  return {
    section: document.querySelector('[data-part=network]'),
    devices: $('net-devices'),
    devicesValue: $('net-devices-value'),
    placement: $('net-placement'),
    placementWhy: $('net-placement-why'),
    link: $('net-link'),
    linkWhy: $('net-link-why'),
    device: $('net-device'),
    sizes: $('net-sizes'),
    sizesNote: $('net-sizes-note'),
    summary: $('net-summary'),
    diagram: $('net-diagram'),
    heatmap: $('net-heatmap'),
    trafficTable: $('net-traffic-table'),
    time: $('net-time'),
    timeLegend: $('net-time-legend'),
    timeNote: $('net-time-note'),
    timeTable: $('net-time-table'),
    share: $('net-share'),
    stragglers: $('net-stragglers'),
    stragglerNote: $('net-straggler-note'),
    devicesTable: $('net-devices-table'),
    message: $('net-message'),
  };
}

function trainingParts() {
  const fields = ['experts', 'router', 'topK', 'capacityFactor', 'expertKind', 'shared', 'balance', 'balanceStrength', 'zLoss', 'learningRate', 'batch', 'noise', 'seed', 'steps'];
  const charts = ['loss', 'accuracy', 'load', 'spread', 'specialty'];
  return {
    section: document.querySelector('[data-part=train]'),
    ...Object.fromEntries(fields.map((f) => [f, $(`tr-${f}`)])),
    whys: Object.fromEntries(fields.map((f) => [f, $(`tr-${f}-why`)])),
    presets: $('train-presets'),
    presetText: $('train-preset-text'),
    settingsNow: $('train-settings-now'),
    play: $('train-play'),
    step: $('train-step'),
    reset: $('train-reset'),
    status: $('train-status'),
    live: $('train-live'),
    charts: document.querySelector('.train-charts'),
    boxes: Object.fromEntries(charts.map((c) => [c, $(`train-${c}`)])),
    legends: Object.fromEntries(charts.map((c) => [c, $(`train-${c}-legend`)])),
    use: $('train-use'),
    downloadModel: $('train-download-model'),
    downloadCard: $('train-download-card'),
    load: $('train-file'),
    message: $('train-message'),
    note: $('train-note'),
  };
}

/** A model's description in the visitor's language (the menu shows its short name). */
function modelTitle(name) {
  return models.find((m) => m.name === name)?.title[query.lang] ?? name;
}

/** Reflects the state in the controls and the URL. */
function syncControls() {
  const experts = config.moe.num_experts;
  $('model').value = state.model;
  $('model-note').textContent = modelTitle(state.model);
  $('router').value = state.router;
  $('router-note').textContent = t(`routers.${state.router}`);
  const routerName = t(`router_names.${state.router}`);
  const notes = routingNotes(vocab, t, state.router, experts);
  const k = $('k');
  k.max = String(experts);
  k.value = String(state.k);
  k.disabled = fixesK(vocab, state.router);
  $('k-why').textContent = notes.k;
  const capacity = $('capacity');
  capacity.value = String(state.capacityFactor);
  capacity.disabled = !takesCapacity(vocab, state.router);
  $('capacity-value').textContent = capacity.disabled ? t('capacity_off') : i18n.format(state.capacityFactor, 2);
  $('capacity-why').textContent = notes.capacity;
  $('noise').value = String(state.noise);
  $('noise-value').textContent = i18n.format(state.noise, 1);
  $('differs').hidden = !differsFromTrained(state, config, vocab);
  let active = null;
  for (const button of document.querySelectorAll('[data-preset]')) {
    const preset = PRESETS[button.dataset.preset];
    const on = preset.model === state.model && preset.router === state.router && preset.k === state.k;
    button.setAttribute('aria-pressed', String(on));
    if (on && !active) active = button.dataset.preset;
  }
  // The active preset's explanation is written on the page, not in a tooltip.
  $('preset-text').textContent = active ? t(`preset_hints.${active}`) : t('preset_none');
  $('preset-busy').hidden = active !== 'collapse' || layoutHides('busy');
  // One short line (the rooms show the slots), so the drawer's height never changes.
  $('settings-now').textContent = `${active ? t(`presets.${active}`) : routerName} · k = ${state.k}`;
  try {
    history.replaceState(null, '', `${location.pathname}${location.search}${serializeFragment(state)}`);
  } catch {
    // A sandboxed embed may refuse; the state still lives in the page.
  }
  updateLinks();
}

function layoutHides(part) {
  return layout !== null && !layout.parts.includes(part);
}

/** Routes the current text with the current state; resolves to the trace (or null). */
function route(start) {
  const text = $('text').value;
  const chars = [...text].length;
  const maxChars = vocab.limits.max_chars;
  if (chars > maxChars) {
    // Refused with a message; the text stays exactly as typed. It counts as the latest
    // routing, so that one still in flight draws nothing over the refusal.
    routeCount++;
    showMessage('input-message', t('too_long_chars', { count: chars, limit: maxChars }));
    return Promise.reject(Object.assign(new Error(`the text has ${chars} characters; the limit is ${maxChars}`), { code: 'too-many-characters' }));
  }
  const routing = routingOf(state, vocab);
  const target = clinic;
  const number = ++routeCount;
  const fragment = serializeFragment(state);
  return enqueue(async () => {
    const trace = await target.route(text, routing);
    lastRouted = { clinic: target, text, routing };
    return { trace, priced: priceNow(target) };
  }).then(
    ({ trace, priced }) => {
      if (number !== routeCount) return trace;
      drawnRouting = { clinic: target, text, routing };
      showMessage('input-message', '');
      showMessage('error', '');
      draw(trace, priced);
      // Test hook: the state (as its fragment) of the routing now drawn.
      $('stage').dataset.state = fragment;
      if (start !== undefined) requestAnimationFrame(() => measurements.push(performance.now() - start));
      return trace;
    },
    (error) => {
      // A newer routing (or refusal) has the last word.
      if (number !== routeCount) throw error;
      if (error.code === 'too-many-tokens') showMessage('input-message', t('too_long_tokens', { count: error.count, limit: error.limit }));
      else if (error.code === 'too-many-characters') showMessage('input-message', t('too_long_chars', { count: error.count, limit: error.limit }));
      else showMessage('error', t('error', { message: error.message }));
      throw error;
    },
  );
}

/** The network object for the clinic's last routing, or the error pricing it gave. */
function priceNow(target, settings = network.settings) {
  if (layoutHides('network')) return null;
  try {
    return target.network(networkOptions(settings));
  } catch (error) {
    return error;
  }
}

/**
 * Prices the routing drawn with other network settings. If anything routed on that clinic
 * since (the busy day shares it), the drawn text is routed again first (same text, same
 * routing, so the same trace) so that `network()` prices what the page shows.
 */
function priceDrawn(settings) {
  return enqueue(async () => {
    // Read in the queue: a routing queued before this job is drawn by the time it runs.
    const drawn = drawnRouting;
    // Weights replaced since (a new training snapshot) leave nothing drawn to price.
    if (!drawn || drawn.clinic !== clinic) throw Object.assign(new Error('nothing routed yet with this model'), { code: 'bad-options' });
    const same = lastRouted && lastRouted.clinic === drawn.clinic && lastRouted.text === drawn.text && lastRouted.routing === drawn.routing;
    if (!same) {
      await drawn.clinic.route(drawn.text, drawn.routing);
      lastRouted = drawn;
    }
    // As given: the engine refuses unknown fields and bad values with a coded Error.
    return drawn.clinic.network({ ...settings });
  });
}

function draw(trace, priced) {
  view.show(trace);
  network.routed(trace, priced);
  renderCosts({ loadChart: $('load-chart'), metrics: $('metrics') }, trace, i18n);
  // The table holds T x E cells: built only while its section is open.
  lastTrace = trace;
  if ($('table-details').open) renderTable($('table'), trace, i18n);
  $('backend').textContent = localBackendText(trace.backend);
  const diagnosis = trace.diagnosis ? t(`specialties.${trace.diagnosis.label}`) : t('not_applicable');
  $('live').textContent =
    trace.tokens.length === 0
      ? t('narrate_empty')
      : t('narrate_summary', {
          count: trace.tokens.length,
          router: t(`router_names.${trace.router}`),
          dropped: trace.dropped_slots,
          diagnosis,
        });
}

/** Any control: update the state, re-route at once. */
async function onControl(event, change) {
  if (!booted) return null;
  const start = event ? performance.now() : undefined;
  const next = change({ ...state });
  if (next.model !== state.model) {
    if (!(await loadModel(next.model))) return null;
    const trained = fitState({ ...trainedState(config), model: next.model, text: state.text }, config, vocab).state;
    state = { ...trained, ...next.presetRouting };
  } else {
    state = next;
  }
  delete state.presetRouting;
  state = fitState(state, config, vocab).state;
  syncControls();
  return route(start).catch(() => null);
}

function applyPreset(name, event) {
  const preset = PRESETS[name];
  const done = onControl(event, (s) => {
    const routing = { router: preset.router, k: preset.k, noise: 0 };
    if (preset.capacityFactor !== undefined) routing.capacityFactor = preset.capacityFactor;
    return preset.model === s.model ? { ...s, ...routing } : { ...s, model: preset.model, presetRouting: routing };
  });
  // Collapse shows over many patients, not in one sentence: the busy day shows it.
  if (name === 'collapse' && !layoutHides('busy') && booted) busy.run();
  return done;
}

/**
 * The fragment changed from outside (a link pasted into the same tab, a host setting the
 * iframe's hash): its state is taken as at boot, clamped, and routed. The page's own
 * writes use history.replaceState, which fires no hashchange.
 */
function onHashChange() {
  if (!booted) return;
  const fragment = parseFragment(location.hash, models.map((m) => m.name), vocab);
  if (fragment.adjusted) showNotice('url-notice', t('url_notice'));
  const { model, text, ...routing } = fragment.state;
  if (text !== undefined) {
    $('text').value = text;
    autosize();
    state = { ...state, text };
  }
  return onControl(null, (s) => (model !== undefined && model !== s.model ? { ...s, model, presetRouting: routing } : { ...s, ...routing }));
}

/** New text, typed or given: kept until ready, then routed (at once, or after typing). */
function setText(text, now) {
  $('text').value = text;
  autosize();
  onText(now);
}

let typingTimer = null;
function onText(now) {
  if (!booted) {
    pendingText = $('text').value;
    return;
  }
  state = { ...state, text: $('text').value };
  clearTimeout(typingTimer);
  const go = () => {
    syncControls();
    route().catch(() => null);
  };
  if (now) go();
  else typingTimer = setTimeout(go, TYPING_DEBOUNCE_MS);
}

function wireControls() {
  $('table-details').addEventListener('toggle', () => {
    if ($('table-details').open && lastTrace) renderTable($('table'), lastTrace, i18n);
  });
  $('model').addEventListener('change', (e) => onControl(e, (s) => ({ ...s, model: e.target.value })));
  $('router').addEventListener('change', (e) => onControl(e, (s) => ({ ...s, router: e.target.value })));
  $('k').addEventListener('input', (e) => {
    const k = Number(e.target.value);
    if (Number.isInteger(k) && k >= 1) onControl(e, (s) => ({ ...s, k }));
  });
  $('capacity').addEventListener('input', (e) => onControl(e, (s) => ({ ...s, capacityFactor: Number(e.target.value) })));
  $('noise').addEventListener('input', (e) => onControl(e, (s) => ({ ...s, noise: Number(e.target.value) })));
  $('restore').addEventListener('click', async (e) => {
    await onControl(e, (s) => fitState({ ...s, ...trainedState(config) }, config, vocab).state);
    // The button has just hidden itself: focus goes on to the first setting.
    if (document.activeElement === $('restore') || document.activeElement === document.body) {
      $('settings').querySelector('.control:not([hidden]) select:not(:disabled), .control:not([hidden]) input:not(:disabled)')?.focus();
    }
  });
  $('preset-busy').addEventListener('click', () => {
    document.querySelector('[data-part=busy]').scrollIntoView({ behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
    busy.run();
  });
  for (const id of ['model', 'router', 'k', 'capacity', 'noise', 'embed-open', 'busy-run']) $(id).disabled = false;
  syncControls();
}

/** The "Embed" action: a ready iframe snippet for this state, a scene and a language. */
function wireEmbedDialog() {
  const dialog = $('embed-dialog');
  // The snippet's title and link are in the embed's language: the other one's strings
  // are fetched the first time it is picked.
  const languages = new Map([[query.lang, Promise.resolve(strings)]]);
  let updates = 0;
  const update = async () => {
    const ticket = ++updates;
    const lang = $('embed-lang').value;
    if (!languages.has(lang)) languages.set(lang, loadStrings(lang).catch(() => (languages.delete(lang), strings)));
    const words = await languages.get(lang);
    if (ticket !== updates) return;
    const scene = $('embed-scene').value || null;
    // The current settings, unless the scene's lesson cannot be seen with them (the
    // capacity scene under a router without slots): then the scene's own, text kept.
    const unfit = scene && SCENES[scene].controls.includes('capacity') && !takesCapacity(vocab, state.router);
    $('embed-code').value = embedSnippet({
      page: location.href,
      lang,
      scene,
      fragment: serializeFragment(unfit ? { ...state, ...SCENES[scene].state } : state),
      title: words.embed_title,
      linkText: words.embed_link,
    });
    $('embed-copied').textContent = '';
  };
  $('embed-open').addEventListener('click', async () => {
    if (!booted) return;
    await update();
    dialog.showModal();
  });
  $('embed-scene').addEventListener('change', update);
  $('embed-lang').addEventListener('change', update);
  $('embed-close').addEventListener('click', () => dialog.close());
  $('embed-copy').addEventListener('click', async () => {
    const code = $('embed-code');
    try {
      await navigator.clipboard.writeText(code.value);
    } catch {
      // Where the clipboard API is refused, select the text so that Ctrl+C copies it.
      code.select();
      document.execCommand?.('copy');
    }
    $('embed-copied').textContent = t('embed_copied');
  });
}

/** The embed protocol: route requests from the parent window only; size reports. */
function wireEmbed() {
  window.addEventListener('message', (event) => {
    if (!inFrame || event.source !== window.parent) return;
    const data = event.data;
    if (!data || data.type !== 'moe-clinic:route' || typeof data.text !== 'string') return;
    setText(data.text, true);
  });
  if (!inFrame) return;
  // The height of the content itself (not the document's scroll height, which can never
  // fall below the iframe's own height), so the reports follow it both ways.
  let last = 0;
  const app = $('app');
  const report = () => {
    const height = Math.ceil(app.getBoundingClientRect().height);
    if (height !== last && height > 0) {
      last = height;
      post({ type: 'moe-clinic:height', height });
    }
  };
  new ResizeObserver(report).observe(app);
  report();
}

/** Resolves when `node` is on screen: an embed starts its work only when visible. */
function whenVisible(node) {
  return new Promise((resolve) => {
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        resolve();
      }
    });
    observer.observe(node);
  });
}

/** Shows only the parts (and controls) of the current scene; the full page shows all. */
function applyLayout() {
  const root = document.documentElement;
  root.classList.toggle('embed', query.embed);
  if (query.scene) root.dataset.scene = query.scene;
  if (!layout) return;
  for (const node of document.querySelectorAll('[data-part]')) node.hidden = !layout.parts.includes(node.dataset.part);
  if (layout.controls) {
    for (const node of document.querySelectorAll('[data-control]')) node.hidden = !layout.controls.includes(node.dataset.control);
    // A scene's few controls are shown as they are, not behind a drawer.
    $('settings').open = true;
    $('settings').classList.add('scene-controls');
    if (layout.controls.length === 0) $('settings').hidden = true;
  }
}

async function boot() {
  applyLayout();
  wireEmbed();
  strings = await loadStrings(query.lang);
  t = translator(strings, query.lang);
  i18n = {
    t,
    format: numberFormatter(query.lang),
    compact: compactFormatter(query.lang),
    percent: percentFormatter(query.lang),
  };
  applyStaticStrings();
  if (!query.embed) $('settings').open = WIDE.matches;
  // The training settings too: beside the charts when wide, a drawer on a phone.
  $('train-settings').open = WIDE.matches;
  WIDE.addEventListener('change', () => {
    if (!query.embed) $('settings').open = WIDE.matches;
    $('train-settings').open = WIDE.matches;
  });
  // Text typed (or sent by the host) before now is kept; else the link's, else an example.
  const linkText = new URLSearchParams(location.hash.slice(1)).get('t');
  if (pendingText === null) $('text').value = linkText ?? strings.examples[0];
  autosize();
  if (query.sceneUnknown) showNotice('scene-notice', t('scene_unknown', { scene: new URLSearchParams(location.search).get('scene') }));
  document.documentElement.classList.add('localized');
  const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)').matches;
  view = new ClinicView(
    {
      stage: $('stage'),
      diagnosis: $('diagnosis'),
      diagnosisBars: $('diagnosis-bars'),
      diagnosisPending: $('diagnosis-pending'),
      diagnosisEmpty: $('diagnosis-empty'),
      status: $('status'),
      live: $('live'),
      play: $('play'),
      back: $('back'),
      forward: $('forward'),
      restart: $('restart'),
      speed: $('speed'),
      fallbackFocus: $('text'),
    },
    i18n,
    { reducedMotion },
  );
  busy = new BusyDay({ run: $('busy-run'), status: $('busy-status'), panels: $('busy-panels') }, i18n, {
    // A busy-day routing becomes its clinic's last one: the network's pricing must know.
    enqueue: (job) =>
      enqueue(() => {
        lastRouted = null;
        return job();
      }),
    clinicFor,
    title: modelTitle,
    sentences: async () => {
      // The bundled examples and the held-out test sentences of the visitor's language.
      const heldOut = await fetchChecked('models/patients.json', 'json').catch(() => ({}));
      return [...strings.examples, ...(heldOut[query.lang] ?? [])];
    },
  });
  network = new NetworkView(networkParts(), i18n, { price: priceDrawn });
  training = new TrainingView(trainingParts(), i18n, {
    vocab: () => vocab,
    create: createTraining,
    install: (snapshot) => installModel('trained', snapshot.bytes, snapshot.card, t('train_model_title', { step: snapshot.step })),
    load: async ({ bytes, card: loadedCard, name: fileName }) => {
      const { note } = await installModel('loaded', bytes, loadedCard, t('train_loaded_title', { name: fileName }));
      return note;
    },
  });
  wireEmbedDialog();
  models = await fetchChecked('models/index.json', 'json');
  await whenVisible($('app'));
  await init();
  vocab = vocabulary(routers(), limits());
  network.setPresets(networkPresets(), NETWORK_DEFAULTS);
  training.setup();
  // Menus show the model's short name; its full description is written below the menu.
  fillModelMenu();
  fillRouterMenu();
  const fragment = parseFragment(location.hash, models.map((m) => m.name), vocab);
  const sceneState = layout?.state ?? {};
  const name = fragment.state.model ?? sceneState.model ?? models[0].name;
  await loadModel(name);
  const base = fragment.state.model || fragment.state.router ? {} : sceneState;
  const fitted = fitState({ ...trainedState(config), ...base, ...fragment.state, model: name }, config, vocab);
  state = fitted.state;
  if (fragment.adjusted || fitted.adjusted || query.adjusted) showNotice('url-notice', t('url_notice'));
  state.text = pendingText ?? fragment.state.text ?? strings.examples[0];
  $('text').value = state.text;
  autosize();
  booted = true;
  wireControls();
  $('app').setAttribute('aria-busy', 'false');
  await route().catch(() => null);
  resolveReady();
  post({ type: 'moe-clinic:ready' });
  // The balance scene is the busy day: it runs once it is on screen.
  if (query.scene === 'balance') whenVisible(document.querySelector('[data-part=busy]')).then(() => busy.run());
}

window.addEventListener('hashchange', onHashChange);
$('text').addEventListener('input', () => {
  autosize();
  onText(false);
});
$('notices-close').addEventListener('click', () => {
  for (const node of $('notices').querySelectorAll('.notice-item')) node.hidden = true;
  $('notices-close').hidden = true;
});

// Test hooks (documented in the README).
window.moeClinic = {
  ready,
  measurements,
  // Destroys the WebGPU device under the current model, as a GPU reset would.
  destroyGpuDevice: async () => {
    await ready;
    clinic.destroyGpuDeviceForTesting();
  },
  route: async (text) => {
    await ready;
    $('text').value = String(text);
    autosize();
    state = { ...state, text: $('text').value };
    syncControls();
    return route();
  },
  // Jumps to step n (patients seen) without motion; resolves once drawn.
  step: async (n) => {
    await ready;
    return view.jump(n);
  },
  busyDay: async () => {
    await ready;
    return busy.run();
  },
  // The routing drawn, priced on several hospitals with these settings (the wasm module's
  // network object); the view then shows them. Bad settings reject with the engine's code.
  network: async (settings) => {
    await ready;
    const wanted = { ...network.settings, ...settings };
    const priced = await priceDrawn(wanted);
    network.apply(wanted, priced);
    return priced;
  },
  // A training run (camelCase options, README "Test hooks"); resolves once it has trained
  // its steps, and its weights are then the clinic's model.
  train: async (options) => {
    await ready;
    return training.train(options);
  },
};

boot().catch((error) => {
  document.documentElement.classList.add('localized');
  $('app').setAttribute('aria-busy', 'false');
  showMessage('error', t('error', { message: error.message }));
  $('backend').textContent = t('error', { message: error.message });
  console.error(error);
  rejectReady(error);
});
