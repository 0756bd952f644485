// The TwinMail admin console: a page of plain ES modules over the admin REST API (/api/admin).
// Every action goes through the documented API (ui.js sends it); this file holds the login,
// the frame and the router. The pages are in pages.js, the charts in charts.js.
import { pages, navigation } from './pages.js';
import { state, h, api, act } from './ui.js';

function showLogin(message) {
  state.me = null;
  state.csrf = null;
  const app = document.getElementById('app');
  const error = h('p', { id: 'login-error', class: 'notice error', hidden: !message }, message || '');
  const name = h('input', { id: 'login-name', name: 'name', autocomplete: 'username', required: true });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const code = h('input', { id: 'login-code', name: 'code', inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: 6, autocomplete: 'one-time-code', required: true });
  const form = h('form', { id: 'login', class: 'login', onsubmit: async (ev) => {
    ev.preventDefault();
    const r = await fetch('/console/session', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: name.value, password: password.value, code: code.value }) });
    const data = await r.json().catch(() => ({}));
    if (!r.ok) { error.textContent = data.error || ('HTTP ' + r.status); error.hidden = false; password.value = ''; code.value = ''; return; }
    signedIn(data);
  } },
    h('h1', {}, 'TwinMail console'),
    h('label', {}, 'Name', name),
    h('label', {}, 'Password', password),
    h('label', {}, 'Code from your authenticator app', code),
    error,
    h('button', { id: 'login-submit', type: 'submit' }, 'Log in'));
  app.replaceChildren(form);
  name.focus();
}

function signedIn(me) {
  state.me = me;
  state.csrf = me.csrf;
  const nav = h('nav', { id: 'nav' }, navigation(me).map(([hash, label]) => h('a', { href: hash, dataset: { page: hash.slice(2) } }, label)));
  const logout = h('button', { id: 'logout', class: 'link', onclick: async () => {
    await fetch('/console/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': state.csrf } });
    location.hash = '';
    showLogin();
  } }, 'Log out');
  const header = h('header', {},
    h('span', { class: 'brand' }, 'TwinMail'),
    h('span', { id: 'who', class: 'who' }, me.name + ' (' + (me.role === 'global' ? 'global administrator' : 'administrator of ' + me.domains.join(', ')) + ')'),
    logout);
  const main = h('main', { id: 'main' });
  document.getElementById('app').replaceChildren(header, nav, h('div', { id: 'alerts' }), main);
  if (me.role === 'global') showAlerts();
  route();
}

async function showAlerts() {
  const list = await act(() => api('GET', 'alerts'));
  const box = document.getElementById('alerts');
  if (!box || !list) return;
  box.replaceChildren(...list.map(a => h('p', { class: 'alert', dataset: { alert: a.name } }, '⚠ ' + a.message + ' (since ' + a.since + ')')));
}

async function route() {
  if (!state.me) return;
  const hash = location.hash || '#/domains';
  const [path, query] = hash.slice(2).split('?');
  const page = pages[path] || pages.domains;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('current', a.dataset.page === path);
  const main = document.getElementById('main');
  const title = h('h2', { id: 'title' }, page.title);
  const body = h('section', { id: 'page', dataset: { page: path } });
  const carried = state.carry;
  state.carry = null;
  main.replaceChildren(title, h('p', { id: 'notice', class: 'notice ' + (carried ? carried.kind : ''), hidden: !carried }, carried ? carried.text : ''), body);
  await page.render(body, new URLSearchParams(query || ''));
  body.dataset.ready = 'true';
}

state.onLoggedOut = showLogin;
window.addEventListener('hashchange', route);

(async () => {
  const r = await fetch('/console/session', { credentials: 'same-origin' });
  if (r.ok) signedIn(await r.json());
  else showLogin();
})();
