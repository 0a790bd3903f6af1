// Small DOM helpers: every text goes in as text (never as HTML), so data cannot become markup.

/** An element: h('a', {href: '#/x', class: 'y'}, 'text', child, [children]); on* attributes take functions. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/** Appends children to el: arrays are flattened, null and false left out, anything else as text. */
export function add(el, ...children) {
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of el. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** The hash link of a page: link('workload', id) is #/workload/<id>; params become the query. */
export function href(page, id, params) {
  let s = '#/' + page + (id !== undefined && id !== null ? '/' + encodeURIComponent(id) : '');
  if (params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const t = q.toString();
    if (t) s += '?' + t;
  }
  return s;
}

/** A link to a workload's page when text is a workload id, else the text. */
export function workloadLink(text) {
  return /^(pod|node|host)\//.test(text) ? h('a', {href: href('workload', text)}, text) : text;
}

export function verdictBadge(v) {
  return h('span', {class: 'badge ' + String(v).toLowerCase()}, v);
}

export function errorBox(e) {
  return h('div', {class: 'error', role: 'alert'}, e && e.message ? e.message : String(e));
}
