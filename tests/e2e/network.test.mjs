// The hospitals view: the same routing with the doctors spread over several hospitals
// (devices). The page's network object must be the engine's, as the native command line
// computes it for the same text and settings, and its traffic must be what the trace's own
// choices give; a visitor who picks 4 hospitals and NVLink, then 100 Gb Ethernet, must
// see the travel grow from part of the layer's time to most of it, in both languages.
// On the CPU path (the network is priced from the trace, whatever computed it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { launch, openPlayground, root, screenshots, startServer } from './harness.mjs';

const CLI = join(root, 'target', 'debug', 'moe-clinic');
const TEXT = 'My chest hurts when I climb the stairs';

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

/** The native CPU path's network object for `text` on mixtral-8 at its trained routing. */
function cliNetwork(text, settings) {
  const args = ['route', '--backend', 'cpu', '--models', join(root, 'www', 'models'), '--model', 'mixtral-8', '--devices', String(settings.devices)];
  for (const key of ['placement', 'link', 'device', 'sizes']) if (settings[key]) args.push(`--${key}`, settings[key]);
  args.push('--', text);
  return JSON.parse(execFileSync(CLI, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
}

/**
 * The page's network object for `settings`, and the trace it prices, as JSON. serde's
 * wasm bridge writes an absent value as `undefined` where the CLI's JSON has `null`
 * (the clinic's own sizes have no published d); JSON keeps it as null to compare.
 */
function pageNetwork(page, settings) {
  return page.evaluate(async (s) => {
    const network = await window.moeClinic.network(s);
    return JSON.parse(JSON.stringify(network, (key, value) => (value === undefined ? null : value)));
  }, settings);
}

/** What a visitor sees of the view: boxes and texts, read in one go. */
function seenView(page) {
  return page.evaluate(() => {
    const visible = (n) => n && n.checkVisibility() && n.getBoundingClientRect().width > 0 && n.getBoundingClientRect().height > 0;
    const section = document.querySelector('[data-part=network]');
    const diagram = document.querySelector('[data-testid=net-diagram] svg').getBoundingClientRect();
    const inside = (n) => {
      const r = n.getBoundingClientRect();
      return r.width > 0 && r.left >= diagram.left - 1 && r.right <= diagram.right + 1 && r.top >= diagram.top - 1 && r.bottom <= diagram.bottom + 1;
    };
    const bar = document.querySelector('[data-testid=net-time]').getBoundingClientRect();
    const part = (name) => document.querySelector(`[data-testid=net-time] [data-phase=${name}]`).getBoundingClientRect().width;
    return {
      visible: visible(section) && visible(document.querySelector('[data-testid=net-diagram] svg')),
      summary: document.querySelector('[data-testid=net-summary]').textContent,
      note: document.querySelector('[data-testid=net-time-note]').textContent,
      sizesNote: document.querySelector('[data-testid=net-sizes-note]').textContent,
      patients: [...document.querySelectorAll('[data-testid=net-patient]')].filter(inside).length,
      leaving: [...document.querySelectorAll('[data-testid=net-patient].leaving')].filter(inside).length,
      walkers: [...document.querySelectorAll('.walker-dot')].filter(inside).length,
      cells: [...document.querySelectorAll('[data-testid=net-heatmap] .cell')].filter(visible).length,
      bar: { width: bar.width, compute: part('compute'), travel: part('dispatch') + part('combine') },
      share: [...document.querySelectorAll('[data-testid=net-share] li')].map((li) => [li.querySelector('.bar').getBoundingClientRect().width, li.textContent]),
      stragglers: [...document.querySelectorAll('[data-testid=net-stragglers] li')].filter(visible).length,
    };
  });
}

describe('the hospitals view', () => {
  test("the page's network object is the engine's (the native CLI's), for the same text and settings", async () => {
    const { page, errors } = await open();
    const trace = await page.evaluate(
      (text) =>
        window.moeClinic.route(text).then((t) => ({ T: t.tokens.length, E: t.num_experts, S: t.slots, experts: Array.from(t.expert_index) })),
      TEXT,
    );
    const cases = [
      { devices: 4, placement: 'contiguous', link: 'nvlink4', device: 'h100', sizes: 'clinic' },
      { devices: 4, placement: 'contiguous', link: 'ethernet-100g', device: 'h100', sizes: 'mixtral-8x7b' },
      { devices: 3, placement: 'round-robin', link: 'pcie5', device: 'a100', sizes: 'switch-base' },
      { devices: 8, placement: 'round-robin', link: 'infiniband-ndr', device: 'laptop', sizes: 'deepseek-v3' },
      { devices: 1, placement: 'contiguous', link: 'none', device: 'h100', sizes: 'mixtral-8x7b' },
    ];
    for (const settings of cases) {
      const label = JSON.stringify(settings);
      const cli = cliNetwork(TEXT, settings);
      // The same routing on both sides first: the CLI's trace is the page's.
      assert.deepEqual(trace.experts, cli.tokens.flatMap((t) => t.experts), `${label}: the same choices`);
      const network = await pageNetwork(page, settings);
      assert.deepEqual(network, cli.network, label);
      // The traffic, recomputed from the trace's expert_index: home floor(t D / T), each
      // doctor's hospital floor(e D / E) (contiguous) or e mod D (round-robin).
      const D = settings.devices;
      const traffic = Array.from({ length: D }, () => new Array(D).fill(0));
      let seated = 0;
      for (let t = 0; t < trace.T; t++) {
        for (let s = 0; s < trace.S; s++) {
          const e = trace.experts[t * trace.S + s];
          if (e < 0) continue;
          const home = Math.floor((t * D) / trace.T);
          const there = settings.placement === 'contiguous' ? Math.floor((e * D) / trace.E) : e % D;
          traffic[home][there] += 1;
          seated += 1;
        }
      }
      assert.deepEqual(network.traffic, traffic, `${label}: traffic from the trace`);
      const crossing = traffic.reduce((sum, row, i) => sum + row.reduce((a, v, j) => a + (i === j ? 0 : v), 0), 0);
      assert.equal(network.seated_slots, seated, label);
      assert.equal(network.crossing_slots, crossing, label);
      assert.equal(network.uniform_crossing_share, 1 - 1 / D, label);
      assert.equal(network.bytes.total, 2 * crossing * network.d_model * network.bytes_per_value, `${label}: bytes there and back`);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('bad settings reject with the engine\'s code and change nothing on the page', async () => {
    const { page, errors } = await open();
    await pageNetwork(page, { devices: 4, link: 'nvlink4' });
    for (const [settings, code] of [
      [{ devices: 0 }, 'invalid-config'],
      [{ devices: 9 }, 'invalid-config'],
      [{ devices: 2, link: 'none' }, 'invalid-config'],
      [{ devices: 2, link: 'carrier-pigeon' }, 'invalid-config'],
      [{ devices: 2, lanes: 4 }, 'bad-options'],
    ]) {
      const result = await page.evaluate((s) => window.moeClinic.network(s).then(() => 'resolved', (e) => e.code), settings);
      assert.equal(result, code, JSON.stringify(settings));
    }
    assert.equal(await page.getByTestId('net-devices').inputValue(), '4');
    assert.equal(await page.getByTestId('net-link').inputValue(), 'nvlink4');
    assert.deepEqual(errors, []);
    await page.close();
  });

  for (const lang of ['en', 'pt-BR']) {
    test(`${lang}: 4 hospitals over NVLink, then 100 Gb Ethernet: the travel goes from part of the time to most of it`, async () => {
      const { page, errors } = await open(lang === 'en' ? '/' : '/?lang=pt-BR', { viewport: { width: 1280, height: 900 } });
      const text = lang === 'en' ? TEXT : 'Meu peito dói quando subo a escada';
      await page.getByTestId('input').fill(text);
      await page.waitForFunction(
        (t) => new URLSearchParams(location.hash.slice(1)).get('t') === t && document.getElementById('stage').dataset.state === location.hash,
        text,
      );
      await page.locator('[data-part=network]').scrollIntoViewIfNeeded();
      // As a visitor: the slider to 4, NVLink from the menu.
      await page.getByTestId('net-devices').fill('4');
      await page.getByTestId('net-link').selectOption('nvlink4');
      await page.waitForFunction(() => {
        const s = document.querySelector('[data-part=network]');
        return s.dataset.devices === '4' && document.getElementById('net-link').value === 'nvlink4' && s.dataset.communicationShare;
      });
      // The page's own object for what it shows (the hook prices the routing drawn).
      const nvlink = await pageNetwork(page, { devices: 4, link: 'nvlink4' });
      let seen = await seenView(page);
      assert.ok(seen.visible, 'the diagram is on screen');
      assert.equal(seen.patients, nvlink.home.length, 'every patient drawn inside the diagram');
      assert.equal(seen.walkers, nvlink.crossing_slots, 'one traveller on the street per crossing visit');
      assert.ok(seen.leaving > 0 && seen.leaving <= seen.patients);
      assert.equal(seen.cells, 16, 'a 4 x 4 heatmap');
      assert.equal(seen.stragglers, 4);
      assert.ok(seen.summary.includes(String(nvlink.crossing_slots)) && seen.summary.includes(String(nvlink.seated_slots)), seen.summary);
      assert.match(seen.summary, lang === 'en' ? /kB each way/ : /kB em cada sentido/);
      assert.match(seen.sizesNote, /Mixtral 8x7B/);
      // The bar's parts are as wide as their times.
      const nvShare = (nvlink.time_s.dispatch + nvlink.time_s.combine) / nvlink.time_s.total;
      assert.ok(Math.abs(seen.bar.travel / seen.bar.width - nvShare) < 0.02, `travel ${seen.bar.travel} of ${seen.bar.width} for ${nvShare}`);
      assert.ok(seen.bar.compute / seen.bar.width > 0.25, 'over NVLink the computing is a visible part of the bar');
      // Measured beside uniform: two bars, as long as their shares.
      assert.equal(seen.share.length, 2);
      assert.ok(Math.abs(seen.share[1][0] / seen.share[0][0] - nvlink.uniform_crossing_share / nvlink.crossing_share) < 0.05);
      await page.locator('[data-part=network]').screenshot({ path: join(screenshots, `network-nvlink-${lang}.png`) });
      // The table alternative holds the heatmap's numbers.
      await page.locator('[data-testid=net-traffic-table]').locator('xpath=ancestor::details/summary').click();
      // Tables are built when opened (the details' toggle event, a task after the click).
      await page.getByTestId('net-traffic-table').locator('tbody tr').first().waitFor();
      const rows = await page.getByTestId('net-traffic-table').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))));
      assert.deepEqual(rows, nvlink.traffic);
      assert.ok(await page.getByTestId('net-traffic-table').isVisible());
      // Now 100 Gb Ethernet: travel dominates.
      await page.getByTestId('net-link').selectOption('ethernet-100g');
      await page.waitForFunction((before) => document.querySelector('[data-part=network]').dataset.communicationShare !== before, String(nvShare.toFixed(6)));
      const ethernet = await pageNetwork(page, { devices: 4, link: 'ethernet-100g' });
      seen = await seenView(page);
      const ethShare = (ethernet.time_s.dispatch + ethernet.time_s.combine) / ethernet.time_s.total;
      assert.ok(ethShare > 0.85 && ethShare > nvShare, `${ethShare} over Ethernet against ${nvShare} over NVLink`);
      assert.ok(seen.bar.travel / seen.bar.width > 0.85, 'most of the bar is travel');
      assert.equal(ethernet.crossing_slots, nvlink.crossing_slots, 'the same patients travel; only the road changed');
      assert.match(seen.note, lang === 'en' ? /100 Gb Ethernet.*of it is travel/ : /Ethernet de 100 Gb.*disso é viagem/);
      await page.locator('[data-part=network]').screenshot({ path: join(screenshots, `network-ethernet-${lang}.png`) });
      assert.deepEqual(errors, []);
      await page.close();
    });
  }

  test('one hospital: nobody travels and no road to pick; a phone shows the whole view', async () => {
    const { page, errors } = await open('/', { viewport: { width: 375, height: 812 } });
    await page.locator('[data-part=network]').scrollIntoViewIfNeeded();
    await page.getByTestId('net-devices').fill('1');
    await page.waitForFunction(() => document.querySelector('[data-part=network]').dataset.devices === '1');
    assert.equal(await page.getByTestId('net-link').isDisabled(), true);
    assert.equal(await page.getByTestId('net-link').inputValue(), 'none');
    const seen = await seenView(page);
    assert.equal(seen.walkers, 0);
    assert.equal(seen.leaving, 0);
    assert.ok(seen.bar.travel < 1, 'no travel time');
    // Back to two: a real road again.
    await page.getByTestId('net-devices').fill('2');
    await page.waitForFunction(() => document.querySelector('[data-part=network]').dataset.devices === '2');
    assert.notEqual(await page.getByTestId('net-link').inputValue(), 'none');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `nothing wider than the phone (${width})`);
    await page.locator('[data-part=network]').screenshot({ path: join(screenshots, 'network-phone.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
