// Unit tests of the hospitals and training views' pure parts (www/state.js, www/network.js
// formatters), against the real wasm module: the page's training defaults must be the
// facade's own, every preset must be a run the facade accepts, and the page's network
// settings must be ones the engine prices.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BALANCE_STRENGTH,
  NETWORK_DEFAULTS,
  TRAIN_DEFAULTS,
  TRAIN_FIELDS,
  TRAIN_PRESETS,
  fitNetwork,
  networkOptions,
  trainingOptions,
  trainingSettings,
  vocabulary,
} from '../../www/state.js';
import { formatBytes, formatSeconds } from '../../www/network.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let wasm;
let vocab;
let dataset;
let tokenizer;

before(async () => {
  wasm = await import(join(root, 'www', 'pkg', 'moe_clinic.js'));
  await wasm.default({ module_or_path: readFileSync(join(root, 'www', 'pkg', 'moe_clinic_bg.wasm')) });
  vocab = vocabulary(wasm.routers(), wasm.limits());
  dataset = new Uint8Array(readFileSync(join(root, 'www', 'models', 'dataset.safetensors')));
  tokenizer = readFileSync(join(root, 'www', 'models', 'tokenizer.json'), 'utf8');
});

const coded = (code) => (error) => error.code === code;

test('training settings: camelCase options over the defaults; unknown fields and wrong types are coded errors', () => {
  assert.deepEqual(trainingSettings({}), TRAIN_DEFAULTS);
  assert.deepEqual(trainingSettings(undefined), TRAIN_DEFAULTS);
  assert.equal(trainingSettings({ shared: true }).shared, true);
  assert.equal(trainingSettings({ shared: 1 }).shared, true);
  assert.equal(trainingSettings({ shared: 0 }).shared, false);
  // A new balancing mode brings its own default strength, unless one is given.
  assert.equal(trainingSettings({ balance: 'bias' }).balanceStrength, BALANCE_STRENGTH.bias);
  assert.equal(trainingSettings({ balance: 'bias', balanceStrength: 0.05 }).balanceStrength, 0.05);
  assert.throws(() => trainingSettings({ learningrate: 0.1 }), (e) => e.code === 'bad-options' && /learningrate/.test(e.message) && /learningRate/.test(e.message));
  assert.throws(() => trainingSettings({ shared: 'yes' }), coded('bad-options'));
  assert.throws(() => trainingSettings({ experts: '8' }), coded('bad-options'));
  assert.throws(() => trainingSettings({ seed: Number.NaN }), coded('bad-options'));
  assert.throws(() => trainingSettings({ balance: 'manager' }), coded('bad-options'));
  assert.throws(() => trainingSettings([]), coded('bad-options'));
});

test('training options: snake_case for the facade; k and the capacity factor follow the router', () => {
  const mixtral = trainingOptions(trainingSettings({ shared: true }), vocab);
  assert.deepEqual(Object.keys(mixtral).sort(), Object.values(TRAIN_FIELDS).filter((f) => f !== 'capacity_factor').sort());
  assert.equal(mixtral.shared_experts, 1);
  const switchRun = trainingOptions(trainingSettings({ router: 'switch', topK: 2 }), vocab);
  assert.equal(switchRun.top_k, 1, 'Switch fixes k at 1');
  assert.equal(switchRun.capacity_factor, 1.25);
  assert.equal(trainingOptions(trainingSettings({ router: 'dense', experts: 5 }), vocab).top_k, 5);
  // A free k is sent as given, for the facade to refuse.
  assert.equal(trainingOptions(trainingSettings({ topK: 9 }), vocab).top_k, 9);
});

test("the page's training defaults are the facade's: the same run either way", async () => {
  const plain = await wasm.Training.create({ dataset, tokenizer, options: {} });
  const page = await wasm.Training.create({ dataset, tokenizer, options: trainingOptions(TRAIN_DEFAULTS, vocab) });
  try {
    assert.deepEqual(page.config(), plain.config());
    assert.deepEqual((await page.exportCard()).training, (await plain.exportCard()).training);
    // And the same first step, to the bit.
    assert.deepEqual(await page.step(1), await plain.step(1));
  } finally {
    plain.free();
    page.free();
  }
});

