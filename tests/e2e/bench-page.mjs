// Page benchmark (not a test: run `node tests/e2e/bench-page.mjs` after scripts/build-web.sh).
// 1. Re-routing a 64-token text after a control change: for 30 changes of the capacity
//    factor, the time from the control's input event to the animation frame after the new
//    trace is drawn (the page records it in window.moeClinic.measurements; typing's
//    debounce is not involved). Median, on the CPU path and on WebGPU (SwiftShader).
// 2. Everything the page downloads, gzipped (level 9): HTML, CSS, JS, wasm, strings,
//    the models index, tokenizer, every model and card.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launch, root, startServer } from './harness.mjs';

const server = await startServer();

async function reroute(webgpu) {
  const browser = await launch({ webgpu });
  const page = await browser.newPage({ reducedMotion: 'reduce' });
  await page.goto(`${server.url}/#m=switch-4&r=token-choice&k=1&cf=1.25`);
  await page.evaluate(() => window.moeClinic.ready);
  // Grow a text to exactly 64 tokens: words while they fit, then "!" (not in the corpus, so
  // one byte token each).
  const count = (t) => page.evaluate((x) => window.moeClinic.route(x).then((trace) => trace.tokens.length), t);
  const words = 'my chest hurts when I climb stairs and my left arm feels numb since yesterday morning'.split(' ');
  let text = '';
  for (let i = 0; ; i++) {
    const candidate = `${text} ${words[i % words.length]}`.trim();
    if ((await count(candidate)) > 64) break;
    text = candidate;
  }
  while ((await count(text)) < 64) text += '!';
  const tokens = await count(text);
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
  const files = ['index.html', 'style.css', 'main.js', 'state.js', 'i18n.js', 'clinic.js', 'report.js', 'i18n/en.json', 'pkg/moe_clinic.js', 'pkg/moe_clinic_bg.wasm'];
  for (const name of readdirSync(join(www, 'models'))) files.push(`models/${name}`);
  let raw = 0;
  let gz = 0;
  const rows = [];
  for (const file of files) {
    const bytes = readFileSync(join(www, file));
    const zipped = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gz += zipped;
    rows.push(`${file}: ${bytes.length} bytes, ${zipped} gzipped`);
  }
  return { raw, gz, rows };
}

for (const webgpu of [false, true]) {
  const r = await reroute(webgpu);
  console.log(`re-route after a control change, ${r.tokens} tokens, ${r.backend}: median ${r.median.toFixed(1)} ms (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)}) over 30 changes`);
}
const d = downloads();
console.log(d.rows.join('\n'));
console.log(`everything the page downloads: ${d.raw} bytes, ${d.gz} bytes gzipped`);
server.stop();
