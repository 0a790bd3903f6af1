// Each agent's enforcement status; those out of sync stand out.
import {add, h, workloadLink} from '../dom.js';
import {api} from '../api.js';

export const live = true;
let timer = null;

export async function render(el, {stale}) {
  const d = await api.get('/v1/agents');
  const out = d.agents.filter(a => !a.inSync).length;
  add(el, h('h1', {}, 'Agents'),
    h('p', {class: out ? 'error' : 'muted', id: 'agents-summary'}, `${d.agents.length} agents, ${out} out of sync (replica ${d.replica})`),
    h('table', {id: 'agents'}, h('thead', {}, h('tr', {}, ['Agent', 'In sync', 'Why not', 'Applied', 'Server', 'Connected', 'Last report', 'Last error'].map(t => h('th', {}, t)))),
      h('tbody', {}, d.agents.map(a => h('tr', {class: a.inSync ? 'in-sync' : 'out-of-sync', dataset: {agent: a.identity}},
        h('td', {}, workloadLink(a.identity)), h('td', {}, a.inSync ? 'yes' : 'NO'), h('td', {}, (a.reasons || []).join('; ')),
        h('td', {class: 'num'}, a.appliedVersion ?? '—'), h('td', {class: 'num'}, a.serverVersion ?? '—'),
        h('td', {}, a.connected ? 'yes' : 'no'), h('td', {}, a.lastReport || 'never'), h('td', {}, a.lastError || ''))))));
  // reports arrive without a version change: read them again every few seconds while the page is shown
  clearTimeout(timer);
  timer = setTimeout(() => { if (!stale() && location.hash.startsWith('#/agents')) window.dispatchEvent(new HashChangeEvent('hashchange')); }, 5000);
}

