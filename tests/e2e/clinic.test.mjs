// The clinic you can watch: each patient walks to its doctors and nothing is drawn before
// its step, on the CPU path (the engine's parity with it is tested in playground.test.mjs).
// Every check is about what a visitor sees: computed display, boxes inside the stage and
// the viewport, Playwright's isVisible; never a `hidden` attribute alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  expectedPlaces,
  launch,
  layoutShift,
  openPlayground,
  root,
  screenshots,
  seenNow,
  startServer,
  startStaticServer,
  watchErrors,
} from './harness.mjs';

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

const open = (path, options) => openPlayground(browser, server.url, path, options);
const sortPairs = (pairs) => [...pairs].sort((a, b) => a[0] - b[0] || a[1] - b[1]);

/** The page's trace for its current text, as plain arrays. */
async function currentTrace(page) {
  return page.evaluate(async () => {
    const text = document.querySelector('[data-testid=input]').value;
    const trace = await window.moeClinic.route(text);
    return {
      tokens: trace.tokens.length,
      slots: trace.slots,
      experts: trace.num_experts,
      shared: trace.shared_experts,
      choice: Array.from(trace.choice_index),
      expert: Array.from(trace.expert_index),
      dropped: trace.dropped_slots,
      label: trace.diagnosis?.label ?? '',
    };
  });
}

/** Records what is drawn at every step while the trace plays (read as each step is drawn). */
function recordPlay(page, steps) {
  return page.evaluate(
    ({ seenNowSource, steps }) =>
      new Promise((resolve, reject) => {
        // eslint-disable-next-line no-new-func
        const seen = new Function(`return (${seenNowSource})()`);
        const stage = document.getElementById('stage');
        const records = [];
        const timeout = setTimeout(() => reject(new Error(`play stopped at ${JSON.stringify(records.at(-1))}`)), 60_000);
        new MutationObserver(() => {
          const now = seen();
          if (records.at(-1)?.step !== now.step) records.push(now);
          if (now.step === steps) {
            clearTimeout(timeout);
            resolve(records);
          }
        }).observe(stage, { attributes: true, attributeFilter: ['data-step'] });
        // Start over (recorded as step 0 by the observer), then play to the end.
        document.getElementById('speed').value = 'fast';
        document.getElementById('speed').dispatchEvent(new Event('change'));
        document.getElementById('restart').click();
        if (document.getElementById('play').getAttribute('aria-pressed') !== 'true') document.getElementById('play').click();
      }),
    { seenNowSource: seenNow.toString(), steps },
  );
}

function assertPlaces(actual, trace, step, label) {
  const want = expectedPlaces(trace, step);
  assert.deepEqual(sortPairs(actual.seated), want.seated, `${label}: seated after ${step} patients`);
  assert.deepEqual(sortPairs(actual.sentOn), want.sentOn, `${label}: sent on after ${step} patients`);
  assert.equal(actual.diagnosis, step === trace.tokens, `${label}: diagnosis shown only after the last patient (step ${step})`);
}

