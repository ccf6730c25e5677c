// Shared by the page tests: the project's own static server (the one `serve.sh` runs, so
// its headers are tested too) and Debian's Chromium through playwright-core.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshots = join(root, 'target', 'screenshots');
mkdirSync(screenshots, { recursive: true });

/** Starts scripts/serve.py on a free port; resolves to {url, stop}. */
export function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [join(root, 'scripts', 'serve.py'), '--port', '0', '--quiet'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.on('error', reject);
    child.stdout.setEncoding('utf8');
    child.stdout.once('data', (line) => {
      const match = line.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (!match) return reject(new Error(`unexpected server output: ${line}`));
      resolve({ url: `http://127.0.0.1:${match[1]}`, stop: () => child.kill() });
    });
  });
}

const quiet = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
// Compute needs only the first; the rest let WebGPU draw on SwiftShader's Vulkan too.
export const webgpuFlags = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-angle=vulkan'];

/** Launches Debian's Chromium, with WebGPU on SwiftShader unless `webgpu` is false. */
export function launch({ webgpu = true } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // As root Chromium needs --no-sandbox.
    args: ['--no-sandbox', ...quiet, ...(webgpu ? webgpuFlags : [])],
  });
}

/** Collects console errors and page errors, to assert there were none. */
export function watchErrors(page) {
  const errors = [];
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** Serves a folder on another port (so another origin) with node's http module. */
export async function startStaticServer(dir) {
  const { createServer } = await import('node:http');
  const { readFile } = await import('node:fs/promises');
  const server = createServer(async (request, response) => {
    try {
      const path = new URL(request.url, 'http://host').pathname.replace(/\/$/, '/index.html');
      const body = await readFile(join(dir, path.replace(/\.\./g, '')));
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(body);
    } catch {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, stop: () => server.close() };
}

/** Opens the playground at `path` on `base` and waits for its first routing. */
export async function openPlayground(browser, base, path = '/', options = {}) {
  const page = await browser.newPage(options);
  const errors = watchErrors(page);
  await page.goto(`${base}${path}`);
  await page.waitForFunction(() => window.moeClinic && document.querySelector('#app')?.getAttribute('aria-busy') === 'false', null, { timeout: 90_000 });
  await page.evaluate(() => window.moeClinic.ready);
  return { page, errors };
}

/**
 * What a visitor sees of the clinic right now, read in one go inside the page: the
 * patients drawn in rooms and at the exit (rendered: a computed display and a non-zero
 * box inside the stage), the step, and whether the diagnosis bars show.
 */
export function seenNow() {
  const stage = document.getElementById('stage');
  const box = stage.getBoundingClientRect();
  const drawn = (n) => {
    if (getComputedStyle(n).display === 'none' || !n.checkVisibility()) return false;
    const r = n.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  };
  return {
    step: Number(stage.dataset.step),
    seated: [...stage.querySelectorAll('[data-testid=seated]')].filter(drawn).map((n) => [Number(n.dataset.token), Number(n.dataset.expert)]),
    sentOn: [...stage.querySelectorAll('[data-testid=sent-on]')].filter(drawn).map((n) => [Number(n.dataset.token), Number(n.dataset.expert)]),
    diagnosis: document.getElementById('diagnosis-bars').checkVisibility(),
  };
}

/** Where each patient of a trace should be once seen: [token, expert] seats and exits. */
export function expectedPlaces(trace, seen) {
  const seated = [];
  const sentOn = [];
  for (let i = 0; i < seen; i++) {
    let any = false;
    let dropped = false;
    for (let s = 0; s < trace.slots; s++) {
      const chosen = trace.choice[i * trace.slots + s];
      if (chosen < 0) continue;
      if (trace.expert[i * trace.slots + s] >= 0) {
        seated.push([i, trace.expert[i * trace.slots + s]]);
        any = true;
      } else {
        sentOn.push([i, chosen]);
        dropped = true;
      }
    }
    for (let g = 0; g < trace.shared; g++) seated.push([i, trace.experts + g]);
    if (!any && !dropped && trace.shared === 0) sentOn.push([i, -1]);
  }
  const order = (a, b) => a[0] - b[0] || a[1] - b[1];
  return { seated: seated.sort(order), sentOn: sentOn.sort(order) };
}

/** Cumulative layout shift since the page started (buffered), read in the page. */
export function layoutShift() {
  return new Promise((resolve) => {
    let total = 0;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
    });
    observer.observe({ type: 'layout-shift', buffered: true });
    requestAnimationFrame(() => requestAnimationFrame(() => {
      for (const entry of observer.takeRecords()) if (!entry.hadRecentInput) total += entry.value;
      observer.disconnect();
      resolve(total);
    }));
  });
}
