// DOM helpers. Text always goes in through textContent or text nodes: this
// page never parses strings as HTML, so names and chat from other players
// cannot inject markup.

/**
 * Creates an element. props: class, text (textContent), on<event>
 * handlers, dataset, and attributes (true for a bare attribute; false or
 * null to leave it out). Children are nodes or strings (as text).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v != null) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c != null && c !== false) el.append(c); // append(string) makes a text node
  }
  return el;
}

/** The element with this id; throws when the page lacks it. */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page has no #${id}`);
  return el;
}

/** Sets textContent only when it changes (cheap to call every frame). */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
