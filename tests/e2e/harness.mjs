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
