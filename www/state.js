// Page options (query) and routing state (URL fragment): whitelisted values, clamped
// numbers, unknown keys ignored. The fragment never reaches a server, so sharing a link
// shares the visitor's text without sending it anywhere.
//
// The routing rules (which router fixes k, which takes a capacity) and the limits are not
// written here: they come from the wasm module (`routers()`, `limits()`), the same Rust
// that validates every request, through `vocabulary()`.

/** The page's sliders: what a visitor can pick, within the engine's own limits. */
export const SLIDERS = {
  capacityFactor: { range: [0.25, 4], step: 0.25 },
  noise: { range: [0, 3], step: 0.1 },
};

/**
 * The engine's rules, looked up by router name. `routers` and `limits` are what the wasm
 * module's `routers()` and `limits()` return.
 */
export function vocabulary(routers, limits) {
  return { routers, limits, byName: new Map(routers.map((r) => [r.name, r])) };
}

/**
 * The notes beside k and the capacity factor under `router` with `experts` doctors: what
 * each does, or why it is off and which routers turn it on. The clinic's settings and the
 * training's show the same notes. `t` is the page's translator.
 */
export function routingNotes(vocab, t, router, experts) {
  const routerName = t(`router_names.${router}`);
  const names = (predicate) => vocab.routers.filter(predicate).map((r) => t(`router_names.${r.name}`)).join(', ');
  const kRule = vocab.byName.get(router)?.top_k;
  return {
    k: fixesK(vocab, router)
      ? t(kRule === 'one' ? 'k_fixed_one' : 'k_fixed_all', { router: routerName, routers: names((r) => r.top_k === 'free') })
      : t('k_free', { count: experts }),
    capacity: takesCapacity(vocab, router)
      ? t('capacity_on')
      : t('capacity_none', { router: routerName, routers: names((r) => r.capacity !== 'none') }),
  };
}

/** Whether `router` takes a capacity (a factor the page shows and sends). */
export function takesCapacity(vocab, router) {
  const rule = vocab.byName.get(router)?.capacity;
  return rule === 'optional' || rule === 'required';
}

/** Whether the router fixes k itself (Switch: 1, dense: every expert). */
export function fixesK(vocab, router) {
  return vocab.byName.get(router)?.top_k !== 'free';
}

/** The k a router uses when `k` is asked for with `experts` experts (the engine's rule). */
export function fitK(vocab, router, k, experts) {
  switch (vocab.byName.get(router)?.top_k) {
    case 'one':
      return 1;
    case 'all-experts':
      return experts;
    default:
      return Math.min(experts, Math.max(1, k));
  }
}

function clamp(value, [low, high]) {
  return Math.min(high, Math.max(low, value));
}

/** Rounds to the slider's step, so the value used is the value the knob shows. */
function snap(value, step, low) {
  return Number((low + Math.round((value - low) / step) * step).toFixed(6));
}

/**
 * One row per fragment key: `parseFragment` and `serializeFragment` both follow this
 * table, as TensorFlow Playground's `State.PROPS` does. `values` and `range` take the
 * context `{models, vocab}`.
 */
export const FRAGMENT = [
  { key: 'm', field: 'model', kind: 'choice', values: (ctx) => ctx.models },
  { key: 'r', field: 'router', kind: 'choice', values: (ctx) => ctx.vocab.routers.map((r) => r.name) },
  { key: 'k', field: 'k', kind: 'integer', range: (ctx) => [1, ctx.vocab.limits.max_experts] },
  {
    key: 'cf',
    field: 'capacityFactor',
    kind: 'number',
    range: (ctx) => within(SLIDERS.capacityFactor.range, ctx.vocab.limits.capacity_factor),
    step: SLIDERS.capacityFactor.step,
  },
  {
    key: 'n',
    field: 'noise',
    kind: 'number',
    range: (ctx) => within(SLIDERS.noise.range, [0, ctx.vocab.limits.max_noise_scale]),
    step: SLIDERS.noise.step,
  },
  { key: 's', field: 'seed', kind: 'integer', range: () => [0, 2 ** 31 - 1] },
  // The text goes last, so that a long text does not hide the settings in the link.
  { key: 't', field: 'text', kind: 'text' },
];

