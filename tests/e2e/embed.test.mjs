// The page as an article's embed and as a first visit: scenes, heights that follow the
// content both ways, the "Embed" action's snippet pasted into a host on another origin,
// text typed or sent before the model is ready, ?backend=webgpu without WebGPU, the busy
// day, and axe-core on every scene and on a phone. On the CPU path.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPlayground, root, screenshots, startServer, startStaticServer, watchErrors } from './harness.mjs';

let server;
let browser;
const hosts = [];
before(async () => {
  server = await startServer();
  browser = await launch({ webgpu: false });
});
after(async () => {
  for (const host of hosts) host.stop();
  await browser.close();
  server.stop();
});

/** A host page on another origin: `body` inside, and every message from a frame recorded. */
async function hostPage(body, viewport = { width: 800, height: 900 }) {
  const dir = mkdtempSync(join(root, 'target', 'host-'));
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><title>Um post sobre MoE</title><link rel="icon" href="data:,"><style>body{margin:0;font-family:sans-serif}</style></head><body>
<h1>Um post sobre MoE</h1>
${body}
<script>
  window.received = [];
  addEventListener('message', (e) => window.received.push(e.data));
</script></body></html>`,
  );
  const host = await startStaticServer(dir);
  hosts.push(host);
  const page = await browser.newPage({ viewport });
  const errors = watchErrors(page);
  await page.goto(`${host.url}/index.html`);
  return { page, errors, host };
}

const readyIn = (page) => page.waitForFunction(() => window.received.some((m) => m && m.type === 'moe-clinic:ready'), null, { timeout: 90_000 });
const embedFrame = (page) => page.frames().find((f) => f.url().includes('embed=1'));

async function axe(target, label) {
  await target.addScriptTag({ path: join(root, 'node_modules', 'axe-core', 'axe.min.js') });
  const results = await target.evaluate(() =>
    window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] }),
  );
  const serious = results.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target).join(' ')}`), [], label);
}

/** What a visitor sees of each part and control of an embed. */
const visibleParts = (frame) =>
  frame.evaluate(() => ({
    parts: Object.fromEntries([...document.querySelectorAll('[data-part]')].map((n) => [n.dataset.part, n.checkVisibility()])),
    controls: Object.fromEntries([...document.querySelectorAll('[data-control]')].map((n) => [n.dataset.control, n.checkVisibility()])),
  }));

describe('scenes', () => {
  test('routing, capacity, balance, network and an unknown scene, each in a 360-px sandboxed iframe; axe-clean', async () => {
    const cases = {
      routing: { parts: ['intake', 'settings', 'clinic'], controls: ['router', 'k'] },
      capacity: { parts: ['intake', 'settings', 'clinic'], controls: ['router', 'capacity'] },
      balance: { parts: ['busy'], controls: [] },
      network: { parts: ['intake', 'network'], controls: [] },
      dialysis: { parts: ['intake', 'settings', 'clinic'], controls: ['examples', 'presets', 'model', 'router', 'k', 'capacity', 'noise'] },
    };
    for (const [scene, want] of Object.entries(cases)) {
      const { page, errors } = await hostPage(
        `<iframe title="MoE" sandbox="allow-scripts" style="display:block;width:360px;height:700px;border:0" src="${server.url}/?embed=1&lang=pt-BR&scene=${scene}"></iframe>`,
        { width: 360, height: 900 },
      );
      await readyIn(page);
      const frame = embedFrame(page);
      if (scene !== 'balance') {
        // Controls sit behind the drawer in the compact embed: open it to see them.
        if (scene === 'dialysis') await frame.locator('#settings > summary').click();
      }
      const seen = await visibleParts(frame);
      assert.deepEqual(Object.keys(seen.parts).filter((p) => seen.parts[p]), want.parts, `${scene}: parts shown`);
      assert.deepEqual(Object.keys(seen.controls).filter((c) => seen.controls[c]), want.controls, `${scene}: controls shown`);
      const notice = frame.getByTestId('scene-notice');
      assert.equal(await notice.isVisible(), scene === 'dialysis', `${scene}: notice only for an unknown scene`);
      if (scene === 'dialysis') assert.match(await notice.textContent(), /“dialysis”/);
      if (scene === 'capacity') {
        // The capacity scene starts from the Switch model with slots, and patients are sent on.
        assert.match(await frame.evaluate(() => location.hash), /m=switch-4&r=switch/);
        const tokens = await frame.getByTestId('token').count();
        await frame.evaluate((n) => window.moeClinic.step(n), tokens);
        assert.ok((await frame.getByTestId('sent-on').filter({ visible: true }).count()) > 0, 'patients sent on are drawn');
        await frame.getByTestId('capacity').fill('4');
        await frame.waitForFunction(() => document.getElementById('stage').dataset.state?.includes('cf=4'));
      }
      if (scene === 'network') {
        // The hospitals for the text in the box: patients drawn, the time bar and the heatmap.
        await frame.waitForFunction(() => document.querySelectorAll('[data-testid=net-patient]').length > 0 && document.querySelector('[data-testid=net-summary]').textContent.length > 0);
        assert.equal(await frame.getByTestId('net-diagram').isVisible(), true);
        assert.equal(await frame.getByTestId('net-time').isVisible(), true);
        assert.equal(await frame.getByTestId('net-heatmap').isVisible(), true);
        assert.ok((await frame.evaluate(() => document.documentElement.scrollWidth)) <= 360, 'nothing wider than the embed');
        await frame.getByTestId('net-link').selectOption('ethernet-100g');
        await frame.waitForFunction(() => Number(document.querySelector('[data-part=network]').dataset.communicationShare) > 0.85);
      }
      if (scene === 'balance') {
        // The busy day runs by itself once on screen, for both clinics.
        await frame.waitForFunction(() => document.getElementById('busy-panels').dataset.state === 'done', null, { timeout: 60_000 });
        const models = await frame.getByTestId('busy-model').evaluateAll((n) => n.map((x) => x.dataset.model));
        assert.deepEqual(models, ['mixtral-8', 'no-manager']);
        assert.equal(await frame.getByTestId('busy-model').first().isVisible(), true);
      }
      await page.screenshot({ path: join(screenshots, `embed-scene-${scene}.png`), fullPage: true });
      await axe(frame, scene);
      assert.deepEqual(errors, [], scene);
      await page.close();
    }
  });
});

