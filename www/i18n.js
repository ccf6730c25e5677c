// Strings and numbers in the visitor's language. Strings live in i18n/<lang>.json.

export async function loadStrings(lang) {
  const response = await fetch(`i18n/${lang}.json`);
  if (!response.ok) throw new Error(`i18n/${lang}.json: HTTP ${response.status}`);
  return response.json();
}

/** Looks up a dotted key and fills `{name}` placeholders. */
export function translate(strings, key, vars = {}) {
  const text = key.split('.').reduce((node, part) => (node == null ? undefined : node[part]), strings);
  if (typeof text !== 'string') return key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
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

/** Large counts in compact form: 12.3k, 1.2M (1,2 mi in Portuguese). */
export function compactFormatter(lang) {
  const format = new Intl.NumberFormat(lang, { notation: 'compact', maximumFractionDigits: 1 });
  return (value) => format.format(value);
}
