// Reachability for chosen workloads and ports, one row per pair of classes (workloads the rules cannot tell apart).
import {add, h, href, verdictBadge} from '../dom.js';
import {api, query} from '../api.js';

export const live = true;

export async function render(el, {params}) {
  const from = params.has('from') ? params.get('from') : 'orchestrator_app = web';
  const to = params.has('to') ? params.get('to') : 'orchestrator_app = db OR orchestrator_system/service_name = db';
  const ports = params.get('ports') || 'tcp/27017';
  const f = h('input', {id: 'matrix-from', value: from, placeholder: 'query, e.g. orchestrator_app = web (empty: all)'});
  const t = h('input', {id: 'matrix-to', value: to, placeholder: 'query (empty: all)'});
  const p = h('input', {id: 'matrix-ports', value: ports, placeholder: 'tcp/27017, udp/53'});
  const form = h('form', {class: 'grid-form', id: 'matrix-form'},
    h('label', {}, 'From', f), h('label', {}, 'To', t), h('label', {}, 'Ports', p), h('button', {type: 'submit', id: 'matrix-button'}, 'Show'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = href('matrix', null, {from: f.value, to: t.value, ports: p.value});
  });
  add(el, h('h1', {}, 'Reachability matrix'), form,
    h('p', {class: 'muted'}, 'Queries in the policy language (docs/queries.md); Kubernetes labels carry the orchestrator_ prefix.'));
  let d;
  try {
    d = await api.get('/v1/matrix?' + query({from, to, port: ports.split(/[\s,]+/).filter(Boolean)}));
  } catch (e) {
    add(el, h('p', {class: 'error', id: 'matrix-error'}, e.message));
    return;
  }
  const group = (g) => h('details', {class: 'group'}, h('summary', {}, g.name + (g.members.length > 1 ? ` (${g.members.length})` : '')),
    h('ul', {class: 'mono member-list'}, g.members.map(m => h('li', {}, g.service ? m : h('a', {href: href('workload', m)}, m)))));
  add(el, h('p', {class: 'muted'}, `${d.from.length} source groups, ${d.to.length} destination groups, ${d.ports.length} ports: ${d.cellCount} cells from ${d.traced} traced flows`),
    h('table', {id: 'matrix'},
      h('thead', {}, h('tr', {}, h('th', {}, 'From'), h('th', {}, 'To'), d.ports.map(x => h('th', {}, x)), h('th', {}, 'Cells'))),
      h('tbody', {}, d.rows.map(r => h('tr', {},
        h('td', {}, group(d.from[r.from])), h('td', {}, group(d.to[r.to])),
        r.verdicts.map((v, i) => h('td', {}, v ? h('a', {href: href('trace', null, {from: d.from[r.from].members[0], to: d.to[r.to].members.find(m => m !== d.from[r.from].members[0]) || d.to[r.to].members[0], port: d.ports[i]})}, verdictBadge(v)) : '–')),
        h('td', {class: 'num'}, r.cells))))));
}
