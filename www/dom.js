// The one way the page creates elements, HTML and SVG alike. Children given as strings
// become text nodes (`append` never parses markup), so text from the visitor or the model
// can only ever reach the DOM as text.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Sets attributes on `node`: `text` sets textContent, `dataset` and `style` take objects
 * (style by custom-property-safe `setProperty`), `on*` adds a listener; `null`, `undefined`
 * and `false` remove the attribute, `true` sets it empty.
 */
export function set(node, props = {}) {
  for (const [name, value] of Object.entries(props)) {
    if (name === 'text') node.textContent = value ?? '';
    else if (name === 'dataset') {
      for (const [key, v] of Object.entries(value)) {
        if (v === undefined || v === null) delete node.dataset[key];
        else node.dataset[key] = String(v);
      }
    } else if (name === 'style') {
      for (const [key, v] of Object.entries(value)) node.style.setProperty(key, v === null ? '' : String(v));
    } else if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (value === undefined || value === null || value === false) node.removeAttribute(name);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  return node;
}

function build(node, props, children) {
  set(node, props ?? {});
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'number' ? String(child) : child);
  }
  return node;
}

/** An HTML element: `el('p', {class: 'hint'}, 'text', otherNode)`. */
export function el(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

/** An SVG element, with the same arguments as `el`. */
export function svg(tag, props, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

/** Shows or hides an SVG element by its display (SVG has no `hidden` attribute). */
export function shown(node, visible) {
  node.style.display = visible ? '' : 'none';
  return node;
}
