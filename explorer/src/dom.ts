/**
 * Builds DOM elements from data. Every value from the API goes in as a text node, never as
 * HTML, so a path or a metadata value cannot inject markup; and it becomes a link only
 * through `link`, which lets a short list of schemes through.
 */
type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** Attributes the browser follows or runs: `h` refuses them, so no value reaches one by accident. */
const FOLLOWED = /^(?:href|src|srcdoc|action|formaction|xlink:href|on.*)$/i;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (FOLLOWED.test(name)) throw new Error(`h() does not set ${name}; make links with link() or action()`);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/** Schemes of graph nodes, which the explorer opens itself. */
const IN_EXPLORER = new Set(['datum:', 'model:', 'dataset:']);
const ON_THE_WEB = new Set(['http:', 'https:']);

/**
 * A value from the API as a link only when its scheme is on the allow list: http(s) opens in
 * a new tab, datum://, model:// and dataset:// open in the explorer. Anything else
 * (javascript:, data:, s3://, a git@host:org/repo remote) is shown as text. The scheme is
 * the browser's own parse of the value, so case, spaces or tabs cannot disguise one.
 */
export function link(value: string, openInExplorer: (uri: string) => void): HTMLElement {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // not an absolute URL: text
  }
  if (url && ON_THE_WEB.has(url.protocol)) {
    const a = h('a', { class: 'uri', target: '_blank', rel: 'noopener noreferrer' }, value);
    a.setAttribute('href', url.href);
    return a;
  }
  if (url && IN_EXPLORER.has(url.protocol)) return action(value, () => openInExplorer(value), { class: 'uri', title: 'Open in the explorer' });
  return h('span', { class: 'uri' }, value);
}

/** A link that runs an action of the page (open a node) instead of leaving it. */
export function action(text: Child, run: () => void, attrs: Attrs = {}): HTMLAnchorElement {
  const a = h('a', { ...attrs, onclick: (e: Event) => (e.preventDefault(), run()) }, text);
  a.setAttribute('href', '#');
  return a;
}

export function append(parent: Node, children: Child[]) {
  for (const child of (children as unknown[]).flat(Infinity) as Child[]) {
    if (child == null || child === false || Array.isArray(child)) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

export function replace(parent: Element, ...children: Child[]) {
  parent.replaceChildren();
  append(parent, children);
}
