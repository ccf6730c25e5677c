// Page benchmark (not a test: run `node tests/e2e/bench-page.mjs` after scripts/build-web.sh).
// 1. Playing a 64-token trace at normal speed on the CPU path (1280x800, motion allowed):
//    every frame's time (requestAnimationFrame to requestAnimationFrame) over the whole
//    play, p50, p95 and max; and the cumulative layout shift at load and during the play.
// 2. Re-routing a 64-token text after a control change: for 30 changes of the capacity
//    factor, the time from the control's input event to the animation frame after the new
//    trace is drawn (the page records it in window.moeClinic.measurements; typing's
//    debounce is not involved). Median, on the CPU path and on WebGPU (SwiftShader).
// 3. Everything the page downloads, gzipped (level 9): HTML, CSS, JS, wasm, strings,
//    the models index, tokenizer, every model and card.
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launch, layoutShift, root, startServer } from './harness.mjs';

const server = await startServer();

/** A text of exactly `tokens` tokens: words while they fit, then "!" (one token each). */
async function textOf(page, tokens) {
  const count = (t) => page.evaluate((x) => window.moeClinic.route(x).then((trace) => trace.tokens.length), t);
  const words = 'my chest hurts when I climb stairs and my left arm feels numb since yesterday morning'.split(' ');
  let text = '';
  for (let i = 0; ; i++) {
    const candidate = `${text} ${words[i % words.length]}`.trim();
    if ((await count(candidate)) > tokens) break;
    text = candidate;
  }
  while ((await count(text)) < tokens) text += '!';
  return text;
}

async function playback() {
  const browser = await launch({ webgpu: false });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${server.url}/#m=mixtral-8`);
  await page.evaluate(() => window.moeClinic.ready);
  await page.waitForTimeout(500);
  const clsAtLoad = await page.evaluate(layoutShift);
  const text = await textOf(page, 64);
  await page.evaluate((t) => window.moeClinic.route(t), text);
  const result = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const stage = document.getElementById('stage');
        const T = document.querySelectorAll('[data-testid=token]').length;
        let shift = 0;
        const observer = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) if (!e.hadRecentInput) shift += e.value;
        });
        observer.observe({ type: 'layout-shift' });
        // The page's own main-thread work: tasks over 50 ms (none means a long frame came
        // from elsewhere on the machine).
        const longTasks = [];
        const tasks = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration)));
        tasks.observe({ type: 'longtask' });
        const frames = [];
        let last = null;
        let running = true;
        const frame = (now) => {
          if (last !== null) frames.push(now - last);
          last = now;
          if (running) requestAnimationFrame(frame);
        };
        new MutationObserver(() => {
          // The last patient is seen; let its walk and the diagnosis settle, then stop.
          if (Number(stage.dataset.step) === T && running) {
            setTimeout(() => {
              running = false;
              observer.disconnect();
              tasks.disconnect();
              resolve({ frames, shift, longTasks, tokens: T, ms: performance.now() - start });
            }, 1000);
          }
        }).observe(stage, { attributes: true, attributeFilter: ['data-step'] });
        const start = performance.now();
        document.getElementById('restart').click();
        if (document.getElementById('play').getAttribute('aria-pressed') !== 'true') document.getElementById('play').click();
        requestAnimationFrame(frame);
      }),
  );
  await browser.close();
  const sorted = [...result.frames].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const over = (ms) => sorted.filter((x) => x > ms).length;
  return { ...result, count: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted.at(-1), over20: over(20), over50: over(50), clsAtLoad };
}

async function reroute(webgpu) {
  const browser = await launch({ webgpu });
  const page = await browser.newPage({ reducedMotion: 'reduce' });
  await page.goto(`${server.url}/#m=switch-4&r=token-choice&k=1&cf=1.25`);
  await page.evaluate(() => window.moeClinic.ready);
  const text = await textOf(page, 64);
  const tokens = await page.evaluate((x) => window.moeClinic.route(x).then((trace) => trace.tokens.length), text);
  const backend = await page.getByTestId('backend').textContent();
  const values = [];
  for (let i = 0; i < 31; i++) {
    const cf = [1, 1.5, 2, 2.5][i % 4];
    const before = await page.evaluate(() => window.moeClinic.measurements.length);
    await page.evaluate((v) => {
      const input = document.getElementById('capacity');
      input.value = String(v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, cf);
    await page.waitForFunction((n) => window.moeClinic.measurements.length > n, before);
    if (i > 0) values.push(await page.evaluate(() => window.moeClinic.measurements.at(-1)));
  }
  await browser.close();
  values.sort((a, b) => a - b);
  return { backend, tokens, median: values[Math.floor(values.length / 2)], min: values[0], max: values.at(-1) };
}

function downloads() {
  const www = join(root, 'www');
  const files = ['index.html', 'style.css', 'main.js', 'state.js', 'i18n.js', 'dom.js', 'floorplan.js', 'clinic.js', 'busy.js', 'embed.js', 'report.js', 'charts.js', 'network.js', 'train.js', 'i18n/en.json', 'pkg/moe_clinic.js', 'pkg/moe_clinic_bg.wasm'];
  // The precompressed copies (.gz) are what serve.py sends for these same files, not more
  // downloads; the training dataset is fetched only when someone trains (counted apart).
  for (const name of readdirSync(join(www, 'models'))) {
    if (!name.endsWith('.gz') && name !== 'dataset.safetensors') files.push(`models/${name}`);
  }
  let raw = 0;
  let gz = 0;
  const rows = [];
  for (const file of [...files, 'models/dataset.safetensors']) {
    const bytes = readFileSync(join(www, file));
    const zipped = gzipSync(bytes, { level: 9 }).length;
    if (file !== 'models/dataset.safetensors') {
      raw += bytes.length;
      gz += zipped;
    }
    rows.push(`${file}: ${bytes.length} bytes, ${zipped} gzipped`);
  }
  return { raw, gz, rows };
}

// The machine's load says how far the frame times speak for the page: on a shared
// machine another process's work shows up as long frames.
const load = loadavg()[0];
const play = await playback();
console.log(
  `playing ${play.tokens} tokens at normal speed, CPU path, 1280x800: ${play.count} frames over ${(play.ms / 1000).toFixed(1)} s; ` +
    `frame time p50 ${play.p50.toFixed(1)} ms, p95 ${play.p95.toFixed(1)} ms, max ${play.max.toFixed(1)} ms ` +
    `(${play.over20} frames over 20 ms, ${play.over50} over 50 ms; the page's tasks over 50 ms: ${play.longTasks.length}` +
    `${play.longTasks.length ? `, longest ${Math.max(...play.longTasks).toFixed(0)} ms` : ''}; load average ${load.toFixed(2)} at the start); ` +
    `layout shift at load ${play.clsAtLoad.toFixed(4)}, during the play ${play.shift.toFixed(4)}`,
);
for (const webgpu of [false, true]) {
  const r = await reroute(webgpu);
  console.log(`re-route after a control change, ${r.tokens} tokens, ${r.backend}: median ${r.median.toFixed(1)} ms (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)}) over 30 changes`);
}
const d = downloads();
console.log(d.rows.join('\n'));
console.log(`everything the page downloads (every model; the training dataset apart, above): ${d.raw} bytes, ${d.gz} bytes gzipped`);
server.stop();