/** The part of the page's range the engine accepts. */
function within([low, high], [engineLow, engineHigh]) {
  return [Math.max(low, engineLow), Math.min(high, engineHigh)];
}

/**
 * Embed scenes (`?embed=1&scene=NAME`): each shows the part of the lesson that one
 * paragraph of an article needs, with that part's controls. `parts` name the page's
 * sections (their `data-part`), `controls` the settings shown (their `data-control`),
 * `state` the routing a scene starts from wherever the link's fragment does not say
 * otherwise. A later scene is one more row here (and its strings in i18n/).
 */
export const SCENES = {
  routing: { parts: ['intake', 'settings', 'clinic'], controls: ['router', 'k'], state: {} },
  capacity: {
    parts: ['intake', 'settings', 'clinic'],
    controls: ['router', 'capacity'],
    state: { model: 'switch-4', router: 'switch', k: 1, capacityFactor: 1.25 },
  },
  balance: { parts: ['busy'], controls: [], state: {} },
  // The hospitals: the text box and the network view, whose controls are its own.
  network: { parts: ['intake', 'network'], controls: [], state: {} },
};

/** The embed without a scene: compact, with every control in a closed drawer. */
export const COMPACT_EMBED = { parts: ['intake', 'settings', 'clinic'], controls: null, state: {} };

/**
 * `?lang=&embed=&backend=&scene=`: any `pt*` language means pt-BR; anything unknown is
 * ignored. A scene counts only in an embed; an unknown one falls back to the compact
 * embed, and `sceneUnknown` says so (for a notice).
 */
export function parseQuery(search, browserLanguages = []) {
  const query = new URLSearchParams(search);
  let adjusted = false;
  const pick = (value) => (/^pt/i.test(value) ? 'pt-BR' : /^en/i.test(value) ? 'en' : null);
  let lang = null;
  if (query.has('lang')) {
    lang = pick(query.get('lang'));
    adjusted ||= lang === null;
  }
  lang ??= browserLanguages.map(pick).find(Boolean) ?? 'en';
  const embed = query.get('embed') === '1';
  const backendValue = query.get('backend');
  const backend = backendValue === 'webgpu' || backendValue === 'cpu' ? backendValue : 'auto';
  adjusted ||= backendValue !== null && backend === 'auto';
  const sceneValue = embed ? query.get('scene') : null;
  const scene = sceneValue !== null && Object.hasOwn(SCENES, sceneValue) ? sceneValue : null;
  return { lang, embed, backend, scene, sceneUnknown: sceneValue !== null && scene === null, adjusted };
}

/** Reads one fragment value by its row; `undefined` (and `adjusted`) when invalid. */
function readValue(row, raw, ctx) {
  if (row.kind === 'text') return { value: raw, adjusted: false };
  if (row.kind === 'choice') {
    const ok = row.values(ctx).includes(raw);
    return { value: ok ? raw : undefined, adjusted: !ok };
  }
  const number = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(number)) return { value: undefined, adjusted: true };
  const range = row.range(ctx);
  let value = clamp(row.kind === 'integer' ? Math.round(number) : number, range);
  if (row.step) value = clamp(snap(value, row.step, range[0]), range);
  return { value, adjusted: value !== number };
}

/**
 * The routing state in `#m=&r=&k=&cf=&n=&s=&t=`. A missing or invalid key takes the
 * default; `adjusted` says whether any was invalid, out of range or between slider steps.
 */
export function parseFragment(hash, models, vocab) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const ctx = { models, vocab };
  const state = {};
  let adjusted = false;
  for (const row of FRAGMENT) {
    if (!params.has(row.key)) continue;
    const read = readValue(row, params.get(row.key), ctx);
    adjusted ||= read.adjusted;
    if (read.value !== undefined) state[row.field] = read.value;
  }
  return { state, adjusted };
}

/** The fragment for a state, in the table's order. */
export function serializeFragment(state) {
  const params = new URLSearchParams();
  for (const row of FRAGMENT) params.set(row.key, String(state[row.field]));
  return `#${params.toString()}`;
}

/** The trained settings of a model, from its config's routing. */
export function trainedState(config) {
  const routing = config.routing;
  const capacity = routing.capacity;
  return {
    router: routing.router,
    k: routing.top_k,
    capacityFactor: typeof capacity === 'object' && capacity.factor !== undefined ? capacity.factor : 1.25,
    noise: routing.noise ? routing.noise.scale : 0,
    seed: routing.noise ? routing.noise.seed : 1,
  };
}

