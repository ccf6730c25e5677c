// A busy day: one sentence is a handful of patients, too few to see what the clinic
// manager (the load-balancing loss) does. One action routes many complaints (the bundled
// examples and held-out test sentences the model never trained on) through two models for
// the same patients, the one trained with the manager and the one trained without, and
// draws each doctor's load summed over all of them. The sums are of the traces'
// `expert_load` (seated) and `expert_demand` (asked for): model output, only added up.
import { el } from './dom.js';
import { loadRows } from './report.js';

/** The comparison: the same architecture trained with and without the balance loss. */
export const BUSY_MODELS = [
  { name: 'mixtral-8', role: 'busy_with' },
  { name: 'no-manager', role: 'busy_without' },
];

export class BusyDay {
  /**
   * @param {object} parts {run, status, panels}
   * @param {object} i18n {t, format}
   * @param {object} hooks {enqueue(job), clinicFor(name), sentences(), title(name)}
   */
  constructor(parts, i18n, hooks) {
    this.parts = parts;
    this.i18n = i18n;
    this.hooks = hooks;
    this.generation = 0;
    this.running = null;
    parts.run.addEventListener('click', () => this.run());
  }

  /** Routes every sentence through both models; a second call restarts the day. */
  run() {
    const generation = ++this.generation;
    this.running = this.day(generation).catch((error) => {
      if (generation === this.generation) this.parts.status.textContent = this.i18n.t('error', { message: error.message });
      throw error;
    });
    this.running.catch(() => {});
    return this.running;
  }

  async day(generation) {
    const { t } = this.i18n;
    const { status, panels } = this.parts;
    // The button stays enabled (a second press starts the day again), so focus never rests
    // on a disabled control; the panels say they are busy.
    panels.setAttribute('aria-busy', 'true');
    try {
      const sentences = await this.hooks.sentences();
      const models = await Promise.all(BUSY_MODELS.map(async (m) => ({ ...m, ...(await this.hooks.clinicFor(m.name)) })));
      if (generation !== this.generation) return null;
      const totals = models.map((m) => ({
        load: new Float64Array(m.config.moe.num_experts),
        demand: new Float64Array(m.config.moe.num_experts),
        patients: 0,
      }));
      panels.dataset.state = 'running';
      for (let i = 0; i < sentences.length; i++) {
        for (let m = 0; m < models.length; m++) {
          // Through the page's one queue, so the visitor's own routings go in between.
          const trace = await this.hooks.enqueue(() => models[m].clinic.route(sentences[i], {}));
          if (generation !== this.generation) return null;
          const total = totals[m];
          trace.expert_load.forEach((v, e) => (total.load[e] += v));
          trace.expert_demand.forEach((v, e) => (total.demand[e] += v));
          total.patients += trace.tokens.length;
        }
        status.textContent = t('busy_progress', { done: i + 1, count: sentences.length });
        if (i % 8 === 7 || i === sentences.length - 1) this.draw(models, totals, i + 1);
      }
      panels.dataset.state = 'done';
      status.textContent = t('busy_done', { count: sentences.length, patients: totals[0].patients });
      return totals;
    } finally {
      if (generation === this.generation) panels.setAttribute('aria-busy', 'false');
    }
  }

  draw(models, totals, complaints) {
    const { t, format } = this.i18n;
    // One scale for both charts, so the bars can be compared across them.
    const scale = Math.max(1, ...totals.flatMap((x) => [...x.demand, ...x.load]));
    this.parts.panels.replaceChildren(
      ...models.map((m, i) => {
        const total = totals[i];
        const E = total.load.length;
        const assignments = total.demand.reduce((a, b) => a + b, 0);
        const mean = assignments / E;
        const busiest = Math.max(...total.demand);
        // "Idle": fewer than a fifth of an even share of the patients.
        const idle = total.demand.filter((d) => d < mean / 5).length;
        return el(
          'figure',
          {
            class: 'busy-model',
            'data-testid': 'busy-model',
            dataset: { model: m.name, complaints, patients: total.patients, busiest: (busiest / mean).toFixed(3), idle },
          },
          el(
            'figcaption',
            {},
            el('strong', {}, t(m.role)),
            el('span', { class: 'hint' }, this.hooks.title(m.name)),
          ),
          el(
            'ol',
            { class: 'loads busy-loads', style: { '--mean': String(mean / scale) } },
            loadRows(total.load, total.demand, scale, (e) => t('doctor', { index: e + 1 })),
          ),
          el('p', { class: 'busy-summary' }, t('busy_summary', { busiest: format(busiest / mean, 1), count: idle })),
        );
      }),
    );
  }
}
