// Unit tests of the hospitals view's pure parts (www/state.js, www/network.js formatters),
// against the real wasm module: the page's network settings must be ones the engine prices.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NETWORK_DEFAULTS, fitNetwork, networkOptions } from '../../www/state.js';
import { formatBytes, formatSeconds } from '../../www/network.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let wasm;
let tokenizer;

before(async () => {
  wasm = await import(join(root, 'www', 'pkg', 'moe_clinic.js'));
  await wasm.default({ module_or_path: readFileSync(join(root, 'www', 'pkg', 'moe_clinic_bg.wasm')) });
  tokenizer = readFileSync(join(root, 'www', 'models', 'tokenizer.json'), 'utf8');
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
  assert.equal(formatSeconds(0, format), '0.00 ps');
  assert.equal(formatBytes(816, format), '816 B');
  assert.equal(formatBytes(279_000, format), '279 kB');
  assert.equal(formatBytes(1_632, format), '1.6 kB');
});
