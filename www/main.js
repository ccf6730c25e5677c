// Boots the page: language, options and state from the URL, the model, the controls, the
// embed protocol and the test hooks. Computes nothing about the model: the wasm module
// routes, clinic.js and report.js draw.
import init, { Clinic, limits, routers } from './pkg/moe_clinic.js';
import { compactFormatter, loadStrings, numberFormatter, translate } from './i18n.js';
import {
  differsFromTrained,
  fitState,
  fixesK,
  parseFragment,
  parseQuery,
  routingOf,
  serializeFragment,
  takesCapacity,
  trainedState,
  vocabulary,
} from './state.js';
import { ClinicView } from './clinic.js';
import { backendText, renderCosts, renderTable } from './report.js';

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

const $ = (id) => document.getElementById(id);
const query = parseQuery(location.search, navigator.languages || []);
const inFrame = window.parent !== window;
const measurements = [];
let strings = {};
let t = (key) => key;
let i18n;
let view;
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
let queue = Promise.resolve();
let resolveReady;
const ready = new Promise((resolve) => (resolveReady = resolve));

/** Sends a message to the host page, when embedded. */
function post(message) {
  if (inFrame) window.parent.postMessage(message, '*');
}

function applyStaticStrings() {
  document.documentElement.lang = query.lang;
  document.title = t('title');
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  const other = query.lang === 'pt-BR' ? 'en' : 'pt-BR';
  const link = $('lang-switch');
  link.href = `?lang=${other}${query.embed ? '&embed=1' : ''}${location.hash}`;
  link.lang = other;
  $('about').replaceChildren(...strings.about.map((text) => Object.assign(document.createElement('p'), { textContent: text })));
  $('examples').replaceChildren(
    ...strings.examples.map((text) => {
      const button = Object.assign(document.createElement('button'), { type: 'button', className: 'chip', textContent: text });
      button.addEventListener('click', () => {
        $('text').value = text;
        onText(true);
      });
      return button;
    }),
  );
  $('presets').replaceChildren(
    ...Object.keys(PRESETS).map((name) => {
      const button = Object.assign(document.createElement('button'), {
        type: 'button',
        className: 'chip',
        textContent: t(`presets.${name}`),
        title: t(`preset_hints.${name}`),
      });
      button.dataset.preset = name;
      button.addEventListener('click', (event) => applyPreset(name, event));
      return button;
    }),
  );
}

/** The router menu, from the engine's own list. */
function fillRouterMenu() {
  $('router').replaceChildren(
    ...vocab.routers.map(({ name }) => Object.assign(document.createElement('option'), { value: name, textContent: t(`routers.${name}`) })),
  );
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
  const key = CPU_REASONS[backend.reason_code];
  return t('backend_cpu', { reason: key ? t(key) : backend.reason || '' });
}

function showMessage(id, text) {
  const node = $(id);
  node.hidden = !text;
  node.textContent = text || '';
}

async function fetchChecked(url, kind) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return kind === 'bytes' ? new Uint8Array(await response.arrayBuffer()) : kind === 'json' ? response.json() : response.text();
}

/** Creates (once) the clinic for a model, with its card. */
async function loadModel(name) {
  if (!clinics.has(name)) {
    const entry = models.find((m) => m.name === name);
    tokenizer ??= await fetchChecked('models/tokenizer.json', 'text');
    const [bytes, modelCard] = await Promise.all([
      fetchChecked(`models/${entry.weights}`, 'bytes'),
      fetchChecked(`models/${entry.card}`, 'json'),
    ]);
    const instance = await Clinic.create({ model: bytes, tokenizer, backend: query.backend });
    clinics.set(name, { clinic: instance, card: modelCard, config: instance.config() });
  }
  ({ clinic, card, config } = clinics.get(name));
  view.setModel(card, config);
  $('backend').textContent = localBackendText(clinic.backend());
}

/** Reflects the state in the controls and the URL. */
function syncControls() {
  const experts = config.moe.num_experts;
  $('model').value = state.model;
  $('router').value = state.router;
  const k = $('k');
  k.max = String(experts);
  k.value = String(state.k);
  k.disabled = fixesK(vocab, state.router);
  const capacity = $('capacity');
  capacity.value = String(state.capacityFactor);
  capacity.disabled = !takesCapacity(vocab, state.router);
  $('capacity-value').textContent = capacity.disabled ? t('capacity_off') : i18n.format(state.capacityFactor, 2);
  $('noise').value = String(state.noise);
  $('noise-value').textContent = i18n.format(state.noise, 1);
  $('differs').hidden = !differsFromTrained(state, config, vocab);
  for (const button of document.querySelectorAll('[data-preset]')) {
    const preset = PRESETS[button.dataset.preset];
    const active = preset.model === state.model && preset.router === state.router && preset.k === state.k;
    button.setAttribute('aria-pressed', String(active));
  }
  try {
    history.replaceState(null, '', `${location.pathname}${location.search}${serializeFragment(state)}`);
  } catch {
    // A sandboxed embed may refuse; the state still lives in the page.
  }
  const full = new URL(location.href);
  full.searchParams.delete('embed');
  $('open-full').href = full.toString();
}

