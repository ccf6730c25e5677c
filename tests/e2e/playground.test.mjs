// The playground page, driven like a visitor would, on Debian's Chromium: routing on WebGPU
// (SwiftShader) and on the CPU fallback, every control against the engine's CPU path (the
// native `moe-clinic route --backend cpu`), both languages, the embed protocol in a
// sandboxed iframe on another origin, bad input, device loss, and an axe-core scan.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPlayground, root, screenshots, startServer, startStaticServer, watchErrors } from './harness.mjs';

const CLI = join(root, 'target', 'debug', 'moe-clinic');
const MARGIN = 1e-5;

let server;
before(async () => {
  server = await startServer();
});
after(() => server.stop());

/** Opens the page and waits until it has routed and drawn a trace. */
const open = (browser, path = '/', options = {}) => openPlayground(browser, server.url, path, options);

/** How many routings the clinic has drawn (its `data-route`). */
const drawnRoutes = (page) => page.evaluate(() => Number(document.getElementById('stage').dataset.route));

/**
 * Waits for a routing after `before` to be drawn for the state now in the URL: the
 * fragment is written before the routing starts, so the URL alone could name a state
 * whose trace is not drawn yet; `data-state` names the state of the trace drawn.
 */
async function drawnFor(page, before, label) {
  await page
    .waitForFunction(
      (n) => {
        const stage = document.getElementById('stage');
        return Number(stage.dataset.route) > n && stage.dataset.state === location.hash;
      },
      before,
      { timeout: 20_000 },
    )
    .catch((e) => {
      throw new Error(`${label}: no routing drawn for the new state (${e.message})`);
    });
}

async function experts(page) {
  return page.getByTestId('token').evaluateAll((nodes) => nodes.map((n) => n.dataset.experts));
}

