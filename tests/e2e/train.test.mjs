// Train the receptionist: a clinic trained in the page through the wasm module's
// Training (CPU path), driven by the test hook and by the controls. The run's result has
// the documented shape and its loss falls; invalid options reject; the "without the
// manager" preset collapses where "with" stays even (step counts measured, see below);
// the trained weights route in the clinic view, match the native CPU path on the same
// downloaded file, and load back to the same routing; the charts and their tables are
// on screen and grow while a run plays; axe; screenshots mid-training on a phone and a
// desktop. On the CPU (headless Chromium without WebGPU); then, in a browser with
// SwiftShader's WebGPU, a run on ?backend=webgpu against the same run on the CPU, and
// "auto" keeping to the CPU on that software adapter.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, layoutShift, openPlayground, root, screenshots, startServer } from './harness.mjs';
import { TRAIN_PRESETS } from '../../www/state.js';

const CLI = join(root, 'target', 'debug', 'moe-clinic');
const TEXT = 'My little boy has a fever and an itchy rash on his arms.';
// Runs of this many steps (the schedule as long as the run), seed 1: measured with the
// facade in node on seeds 1-8, the top-1 clinic without the manager ends with some doctor
// under a quarter of the mean load on 7 of 8 seeds (seed 1: 0.04) and with it every doctor
// within 0.88-1.16x the mean on all 8. A run is reproducible from its seed, so seed 1
// gives the same figures every time on this path.
const COLLAPSE_STEPS = 200;

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launch({ webgpu: false });
});
after(async () => {
  await browser.close();
  server.stop();
});

const open = (path = '/', options = {}) => openPlayground(browser, server.url, path, options);

/** Runs the hook in the page; resolves to its result or to {error, code}. */
const train = (page, options) =>
  page.evaluate((o) => window.moeClinic.train(o).catch((e) => ({ error: e.message, code: e.code })), options);

/** The page's trace for `text` as plain arrays. */
const routed = (page, text) =>
  page.evaluate(
    (t) =>
      window.moeClinic.route(t).then((trace) => ({
        experts: Array.from(trace.expert_index),
        probs: Array.from(trace.probs),
        E: trace.num_experts,
        T: trace.tokens.length,
        label: trace.diagnosis?.label,
      })),
    text,
  );

/** What a visitor sees of the training charts: each one's box, points, and its table's rows. */
function seenCharts(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid=train-chart]')].map((figure) => {
      const svgs = [...figure.querySelectorAll('svg.chart')];
      const box = (n) => n.getBoundingClientRect();
      const details = figure.querySelector('details');
      return {
        name: figure.dataset.chart,
        points: Number(figure.dataset.points),
        visible: svgs.length > 0 && svgs.every((s) => s.checkVisibility() && box(s).width > 100 && box(s).height > 40),
        inside: svgs.every((s) => box(s).right <= document.documentElement.clientWidth + 0.5 && box(s).left >= -0.5),
        drawn: figure.querySelectorAll('path.series, path.area-band, rect.cell').length,
        rows: details.open ? details.querySelectorAll('tbody tr').length : null,
        tableVisible: details.open ? details.querySelector('table').checkVisibility() : null,
      };
    }),
  );
}