describe('playback', () => {
  test('at every step of a played trace exactly the patients seen are drawn, where the trace says', async () => {
    for (const [path, label] of [
      ['/?lang=pt-BR#m=switch-4&r=switch&k=1&cf=0.5', 'Switch, capacity 0.5 (drops)'],
      ['/#m=shared-gp&r=mixtral&k=2', 'shared expert'],
      ['/#m=mixtral-8&r=expert-choice&k=2&cf=1', 'expert choice (patients nobody picks)'],
    ]) {
      const { page, errors } = await open(path, { viewport: { width: 1280, height: 800 } });
      const trace = await currentTrace(page);
      if (label.startsWith('Switch')) assert.ok(trace.dropped > 0, 'the repro drops patients');
      const records = await recordPlay(page, trace.tokens);
      assert.deepEqual(records.map((r) => r.step), Array.from({ length: trace.tokens + 1 }, (_, i) => i), `${label}: every step drawn in order`);
      for (const r of records) assertPlaces(r, trace, r.step, label);
      if (label === 'shared expert') {
        const gp = await page.locator('[data-testid=expert][data-shared=true] [data-testid=seated]').count();
        assert.equal(gp, trace.tokens, 'the general practitioner sees every patient');
      }
      assert.deepEqual(errors, []);
      await page.close();
    }
  });

  test('the repro from the issue: Play, Pause, Start over leaves nobody in the rooms', async () => {
    const { page, errors } = await open('/?lang=pt-BR#m=switch-4&r=switch&k=1&cf=0.5', { viewport: { width: 1280, height: 800 } });
    const play = page.getByTestId('play');
    if ((await play.getAttribute('aria-pressed')) === 'true') await play.click();
    await play.click();
    await page.waitForFunction(() => Number(document.getElementById('stage').dataset.step) >= 2, null, { timeout: 20_000 });
    await play.click();
    assert.equal(await play.getAttribute('aria-pressed'), 'false');
    await page.locator('#restart').click();
    const now = await page.evaluate(seenNow);
    assert.deepEqual([now.step, now.seated, now.sentOn, now.diagnosis], [0, [], [], false]);
    // What a visitor sees: no patient chip in any room, every room says 0 seen.
    for (const seat of await page.getByTestId('seated').all()) assert.equal(await seat.isVisible(), false);
    const stats = await page.locator('.room-stats').allTextContents();
    assert.ok(stats.every((s) => s.startsWith('0 ')), stats.join(' | '));
    assert.equal(await page.locator('#diagnosis-bars').isVisible(), false);
    assert.equal(await page.locator('#diagnosis-pending').isVisible(), true);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('moeClinic.step(n) jumps and draws; Switch drops are drawn at the exit', async () => {
    const { page } = await open('/#m=switch-4&r=switch&k=1&cf=1.25&t=' + encodeURIComponent('Minha filha de 4 anos está com febre, tosse e umas manchas vermelhas.'));
    const trace = await currentTrace(page);
    assert.ok(trace.dropped > 0, `the Switch preset drops patients here (${trace.dropped})`);
    for (const n of [trace.tokens, 0, 3, trace.tokens - 1, trace.tokens]) {
      await page.evaluate((n) => window.moeClinic.step(n), n);
      assertPlaces(await page.evaluate(seenNow), trace, n, `step(${n})`);
    }
    assert.equal(await page.getByTestId('sent-on').filter({ visible: true }).count(), trace.dropped);
    await page.close();
  });

  test('reduced motion: no autoplay; every step is narrated; focus never rests on a disabled button', async () => {
    const { page, errors } = await open('/', { reducedMotion: 'reduce' });
    await page.waitForTimeout(1500);
    assert.equal(await page.getByTestId('play').getAttribute('aria-pressed'), 'false');
    assert.equal(await page.getByTestId('clinic').getAttribute('data-step'), '0', 'nothing moves by itself');
    const count = await page.getByTestId('token').count();
    assert.equal(await page.locator('#status').textContent(), `Patient 1 of ${count}`);
    const trace = await currentTrace(page);
    await page.locator('#forward').focus();
    for (let i = 0; i < count; i++) {
      await page.keyboard.press('Enter');
      const live = await page.locator('#live').textContent();
      assert.match(live, new RegExp(`^Patient ${i + 1} of ${count}, “[^”]+”: goes to Doctor \\d`), `step ${i + 1}`);
      const doctors = [...live.matchAll(/Doctor (\d)/g)].map((m) => Number(m[1]) - 1);
      assert.deepEqual(doctors, trace.expert.slice(i * trace.slots, (i + 1) * trace.slots).filter((e) => e >= 0), `step ${i + 1}: the doctors narrated are the trace's`);
      const status = await page.locator('#status').textContent();
      assert.equal(status, i + 1 < count ? `Patient ${i + 2} of ${count}` : `All ${count} seen`);
    }
    // "Next" is now disabled: focus moved on to a control that works.
    assert.equal(await page.locator('#forward').isDisabled(), true);
    assert.equal(await page.evaluate(() => document.activeElement.disabled), false);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'play');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.disabled ?? false), false);
    // Back one step: narrated too.
    await page.locator('#back').click();
    assert.match(await page.locator('#live').textContent(), new RegExp(`^Back to patient ${count} of ${count}`));
    // Played without motion: no walker ever moves, and every step is still narrated.
    const told = page.evaluate(
      (count) =>
        new Promise((resolve) => {
          const lines = [];
          let walkers = 0;
          new MutationObserver(() => {
            walkers = Math.max(walkers, document.querySelectorAll('.walker.to-seat, .walker.to-exit').length);
            const line = document.getElementById('live').textContent;
            if (line.startsWith('Patient ') && lines.at(-1) !== line) lines.push(line);
            if (lines.length === count) resolve({ lines, walkers });
          }).observe(document.getElementById('app'), { subtree: true, childList: true, characterData: true, attributes: true });
        }),
      count,
    );
    await page.locator('#restart').click();
    await page.locator('#speed').selectOption('fast');
    await page.getByTestId('play').click();
    const { lines, walkers } = await told;
    assert.equal(walkers, 0, 'no walking under reduced motion');
    assert.deepEqual(lines.map((l) => l.match(/^Patient (\d+) of/)?.[1]), Array.from({ length: count }, (_, i) => String(i + 1)));
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('one screen', () => {
  /** Boxes of the text box, waiting room, desk and every room, in page coordinates. */
  const parts = (frame) =>
    frame.evaluate(() => {
      const box = (n) => {
        const r = n.getBoundingClientRect();
        return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
      };
      return {
        input: box(document.querySelector('[data-testid=input]')),
        waiting: box(document.querySelector('.waiting-area')),
        desk: box(document.querySelector('.desk')),
        rooms: [...document.querySelectorAll('[data-testid=expert]')].map(box),
        width: document.documentElement.scrollWidth,
        wider: [...document.querySelectorAll('body *')].filter((n) => n.getBoundingClientRect().right > innerWidth + 0.5).map((n) => `${n.tagName}#${n.id}.${n.getAttribute('class')}`).slice(0, 5),
      };
    });

  function assertInside(p, width, height, label) {
    for (const [name, b] of [['text box', p.input], ['waiting room', p.waiting], ['reception', p.desk], ...p.rooms.map((r, i) => [`room ${i + 1}`, r])]) {
      assert.ok(b.top >= 0 && b.bottom <= height && b.left >= 0 && b.right <= width, `${label}: ${name} ${JSON.stringify(b)} inside ${width}x${height}`);
    }
    assert.ok(p.width <= width, `${label}: nothing wider than the screen (${p.width}: ${p.wider.join(' ')})`);
  }

  for (const [width, height, name] of [
    [1280, 800, 'desktop'],
    [375, 812, 'phone'],
  ]) {
    test(`${name} ${width}x${height}: text box, waiting room, reception and every room without scrolling`, async () => {
      for (const [path, lang] of [['/#m=mixtral-8', 'en'], ['/?lang=pt-BR#m=shared-gp', 'pt-BR']]) {
        const { page, errors } = await open(path, { viewport: { width, height } });
        await page.screenshot({ path: join(screenshots, `clinic-${name}-${lang}.png`) });
        assertInside(await parts(page), width, height, `${name} ${lang}`);
        // Mid-play: a patient on its way.
        await page.evaluate(() => window.moeClinic.step(2));
        await page.getByTestId('play').click();
        await page.waitForFunction(() => document.querySelector('.walker.to-seat'), null, { timeout: 10_000 });
        await page.screenshot({ path: join(screenshots, `clinic-${name}-${lang}-mid-play.png`) });
        assert.deepEqual(errors, []);
        await page.close();
      }
    });
  }

  test('360-px embed: everything in the first 640 px, in a host page', async () => {
    const dir = mkdtempSync(join(root, 'target', 'host-'));
    writeFileSync(
      join(dir, 'index.html'),
      `<!doctype html><html lang="pt-BR"><head><title>Post</title><link rel="icon" href="data:,"><style>body{margin:0}</style></head><body>
<iframe id="embed" title="MoE" sandbox="allow-scripts" style="width:360px;height:640px;border:0;display:block" src="${server.url}/?embed=1&lang=pt-BR#m=mixtral-8"></iframe>
<script>window.received=[];addEventListener('message',(e)=>{window.received.push(e.data);if(e.data&&e.data.type==='moe-clinic:height')document.getElementById('embed').style.height=e.data.height+'px';});</script>
</body></html>`,
    );
    const host = await startStaticServer(dir);
    const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
    try {
      const errors = watchErrors(page);
      await page.goto(`${host.url}/index.html`);
      await page.waitForFunction(() => window.received.some((m) => m.type === 'moe-clinic:ready'), null, { timeout: 90_000 });
      const frame = page.frames().find((f) => f.url().includes('embed=1'));
      await page.screenshot({ path: join(screenshots, 'clinic-embed-360.png') });
      assertInside(await parts(frame), 360, 640, 'embed');
      await frame.waitForFunction(() => document.querySelector('.walker.to-seat'), null, { timeout: 20_000 });
      await page.screenshot({ path: join(screenshots, 'clinic-embed-360-mid-play.png') });
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
      host.stop();
    }
  });

  test('nothing is cut off from 360 to 1,920 px', async () => {
    for (const width of [360, 414, 768, 1024, 1280, 1920]) {
      const { page, errors } = await open('/#m=mixtral-8', { viewport: { width, height: 900 } });
      const report = await page.evaluate(() => {
        const wide = document.documentElement.scrollWidth;
        // Every select shows its whole chosen option; every room's text fits its room.
        const selects = [...document.querySelectorAll('select')].filter((s) => s.checkVisibility()).map((s) => {
          const c = document.createElement('canvas').getContext('2d');
          c.font = getComputedStyle(s).font;
          return [s.id, c.measureText(s.selectedOptions[0]?.textContent ?? '').width, s.clientWidth];
        });
        const rooms = [...document.querySelectorAll('[data-testid=expert]')].map((g) => {
          const walls = g.querySelector('.walls').getBoundingClientRect();
          return [...g.querySelectorAll('text')].filter((x) => x.getBoundingClientRect().width > 0 && x.getComputedTextLength() > 0).map((x) => {
            const b = x.getBoundingClientRect();
            return b.left >= walls.left - 0.5 && b.right <= walls.right + 0.5 ? true : x.textContent;
          });
        });
        return { wide, selects, rooms };
      });
      assert.ok(report.wide <= width, `${width}: the page is ${report.wide} px wide`);
      for (const [id, text, box] of report.selects) assert.ok(text + 24 <= box, `${width}: #${id} shows its option (${text} in ${box})`);
      assert.deepEqual(report.rooms.flat().filter((x) => x !== true), [], `${width}: room text inside its room`);
      assert.deepEqual(errors, []);
      await page.close();
    }
  });
});

describe('steadiness', () => {
  test('layout shift under 0.1 at load and during a whole play (desktop and phone)', async () => {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 375, height: 812 }]) {
      const page = await browser.newPage({ viewport });
      await page.goto(`${server.url}/`);
      await page.evaluate(() => window.moeClinic.ready);
      await page.waitForTimeout(500);
      const atLoad = await page.evaluate(layoutShift);
      const during = await page.evaluate(
        () =>
          new Promise((resolve) => {
            let total = 0;
            new PerformanceObserver((list) => {
              for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
            }).observe({ type: 'layout-shift' });
            const stage = document.getElementById('stage');
            const T = document.querySelectorAll('[data-testid=token]').length;
            document.getElementById('speed').value = 'fast';
            document.getElementById('speed').dispatchEvent(new Event('change'));
            new MutationObserver(() => {
              if (Number(stage.dataset.step) === T) setTimeout(() => resolve(total), 600);
            }).observe(stage, { attributes: true });
          }),
      );
      assert.ok(atLoad < 0.1, `${viewport.width}: CLS at load ${atLoad}`);
      assert.ok(during < 0.1, `${viewport.width}: CLS during play ${during}`);
      await page.close();
    }
  });

  test('playback starts only when the clinic is on screen, and pauses when it leaves', async () => {
    const dir = mkdtempSync(join(root, 'target', 'host-'));
    writeFileSync(
      join(dir, 'index.html'),
      `<!doctype html><html lang="en"><head><title>Long post</title><link rel="icon" href="data:,"></head><body>
<div style="height:1400px">A long article…</div>
<iframe id="embed" title="MoE" sandbox="allow-scripts" style="width:600px;height:720px;border:0" src="${server.url}/?embed=1"></iframe>
<div style="height:1400px"></div>
<script>window.received=[];addEventListener('message',(e)=>window.received.push(e.data));</script></body></html>`,
    );
    const host = await startStaticServer(dir);
    const page = await browser.newPage({ viewport: { width: 800, height: 700 } });
    after(() => host.stop());
    await page.goto(`${host.url}/index.html`);
    const frame = () => page.frames().find((f) => f.url().includes('embed=1'));
    // Off screen the embed does not even start its work.
    await page.waitForTimeout(1500);
    assert.equal(await page.evaluate(() => window.received.some((m) => m.type === 'moe-clinic:ready')), false);
    await page.evaluate(() => document.getElementById('embed').scrollIntoView());
    await page.waitForFunction(() => window.received.some((m) => m.type === 'moe-clinic:ready'), null, { timeout: 90_000 });
    await frame().waitForFunction(() => Number(document.getElementById('stage').dataset.step) >= 1, null, { timeout: 20_000 });
    // Scrolled away: the step stops moving.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(400);
    const away = Number(await frame().evaluate(() => document.getElementById('stage').dataset.step));
    await page.waitForTimeout(2500);
    assert.equal(Number(await frame().evaluate(() => document.getElementById('stage').dataset.step)), away, 'paused off screen');
    await page.evaluate(() => document.getElementById('embed').scrollIntoView());
    await frame().waitForFunction((n) => Number(document.getElementById('stage').dataset.step) > n, away, { timeout: 20_000 });
    await page.close();
  });
});