/** The engine's CPU path for the same state, through the native command line. */
function cliRoute(text, state) {
  // The models the page serves (the binary's default folder is the checkout it was built in).
  const args = ['route', '--backend', 'cpu', '--models', join(root, 'www', 'models'), '--model', state.model, '--router', state.router, '--top-k', String(state.k)];
  if (['switch', 'token-choice', 'expert-choice'].includes(state.router)) args.push('--capacity-factor', String(state.capacityFactor));
  if (state.noise > 0) args.push('--noise', String(state.noise), '--seed', String(state.seed));
  args.push('--', text);
  return JSON.parse(execFileSync(CLI, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
}

/** The page's state from its URL fragment. */
async function pageState(page) {
  return page.evaluate(() => {
    const p = new URLSearchParams(location.hash.slice(1));
    return { model: p.get('m'), router: p.get('r'), k: Number(p.get('k')), capacityFactor: Number(p.get('cf')), noise: Number(p.get('n')), seed: Number(p.get('s')), text: p.get('t') };
  });
}

/**
 * Tokens whose routing the margin rule leaves open (DESIGN.md): probabilities that decide a
 * choice closer than 1e-5. Top-k routers: the order of the top k + 1; dense: the first
 * choice (the rest are all experts, in an order tiny probabilities decide); expert choice:
 * each expert's C-th versus (C+1)-th token, and the order of a token's chosen experts.
 */
function nearTies(expected, state) {
  const ties = new Set();
  const close = (a, b) => Math.abs(a - b) < MARGIN;
  const E = expected.tokens[0]?.probs.length ?? 0;
  expected.tokens.forEach((token, i) => {
    const ranked = [...token.probs].sort((a, b) => b - a);
    const span = state.router === 'dense' ? 2 : state.router === 'expert-choice' ? 0 : state.k + 1;
    for (let j = 0; j + 1 < Math.min(span, E); j++) if (close(ranked[j], ranked[j + 1])) ties.add(i);
    if (state.router === 'expert-choice') {
      const chosen = token.experts.filter((e) => e >= 0).map((e) => token.probs[e]);
      for (let j = 0; j + 1 < chosen.length; j++) if (close(chosen[j], chosen[j + 1])) ties.add(i);
    }
  });
  if (state.router === 'expert-choice' && expected.capacity != null) {
    const C = expected.capacity;
    for (let e = 0; e < E; e++) {
      const column = expected.tokens.map((t, i) => [t.probs[e], i]).sort((a, b) => b[0] - a[0]);
      if (C < column.length && close(column[C - 1][0], column[C][0])) {
        for (const [p, i] of column) if (close(p, column[C - 1][0]) || close(p, column[C][0])) ties.add(i);
      }
    }
  }
  return ties;
}

/** Compares the page's data-experts with the CPU path's under the margin rule. */
async function assertMatchesCpu(page, label) {
  const state = await pageState(page);
  const expected = cliRoute(state.text, state);
  const actual = await experts(page);
  assert.equal(actual.length, expected.tokens.length, `${label}: token count`);
  const ties = nearTies(expected, state);
  expected.tokens.forEach((token, i) => {
    if (ties.has(i)) return;
    const want = token.experts.join(',');
    if (state.router === 'dense') {
      // Every expert, first choice decided; the rest ordered by near-zero probabilities.
      assert.equal(actual[i].split(',')[0], want.split(',')[0], `${label}: token ${i} first choice`);
      assert.deepEqual(actual[i].split(',').sort(), want.split(',').sort(), `${label}: token ${i}`);
    } else {
      assert.equal(actual[i], want, `${label}: token ${i} “${token.text}”`);
    }
  });
  assert.ok(ties.size * 5 <= expected.tokens.length, `${label}: ${ties.size} of ${expected.tokens.length} tokens are near-ties`);
  assert.equal(await page.getByTestId('diagnosis').getAttribute('data-label'), expected.diagnosis.label, `${label}: diagnosis`);
  return expected;
}

describe('on WebGPU (SwiftShader)', () => {
  let browser;
  before(async () => {
    browser = await launch({ webgpu: true });
  });
  after(() => browser.close());

  test('routes, says it ran on WebGPU, and diagnoses', async () => {
    const { page, errors } = await open(browser);
    // Precisely the WebGPU label: "no WebGPU adapter" (the CPU's reason) must not pass.
    assert.match(await page.getByTestId('backend').textContent(), /^WebGPU \(google swiftshader\)$/);
    const trace = await page.evaluate(() =>
      window.moeClinic.route('I get a tight pain in my chest when I climb the stairs.').then((t) => ({
        backend: t.backend.kind,
        tokens: t.tokens.length,
        label: t.diagnosis.label,
      })),
    );
    assert.deepEqual(trace.backend, 'gpu');
    assert.ok(trace.tokens > 5);
    assert.equal(trace.label, 'cardiology');
    assert.equal(await page.getByTestId('diagnosis').getAttribute('data-label'), 'cardiology');
    const loads = await page.getByTestId('expert').evaluateAll((n) => n.filter((x) => !x.dataset.shared).map((x) => Number(x.dataset.load)));
    assert.equal(loads.reduce((a, b) => a + b, 0), trace.tokens * 2, 'top-2, dropless: every token seated twice');
    await assertMatchesCpu(page, 'default');
    await page.screenshot({ path: join(screenshots, 'playground-webgpu.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('every control re-routes exactly as the engine does', async () => {
    const { page, errors } = await open(browser);
    const typed = await drawnRoutes(page);
    await page.getByTestId('input').fill('Minha filha de 4 anos está com febre, tosse e umas manchas vermelhas.');
    await page.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).get('t')?.startsWith('Minha'));
    await drawnFor(page, typed, 'typed text');
    await assertMatchesCpu(page, 'typed text');
    const steps = [
      ['model switch-4', () => page.getByTestId('model').selectOption('switch-4')],
      ['capacity 0.5', () => page.getByTestId('capacity').fill('0.5')],
      ['router token-choice', () => page.getByTestId('router').selectOption('token-choice')],
      ['model mixtral-8', () => page.getByTestId('model').selectOption('mixtral-8')],
      ['k 3', () => page.getByTestId('k').fill('3')],
      ['router expert-choice', () => page.getByTestId('router').selectOption('expert-choice')],
      ['router dense', () => page.getByTestId('router').selectOption('dense')],
      ['noise 1.5', async () => {
        await page.getByTestId('router').selectOption('mixtral');
        await page.getByTestId('noise').fill('1.5');
      }],
      ['preset DeepSeekMoE', () => page.locator('[data-preset=deepseek]').click()],
      ['preset collapse', () => page.locator('[data-preset=collapse]').click()],
      ['preset Switch', () => page.locator('[data-preset=switch]').click()],
    ];
    for (const [label, act] of steps) {
      const before = await page.evaluate(() => location.hash);
      const routes = await drawnRoutes(page);
      await act();
      await page.waitForFunction((h) => location.hash !== h, before, { timeout: 10_000 }).catch((e) => {
        throw new Error(`${label}: the state did not change (${e.message})`);
      });
      await drawnFor(page, routes, label);
      const result = await assertMatchesCpu(page, label);
      if (label === 'preset Switch') {
        // Switch at its trained capacity (1.25) is meant to send patients on, and here does:
        // the drops are in the engine's trace and drawn at the exit once everyone is seen.
        assert.equal((await pageState(page)).capacityFactor, 1.25);
        assert.ok(result.dropped_slots > 0, `Switch drops patients (${result.dropped_slots})`);
        const tokens = await page.getByTestId('token').count();
        await page.evaluate((n) => window.moeClinic.step(n), tokens);
        assert.equal(await page.getByTestId('sent-on').filter({ visible: true }).count(), result.dropped_slots);
        assert.equal(await page.locator('[data-testid=exit]').isVisible(), true);
      }
    }
    // Settings that differ from training are marked, and one action restores them.
    await page.getByTestId('capacity').fill('3');
    await page.locator('#differs').waitFor({ state: 'visible' });
    await page.getByTestId('restore').click();
    await page.locator('#differs').waitFor({ state: 'hidden' });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a lost device is recovered once, then the CPU takes over', async () => {
    const { page, errors } = await open(browser);
    await page.evaluate(() => window.moeClinic.destroyGpuDevice());
    const after1 = await page.evaluate(() => window.moeClinic.route('Itchy rash on my arms.').then((t) => t.backend.kind));
    assert.equal(after1, 'gpu');
    await page.evaluate(() => window.moeClinic.destroyGpuDevice());
    const after2 = await page.evaluate(() => window.moeClinic.route('Itchy rash on my arms.').then((t) => t.backend.kind));
    assert.equal(after2, 'cpu');
    assert.match(await page.getByTestId('backend').textContent(), /CPU/);
    assert.deepEqual(errors.filter((e) => !/lost|destroyed/i.test(e)), []);
    await page.close();
  });

  test('bad input: too long, too many tokens, HTML; the text is kept and nothing runs', async () => {
    const { page, errors } = await open(browser);
    // Any dialog would mean the typed markup ran: record it (and dismiss it) to fail below.
    const dialogs = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      dialog.dismiss().catch(() => {});
    });
    const input = page.getByTestId('input');
    const long = 'dor no peito '.repeat(160);
    await input.fill(long);
    await page.locator('#input-message').waitFor({ state: 'visible' });
    assert.match(await page.locator('#input-message').textContent(), /2000|2,000/);
    assert.equal(await input.inputValue(), long, 'the text is kept as typed');
    const emoji = '🩺'.repeat(300);
    await input.fill(emoji);
    await page.waitForFunction(() => /512/.test(document.querySelector('#input-message').textContent));
    assert.equal(await input.inputValue(), emoji);
    // Each part would set the sentinel (or open a dialog) if it were ever parsed as HTML.
    const html =
      '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><svg onload="window.__pwned=3"></svg>' +
      '<iframe srcdoc="<script>parent.__pwned=4</script>"></iframe><img src=y onerror="alert(5)"> my chest hurts';
    // Positive control: the same markup, parsed as HTML in a scratch element, does run.
    const control = await browser.newPage();
    await control.goto(`${server.url}/engine-demo.html`);
    await control.evaluate((markup) => {
      document.createElement('div').innerHTML = markup;
    }, html);
    await control.waitForFunction(() => window.__pwned === 1, null, { timeout: 10_000 });
    await control.close();
    let routes = await drawnRoutes(page);
    await input.fill(html);
    await drawnFor(page, routes, 'markup');
    await page.locator('#input-message').waitFor({ state: 'hidden' });
    // Give an image's error event and a frame's script the time they would take to run.
    await page.waitForTimeout(500);
    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'nothing in the markup ran');
    assert.deepEqual(dialogs, [], 'no dialog opened');
    assert.equal(await page.locator('#stage img, #stage script, #stage iframe, #stage foreignObject, #table img').count(), 0);
    const words = await page.getByTestId('token').allTextContents();
    assert.ok(words.join('').includes('<img'), 'the markup shows as text');
    await page.screenshot({ path: join(screenshots, 'playground-html-input.png') });
    routes = await drawnRoutes(page);
    await input.fill('');
    await drawnFor(page, routes, 'empty text');
    assert.equal(await page.getByTestId('token').count(), 0);
    assert.equal(await page.getByTestId('diagnosis').getAttribute('data-label'), '');
    await page.screenshot({ path: join(screenshots, 'playground-empty.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('axe-core finds no serious or critical problems (light and dark)', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const { page } = await open(browser, '/', { colorScheme, reducedMotion: 'reduce' });
      await page.addScriptTag({ path: join(root, 'node_modules', 'axe-core', 'axe.min.js') });
      await page.locator('#table-details summary').click();
      // The table is built when opened (its toggle event, a task after the click): scanned built.
      await page.locator('#table tr').first().waitFor();
      const results = await page.evaluate(() =>
        window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }),
      );
      const serious = results.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
      assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target).join(' ')}`), [], colorScheme);
      await page.screenshot({ path: join(screenshots, `playground-${colorScheme}.png`), fullPage: true });
      await page.close();
    }
  });
});

describe('without WebGPU (CPU fallback)', () => {
  let browser;
  before(async () => {
    browser = await launch({ webgpu: false });
  });
  after(() => browser.close());

  test('routes on the CPU, says why, and matches the engine', async () => {
    const { page, errors } = await open(browser);
    assert.equal(await page.getByTestId('backend').textContent(), 'CPU (fallback: this browser offers no WebGPU adapter)');
    await assertMatchesCpu(page, 'cpu default');
    await page.screenshot({ path: join(screenshots, 'playground-cpu.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('Portuguese: ?lang=pt-BR, any pt*, or the browser language; numbers with commas', async () => {
    for (const [path, options] of [['/?lang=pt-BR', {}], ['/?lang=pt', {}], ['/', { locale: 'pt-BR' }]]) {
      const { page, errors } = await open(browser, path, options);
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'pt-BR', path);
      assert.match(await page.locator('h1').textContent(), /Clínica MoE/);
      assert.match(await page.locator('#metrics').textContent(), /\d,\d/, 'decimal commas');
      if (path === '/?lang=pt-BR') await page.screenshot({ path: join(screenshots, 'playground-pt-BR.png'), fullPage: true });
      assert.deepEqual(errors, []);
      await page.close();
    }
    const { page } = await open(browser, '/?lang=xx');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    assert.equal(await page.locator('#url-notice').isVisible(), true);
    await page.close();
  });

  test('the URL fragment is the whole state: whitelisted, clamped, unknown keys ignored', async () => {
    const fragment = '#m=switch-4&r=token-choice&k=99&cf=100&n=-4&s=7&t=' + encodeURIComponent('<b>bold</b> headache') + '&evil=1';
    const { page, errors } = await open(browser, `/${fragment}`);
    const state = await pageState(page);
    assert.deepEqual(
      { model: state.model, router: state.router, k: state.k, cf: state.capacityFactor, n: state.noise, text: state.text },
      { model: 'switch-4', router: 'token-choice', k: 4, cf: 4, n: 0, text: '<b>bold</b> headache' },
    );
    assert.equal(await page.locator('#url-notice').isVisible(), true);
    assert.equal(await page.getByTestId('input').inputValue(), '<b>bold</b> headache');
    assert.equal(await page.locator('#stage b, #app b').count(), 0);
    // A link pasted into the same tab changes only the fragment: the page takes it.
    const before = await drawnRoutes(page);
    await page.evaluate(() => {
      location.hash = '#m=mixtral-8&r=switch&k=1&cf=0.5&t=' + encodeURIComponent('Fever and a cough');
    });
    await drawnFor(page, before, 'a pasted fragment');
    const pasted = await pageState(page);
    assert.deepEqual(
      { model: pasted.model, router: pasted.router, k: pasted.k, cf: pasted.capacityFactor, text: pasted.text },
      { model: 'mixtral-8', router: 'switch', k: 1, cf: 0.5, text: 'Fever and a cough' },
    );
    assert.equal(await page.getByTestId('input').inputValue(), 'Fever and a cough');
    assert.equal(await page.getByTestId('model').inputValue(), 'mixtral-8');
    const { page: other } = await open(browser, '/#m=nonsense&r=magic');
    assert.equal((await pageState(other)).model, 'mixtral-8');
    assert.deepEqual(errors, []);
    await page.close();
    await other.close();
  });

  test('embedded in a sandboxed iframe on another origin: ready, height, route; others ignored', async () => {
    const dir = mkdtempSync(join(root, 'target', 'host-'));
    writeFileSync(
      join(dir, 'index.html'),
      `<!doctype html><html lang="en"><head><title>Host blog post</title><link rel="icon" href="data:,"></head><body>
<h1>A blog post about MoE</h1>
<iframe id="embed" title="MoE Clinic" sandbox="allow-scripts" loading="lazy" width="800" height="600"
  src="${server.url}/?embed=1&lang=pt-BR"></iframe>
<iframe id="stranger" title="Another widget" sandbox="allow-scripts" srcdoc="<script>
  window.addEventListener('message', (e) => {
    if (e.data !== 'attack') return;
    parent.frames[0].postMessage({type: 'moe-clinic:route', text: 'hijacked rash'}, '*');
    parent.postMessage('stranger-sent', '*');
  });
</script>"></iframe>
<script>
  window.received = [];
  window.strangerSent = false;
  window.addEventListener('message', (e) => {
    if (e.data === 'stranger-sent') window.strangerSent = true;
    if (e.source === document.getElementById('embed').contentWindow) window.received.push(e.data);
    if (e.data && e.data.type === 'moe-clinic:height') document.getElementById('embed').style.height = e.data.height + 'px';
  });
</script></body></html>`,
    );
    const host = await startStaticServer(dir);
    const page = await browser.newPage();
    try {
      const errors = watchErrors(page);
      await page.goto(`${host.url}/index.html`);
      await page.waitForFunction(() => window.received.some((m) => m.type === 'moe-clinic:ready'), null, { timeout: 90_000 });
      const heights = await page.evaluate(() => window.received.filter((m) => m.type === 'moe-clinic:height').map((m) => m.height));
      assert.ok(heights.length > 0 && heights.every((h) => Number.isFinite(h) && h > 100), JSON.stringify(heights));
      const frame = page.frames().find((f) => f.url().includes('embed=1'));
      assert.equal(await frame.evaluate(() => document.documentElement.lang), 'pt-BR');
      const routes = () => frame.evaluate(() => Number(document.getElementById('stage').dataset.route));
      // The parent drives the embed.
      await page.evaluate(() => document.getElementById('embed').contentWindow.postMessage({ type: 'moe-clinic:route', text: 'Meu bebê está com febre' }, '*'));
      await frame.waitForFunction(() => document.querySelector('[data-testid=input]').value === 'Meu bebê está com febre');
      await frame.waitForFunction(() => document.querySelector('[data-testid=diagnosis]').dataset.label === 'pediatrics', null, { timeout: 30_000 });
      const before = await routes();
      // Another frame: its message is really sent (it says so) and delivered before the
      // parent's next one, which is honoured; the stranger's never is.
      await page.evaluate(() => document.getElementById('stranger').contentWindow.postMessage('attack', '*'));
      await page.waitForFunction(() => window.strangerSent, null, { timeout: 10_000 });
      // Unknown types and malformed messages from the parent are ignored too.
      await page.evaluate(() => {
        const embed = document.getElementById('embed').contentWindow;
        embed.postMessage({ type: 'moe-clinic:unknown', text: 'x' }, '*');
        embed.postMessage({ type: 'moe-clinic:route', text: 42 }, '*');
        embed.postMessage('moe-clinic:route', '*');
        embed.postMessage(null, '*');
        embed.postMessage({ type: 'moe-clinic:route', text: 'Coceira forte no braço' }, '*');
      });
      await frame.waitForFunction(() => document.getElementById('stage').dataset.state?.includes('Coceira'), null, { timeout: 30_000 });
      assert.equal(await frame.evaluate(() => document.querySelector('[data-testid=input]').value), 'Coceira forte no braço');
      assert.equal(await routes(), before + 1, 'exactly one routing since: the parent\'s; none for the stranger or the malformed messages');
      assert.equal(await frame.locator('.open-full').isVisible(), true);
      await page.screenshot({ path: join(screenshots, 'embed-in-host.png'), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
      host.stop();
    }
  });
});