describe('train the receptionist', () => {
  test('train() with the defaults: the documented result, a falling loss, and the clinic routes with the weights', async () => {
    const { page, errors } = await open();
    const result = await train(page, { steps: 80 });
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.steps, 80);
    assert.equal(result.backend, 'cpu');
    assert.match(await page.getByTestId('train-status').textContent(), /Step 80 of 80 · on the CPU · /);
    assert.ok(result.seconds > 0);
    assert.equal(result.loss.length, 80);
    assert.ok(result.loss.every(Number.isFinite));
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(result.loss.slice(-20)) < 0.8 * mean(result.loss.slice(0, 10)), `loss falls: ${mean(result.loss.slice(0, 10))} then ${mean(result.loss.slice(-20))}`);
    assert.deepEqual(Object.keys(result.accuracy).sort(), ['en', 'pt-BR']);
    assert.ok(result.accuracy.en > 0.3 && result.accuracy['pt-BR'] > 0.3, JSON.stringify(result.accuracy));
    assert.equal(result.load.length, 8);
    assert.ok(Math.abs(result.load.reduce((a, b) => a + b, 0) - 1) < 1e-6, 'load shares add up to 1');
    assert.ok(result.loadMaxOverMean >= 1 && result.loadMinOverMean <= 1);
    // The weights are now the clinic's model: the menu says so and the rooms follow it.
    assert.equal(await page.getByTestId('model').inputValue(), 'trained');
    const trace = await routed(page, TEXT);
    assert.equal(trace.E, 8);
    assert.equal(await page.getByTestId('token').count(), trace.T);
    assert.deepEqual(
      await page.getByTestId('token').evaluateAll((nodes) => nodes.map((n) => n.dataset.experts)),
      Array.from({ length: trace.T }, (_, t) => trace.experts.slice(t * 2, t * 2 + 2).join(',')),
    );
    assert.ok(await page.getByTestId('clinic').isVisible());
    assert.match(await page.getByTestId('train-note').textContent(), /step 80/);
    // The status line and the live region say where the run stands.
    assert.equal(await page.getByTestId('train-status').getAttribute('data-step'), '80');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('16 doctors and a general practitioner trained here: every room\'s text stays inside its room', async () => {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 375, height: 812 }]) {
      const { page, errors } = await open('/', { viewport });
      const result = await train(page, { experts: 16, shared: true, steps: 20 });
      assert.equal(result.error, undefined, result.error);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.evaluate(() => window.moeClinic.step(3));
      const rooms = await page.evaluate(() =>
        [...document.querySelectorAll('[data-testid=expert]')].map((g) => {
          const walls = g.querySelector('.walls').getBoundingClientRect();
          return [...g.querySelectorAll('text')]
            .filter((x) => x.getBoundingClientRect().width > 0 && x.getComputedTextLength() > 0)
            .map((x) => {
              const b = x.getBoundingClientRect();
              return b.left >= walls.left - 0.5 && b.right <= walls.right + 0.5 ? true : x.textContent;
            });
        }),
      );
      assert.equal(rooms.length, 17);
      assert.deepEqual(rooms.flat().filter((x) => x !== true), [], `${viewport.width}: room text inside its room`);
      await page.screenshot({ path: join(screenshots, `train-16-doctors-${viewport.width}.png`) });
      assert.deepEqual(errors, []);
      await page.close();
    }
  });

  test('invalid options reject with a clear, coded error, and nothing changes', async () => {
    const { page, errors } = await open();
    for (const [options, code, words] of [
      [{ learningrate: 0.1 }, 'bad-options', /learningrate/],
      [{ shared: 'yes' }, 'bad-options', /shared/],
      [{ experts: 20 }, 'invalid-config', /experts must be 2 to 16/],
      [{ topK: 9 }, 'invalid-config', /k = 9/],
      [{ batch: 0 }, 'invalid-config', /batch/],
      [{ balance: 'manager' }, 'bad-options', /balance/],
    ]) {
      const result = await train(page, options);
      assert.equal(result.code, code, JSON.stringify(options));
      assert.match(result.error, words);
    }
    assert.equal(await page.getByTestId('train-status').getAttribute('data-step'), '0');
    assert.equal(await page.getByTestId('model').inputValue(), 'mixtral-8');
    assert.equal(await page.getByTestId('tr-experts').inputValue(), '8');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(`without the manager a doctor falls under a quarter of the mean; with it all stay within 0.5-2x (${COLLAPSE_STEPS} steps)`, async () => {
    const { page, errors } = await open();
    const without = await train(page, { ...TRAIN_PRESETS.without_manager, steps: COLLAPSE_STEPS });
    assert.equal(without.error, undefined, without.error);
    assert.ok(without.loadMinOverMean < 0.25, `without: quietest doctor ${without.loadMinOverMean} of the mean`);
    // The page shows it: the spread chart's last point, under the collapse line.
    assert.ok(Number(await page.locator('#train-spread').getAttribute('data-min')) < 0.25);
    assert.equal(await page.locator('[data-testid=train-preset][data-train-preset=without_manager]').getAttribute('aria-pressed'), 'true');
    await page.locator('[data-part=train]').screenshot({ path: join(screenshots, 'train-without-manager.png') });
    const withManager = await train(page, { ...TRAIN_PRESETS.with_manager, steps: COLLAPSE_STEPS });
    assert.equal(withManager.error, undefined, withManager.error);
    const even = 1 / withManager.load.length;
    for (const share of withManager.load) assert.ok(share >= 0.5 * even && share <= 2 * even, `with: a doctor at ${share / even}x the mean`);
    assert.ok(withManager.loadMinOverMean >= 0.5 && withManager.loadMaxOverMean <= 2);
    await page.locator('[data-part=train]').screenshot({ path: join(screenshots, 'train-with-manager.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('download the weights and card, route them natively, load them back: the same routing; a bad file says why', async () => {
    const { page, errors } = await open();
    const result = await train(page, { steps: 60, seed: 3 });
    assert.equal(result.error, undefined, result.error);
    const trained = await routed(page, TEXT);
    const dir = mkdtempSync(join(root, 'target', 'trained-'));
    const files = {};
    for (const [button, kind] of [['train-download-model', 'model'], ['train-download-card', 'card']]) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(button).click()]);
      files[kind] = join(dir, download.suggestedFilename());
      await download.saveAs(files[kind]);
    }
    assert.match(files.model, /\.safetensors$/);
    assert.match(files.card, /\.json$/);
    const card = JSON.parse(readFileSync(files.card, 'utf8'));
    assert.equal(card.experts.length, 8);
    assert.ok(['en', 'pt-BR'].every((lang) => card.test_accuracy.some((a) => a.lang === lang)));
    // The native CPU path on the downloaded file routes as the page did.
    copyFileSync(join(root, 'www', 'models', 'tokenizer.json'), join(dir, 'tokenizer.json'));
    const name = files.model.split('/').at(-1).replace(/\.safetensors$/, '');
    const native = JSON.parse(execFileSync(CLI, ['route', '--backend', 'cpu', '--models', dir, '--model', name, '--', TEXT], { encoding: 'utf8' }));
    native.tokens.forEach((token, t) => {
      const ranked = [...token.probs].sort((a, b) => b - a);
      // DESIGN.md's margin rule: a choice closer than 1e-5 may go either way.
      if (ranked[1] - ranked[2] < 1e-5 || ranked[0] - ranked[1] < 1e-5) return;
      assert.deepEqual(trained.experts.slice(t * 2, t * 2 + 2), token.experts, `token ${t} “${token.text}”`);
    });
    assert.equal(native.diagnosis.label, trained.label);
    // Loaded back on the page: the same routing, to the bit.
    await page.getByTestId('train-file').setInputFiles([files.model, files.card]);
    await page.waitForFunction(() => document.getElementById('model').value === 'loaded');
    await page.getByTestId('train-note').filter({ hasText: /card|ficha/ }).waitFor();
    const loaded = await routed(page, TEXT);
    assert.deepEqual(loaded.experts, trained.experts);
    assert.deepEqual(loaded.probs, trained.probs);
    // The card's labels name the doctors in the clinic.
    const labels = await page.getByTestId('expert').evaluateAll((rooms) => rooms.map((r) => r.dataset.label));
    assert.deepEqual(labels, card.experts.map((x) => x.label));
    // A file that is not safetensors: a message naming it, and the clinic keeps its model.
    await page.getByTestId('train-file').setInputFiles({ name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('not a model at all') });
    const message = page.getByTestId('train-message');
    await message.waitFor({ state: 'visible' });
    assert.match(await message.textContent(), /broken\.safetensors/);
    assert.equal(await page.getByTestId('model').inputValue(), 'loaded');
    // A card alone is not enough.
    await page.getByTestId('train-file').setInputFiles([files.card]);
    await page.waitForFunction(() => /safetensors/.test(document.querySelector('[data-testid=train-message]').textContent) && !/broken/.test(document.querySelector('[data-testid=train-message]').textContent));
    assert.deepEqual(errors, []);
    await page.close();
  });

  for (const [name, viewport] of [
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 375, height: 812 }],
  ]) {
    test(`${name}: a preset plays; every chart and its table is on screen and grows; Step and Reset; layout steady; axe`, async () => {
      const { page, errors } = await open('/', { viewport });
      await page.locator('[data-part=train]').scrollIntoViewIfNeeded();
      const shiftBefore = await page.evaluate(layoutShift);
      // Open every table first: they must follow the run too.
      for (const summary of await page.locator('[data-testid=train-table] > summary').all()) await summary.click();
      await page.locator('[data-testid=train-preset][data-train-preset=with_manager]').click();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid=train-status]').dataset.step) >= 60, null, { timeout: 60_000 });
      const early = await seenCharts(page);
      await page.locator('[data-testid=train-chart][data-chart=loss]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(screenshots, `train-${name}-mid-training.png`) });
      await page.waitForFunction(() => Number(document.querySelector('[data-testid=train-status]').dataset.step) >= 130, null, { timeout: 60_000 });
      const later = await seenCharts(page);
      assert.deepEqual(early.map((c) => c.name), ['loss', 'accuracy', 'load', 'spread', 'specialty']);
      for (const [i, chart] of later.entries()) {
        assert.ok(chart.visible, `${chart.name} is drawn on screen`);
        assert.ok(chart.inside, `${chart.name} fits the screen`);
        assert.ok(chart.drawn > 0, `${chart.name} has marks`);
        assert.ok(chart.tableVisible && chart.rows > 0, `${chart.name}'s table shows rows`);
        if (chart.name !== 'specialty') {
          assert.ok(chart.points > early[i].points, `${chart.name} grows: ${early[i].points} then ${chart.points}`);
          assert.ok(chart.rows >= early[i].rows, `${chart.name}'s table grows`);
        }
      }
      assert.ok(later.find((c) => c.name === 'loss').rows > early.find((c) => c.name === 'loss').rows, 'the loss table gains rows');
      // Pause: the run holds still.
      await page.getByTestId('train-play').click();
      await page.waitForFunction(() => document.querySelector('[data-part=train]').dataset.state === 'paused');
      const paused = await page.getByTestId('train-status').getAttribute('data-step');
      await page.waitForTimeout(400);
      assert.equal(await page.getByTestId('train-status').getAttribute('data-step'), paused);
      const shift = (await page.evaluate(layoutShift)) - shiftBefore;
      assert.ok(shift < 0.1, `layout shift while training ${shift}`);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= viewport.width, `nothing wider than the screen (${wide})`);
      await page.addScriptTag({ path: join(root, 'node_modules', 'axe-core', 'axe.min.js') });
      const results = await page.evaluate(() =>
        window.axe.run(document.querySelector('[data-part=train]'), { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }),
      );
      const serious = results.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
      assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target).join(' ')}`), []);
      // One step after a pause, then Reset empties the charts.
      await page.getByTestId('train-step').click();
      await page.waitForFunction((n) => document.querySelector('[data-testid=train-status]').dataset.step === String(n + 1), Number(paused));
      await page.getByTestId('train-reset').click();
      await page.waitForFunction(() => document.querySelector('[data-testid=train-status]').dataset.step === '0');
      assert.equal(await page.locator('[data-testid=train-chart][data-chart=loss]').getAttribute('data-points'), '0');
      assert.deepEqual(errors, []);
      await page.close();
    });
  }

  test('Portuguese: the view in pt-BR, decimal commas; axe on the whole page with the network and training tables open', async () => {
    const { page, errors } = await open('/?lang=pt-BR', { viewport: { width: 1280, height: 800 } });
    assert.equal(await page.locator('#train-heading').textContent(), 'Treine a recepcionista');
    const result = await train(page, { steps: 30 });
    assert.equal(result.error, undefined, result.error);
    assert.match(await page.getByTestId('train-status').textContent(), /Passo 30 de 30 · .*passos\/s · acurácia de teste \d+,\d%/);
    for (const summary of await page.locator('[data-part=network] details > summary, [data-testid=train-table] > summary').all()) await summary.click();
    // Each table is built when opened (its toggle event, a task after the click): scanned built.
    await page.waitForFunction(() => [...document.querySelectorAll('[data-part=network] details[open], [data-testid=train-table][open]')].every((d) => d.querySelector('table tr')));
    await page.addScriptTag({ path: join(root, 'node_modules', 'axe-core', 'axe.min.js') });
    for (const colorScheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      const results = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }));
      const serious = results.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
      assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target).join(' ')}`), [], colorScheme);
    }
    await page.locator('[data-part=train]').screenshot({ path: join(screenshots, 'train-pt-BR.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('train on WebGPU (SwiftShader)', () => {
  let gpuBrowser;
  before(async () => {
    gpuBrowser = await launch({ webgpu: true });
  });
  after(() => gpuBrowser.close());

  test('?backend=webgpu trains on the GPU: the same losses as the CPU run; "auto" keeps to the CPU on a software adapter', async () => {
    const run = async (path) => {
      const { page, errors } = await openPlayground(gpuBrowser, server.url, path, {});
      const result = await train(page, { steps: 6 });
      const status = await page.getByTestId('train-status').textContent();
      assert.deepEqual(errors, []);
      await page.close();
      return { result, status };
    };
    const gpu = await run('/?backend=webgpu');
    assert.equal(gpu.result.error, undefined, gpu.result.error);
    assert.equal(gpu.result.backend, 'gpu');
    assert.match(gpu.status, /Step 6 of 6 · on WebGPU · /);
    const cpu = await run('/?backend=cpu');
    assert.equal(cpu.result.backend, 'cpu');
    // Forward, backward and AdamW on the GPU follow the CPU twin step by step (README
    // "Training": per-stage tolerances); six steps of losses stay within 1e-3.
    assert.equal(gpu.result.loss.length, 6);
    for (const [i, loss] of gpu.result.loss.entries()) {
      assert.ok(Math.abs(loss - cpu.result.loss[i]) <= 1e-3 * Math.abs(cpu.result.loss[i]), `step ${i + 1}: ${loss} on WebGPU, ${cpu.result.loss[i]} on the CPU`);
    }
    const auto = await run('/');
    assert.equal(auto.result.backend, 'cpu');
    assert.match(auto.status, /on the CPU \(this WebGPU adapter runs on the CPU too, and trains slower\)/);
  });
});
