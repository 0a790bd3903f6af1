// Why does this rule exist: its policy and workspace, and per justification the facts the DRL rule matched and
// the DRL rule's source in its file, its lines highlighted.
import {add, h, href, verdictBadge, workloadLink} from '../dom.js';
import {api, query} from '../api.js';

export const live = true;

export async function render(el, {id, stale}) {
  let d;
  try {
    d = await api.get('/v1/rules/' + encodeURIComponent(id) + '/explain');
  } catch (e) {
    if (e.status === 404) {
      add(el, h('h1', {}, 'Rule ' + id), h('p', {class: 'error', id: 'rule-gone'}, e.message + ': the rules changed; go back to the workload.'));
      return;
    }
    throw e;
  }
  const r = d.rule;
  const p = d.policyDetails;
  add(el, h('h1', {}, 'Why this rule exists'),
    h('p', {class: 'summary', id: 'rule-summary'}, verdictBadge(r.action), ` ${r.direction} ${r.protocol} ${r.ports || '*'} on `,
      workloadLink(r.workload), ' peer ', r.peerSet || 'any', `, ${r.rank} ${r.priority}`),
    h('dl', {class: 'facts'},
      h('dt', {}, 'Policy'), h('dd', {id: 'rule-policy'}, d.policy),
      h('dt', {}, 'Workspace'), h('dd', {}, d.workspace || '—'),
      p && p.consumer !== undefined ? [h('dt', {}, 'Policy says'), h('dd', {class: 'mono'},
        `consumer: ${p.consumer}\nprovider: ${p.provider}\nports: ${(p.ports || []).join(', ')}\n${p.action} ${p.rank} ${p.priority}`)] : '',
      p && p.catchAll ? [h('dt', {}, 'Catch-all'), h('dd', {}, `ingress ${p.catchAll.ingress}, egress ${p.catchAll.egress}`)] : '',
      p ? [h('dt', {}, 'Scope'), h('dd', {class: 'mono'}, p.scope)] : '',
      h('dt', {}, 'Peer set'), h('dd', {}, d.peerSet ? [d.peerSet.id, ' — ', d.peerSet.description,
        h('ul', {class: 'mono member-list'}, d.peerSet.members.map(m => h('li', {}, m)))] : 'any address')));
  add(el, h('h2', {}, `Justifications (${d.justifications.length})`));
  const files = {};
  for (const [i, j] of d.justifications.entries()) {
    const colon = j.location.lastIndexOf(':');
    const file = j.location.slice(0, colon);
    const line = Number(j.location.slice(colon + 1));
    if (!(file in files)) {
      files[file] = api.get('/v1/files/content?' + query({name: file})).then(f => f.text, () => null);
    }
    const text = await files[file];
    if (stale()) return;
    add(el, h('section', {class: 'justification card', id: 'justification-' + i},
      h('h3', {}, 'DRL rule “', j.drlRule, '” at ',
        h('a', {href: href('edit', null, {file, line}), class: 'drl-location'}, j.location)),
      h('p', {}, 'Matched facts: '),
      h('ul', {class: 'matched'}, j.matched.map(m => h('li', {class: 'mono'}, workloadLink(m)))),
      source(file, line, text, j.source)));
  }
}

/** The DRL file with the rule's lines highlighted (the justification's own text when the file is not known). */
function source(file, line, text, ruleText) {
  const ruleLines = ruleText.split('\n').length;
  const lines = text !== null ? text.split('\n') : ruleText.split('\n');
  const first = text !== null ? 1 : line;
  const pre = h('div', {class: 'code', dataset: {file}});
  lines.forEach((l, k) => {
    const n = first + k;
    const hl = n >= line && n < line + ruleLines;
    pre.append(h('div', {class: 'drl-line' + (hl ? ' hl' : '') + (n === line ? ' first' : ''), dataset: {line: n}},
      h('span', {class: 'ln'}, n), h('span', {class: 'src'}, l || ' ')));
  });
  pre.dataset.scrollTo = '.drl-line.first'; // the highlighted rule in view once shown (app.js)
  return h('div', {}, h('div', {class: 'muted'}, file, text === null ? ' (the file is not known: the rule\'s text as compiled)' : ''), pre);
}