/**
 * Fits a state to a model: k within 1..E, or the router's own k. Returns the state and
 * whether k had to change (so that a clamped link gets the same notice as any other).
 */
export function fitState(state, config, vocab) {
  const k = fitK(vocab, state.router, state.k, config.moe.num_experts);
  return { state: { ...state, k }, adjusted: k !== state.k };
}

/** The engine's routing options for a state (DESIGN.md's names). */
export function routingOf(state, vocab) {
  const routing = { router: state.router, top_k: state.k };
  if (takesCapacity(vocab, state.router)) routing.capacity_factor = state.capacityFactor;
  if (state.noise > 0) routing.noise = { scale: state.noise, seed: state.seed };
  return routing;
}

/** Whether the routing differs from the trained one (the page's "differs" marker). */
export function differsFromTrained(state, config, vocab) {
  const trained = fitState(trainedState(config), config, vocab).state;
  return (
    state.router !== trained.router ||
    state.k !== trained.k ||
    (takesCapacity(vocab, state.router) && state.capacityFactor !== trained.capacityFactor) ||
    state.noise !== trained.noise
  );
}

/**
 * The clinic network's settings (DESIGN.md, "The clinic network"): the buildings D, where
 * the doctors live, the link between buildings, the device computing, and whose sizes
 * price the routing. The presets themselves (names, labels, figures) come from the wasm
 * module's `networkPresets()`. The page starts at Mixtral 8x7B's sizes because at the
 * clinic model's own (d 24) every link is pure latency, and the lesson (a faster link
 * moves the balance between computing and travelling) would not show.
 */
export const NETWORK_DEFAULTS = { devices: 4, placement: 'contiguous', link: 'nvlink4', device: 'h100', sizes: 'mixtral-8x7b' };
/** The link that means "no link": the engine accepts it for one building only. */
export const NO_LINK = 'none';

/**
 * Fits network settings to a model of `experts` doctors: 1 <= D <= E, the `none` link
 * for one building and a real one for several (`previousLink`, else the default).
 */
export function fitNetwork(settings, experts, previousLink = NETWORK_DEFAULTS.link) {
  const devices = Math.min(experts, Math.max(1, Math.round(Number(settings.devices) || 1)));
  let link = settings.link;
  if (devices === 1) link = NO_LINK;
  else if (link === NO_LINK) link = previousLink === NO_LINK ? NETWORK_DEFAULTS.link : previousLink;
  return { ...settings, devices, link };
}

/** The wasm module's `network()` options for the page's settings. */
export function networkOptions(settings) {
  const { devices, placement, link, device, sizes } = settings;
  return { devices, placement, link, device, sizes };
}

/**
 * Training settings: the page's names (camelCase, as `moeClinic.train(options)` takes
 * them) and the facade's (snake_case). The defaults are the facade's documented ones, so
 * a run started from the page trains what the facade would train by default; the page
 * still sends every field, so what the controls show is what trains.
 */
export const TRAIN_FIELDS = {
  experts: 'experts',
  topK: 'top_k',
  router: 'router',
  expertKind: 'expert_kind',
  shared: 'shared_experts',
  balance: 'balance',
  balanceStrength: 'balance_strength',
  zLoss: 'z_loss',
  learningRate: 'learning_rate',
  batch: 'batch',
  noise: 'noise',
  seed: 'seed',
  capacityFactor: 'capacity_factor',
  steps: 'steps',
};
export const TRAIN_DEFAULTS = {
  experts: 8,
  topK: 2,
  router: 'mixtral',
  expertKind: 'swiglu',
  shared: false,
  balance: 'aux',
  balanceStrength: 0.1,
  zLoss: 0.001,
  learningRate: 0.01,
  batch: 32,
  noise: 0,
  seed: 1,
  capacityFactor: 1.25,
  steps: 600,
};
/** The balancing modes, and each one's default strength (aux: alpha; bias: gamma). */
export const BALANCE_STRENGTH = { none: 0, aux: 0.1, bias: 0.01 };
export const EXPERT_KINDS = ['swiglu', 'relu', 'gelu'];
export const TRAIN_EXPERTS = [2, 16];

