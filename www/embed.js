// The "Embed" action's snippet: an iframe for the current state, scene and language, and
// a few lines of script that let the embed set its own height (the `moe-clinic:height`
// message). Pure string building, tested in node; the page shows the result as text.

/** Heights an iframe starts at before the embed reports its own (CSS px). */
export const START_HEIGHTS = { default: 820, routing: 880, capacity: 900, balance: 1000 };

const attribute = (text) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const textNode = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * @param {object} o
 * @param {string} o.page the full page's address (any query and fragment are replaced)
 * @param {string} o.lang "en" or "pt-BR"
 * @param {string|null} o.scene a scene name, or null for the compact embed
 * @param {string} o.fragment the routing state, `#m=…` (the visitor's text included)
 * @param {string} o.title the iframe's accessible title
 * @param {string} o.linkText the fallback link's text
 */
export function embedSnippet({ page, lang, scene, fragment, title, linkText }) {
  const base = new URL(page);
  base.search = '';
  base.hash = '';
  const full = new URL(base);
  full.searchParams.set('lang', lang);
  const src = new URL(base);
  src.searchParams.set('embed', '1');
  src.searchParams.set('lang', lang);
  if (scene) src.searchParams.set('scene', scene);
  const height = START_HEIGHTS[scene ?? 'default'] ?? START_HEIGHTS.default;
  return [
    `<iframe src="${attribute(`${src}${fragment}`)}"`,
    `  title="${attribute(title)}" loading="lazy"`,
    '  sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"',
    `  style="display:block;width:100%;max-width:760px;height:${height}px;border:0">`,
    `  <a href="${attribute(`${full}${fragment}`)}">${textNode(linkText)}</a>`,
    '</iframe>',
    '<script>',
    '  // MoE Clinic: the embed reports its height; only messages from an iframe on this page count.',
    '  addEventListener("message", function (e) {',
    '    var h = e.data && e.data.type === "moe-clinic:height" ? Number(e.data.height) : 0;',
    '    if (!(h > 0 && h < 20000)) return;',
    '    var frames = document.getElementsByTagName("iframe");',
    '    for (var i = 0; i < frames.length; i++) {',
    '      if (frames[i].contentWindow === e.source) frames[i].style.height = Math.ceil(h) + "px";',
    '    }',
    '  });',
    '</script>',
  ].join('\n');
}
