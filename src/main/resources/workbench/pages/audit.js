// Would-be drops per policy: what the DENY rules of workspaces in audit mode would have dropped.
import {add, h, href, workloadLink} from '../dom.js';
import {api} from '../api.js';

export const live = true;

export async function render(el) {
  const d = await api.get('/v1/audit');
  add(el, h('h1', {}, 'Audit: would-be drops'));
  if (!d.workspaces.length) {
    add(el, h('p', {class: 'muted', id: 'audit-empty'}, 'No workspace is in audit mode: every DENY rule drops (docs/audit.md).'));
    return;
  }
  for (const ws of d.workspaces) {
    add(el, h('section', {class: 'card'}, h('h2', {}, `${ws.workspace}: ${ws.packets} packets, ${ws.bytes} bytes`),
      h('table', {class: 'audit'}, h('thead', {}, h('tr', {}, ['Policy', 'Workload', 'Direction', 'Protocol', 'Ports', 'Peer', 'Packets', 'Bytes', 'Agents'].map(t => h('th', {}, t)))),
        h('tbody', {}, ws.policies.flatMap(p => p.rules.map(r => h('tr', {class: r.packets > 0 ? 'hit' : ''},
          h('td', {}, p.policy + (p.catchAll ? ' (catch-all)' : '')), h('td', {}, workloadLink(r.workload)), h('td', {}, r.direction),
          h('td', {}, r.protocol), h('td', {class: 'mono'}, r.ports || '*'), h('td', {}, r.peerSet || 'any'),
          h('td', {class: 'num'}, h('a', {href: href('rule', r.id)}, r.packets)), h('td', {class: 'num'}, r.bytes), h('td', {class: 'num'}, r.agents))))))));
  }
}
