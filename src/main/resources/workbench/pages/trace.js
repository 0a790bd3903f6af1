// Why was this flow blocked: the hops of a flow, each hop's deciding rule (linked to its page), the verdict, and for
// a denied hop why no ALLOW policy decided.
import {add, h, href, verdictBadge, workloadLink} from '../dom.js';
import {api, query} from '../api.js';

export const live = true;

let names = null;

export async function render(el, {params}) {
  const from = params.get('from') || '', to = params.get('to') || '', port = params.get('port') || '', via = params.get('via') || '';
  if (!names) names = api.get('/v1/workloads?limit=500').then(d => d.workloads.map(w => w.id), () => []);
  const list = h('datalist', {id: 'workload-ids'}, (await names).map(n => h('option', {value: n})));
  const f = h('input', {id: 'trace-from', value: from, list: 'workload-ids', placeholder: 'pod/demo/web/web-dev-0, an IP, a service name.namespace', required: true});
  const t = h('input', {id: 'trace-to', value: to, list: 'workload-ids', placeholder: 'db.data, pod/…, an IP', required: true});
  const p = h('input', {id: 'trace-port', value: port || 'tcp/27017', placeholder: 'tcp/27017, udp/53, icmp', required: true});
  const v = h('input', {id: 'trace-via', value: via, placeholder: 'entry node (optional)'});
  const form = h('form', {class: 'grid-form', id: 'trace-form'},
    h('label', {}, 'From', f), h('label', {}, 'To', t), h('label', {}, 'Port', p), h('label', {}, 'Via', v),
    h('button', {type: 'submit', id: 'trace-button'}, 'Trace'), list);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = href('trace', null, {from: f.value.trim(), to: t.value.trim(), port: p.value.trim(), via: v.value.trim()});
  });
  add(el, h('h1', {}, 'Trace a flow'), form);
  if (!from || !to || !port) return;
  let d;
  try {
    d = await api.get('/v1/trace?' + query({from, to, port, via}));
  } catch (e) {
    add(el, h('p', {class: 'error', id: 'trace-error'}, e.message));
    return;
  }
  add(el, h('div', {class: 'verdict ' + d.verdict.toLowerCase(), id: 'trace-verdict'},
      `${d.from} → ${d.to} ${port}: `, verdictBadge(d.verdict)),
    h('p', {class: 'muted'}, 'path: ', d.path),
    d.notes.length ? h('ul', {class: 'notes'}, d.notes.map(n => h('li', {}, n))) : '',
    h('ol', {class: 'hops', id: 'hops'}, d.hops.map(hop)),
    d.blocked.length ? [h('h2', {}, 'Blocked whatever the rules say'), h('ul', {id: 'blocked'}, d.blocked.map(b => h('li', {}, b)))] : '',
    d.verdict === 'DENY' && d.why.length ? [h('h2', {}, 'Why it is denied'), h('ul', {id: 'trace-why', class: 'why'}, d.why.map(w => h('li', {}, w)))] : '',
    h('details', {}, h('summary', {}, 'as the trace command prints it'), h('pre', {class: 'code'}, d.text)));
}

function hop(x) {
  const r = x.rule;
  return h('li', {class: 'hop ' + x.verdict.toLowerCase()},
    h('div', {class: 'hop-head'}, verdictBadge(x.verdict), ' ', h('b', {}, x.step), ' on ', workloadLink(x.workload),
      x.enforcer !== x.workload ? [' (enforced on ', workloadLink(x.enforcer), ')'] : '',
      `: ${x.direction} ${x.direction === 'EGRESS' ? 'to' : 'from'} ${x.peer}${x.peerAddress && !x.peer.includes(x.peerAddress) ? ' ' + x.peerAddress : ''} ${x.port}`),
    r ? h('div', {class: 'decided'}, 'decided by ',
      h('a', {href: href('rule', r.id), class: 'deciding-rule'}, `rule ${x.position} of ${x.of}`),
      `: ${r.action} ${r.protocol} ${r.ports || '*'} peer ${r.peerSet || 'any'}, ${r.rank} ${r.priority}, ${r.policy}`,
      h('ul', {class: 'drl'}, r.drl.map(d => h('li', {}, 'DRL rule “', d.name, '” ', h('a', {href: href('rule', r.id)}, d.location)))))
      : h('div', {class: 'decided'}, x.decision),
    x.why.length ? h('div', {class: 'why'}, h('b', {}, 'Why no ALLOW policy decided:'), h('ul', {}, x.why.map(w => h('li', {}, w)))) : '');
}