/**
 * One click each (the visitor's other settings are replaced by the defaults plus these).
 * "Without the manager" and "with" differ only in balancing. Both route as Switch does:
 * one doctor per patient with the gate its probability, so that the receptionist learns
 * from the diagnosis too (Mixtral's top-1 renormalises that gate to 1, and its router
 * would learn from the balance loss alone), and slots for everyone (capacity factor 8 =
 * E: nobody is sent on), so that the balance is the lesson. Measured natively on seeds
 * 1-8 (2026-12-02, runs of 200 steps, the schedule as long as the run): without the
 * manager some doctor ends under a quarter of the mean load on 8 of 8 seeds (0.03 to
 * 0.21), and at 600 steps at 0.00 on all 8; with it (alpha 0.3) every doctor stays within
 * 0.57-1.52x the mean. At alpha 0.1 the pull of the diagnosis wins on some seeds (0.29x).
 */
export const TRAIN_PRESETS = {
  with_manager: { router: 'switch', topK: 1, capacityFactor: 8, balance: 'aux', balanceStrength: 0.3 },
  without_manager: { router: 'switch', topK: 1, capacityFactor: 8, balance: 'none' },
  deepseek: { balance: 'bias', balanceStrength: BALANCE_STRENGTH.bias },
  switch: { router: 'switch', topK: 1, capacityFactor: 1.25, expertKind: 'relu' },
};

/** An Error with the stable code the wasm module's errors carry. */
function codedError(message, code) {
  return Object.assign(new Error(message), { code });
}

/**
 * The page's settings for `options` (camelCase, every field optional): the defaults, then
 * the options. Unknown fields and values of the wrong type reject here with a coded Error;
 * ranges are the facade's to check (it names each limit). `shared` takes true/false or 1/0.
 */
export function trainingSettings(options = {}, base = TRAIN_DEFAULTS) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw codedError('training options must be an object', 'bad-options');
  }
  const unknown = Object.keys(options).filter((key) => !Object.hasOwn(TRAIN_FIELDS, key));
  if (unknown.length > 0) {
    throw codedError(`unknown training option ${unknown.map((k) => `\`${k}\``).join(', ')}; expected one of ${Object.keys(TRAIN_FIELDS).join(', ')}`, 'bad-options');
  }
  const settings = { ...base };
  // A new balancing mode brings its own default strength unless one is given.
  if (options.balance !== undefined && options.balanceStrength === undefined) settings.balanceStrength = BALANCE_STRENGTH[options.balance] ?? settings.balanceStrength;
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (key === 'shared') {
      if (![true, false, 0, 1].includes(value)) throw codedError(`shared must be true, false, 0 or 1, not ${JSON.stringify(value)}`, 'bad-options');
      settings.shared = value === true || value === 1;
    } else if (['router', 'expertKind', 'balance'].includes(key)) {
      if (typeof value !== 'string') throw codedError(`${key} must be a string, not ${JSON.stringify(value)}`, 'bad-options');
      settings[key] = value;
    } else {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw codedError(`${key} must be a finite number, not ${JSON.stringify(value)}`, 'bad-options');
      settings[key] = value;
    }
  }
  if (!Object.hasOwn(BALANCE_STRENGTH, settings.balance)) {
    throw codedError(`balance must be one of ${Object.keys(BALANCE_STRENGTH).join(', ')}, not ${JSON.stringify(settings.balance)}`, 'bad-options');
  }
  return settings;
}

/**
 * The facade's options for page settings. k follows the router's own rule where the
 * router fixes it (Switch: 1, dense: every doctor), as the clinic's k does; a free k is
 * sent as given, so the facade can refuse one larger than the doctors. The capacity
 * factor goes only to routers with slots.
 */
export function trainingOptions(settings, vocab) {
  const options = {};
  for (const [key, name] of Object.entries(TRAIN_FIELDS)) options[name] = settings[key];
  options.shared_experts = settings.shared ? 1 : 0;
  if (vocab) {
    if (fixesK(vocab, settings.router)) options.top_k = fitK(vocab, settings.router, settings.topK, settings.experts);
    if (!takesCapacity(vocab, settings.router)) delete options.capacity_factor;
  }
  return options;
}
