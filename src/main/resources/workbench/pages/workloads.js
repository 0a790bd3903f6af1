// Workloads: search by id, label (key=value) or address.
import {add, h, href} from '../dom.js';
import {api, query} from '../api.js';

export const live = true;

export async function render(el, {params}) {
  const q = params.get('q') || '';
  const input = h('input', {id: 'search', type: 'search', value: q, placeholder: 'id, label (app=web) or IP', autofocus: true});
  const form = h('form', {class: 'search'}, input, h('button', {type: 'submit', id: 'search-button'}, 'Search'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = href('workloads', null, {q: input.value.trim()});
  });
  const data = await api.get('/v1/workloads?' + query({q, limit: 200}));
  const rows = data.workloads.map(w => h('tr', {},
    h('td', {}, h('a', {href: href('workload', w.id), class: 'workload-link'}, w.id)),
    h('td', {}, w.kind),
    h('td', {}, labels(w.labels)),
    h('td', {class: 'mono'}, w.ips.join(', ')),
    h('td', {class: 'mono'}, w.agent || ''),
    h('td', {class: 'num'}, w.rules)));
  add(el, h('h1', {}, 'Workloads'), form,
    h('p', {class: 'muted'}, `${data.workloads.length}${data.truncated ? '+' : ''} workloads` + (q ? ` match “${q}”` : '')),
    h('table', {id: 'workloads'}, h('thead', {}, h('tr', {}, ['Workload', 'Kind', 'Labels', 'Addresses', 'Agent', 'Rules'].map(t => h('th', {}, t)))),
      h('tbody', {}, rows)));
}

export function labels(map) {
  return h('span', {class: 'labels'}, Object.entries(map || {}).map(([k, v]) => h('span', {class: 'label'}, `${k}=${v}`)));
}
