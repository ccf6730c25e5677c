// Strings and numbers in the visitor's language. Strings live in i18n/<lang>.json.

export async function loadStrings(lang) {
  const response = await fetch(`i18n/${lang}.json`);
  if (!response.ok) throw new Error(`i18n/${lang}.json: HTTP ${response.status}`);
  return response.json();
}

/**
 * Looks up a dotted key and fills `{name}` placeholders. A string that depends on a count
 * is an object of plural forms (`{"one": "…", "other": "…"}`); `plurals` (an
 * Intl.PluralRules) picks the form for `vars.count`, so Portuguese says "1 atendido" and
 * "2 atendidos" by the language's own rule, not by a test for 1.
 */
export function translate(strings, key, vars = {}, plurals = null) {
  let text = key.split('.').reduce((node, part) => (node == null ? undefined : node[part]), strings);
  if (text && typeof text === 'object' && typeof text.other === 'string') {
    const form = plurals && typeof vars.count === 'number' ? plurals.select(vars.count) : 'other';
    text = text[form] ?? text.other;
  }
  if (typeof text !== 'string') return key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** A translator bound to one language's strings and plural rules. */
export function translator(strings, lang) {
  const plurals = new Intl.PluralRules(lang);
  return (key, vars) => translate(strings, key, vars, plurals);
}

/** Number formatting for the language: decimal commas in Portuguese. */
export function numberFormatter(lang) {
  const cache = new Map();
  return (value, digits = 2) => {
    if (value === null || value === undefined || Number.isNaN(value)) return '–';
    let format = cache.get(digits);
    if (!format) {
      format = new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits });
      cache.set(digits, format);
    }
    return format.format(value);
  };
}

/**
 * Shares as percentages with one decimal. Exactly 0 and 1 read "0%" and "100%"; a share
 * near them is never rounded onto them ("99.98% of the time is travel" is not 100%).
 */
export function percentFormatter(lang) {
  const format = numberFormatter(lang);
  return (p) => {
    if (p === 0 || p === 1) return `${format(100 * p, 0)}%`;
    if (p > 0.9995) return `>${format(99.9, 1)}%`;
    if (p > 0 && p < 0.0005) return `<${format(0.1, 1)}%`;
    return `${format(100 * p, 1)}%`;
  };
}

/** Large counts in compact form: 12.3k, 1.2M (1,2 mi in Portuguese). */
export function compactFormatter(lang) {
  const format = new Intl.NumberFormat(lang, { notation: 'compact', maximumFractionDigits: 1 });
  return (value) => format.format(value);
}