/** Routes the current text with the current state; resolves to the trace (or null). */
function route(start) {
  const text = $('text').value;
  const chars = [...text].length;
  const maxChars = vocab.limits.max_chars;
  if (chars > maxChars) {
    // Refused with a message; the text stays exactly as typed.
    showMessage('input-message', t('too_long_chars', { count: chars, limit: maxChars }));
    return Promise.reject(new Error(`the text has ${chars} characters; the limit is ${maxChars}`));
  }
  const routing = routingOf(state, vocab);
  const target = clinic;
  const number = ++routeCount;
  const job = queue.then(() => target.route(text, routing));
  queue = job.catch(() => {});
  return job.then(
    (trace) => {
      if (number !== routeCount) return trace;
      showMessage('input-message', '');
      draw(trace);
      if (start !== undefined) requestAnimationFrame(() => measurements.push(performance.now() - start));
      return trace;
    },
    (error) => {
      if (error.code === 'too-many-tokens') showMessage('input-message', t('too_long_tokens', { count: error.count, limit: error.limit }));
      else if (error.code === 'too-many-characters') showMessage('input-message', t('too_long_chars', { count: error.count, limit: error.limit }));
      else showMessage('error', t('error', { message: error.message }));
      throw error;
    },
  );
}

function draw(trace) {
  view.show(trace);
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
          router: t(`routers.${trace.router}`),
          dropped: trace.dropped_slots,
          diagnosis,
        });
}

/** Any control: update the state, re-route at once. */
async function onControl(event, change) {
  const start = event ? performance.now() : undefined;
  const next = change({ ...state });
  if (next.model !== state.model) {
    await loadModel(next.model);
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
  return onControl(event, (s) => {
    const routing = { router: preset.router, k: preset.k, noise: 0 };
    if (preset.capacityFactor !== undefined) routing.capacityFactor = preset.capacityFactor;
    return preset.model === s.model ? { ...s, ...routing } : { ...s, model: preset.model, presetRouting: routing };
  });
}

let typingTimer = null;
function onText(now) {
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
  $('text').addEventListener('input', () => onText(false));
  $('model').addEventListener('change', (e) => onControl(e, (s) => ({ ...s, model: e.target.value })));
  $('router').addEventListener('change', (e) => onControl(e, (s) => ({ ...s, router: e.target.value })));
  $('k').addEventListener('input', (e) => {
    const k = Number(e.target.value);
    if (Number.isInteger(k) && k >= 1) onControl(e, (s) => ({ ...s, k }));
  });
  $('capacity').addEventListener('input', (e) =>
    onControl(e, (s) => ({ ...s, capacityFactor: Number(e.target.value) })),
  );
  $('noise').addEventListener('input', (e) => onControl(e, (s) => ({ ...s, noise: Number(e.target.value) })));
  $('restore').addEventListener('click', (e) =>
    onControl(e, (s) => fitState({ ...s, ...trainedState(config) }, config, vocab).state),
  );
}

/** The embed protocol: route requests from the parent window only; size reports. */
function wireEmbed() {
  window.addEventListener('message', (event) => {
    if (!inFrame || event.source !== window.parent) return;
    const data = event.data;
    if (!data || data.type !== 'moe-clinic:route' || typeof data.text !== 'string') return;
    $('text').value = data.text;
    onText(true);
  });
  if (!inFrame) return;
  let last = 0;
  const report = () => {
    const height = Math.ceil(document.documentElement.scrollHeight);
    if (height !== last) {
      last = height;
      post({ type: 'moe-clinic:height', height });
    }
  };
  new ResizeObserver(report).observe(document.body);
  report();
}

/** Resolves when the page is on screen: an embed starts GPU work only when visible. */
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

async function boot() {
  if (query.embed) document.documentElement.classList.add('embed');
  strings = await loadStrings(query.lang);
  t = (key, vars) => translate(strings, key, vars);
  i18n = {
    t,
    format: numberFormatter(query.lang),
    compact: compactFormatter(query.lang),
    percent: (p) => `${numberFormatter(query.lang)(100 * p, p >= 0.995 || p < 0.005 ? 0 : 1)}%`,
  };
  applyStaticStrings();
  const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)').matches;
  view = new ClinicView(
    {
      queue: $('queue'),
      desk: $('desk'),
      deskWho: $('desk-who'),
      rooms: $('rooms'),
      sentOn: $('sent-on'),
      sentOnBox: $('sent-on-box'),
      unserved: $('unserved'),
      unservedBox: $('unserved-box'),
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
    },
    i18n,
    reducedMotion,
  );
  wireEmbed();
  models = await fetchChecked('models/index.json', 'json');
  $('model').replaceChildren(
    ...models.map((m) => Object.assign(document.createElement('option'), { value: m.name, textContent: m.title[query.lang] })),
  );
  await whenVisible($('app'));
  await init();
  vocab = vocabulary(routers(), limits());
  fillRouterMenu();
  const fragment = parseFragment(location.hash, models.map((m) => m.name), vocab);
  const name = fragment.state.model ?? models[0].name;
  await loadModel(name);
  const fitted = fitState({ ...trainedState(config), ...fragment.state, model: name }, config, vocab);
  state = fitted.state;
  showMessage('url-notice', fragment.adjusted || fitted.adjusted || query.adjusted ? t('url_notice') : '');
  state.text ??= strings.examples[0];
  $('text').value = state.text;
  wireControls();
  syncControls();
  $('app').setAttribute('aria-busy', 'false');
  await route().catch(() => null);
  resolveReady();
  post({ type: 'moe-clinic:ready' });
}

// Test hooks (documented in the README): route a text and get the trace.
window.moeClinic = {
  ready,
  measurements,
  // Destroys the WebGPU device under the current model, as a GPU reset would.
  destroyGpuDevice: () => clinic.destroyGpuDeviceForTesting(),
  route: async (text) => {
    await ready;
    $('text').value = String(text);
    state = { ...state, text: $('text').value };
    syncControls();
    return route();
  },
};

boot().catch((error) => {
  $('app').setAttribute('aria-busy', 'false');
  showMessage('error', translate(strings, 'error', { message: error.message }));
  $('backend').textContent = translate(strings, 'error', { message: error.message });
  console.error(error);
});
