// Training benchmark (not a test: run `node tests/e2e/bench-train.mjs [runs] [webgpu]
// [steps]`). Headless Chromium at 1280x800, the training view on screen, the page's
// defaults (8 doctors, top-2, batch 32, 600 steps, seed 1) through `moeClinic.train()`,
// which plays the run as the Train button does. On the CPU path (Chromium without
// WebGPU), or with `webgpu` on SwiftShader's WebGPU (`?backend=webgpu`; `steps` shortens
// the run, which is slow there). It prints:
// - steps per second: of `Training.step` alone (the wasm's time), and of the whole run as
//   the visitor sees it (steps, held-out measurements every 25 steps, drawing);
// - when both languages first reach 90% test accuracy (the measurement's step and the
//   seconds the run had been playing then);
// - the main thread: frame times while training and the page's tasks over 50 ms.
import { loadavg } from 'node:os';
import { launch, startServer } from './harness.mjs';

const runs = Number(process.argv[2] ?? 3);
const webgpu = process.argv[3] === 'webgpu';
const steps = process.argv[4] ? Number(process.argv[4]) : undefined;
const server = await startServer();
const browser = await launch({ webgpu });
const load = loadavg()[0];

for (let i = 0; i < runs; i++) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${server.url}/${webgpu ? '?backend=webgpu' : ''}`);
  await page.evaluate(() => window.moeClinic.ready);
  await page.locator('[data-part=train]').scrollIntoViewIfNeeded();
  const result = await page.evaluate(async (options) => {
    const frames = [];
    const longTasks = [];
    const tasks = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration)));
    tasks.observe({ type: 'longtask' });
    let last = null;
    let running = true;
    const frame = (now) => {
      if (last !== null) frames.push(now - last);
      last = now;
      if (running) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    const r = await window.moeClinic.train(options);
    running = false;
    tasks.disconnect();
    return { ...r, loss: undefined, frames, longTasks };
  }, steps ? { steps } : {});
  const sorted = [...result.frames].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const reached = result.reached90 ? `step ${result.reached90.step} after ${result.reached90.seconds.toFixed(1)} s` : 'not reached';
  console.log(
    `run ${i + 1} (${result.backend}): ${result.steps} steps in ${result.seconds.toFixed(1)} s (${(result.steps / result.seconds).toFixed(1)} steps/s as played; ` +
      `Training.step alone ${(1000 * result.stepSeconds).toFixed(1)} ms, ${(1 / result.stepSeconds).toFixed(1)} steps/s; a measurement ${(1000 * result.measureSeconds).toFixed(0)} ms); ` +
      `90% in both languages: ${reached}; final test accuracy en ${(100 * result.accuracy.en).toFixed(1)}%, pt-BR ${(100 * result.accuracy['pt-BR']).toFixed(1)}%; ` +
      `frames p50 ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms; ` +
      `page tasks over 50 ms: ${result.longTasks.length}${result.longTasks.length ? ` (longest ${Math.max(...result.longTasks).toFixed(0)} ms)` : ''}`,
  );
  await page.close();
}
console.log(`load average ${load.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end`);
await browser.close();
server.stop();
