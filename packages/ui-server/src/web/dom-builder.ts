/** Attributes and properties of an element built by `h`: strings become attributes, `on*` functions listeners. */
export type Attributes = Record<string, string | number | boolean | null | undefined | ((event: never) => void)>;

/** A child of an element built by `h`: a node, text, or nothing. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'object' ? (child as Node) : document.createTextNode(String(child)));
  }
}

// The server's CSP forbids style attributes (style-src 'self'), but not CSSOM writes, so inline
// styles go through style.setProperty.
function applyStyle(element: Element, css: string): void {
  const style = (element as HTMLElement | SVGElement).style;
  for (const declaration of css.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon > 0) style.setProperty(declaration.slice(0, colon).trim(), declaration.slice(colon + 1).trim());
  }
}

function apply(element: Element, attributes: Attributes | undefined): void {
  if (!attributes) return;
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    else if (name === 'style') applyStyle(element, String(value));
    else element.setAttribute(name, value === true ? '' : String(value));
  }
}

/**
 * Builds an HTML element: `h('a', { href: '#/runs', class: 'nav' }, 'Runs')`.
 *
 * Text children become text nodes (never HTML), so values from the API cannot inject markup.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes?: Attributes, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  apply(element, attributes);
  append(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Builds an SVG element, like `h` for the SVG namespace. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attributes?: Attributes, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  apply(element, attributes);
  append(element, children);
  return element;
}

/** Replaces all children of `parent` with `children`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.textContent = '';
  append(parent, children);
}
