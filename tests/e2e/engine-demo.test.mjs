// The engine demo page: the release wasm (wasm-opt 132) loads and routes, on WebGPU with
// SwiftShader and on the CPU fallback, with no console errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, screenshots, startServer, watchErrors } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(() => server.stop());

async function load(webgpu) {
  const browser = await launch({ webgpu });
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/engine-demo.html`);
  const backend = page.getByTestId('backend');
  await backend.filter({ hasNotText: 'starting' }).waitFor({ timeout: 60_000 });
  return { browser, page, errors, backend: await backend.textContent() };
}

for (const webgpu of [true, false]) {
  test(`engine demo routes on ${webgpu ? 'WebGPU' : 'the CPU fallback'}`, async () => {
    const { browser, page, errors, backend } = await load(webgpu);
    try {
      assert.match(backend, webgpu ? /^WebGPU \(google swiftshader\)/ : /^CPU \(no GPU adapter/);
      const rows = page.getByTestId('token');
      assert.equal(await rows.count(), 12);
      for (const experts of await rows.evaluateAll((els) => els.map((e) => e.dataset.experts))) {
        const chosen = experts.split(',').map(Number);
        assert.equal(chosen.length, 2);
        assert.ok(chosen.every((e) => e >= 0 && e < 8) && chosen[0] !== chosen[1], experts);
      }
      await page.screenshot({ path: join(screenshots, `engine-demo-${webgpu ? 'webgpu' : 'cpu'}.png`), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
}

test('the server sends the headers an embed needs', async () => {
  const wasm = await fetch(`${server.url}/pkg/moe_clinic_bg.wasm`);
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal(wasm.headers.get('access-control-allow-origin'), '*');
});