test('without navigator.gpu (Node) "auto" trains on the CPU and says why; "webgpu" is refused with a code', async () => {
  const training = await wasm.Training.create({ dataset, tokenizer, options: {}, backend: 'auto' });
  try {
    const backend = training.backend();
    assert.equal(backend.kind, 'cpu');
    assert.equal(backend.reason_code, 'no-adapter');
    assert.match(backend.reason, /navigator\.gpu/);
  } finally {
    training.free();
  }
  await assert.rejects(wasm.Training.create({ dataset, tokenizer, options: {}, backend: 'webgpu' }), coded('no-adapter'));
  await assert.rejects(wasm.Training.create({ dataset, tokenizer, options: {}, backend: 'tpu' }), coded('invalid-config'));
});

test('every preset is a run the facade accepts, with what the preset says', async () => {
  for (const [name, preset] of Object.entries(TRAIN_PRESETS)) {
    const training = await wasm.Training.create({ dataset, tokenizer, options: trainingOptions(trainingSettings(preset), vocab) });
    try {
      const config = training.config();
      const card = await training.exportCard();
      if (preset.router) assert.equal(config.routing.router, preset.router, name);
      if (preset.topK) assert.equal(config.routing.top_k, preset.topK, name);
      if (preset.capacityFactor) assert.deepEqual(config.routing.capacity, { factor: preset.capacityFactor }, name);
      assert.equal(card.training.balance.mode, preset.balance ?? 'aux', name);
    } finally {
      training.free();
    }
  }
  // Out-of-range values are the facade's to refuse, with its code.
  await assert.rejects(wasm.Training.create({ dataset, tokenizer, options: trainingOptions(trainingSettings({ experts: 20 }), vocab) }), coded('invalid-config'));
  await assert.rejects(wasm.Training.create({ dataset, tokenizer, options: trainingOptions(trainingSettings({ topK: 9 }), vocab) }), coded('invalid-config'));
});

test('network settings: 1 to E hospitals, no link for one, a real link for several; the engine prices them', async () => {
  assert.deepEqual(fitNetwork({ ...NETWORK_DEFAULTS, devices: 12 }, 8), { ...NETWORK_DEFAULTS, devices: 8 });
  assert.deepEqual(fitNetwork({ ...NETWORK_DEFAULTS, devices: 0 }, 8), { ...NETWORK_DEFAULTS, devices: 1, link: 'none' });
  assert.equal(fitNetwork({ ...NETWORK_DEFAULTS, devices: 3, link: 'none' }, 8, 'pcie5').link, 'pcie5');
  assert.equal(fitNetwork({ ...NETWORK_DEFAULTS, devices: 3, link: 'none' }, 8, 'none').link, NETWORK_DEFAULTS.link);
  const presets = wasm.networkPresets();
  for (const [key, list] of [['placement', 'placements'], ['link', 'links'], ['device', 'devices'], ['sizes', 'sizes']]) {
    const names = presets[list].map((p) => (typeof p === 'string' ? p : p.name));
    assert.ok(names.includes(NETWORK_DEFAULTS[key]), `${key} ${NETWORK_DEFAULTS[key]} is one of the engine's presets`);
  }
  const clinic = await wasm.Clinic.create({ model: new Uint8Array(readFileSync(join(root, 'www', 'models', 'mixtral-8.safetensors'))), tokenizer, backend: 'cpu' });
  try {
    await clinic.route('My chest hurts when I climb the stairs', {});
    for (const devices of [1, 2, 4, 8]) {
      const settings = fitNetwork({ ...NETWORK_DEFAULTS, devices }, 8);
      const network = clinic.network(networkOptions(settings));
      assert.equal(network.devices, devices);
      assert.equal(network.link.name, settings.link);
    }
  } finally {
    clinic.free();
  }
});

test('seconds and bytes in readable units', () => {
  const format = (v, d) => v.toFixed(d);
  assert.equal(formatSeconds(6.0015e-6, format), '6.00 µs');
  assert.equal(formatSeconds(7.1e-11, format), '71.0 ps');
  assert.equal(formatSeconds(0.049, format), '49.0 ms');
  assert.equal(formatSeconds(0, format), '0 s', 'nothing to wait for, not "0.00 ps"');
  assert.equal(formatSeconds(999.6e-6, format), '1.00 ms', 'the unit chosen after rounding');
  assert.equal(formatBytes(999_950, format), '1.0 MB');
  assert.equal(formatBytes(816, format), '816 B');
  assert.equal(formatBytes(279_000, format), '279 kB');
  assert.equal(formatBytes(1_632, format), '1.6 kB');
});
