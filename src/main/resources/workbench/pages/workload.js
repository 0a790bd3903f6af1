// A workload: its labels, its concrete rules in evaluation order (first match wins), the peer sets' members on
// demand, and the warnings that concern it.
import {add, h, href, verdictBadge} from '../dom.js';
import {api} from '../api.js';
import {labels} from './workloads.js';

export const live = true;

export async function render(el, {id}) {
  const d = await api.get('/v1/workloads/' + encodeURIComponent(id) + '/rules');
  const sets = Object.fromEntries(d.sets.map(s => [s.id, s]));
  add(el, h('h1', {}, d.workload),
    h('dl', {class: 'facts'},
      h('dt', {}, 'Labels'), h('dd', {id: 'workload-labels'}, labels(d.labels)),
      h('dt', {}, 'Addresses'), h('dd', {class: 'mono'}, (d.ips || []).join(', ') || '—'),
      h('dt', {}, 'Agent'), h('dd', {}, d.agent ? h('a', {href: href('agents')}, d.agent) : '—'),
      h('dt', {}, 'Trace'), h('dd', {}, h('a', {href: href('trace', null, {from: d.workload})}, 'a flow from here'), ' · ',
        h('a', {href: href('trace', null, {to: d.workload})}, 'a flow to here'))));
  for (const dir of ['INGRESS', 'EGRESS']) {
    const rules = d.rules.filter(r => r.direction === dir);
    add(el, h('h2', {}, `${dir} (${rules.length} rules, first match wins)`), table(rules, sets, dir));
  }
  add(el, h('h2', {}, `Warnings (${d.warnings.length})`),
    d.warnings.length ? h('ul', {id: 'warnings', class: 'warnings'}, d.warnings.map(w => h('li', {}, h('b', {}, w.policy), ': ', w.message)))
      : h('p', {class: 'muted', id: 'warnings'}, 'No warning concerns this workload.'));
}

function table(rules, sets, dir) {
  const body = h('tbody', {});
  rules.forEach((r, i) => {
    const set = r.peerSet ? sets[r.peerSet] : null;
    const members = h('tr', {class: 'members', hidden: true},
      h('td', {colspan: 9}, set ? h('div', {}, h('div', {class: 'muted'}, set.description),
        h('ul', {class: 'mono member-list'}, set.members.map(m => h('li', {}, m)))) : ''));
    const toggle = set ? h('button', {type: 'button', class: 'link show-members', title: set.description,
      onclick: () => { members.hidden = !members.hidden; }}, `${r.peerSet} (${set.members.length})`) : 'any';
    body.append(h('tr', {class: 'rule ' + r.action.toLowerCase() + (r.enforcement === 'AUDIT' ? ' audit' : ''), dataset: {rule: r.id}},
      h('td', {class: 'num'}, i + 1),
      h('td', {}, verdictBadge(r.action), r.enforcement === 'AUDIT' ? h('span', {class: 'badge audit'}, 'audit') : ''),
      h('td', {}, r.protocol),
      h('td', {class: 'mono'}, r.ports || '*'),
      h('td', {}, toggle, r.localSet ? h('span', {class: 'muted'}, ' local ' + r.localSet) : ''),
      h('td', {}, r.rank),
      h('td', {class: 'num'}, r.priority),
      h('td', {}, r.policy),
      h('td', {}, h('a', {href: href('rule', r.id), class: 'rule-link'}, r.rule))));
    body.append(members);
  });
  return h('table', {class: 'rules', id: 'rules-' + dir.toLowerCase()},
    h('thead', {}, h('tr', {}, ['#', 'Action', 'Protocol', 'Ports', 'Peer set', 'Rank', 'Priority', 'Policy', 'Why (DRL rule)'].map(t => h('th', {}, t)))),
    body);
}
