// The workbench: hash routes to pages, the sign-in, and the change stream that keeps pages current.
import {h, replace, errorBox} from './dom.js';
import {api} from './api.js';
import * as workloads from './pages/workloads.js';
import * as workload from './pages/workload.js';
import * as rule from './pages/rule.js';
import * as trace from './pages/trace.js';
import * as matrix from './pages/matrix.js';
import * as edit from './pages/edit.js';
import * as audit from './pages/audit.js';
import * as agents from './pages/agents.js';
import * as signin from './pages/signin.js';

// a page: render(el, {id, params, version}) draws it; live pages are drawn again when the version moves
const PAGES = {workloads, workload, rule, trace, matrix, edit, audit, agents};

const state = {version: null, events: null, session: null, rendering: 0, current: null};

function route() {
  const hash = location.hash.replace(/^#\/?/, '') || 'workloads';
  const [path, q] = hash.split('?');
  const slash = path.indexOf('/');
  const name = slash < 0 ? path : path.slice(0, slash);
  const id = slash < 0 ? null : decodeURIComponent(path.slice(slash + 1));
  return {name: PAGES[name] ? name : 'workloads', id, params: new URLSearchParams(q || '')};
}

async function show(reason) {
  if (!state.session) return;
  const r = route();
  const page = PAGES[r.name];
  if (reason === 'version' && !page.live) return;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === r.name
      || (a.dataset.page === 'workloads' && (r.name === 'workload' || r.name === 'rule')));
  const el = document.getElementById('page');
  const ticket = ++state.rendering;
  const next = h('div', {class: 'page', id: 'page-' + r.name});
  try {
    await page.render(next, {id: r.id, params: r.params, version: state.version, stale: () => ticket !== state.rendering});
  } catch (e) {
    next.append(errorBox(e));
  }
  if (ticket !== state.rendering) return; // a later navigation or version drew the page meanwhile
  if (state.current && state.current.dispose) state.current.dispose();
  state.current = page;
  replace(el, next);
  // scrollable blocks that ask for one of their lines in view (a DRL rule in its file)
  for (const box of next.querySelectorAll('[data-scroll-to]')) {
    const target = box.querySelector(box.dataset.scrollTo);
    if (target) box.scrollTop = Math.max(0, target.offsetTop - 40);
  }
  el.dataset.version = String(state.version);
  el.dataset.page = r.name;
}

function setVersion(v) {
  const changed = state.version !== null && v !== state.version;
  state.version = v;
  document.getElementById('version').textContent = 'version ' + v;
  if (changed) show('version');
}

function openEvents() {
  if (state.events) state.events.close();
  const live = document.getElementById('live');
  const es = new EventSource('/v1/events');
  state.events = es;
  es.addEventListener('open', () => { live.textContent = 'live'; live.className = 'live on'; });
  es.addEventListener('version', (e) => setVersion(JSON.parse(e.data).version));
  es.addEventListener('error', () => {
    live.textContent = 'reconnecting'; live.className = 'live off';
    // a 401 (session ended) closes the stream for good: ask who we are, which shows the sign-in if so
    if (es.readyState === EventSource.CLOSED) setTimeout(start, 2000);
  });
}

async function start() {
  let who;
  try {
    who = await api.get('/v1/session');
  } catch (e) {
    if (e.status === 401) return askSignIn();
    replace(document.getElementById('page'), errorBox(e));
    return;
  }
  state.session = who;
  document.getElementById('whoami').textContent = who.authentication ? who.principal : 'no authentication (loopback demo)';
  document.getElementById('signout').hidden = !who.authentication;
  document.getElementById('nav').hidden = false;
  openEvents();
  show('navigate');
}

function askSignIn() {
  state.session = null;
  if (state.events) { state.events.close(); state.events = null; }
  document.getElementById('nav').hidden = true;
  document.getElementById('signout').hidden = true;
  document.getElementById('whoami').textContent = '';
  const el = document.getElementById('page');
  replace(el, signin.view(start));
  el.dataset.page = 'signin';
}

window.addEventListener('hashchange', () => show('navigate'));
window.addEventListener('signin-needed', askSignIn);
document.getElementById('signout').addEventListener('click', async () => {
  try { await api.del('/v1/session'); } catch (e) { /* signed out either way */ }
  askSignIn();
});
start();
