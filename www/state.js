// Page options (query) and routing state (URL fragment): whitelisted values, clamped
// numbers, unknown keys ignored. The fragment never reaches a server, so sharing a link
// shares the visitor's text without sending it anywhere.

export const ROUTERS = ['mixtral', 'switch', 'token-choice', 'expert-choice', 'dense'];
export const ROUTERS_WITH_CAPACITY = ['switch', 'token-choice', 'expert-choice'];
export const LIMITS = {
  capacityFactor: [0.25, 4],
  noise: [0, 3],
  seed: [0, 2 ** 31 - 1],
};
export const MAX_TEXT_CHARS = 2000;

function clamp(value, [low, high]) {
  return Math.min(high, Math.max(low, value));
}

/** `?lang=&embed=&backend=`: any `pt*` language means pt-BR; anything unknown is ignored. */
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
  return { lang, embed, backend, adjusted };
}

/**
 * The routing state in `#m=&r=&k=&cf=&n=&s=&t=`. `models` lists valid model names; a
 * missing or invalid key takes the default (`adjusted` says whether any was invalid).
 */
export function parseFragment(hash, models) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  let adjusted = false;
  const state = {};
  if (params.has('m')) {
    if (models.includes(params.get('m'))) state.model = params.get('m');
    else adjusted = true;
  }
  if (params.has('r')) {
    if (ROUTERS.includes(params.get('r'))) state.router = params.get('r');
    else adjusted = true;
  }
  const number = (key, limits, integer) => {
    if (!params.has(key)) return undefined;
    const raw = Number(params.get(key));
    if (!Number.isFinite(raw) || params.get(key).trim() === '') {
      adjusted = true;
      return undefined;
    }
    let value = clamp(integer ? Math.round(raw) : raw, limits);
    if (value !== raw) adjusted = true;
    return value;
  };
  state.k = number('k', [1, 64], true);
  state.capacityFactor = number('cf', LIMITS.capacityFactor, false);
  state.noise = number('n', LIMITS.noise, false);
  state.seed = number('s', LIMITS.seed, true);
  if (params.has('t')) state.text = params.get('t');
  for (const key of Object.keys(state)) if (state[key] === undefined) delete state[key];
  return { state, adjusted };
}

/** The fragment for a state; the text last, so a long text does not hide the settings. */
export function serializeFragment(state) {
  const params = new URLSearchParams();
  params.set('m', state.model);
  params.set('r', state.router);
  params.set('k', String(state.k));
  params.set('cf', String(state.capacityFactor));
  params.set('n', String(state.noise));
  params.set('s', String(state.seed));
  params.set('t', state.text);
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

/** Fits a state to a model: k within 1..E (1 for switch, E for dense). */
export function fitState(state, config) {
  const experts = config.moe.num_experts;
  let k = Math.min(experts, Math.max(1, state.k));
  if (state.router === 'switch') k = 1;
  if (state.router === 'dense') k = experts;
  return { ...state, k };
}

/** The engine's routing options for a state (DESIGN.md's names). */
export function routingOf(state) {
  const routing = { router: state.router, top_k: state.k };
  if (ROUTERS_WITH_CAPACITY.includes(state.router)) routing.capacity_factor = state.capacityFactor;
  if (state.noise > 0) routing.noise = { scale: state.noise, seed: state.seed };
  return routing;
}

/** Whether the routing differs from the trained one (the page's "differs" marker). */
export function differsFromTrained(state, config) {
  const trained = fitState(trainedState(config), config);
  const usesCapacity = ROUTERS_WITH_CAPACITY.includes(state.router);
  return (
    state.router !== trained.router ||
    state.k !== trained.k ||
    (usesCapacity && state.capacityFactor !== trained.capacityFactor) ||
    state.noise !== trained.noise
  );
}
