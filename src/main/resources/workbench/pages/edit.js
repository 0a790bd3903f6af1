// Edit a DRL or policy file: the current content, a check on demand with each problem at its line in the gutter,
// then a preview of the flows the edit flips. Nothing is applied from here: applying is an operator's deploy.
import {add, h, href, verdictBadge, workloadLink} from '../dom.js';
import {api, query} from '../api.js';

export const live = false; // an edit in progress is never redrawn under the editor

export async function render(el, {params}) {
  const files = await api.get('/v1/files');
  const all = [...files.rules.map(f => ({...f, kind: 'rules'})), ...files.policies.map(f => ({...f, kind: 'policies'}))];
  const name = params.get('file') || (all[0] && all[0].name);
  const line = Number(params.get('line') || 0);
  const select = h('select', {id: 'edit-file'},
    h('optgroup', {label: 'DRL in force'}, files.rules.map(f => h('option', {value: f.name, selected: f.name === name}, f.name))),
    h('optgroup', {label: 'Policy files'}, files.policies.map(f => h('option', {value: f.name, selected: f.name === name}, f.name))));
  select.addEventListener('change', () => { location.hash = href('edit', null, {file: select.value}); });
  add(el, h('h1', {}, 'Edit and preview'), h('div', {class: 'toolbar'}, select));
  if (!name) {
    add(el, h('p', {class: 'muted'}, files.rulesKnown ? 'No file to edit.' : 'The DRL in force is not known as files.'));
    return;
  }
  const file = await api.get('/v1/files/content?' + query({name}));
  const original = file.text;
  const gutter = h('div', {class: 'gutter', id: 'gutter', 'aria-hidden': 'true'});
  const area = h('textarea', {id: 'editor', spellcheck: 'false', wrap: 'off'});
  area.value = original;
  const problems = h('ul', {id: 'problems', class: 'problems'});
  const status = h('p', {id: 'edit-status', class: 'muted'}, 'Check the file, then preview what it flips.');
  const flips = h('div', {id: 'flips'});
  let marks = new Map(); // line -> messages

  const drawGutter = () => {
    const n = area.value.split('\n').length;
    gutter.replaceChildren(...Array.from({length: n}, (_, i) => {
      const m = marks.get(i + 1);
      return h('div', {class: 'gl' + (m ? ' err' : '') + (i + 1 === line ? ' target' : ''), dataset: {line: i + 1}, title: m ? m.join('\n') : null}, i + 1);
    }));
    gutter.scrollTop = area.scrollTop;
  };
  area.addEventListener('input', drawGutter);
  area.addEventListener('scroll', () => { gutter.scrollTop = area.scrollTop; });
  drawGutter();

  const candidate = () => file.kind === 'rules' ? {rules: {[name]: area.value}} : {workspaces: {[name]: area.value}};
  const show = (list) => {
    marks = new Map();
    problems.replaceChildren(...list.map(p => {
      const here = p.file === name || p.file === name.split('/').pop();
      if (here && p.line > 0) marks.set(p.line, [...(marks.get(p.line) || []), String(p.message).split(' Problem stacktrace')[0]]);
      const where = `${p.file}:${p.line}${p.column ? ':' + p.column : ''}`;
      // the build's own stack trace says nothing to a policy expert
      const message = String(p.message).split(' Problem stacktrace')[0];
      return h('li', {class: 'problem'}, h('button', {type: 'button', class: 'link', onclick: () => goTo(area, p.line)}, where), ' ', message);
    }));
    drawGutter();
  };
  const check = h('button', {type: 'button', id: 'check'}, 'Check');
  const preview = h('button', {type: 'button', id: 'preview'}, 'Preview flips');
  const reset = h('button', {type: 'button', id: 'reset', class: 'secondary'}, 'Reset');
  check.addEventListener('click', async () => {
    status.textContent = 'Checking…';
    flips.replaceChildren();
    try {
      const r = await api.post('/v1/check', candidate());
      show(r.problems);
      status.textContent = r.ok ? 'No problem: the file would be accepted.' : `${r.problems.length} problem(s).`;
      status.className = r.ok ? 'ok' : 'error';
    } catch (e) {
      status.textContent = e.message; status.className = 'error';
    }
  });
  preview.addEventListener('click', async () => {
    status.textContent = 'Previewing…';
    flips.replaceChildren();
    try {
      const r = await api.post('/v1/preview', candidate());
      show([]);
      status.textContent = `Against version ${r.version}: ${r.summary.allowToDeny} ALLOW→DENY, ${r.summary.denyToAllow} DENY→ALLOW${r.truncated ? ' (list cut)' : ''}.`;
      status.className = 'ok';
      flips.append(flipTable(r.flips));
    } catch (e) {
      const list = (e.body && e.body.problems || []).map(p => {
        const parts = (p.location || '').split(':');
        return {file: parts[0], line: Number(parts[1] || 0), column: Number(parts[2] || 0), message: p.message};
      });
      show(list);
      status.textContent = e.message; status.className = 'error';
    }
  });
  reset.addEventListener('click', () => { area.value = original; show([]); flips.replaceChildren(); });
  add(el, h('div', {class: 'editor'}, gutter, area), h('div', {class: 'toolbar'}, check, preview, reset), status, problems, flips,
    h('p', {class: 'muted note'}, 'Nothing here is applied. To apply, an operator writes the file to the rules folder (or the policy folder), '
      + 'which the server deploys once it is complete (docs/rule-deploys.md), or runs POST /v1/rules/reload with an operator token.'));
  if (line) requestAnimationFrame(() => goTo(area, line));
}

function goTo(area, line) {
  const lines = area.value.split('\n');
  const start = lines.slice(0, Math.max(0, line - 1)).reduce((n, l) => n + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + (lines[line - 1] || '').length);
  const lh = parseFloat(getComputedStyle(area).lineHeight) || 18;
  area.scrollTop = Math.max(0, (line - 5) * lh);
  area.dispatchEvent(new Event('scroll'));
}

function flipTable(list) {
  if (!list.length) return h('p', {class: 'muted', id: 'no-flips'}, 'No flow flips.');
  const by = (b) => b ? [b.policy || '', b.rule ? h('div', {class: 'muted'}, `“${b.rule}”, ${b.hop}`) : ''] : '';
  return h('table', {id: 'flip-table'},
    h('thead', {}, h('tr', {}, ['From', 'To', 'Port', 'Before', 'After', 'Decided before by', 'Decided after by'].map(t => h('th', {}, t)))),
    h('tbody', {}, list.map(f => h('tr', {class: 'flip'},
      h('td', {}, workloadLink(f.from)), h('td', {}, workloadLink(f.to)), h('td', {}, f.port),
      h('td', {}, verdictBadge(f.before)), h('td', {}, verdictBadge(f.after)), h('td', {}, by(f.before_by)), h('td', {}, by(f.after_by))))));
}
