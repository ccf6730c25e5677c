// The "Embed" action's snippet (www/embed.js) and the plural-aware strings (www/i18n.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embedSnippet } from '../../www/embed.js';
import { percentFormatter, translate, translator } from '../../www/i18n.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const strings = (lang) => JSON.parse(readFileSync(join(root, 'www', 'i18n', `${lang}.json`), 'utf8'));

test('the snippet: an iframe for the state, scene and language, and the height script', () => {
  const code = embedSnippet({
    page: 'https://example.org/moe/?lang=en&backend=cpu#m=old',
    lang: 'pt-BR',
    scene: 'capacity',
    fragment: '#m=switch-4&r=switch&k=1&cf=0.5&n=0&s=1&t=Dor+%22forte%22+%3Cb%3E',
    title: 'Clínica "MoE" <demo>',
    linkText: 'Abrir a <Clínica>',
  });
  const src = code.match(/<iframe src="([^"]+)"/)[1].replace(/&amp;/g, '&');
  const url = new URL(src);
  assert.equal(url.origin + url.pathname, 'https://example.org/moe/');
  assert.deepEqual(Object.fromEntries(url.searchParams), { embed: '1', lang: 'pt-BR', scene: 'capacity' });
  assert.equal(url.hash, '#m=switch-4&r=switch&k=1&cf=0.5&n=0&s=1&t=Dor+%22forte%22+%3Cb%3E');
  assert.match(code, /sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"/);
  assert.match(code, /title="Clínica &quot;MoE&quot; &lt;demo&gt;"/, 'attribute text escaped');
  assert.match(code, />Abrir a &lt;Clínica&gt;<\/a>/, 'link text escaped');
  assert.ok(!code.includes('embed=1&lang=pt-BR&scene=capacity#') || code.includes('&amp;'), 'ampersands escaped in attributes');
  // The fallback link opens the full page, in the same language, with the same state.
  const href = new URL(code.match(/<a href="([^"]+)"/)[1].replace(/&amp;/g, '&'));
  assert.deepEqual(Object.fromEntries(href.searchParams), { lang: 'pt-BR' });
  assert.equal(href.hash, url.hash);
  // The script only sets heights it can trust to be numbers, on the iframe that sent them.
  assert.match(code, /e\.data\.type === "moe-clinic:height"/);
  assert.match(code, /frames\[i\]\.contentWindow === e\.source/);
  const plain = embedSnippet({ page: 'https://example.org/moe/', lang: 'en', scene: null, fragment: '#m=mixtral-8', title: 't', linkText: 'l' });
  assert.ok(!plain.includes('scene='), 'no scene: the compact embed');
});

test('percentages never round a share onto 0% or 100%', () => {
  const en = percentFormatter('en');
  const pt = percentFormatter('pt-BR');
  assert.equal(en(1), '100%');
  assert.equal(en(0), '0%');
  assert.equal(en(0.9998), '>99.9%', '99.98% of the time is not all of it');
  assert.equal(en(0.9994), '99.9%');
  assert.equal(en(0.0004), '<0.1%');
  assert.equal(en(0.004), '0.4%');
  assert.equal(en(0.25), '25.0%');
  assert.equal(pt(0.637), '63,7%');
});

test('plurals follow Intl.PluralRules in both languages', () => {
  const pt = translator(strings('pt-BR'), 'pt-BR');
  const en = translator(strings('en'), 'en');
  assert.equal(pt('patients_seen', { count: 1 }), '1 atendido');
  assert.equal(pt('patients_seen', { count: 2 }), '2 atendidos');
  assert.equal(pt('slots', { count: 1 }), '1 horário');
  assert.equal(pt('slots', { count: 3 }), '3 horários');
  assert.equal(en('slots', { count: 1 }), '1 slot');
  assert.equal(en('exit_count', { count: 4 }), '4 patients');
  assert.equal(en('step_done', { count: 5 }), 'All 5 seen');
  assert.equal(en('step_done', { count: 1 }), 'The patient is seen');
  // Without a count, the "other" form; an unknown key comes back as itself.
  assert.equal(translate(strings('en'), 'slots', {}), '{count} slots');
  assert.equal(translate(strings('en'), 'no.such.key'), 'no.such.key');
});

test('both languages have the same strings, with the same placeholders', () => {
  const en = strings('en');
  const pt = strings('pt-BR');
  const flat = (node, prefix = '') =>
    Object.entries(node).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? flat(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v]]));
  const enMap = new Map(flat(en));
  const ptMap = new Map(flat(pt));
  assert.deepEqual([...enMap.keys()].sort(), [...ptMap.keys()].sort());
  for (const [key, value] of enMap) {
    if (typeof value !== 'string') continue;
    const holes = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    assert.deepEqual(holes(ptMap.get(key)), holes(value), key);
  }
});