describe('embedding', () => {
  test('the height message follows the content both ways', async () => {
    const { page, errors } = await hostPage(
      `<iframe id="embed" title="MoE" sandbox="allow-scripts" style="display:block;width:360px;height:640px;border:0" src="${server.url}/?embed=1&lang=pt-BR"></iframe>
<script>addEventListener('message', (e) => { if (e.data && e.data.type === 'moe-clinic:height') document.getElementById('embed').style.height = e.data.height + 'px'; });</script>`,
      { width: 360, height: 800 },
    );
    await readyIn(page);
    const heights = () => page.evaluate(() => window.received.filter((m) => m.type === 'moe-clinic:height').map((m) => m.height));
    const send = (text) => page.evaluate((t) => document.getElementById('embed').contentWindow.postMessage({ type: 'moe-clinic:route', text: t }, '*'), text);
    const first = (await heights()).at(-1);
    // The frame's own height must not hold the report up: content, not scroll height.
    assert.ok(Math.abs(first - (await embedFrame(page).evaluate(() => document.getElementById('app').getBoundingClientRect().height))) <= 1);
    await send('Dor no peito. '.repeat(30));
    await page.waitForFunction((h) => window.received.filter((m) => m.type === 'moe-clinic:height').at(-1).height > h, first, { timeout: 20_000 });
    const tall = (await heights()).at(-1);
    await send('Febre.');
    await page.waitForFunction((h) => window.received.filter((m) => m.type === 'moe-clinic:height').at(-1).height < h, tall, { timeout: 20_000 });
    const short = (await heights()).at(-1);
    assert.ok(short < tall && short <= first, `heights ${first} -> ${tall} -> ${short}`);
    assert.equal(await page.evaluate(() => document.getElementById('embed').getBoundingClientRect().height), short, 'the host follows');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('"Embed" gives a snippet that works pasted into a host page on another origin', async () => {
    const { page, errors } = await openPlayground(browser, server.url, '/?lang=pt-BR#m=switch-4&r=switch&k=1&cf=0.5&t=Dor%20no%20peito%20ao%20subir%20escada');
    await page.getByTestId('embed-open').click();
    await page.locator('#embed-dialog').waitFor({ state: 'visible' });
    await page.getByTestId('embed-scene').selectOption('capacity');
    const code = await page.getByTestId('embed-code').inputValue();
    assert.match(code, /scene=capacity/);
    assert.match(code, /lang=pt-BR/);
    assert.match(code, /title="Clínica MoE: /);
    // The snippet's title and link follow the embed's language, not the page's.
    const snippet = () => page.getByTestId('embed-code').inputValue();
    await page.getByTestId('embed-lang').selectOption('en');
    await page.waitForFunction(() => /lang=en/.test(document.querySelector('[data-testid=embed-code]').value));
    assert.match(await snippet(), /title="MoE Clinic: [^"]*"[^]*>Open the MoE Clinic<\/a>/);
    await page.getByTestId('embed-lang').selectOption('pt-BR');
    await page.waitForFunction(() => /lang=pt-BR/.test(document.querySelector('[data-testid=embed-code]').value));
    assert.equal(await snippet(), code, 'back to the same snippet');
    await page.screenshot({ path: join(screenshots, 'embed-dialog.png') });
    await page.getByTestId('embed-copy').click();
    await page.locator('#embed-copied').filter({ hasText: /Copiado/ }).waitFor();
    await axe(page, 'embed dialog');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#embed-dialog').isVisible(), false);
    assert.deepEqual(errors, []);
    await page.close();

    // Pasted as is into an article on another origin.
    const { page: article, errors: articleErrors } = await hostPage(`<p>Um parágrafo sobre capacidade.</p>\n${code}\n<p>Fim.</p>`, { width: 420, height: 900 });
    await readyIn(article);
    const frame = embedFrame(article);
    assert.equal(await frame.evaluate(() => document.documentElement.lang), 'pt-BR');
    assert.equal(await frame.evaluate(() => origin), 'null', 'sandboxed: an opaque origin');
    assert.equal(await frame.evaluate(() => document.querySelector('[data-testid=input]').value), 'Dor no peito ao subir escada', 'the text came along');
    assert.match(await frame.evaluate(() => location.hash), /m=switch-4&r=switch&k=1&cf=0.5/, 'the state came along');
    assert.equal(await frame.getByTestId('capacity').isVisible(), true, 'the scene\'s control');
    assert.equal(await frame.getByTestId('model').isVisible(), false);
    // The snippet's own script sized the iframe from the embed's report.
    await article.waitForFunction(() => {
      const heights = window.received.filter((m) => m.type === 'moe-clinic:height');
      return heights.length && document.querySelector('iframe').getBoundingClientRect().height === heights.at(-1).height;
    });
    await article.screenshot({ path: join(screenshots, 'embed-snippet-in-article.png'), fullPage: true });
    assert.deepEqual(articleErrors, []);
    await article.close();

    // From the default state (Mixtral: no appointment slots) the capacity scene takes its
    // own settings, so that its lesson can be seen; the text comes along.
    const { page: plain } = await openPlayground(browser, server.url, '/#t=Febre%20alta');
    await plain.getByTestId('embed-open').click();
    await plain.getByTestId('embed-scene').selectOption('capacity');
    await plain.waitForFunction(() => /scene=capacity/.test(document.querySelector('[data-testid=embed-code]').value));
    const fragment = decodeURIComponent((await plain.getByTestId('embed-code').inputValue()).match(/<iframe src="[^"#]*(#[^"]*)"/)[1].replace(/&amp;/g, '&'));
    assert.match(fragment, /m=switch-4&r=switch&k=1&cf=1.25/);
    assert.match(fragment, /t=Febre\+alta/);
    await plain.close();
  });

  test('text a host sends before the model is ready is kept and routed once ready', async () => {
    const { page, errors } = await hostPage(
      `<iframe id="embed" title="MoE" sandbox="allow-scripts" style="width:420px;height:700px;border:0" src="${server.url}/?embed=1&lang=pt-BR"></iframe>
<script>
  // Sent the moment the frame's document has loaded: long before the model is ready.
  document.getElementById('embed').addEventListener('load', (e) => e.target.contentWindow.postMessage({ type: 'moe-clinic:route', text: 'Meu filho de 2 anos com febre alta' }, '*'));
</script>`,
    );
    await readyIn(page);
    const frame = embedFrame(page);
    assert.equal(await frame.evaluate(() => document.querySelector('[data-testid=input]').value), 'Meu filho de 2 anos com febre alta');
    await frame.waitForFunction(() => document.getElementById('stage').dataset.state?.includes('febre'));
    assert.equal(await frame.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('t')), 'Meu filho de 2 anos com febre alta');
    assert.equal(await frame.getByTestId('diagnosis').getAttribute('data-label'), 'pediatrics');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('text typed before the model is ready is kept and routed; hooks wait for ready', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    // Hold the wasm back so that the visitor types first.
    let release;
    const held = new Promise((resolve) => (release = resolve));
    await page.route('**/moe_clinic_bg.wasm', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`${server.url}/`);
    const input = page.getByTestId('input');
    await input.waitFor({ state: 'visible' });
    assert.equal(await input.isEditable(), true, 'the text box takes typing at once');
    await input.fill('Sudden headache and blurred vision');
    // Before ready, these wait instead of throwing.
    const destroyed = page.evaluate(() => window.moeClinic.destroyGpuDevice().then(() => 'done', (e) => `threw ${e.message}`));
    const routed = page.evaluate(() => window.moeClinic.step(0).then(() => 'drawn'));
    await page.waitForTimeout(300);
    release();
    await page.evaluate(() => window.moeClinic.ready);
    assert.equal(await destroyed, 'done');
    assert.equal(await routed, 'drawn');
    assert.equal(await input.inputValue(), 'Sudden headache and blurred vision', 'not overwritten by the default example');
    await page.waitForFunction(() => document.getElementById('stage').dataset.state?.includes('headache'));
    assert.deepEqual(await page.getByTestId('token').allTextContents().then((t) => t.slice(0, 2)), ['Sudden', 'headache']);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('?backend=webgpu without WebGPU: a plain notice, the CPU, and the embed protocol still works', async () => {
    const { page, errors } = await openPlayground(browser, server.url, '/?backend=webgpu');
    assert.equal(await page.getByTestId('backend').textContent(), 'CPU (fallback: WebGPU was asked for, but this browser offers none)');
    assert.equal(await page.getByTestId('backend-notice').isVisible(), true);
    assert.equal(await page.getByTestId("backend-notice").textContent(), "The link asks for WebGPU (backend=webgpu), but this browser offers none: the clinic runs on the CPU instead.");
    assert.ok((await page.getByTestId('token').count()) > 0, 'routed');
    assert.deepEqual(errors, []);
    await page.close();
    const { page: host, errors: hostErrors } = await hostPage(
      `<iframe title="MoE" sandbox="allow-scripts" style="width:420px;height:700px;border:0" src="${server.url}/?embed=1&backend=webgpu"></iframe>`,
    );
    await readyIn(host);
    const frame = embedFrame(host);
    await host.evaluate(() => document.querySelector('iframe').contentWindow.postMessage({ type: 'moe-clinic:route', text: 'Itchy rash on my arm' }, '*'));
    await frame.waitForFunction(() => document.getElementById('stage').dataset.state?.includes('Itchy'));
    assert.deepEqual(hostErrors, []);
    await host.close();
  });
});

describe('first visit', () => {
  test('busy day: both clinics for the same complaints; the collapse preset points to it; axe on a phone', async () => {
    const { page, errors } = await openPlayground(browser, server.url, '/', { viewport: { width: 375, height: 812 } });
    await page.locator('#settings > summary').click();
    await page.locator('[data-preset=collapse]').click();
    // The explanation is on the page, not in a tooltip, and leads to the busy day.
    await page.locator('#preset-text').filter({ hasText: /busy day/ }).waitFor();
    assert.equal(await page.getByTestId('preset-busy').isVisible(), true);
    await page.waitForFunction(() => document.getElementById('busy-panels').dataset.state === 'done', null, { timeout: 60_000 });
    const panels = await page.getByTestId('busy-model').evaluateAll((n) => n.map((x) => ({ ...x.dataset })));
    assert.deepEqual(panels.map((p) => p.model), ['mixtral-8', 'no-manager']);
    assert.equal(panels[0].patients, panels[1].patients, 'the same patients in both clinics');
    assert.ok(Number(panels[0].complaints) >= 52, `examples and held-out sentences (${panels[0].complaints})`);
    // The lesson: without the manager the load is far less even.
    assert.ok(Number(panels[1].busiest) > Number(panels[0].busiest), JSON.stringify(panels));
    assert.ok(Number(panels[1].idle) > Number(panels[0].idle), JSON.stringify(panels));
    // A visitor's routing in the middle of a busy day is queued, not refused.
    const again = page.evaluate(() => window.moeClinic.busyDay());
    const text = await page.evaluate(() => window.moeClinic.route('Chest pain').then((t) => t.tokens.length));
    assert.ok(text > 0);
    await again;
    await page.locator('[data-part=busy]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(screenshots, 'busy-day-phone.png') });
    await axe(page, 'phone');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('disabled controls say how to enable them; the language link keeps the state', async () => {
    const { page, errors } = await openPlayground(browser, server.url, '/?lang=pt-BR#m=mixtral-8&r=switch&k=1&cf=1.5&t=febre', { viewport: { width: 1280, height: 800 } });
    assert.equal(await page.getByTestId('k').isDisabled(), true);
    assert.match(await page.locator('#k-why').textContent(), /Switch .* exatamente um médico.*Mixtral/);
    assert.equal(await page.getByTestId('k').getAttribute('aria-describedby'), 'k-why');
    await page.getByTestId('router').selectOption('mixtral');
    await page.waitForFunction(() => document.getElementById('stage').dataset.state === location.hash);
    assert.equal(await page.getByTestId('capacity').isDisabled(), true);
    assert.match(await page.locator('#capacity-why').textContent(), /Mixtral não tem horários.*Switch/);
    const href = await page.locator('#lang-switch').getAttribute('href');
    assert.match(href, /^\?lang=en#m=mixtral-8&r=mixtral&k=1&cf=1\.5/);
    assert.match(href, /t=febre$/);
    await page.locator('#lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en' && window.moeClinic);
    await page.evaluate(() => window.moeClinic.ready);
    assert.equal(await page.getByTestId('input').inputValue(), 'febre');
    assert.equal(await page.getByTestId('router').inputValue(), 'mixtral');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
