// Unit tests of the page's pure state functions (www/state.js), with the routing rules
// and limits from the real wasm module, the same ones the page loads: no copy of the
// rules here that could agree with a wrong page.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  COMPACT_EMBED,
  FRAGMENT,
  SCENES,
  differsFromTrained,
  fitK,
  fitState,
  parseFragment,
  parseQuery,
  routingNotes,
  routingOf,
  serializeFragment,
  trainedState,
  vocabulary,
} from '../../www/state.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODELS = ['mixtral-8', 'switch-4'];
const mixtral = { moe: { num_experts: 8 }, routing: { router: 'mixtral', top_k: 2, capacity: 'dropless', noise: null } };
let vocab;

before(async () => {
  const wasm = await import(join(root, 'www', 'pkg', 'moe_clinic.js'));
  await wasm.default({ module_or_path: readFileSync(join(root, 'www', 'pkg', 'moe_clinic_bg.wasm')) });
  vocab = vocabulary(wasm.routers(), wasm.limits());
});

test('the vocabulary is the engine\'s: five routers and their rules', () => {
  assert.deepEqual(
    vocab.routers.map((r) => [r.name, r.top_k, r.capacity]),
    [
      ['mixtral', 'free', 'none'],
      ['switch', 'one', 'optional'],
      ['token-choice', 'free', 'optional'],
      ['expert-choice', 'free', 'required'],
      ['dense', 'all-experts', 'none'],
    ],
  );
  assert.equal(vocab.limits.max_chars, 2000);
  assert.equal(vocab.limits.max_tokens, 512);
});

test('k follows each router\'s rule', () => {
  assert.equal(fitK(vocab, 'switch', 3, 8), 1);
  assert.equal(fitK(vocab, 'dense', 2, 8), 8);
  assert.equal(fitK(vocab, 'mixtral', 9, 8), 8);
  assert.equal(fitK(vocab, 'token-choice', 0, 8), 1);
  assert.deepEqual(fitState({ router: 'switch', k: 3 }, mixtral, vocab), { state: { router: 'switch', k: 1 }, adjusted: true });
  assert.deepEqual(fitState({ router: 'mixtral', k: 2 }, mixtral, vocab).adjusted, false);
});

test('the notes beside k and the capacity name the routers that turn a control on', () => {
  const t = (key, vars = {}) => `${key}${Object.keys(vars).length ? ` ${JSON.stringify(vars)}` : ''}`;
  assert.deepEqual(routingNotes(vocab, t, 'switch', 8), {
    k: 'k_fixed_one {"router":"router_names.switch","routers":"router_names.mixtral, router_names.token-choice, router_names.expert-choice"}',
    capacity: 'capacity_on',
  });
  assert.deepEqual(routingNotes(vocab, t, 'mixtral', 8), {
    k: 'k_free {"count":8}',
    capacity: 'capacity_none {"router":"router_names.mixtral","routers":"router_names.switch, router_names.token-choice, router_names.expert-choice"}',
  });
  assert.match(routingNotes(vocab, t, 'dense', 4).k, /^k_fixed_all /);
});

test('the fragment round-trips through the one table', () => {
  const state = { model: 'switch-4', router: 'token-choice', k: 2, capacityFactor: 0.5, noise: 1.5, seed: 7, text: 'dor & febre #1' };
  const hash = serializeFragment(state);
  assert.deepEqual(
    [...new URLSearchParams(hash.slice(1)).keys()],
    FRAGMENT.map((row) => row.key),
    'written in the table\'s order, text last',
  );
  assert.deepEqual(parseFragment(hash, MODELS, vocab), { state, adjusted: false });
});

test('invalid, out-of-range and between-step values are fixed, with a notice', () => {
  const cases = [
    ['#m=nonsense', {}, true],
    ['#r=magic', {}, true],
    ['#k=9', { k: 9 }, false],
    ['#k=999', { k: 256 }, true],
    ['#cf=100', { capacityFactor: 4 }, true],
    ['#cf=0.3', { capacityFactor: 0.25 }, true],
    ['#n=0.04', { noise: 0 }, true],
    ['#n=-4', { noise: 0 }, true],
    ['#n=abc', {}, true],
    ['#k=', {}, true],
    ['#s=2.6', { seed: 3 }, true],
    ['#evil=1&t=%3Cb%3Ex%3C%2Fb%3E', { text: '<b>x</b>' }, false],
  ];
  for (const [hash, state, adjusted] of cases) {
    assert.deepEqual(parseFragment(hash, MODELS, vocab), { state, adjusted }, hash);
  }
});

test('routing options carry a capacity only for routers that take one', () => {
  const state = { router: 'mixtral', k: 2, capacityFactor: 1.25, noise: 0, seed: 1 };
  assert.deepEqual(routingOf(state, vocab), { router: 'mixtral', top_k: 2 });
  assert.deepEqual(routingOf({ ...state, router: 'expert-choice', noise: 0.5 }, vocab), {
    router: 'expert-choice',
    top_k: 2,
    capacity_factor: 1.25,
    noise: { scale: 0.5, seed: 1 },
  });
});

test('the differs marker compares with the trained routing', () => {
  const trained = fitState(trainedState(mixtral), mixtral, vocab).state;
  assert.equal(differsFromTrained(trained, mixtral, vocab), false);
  assert.equal(differsFromTrained({ ...trained, k: 3 }, mixtral, vocab), true);
  // A capacity factor means nothing to a dropless router.
  assert.equal(differsFromTrained({ ...trained, capacityFactor: 3 }, mixtral, vocab), false);
  assert.equal(differsFromTrained({ ...trained, router: 'token-choice', capacityFactor: 3 }, mixtral, vocab), true);
});

test('query: any pt* is pt-BR, unknown values are ignored with a notice', () => {
  const plain = { embed: false, backend: 'auto', scene: null, sceneUnknown: false };
  assert.deepEqual(parseQuery('?lang=pt', []), { ...plain, lang: 'pt-BR', adjusted: false });
  assert.deepEqual(parseQuery('?lang=xx&backend=quantum', ['pt-PT']), { ...plain, lang: 'pt-BR', adjusted: true });
  assert.equal(parseQuery('?embed=1&backend=cpu').embed, true);
});

test('scenes: known ones in an embed, unknown ones fall back with a notice, none on the full page', () => {
  for (const name of Object.keys(SCENES)) {
    assert.deepEqual([parseQuery(`?embed=1&scene=${name}`).scene, parseQuery(`?embed=1&scene=${name}`).sceneUnknown], [name, false]);
  }
  assert.deepEqual(Object.keys(SCENES), ['routing', 'capacity', 'balance', 'network']);
  const unknown = parseQuery('?embed=1&scene=dialysis');
  assert.deepEqual([unknown.scene, unknown.sceneUnknown, unknown.embed], [null, true, true]);
  assert.deepEqual([parseQuery('?scene=routing').scene, parseQuery('?scene=routing').sceneUnknown], [null, false]);
  // Every scene names only parts and controls the page has.
  const parts = ['intake', 'settings', 'clinic', 'busy', 'costs', 'numbers', 'network', 'train', 'about'];
  const controls = ['examples', 'presets', 'model', 'router', 'k', 'capacity', 'noise'];
  for (const scene of [...Object.values(SCENES), COMPACT_EMBED]) {
    assert.ok(scene.parts.every((p) => parts.includes(p)), JSON.stringify(scene));
    assert.ok(scene.controls === null || scene.controls.every((c) => controls.includes(c)), JSON.stringify(scene));
  }
});
