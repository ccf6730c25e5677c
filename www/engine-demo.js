// Minimal engine demo: create a layer, run it once, print the trace. Text only (textContent).
import init, { Engine } from './pkg/moe_clinic.js';
import { el } from './dom.js';

const query = new URLSearchParams(location.search);
const backendLabel = document.getElementById('backend');

try {
  await init();
  const backend = query.get('backend') === 'cpu' ? 'cpu' : 'auto';
  const engine = await Engine.create({
    backend,
    random: { d_model: 32, d_ff: 64, num_experts: 8, expert_kind: 'swiglu', seed: 7 },
  });
  const tokens = 12;
  const x = new Float32Array(tokens * 32).map((_, i) => Math.sin(i * 12.9898) * 1.5);
  const trace = await engine.run(x, tokens, { router: 'mixtral', top_k: 2 });
  const b = trace.backend;
  backendLabel.textContent = b.kind === 'gpu'
    ? `WebGPU (${b.adapter.vendor} ${b.adapter.architecture})`
    : `CPU (${b.reason})`;
  document.getElementById('summary').textContent =
    `aux loss ${trace.metrics.aux_loss.toFixed(3)}, load per expert ${Array.from(trace.expert_load).join(' ')}, ` +
    `${trace.timings.wall_ms.toFixed(1)} ms`;
  const body = document.getElementById('tokens');
  for (let t = 0; t < trace.token_count; t++) {
    const slots = Array.from(trace.expert_index.slice(t * trace.slots, (t + 1) * trace.slots));
    const gates = Array.from(trace.routing_weights.slice(t * trace.slots, (t + 1) * trace.slots), (g) => g.toFixed(3));
    body.append(
      el(
        'tr',
        { dataset: { testid: 'token', experts: slots.join(',') } },
        el('td', {}, String(t)),
        el('td', {}, slots.join(', ')),
        el('td', {}, gates.join(', ')),
      ),
    );
  }
} catch (error) {
  backendLabel.dataset.state = 'error';
  backendLabel.textContent = `error: ${error.message}`;
  console.error(error);
}
