// The webmail: one page, plain ES modules, JMAP underneath (./jmap.js). Every element is built
// with textContent or attributes: no HTML from a message or a user ever goes through innerHTML here
// (message bodies are sanitised on the server and shown in a sandboxed frame).
import { Jmap } from './jmap.js';
import { t, lang, setLang, fmtDate, fmtFull, fmtSize } from './i18n.js';

const $ = (sel, root = document) => root.querySelector(sel);

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

const ROLE_ORDER = ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash'];
const LIST_PROPS = ['threadId', 'mailboxIds', 'keywords', 'from', 'to', 'subject', 'receivedAt', 'preview', 'hasAttachment', 'size'];
const S = {
  info: null, jmap: null, mailboxes: [], byRole: {}, mailboxId: null, text: '', emails: [], threads: {},
  open: null, identities: [], view: 'list', filters: {}, filterPanel: false, es: null, selected: new Set(), anchor: -1,
};

// ---------- boot and login ----------

async function boot() {
  setLang(lang());
  import('./push.js').then(m => m.registerWorker()).catch(() => {}); // the PWA's service worker (push.js)
  const r = await fetch('/mail/api/session', { credentials: 'same-origin' });
  if (r.ok) await start(await r.json());
  else showLogin();
}

function showLogin(message) {
  const app = $('#app');
  app.replaceChildren();
  document.body.className = 'login-page';
  const err = h('p', { class: 'error', id: 'login-error', role: 'alert' }, message || '');
  const form = h('form', { class: 'login', id: 'login-form', onsubmit: async e => {
      e.preventDefault();
      err.textContent = '';
      performance.mark('tm-login'); // the timings the browser test reports (docs/webmail.md)
      const r = await fetch('/mail/api/login', {
        method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: $('#login-user').value.trim(), password: $('#login-pass').value }),
      });
      if (r.ok) await start(await r.json());
      else { err.textContent = r.status === 403 ? t('loginTls') : t('loginFailed'); $('#login-pass').value = ''; }
    } },
    h('img', { src: $('link[rel=icon]').href, alt: '', class: 'logo' }),
    h('h1', {}, t('appName')),
    h('label', {}, t('username'), h('input', { id: 'login-user', type: 'email', autocomplete: 'username', required: true, autofocus: true })),
    h('label', {}, t('password'), h('input', { id: 'login-pass', type: 'password', autocomplete: 'current-password', required: true })),
    err,
    h('button', { id: 'login-submit', type: 'submit', class: 'primary' }, t('login')),
    h('button', { type: 'button', class: 'link', id: 'lang-switch', onclick: () => { setLang(lang() === 'zh' ? 'en' : 'zh'); showLogin(); } }, t('language')));
  app.append(form);
}

async function start(info) {
  S.info = info;
  S.jmap = new Jmap(info.csrfToken, info.accountId);
  renderShell();
  await loadMailboxes();
  if (!S.mailboxId) S.mailboxId = S.byRole.inbox?.id || S.mailboxes[0]?.id;
  renderFolders();
  await loadList();
  performance.mark('tm-list');
  import('./push.js').then(m => m.openFromNotification(S.jmap, openThread)).catch(() => {}); // a notification's message
  S.jmap.call([['Identity/get', {}, 'i']]).then(r => { S.identities = r.i.list; }).catch(() => {});
  if (S.es) S.es.close();
  let pending = null;
  S.es = S.jmap.listen(() => {
    clearTimeout(pending);
    pending = setTimeout(refresh, 150);
  });
}

async function refresh() {
  await loadMailboxes();
  renderFolders();
  await loadList(true);
}

// ---------- layout ----------

function renderShell() {
  document.body.className = 'view-list';
  const app = $('#app');
  app.replaceChildren(
    h('header', { class: 'top' },
      h('button', { class: 'icon phone-only', id: 'menu', 'aria-label': t('folders'), onclick: () => setView(S.view === 'folders' ? 'list' : 'folders') }, '☰'),
      h('span', { class: 'brand' }, t('appName')),
      h('form', { class: 'search', role: 'search', onsubmit: e => { e.preventDefault(); search($('#search').value); } },
        h('input', { id: 'search', type: 'search', placeholder: t('search'), 'aria-label': t('search'), value: S.text }),
        h('button', { type: 'button', id: 'filters-toggle', class: 'icon', title: t('filters'), 'aria-label': t('filters'),
          onclick: () => { S.filterPanel = !S.filterPanel; setView('list'); renderList(true); } }, '⚲')),
      h('button', { id: 'lang-switch', class: 'link', onclick: switchLanguage }, t('language')),
      h('button', { id: 'settings-open', class: 'icon', title: t('settings'), 'aria-label': t('settings'), onclick: showSettings }, '⚙'),
      h('span', { class: 'user', title: S.info.username }, S.info.username),
      h('button', { id: 'logout', class: 'link', onclick: () => logout(false) }, t('logout')),
      h('button', { id: 'logout-all', class: 'link desktop-only', onclick: () => logout(true) }, t('logoutAll'))),
    h('nav', { id: 'folders', class: 'folders' }),
    h('section', { id: 'list', class: 'list' }),
    h('article', { id: 'reader', class: 'reader' }, h('p', { class: 'empty' }, t('selectMessage'))),
    h('section', { id: 'settings', class: 'settings' }),
    h('button', { id: 'compose', class: 'primary fab', onclick: () => compose({}) }, '✎ ' + t('compose')));
}

async function switchLanguage() {
  const view = S.view;
  setLang(lang() === 'zh' ? 'en' : 'zh');
  renderShell();
  renderFolders();
  renderList();
  if (S.open) await openThread(S.open, true);
  if (view === 'settings') await showSettings();
  setView(view);
}

/** The settings page: its module is loaded on first use (not part of the first load). */
async function showSettings() {
  const { openSettings } = await import('./settings.js');
  await openSettings({ S, h, setView });
}

function setView(v) {
  S.view = v;
  document.body.className = 'view-' + v;
}

async function logout(all) {
  await import('./push.js').then(m => m.unsubscribe(S.info.csrfToken)).catch(() => {}); // no notices after logout
  await fetch('/mail/api/logout' + (all ? '?all=true' : ''), { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': S.info.csrfToken } });
  if (S.es) S.es.close();
  location.reload();
}

// ---------- folders ----------

async function loadMailboxes() {
  const r = await S.jmap.call([['Mailbox/get', { properties: ['name', 'parentId', 'role', 'sortOrder', 'totalEmails', 'unreadEmails'] }, 'm']]);
  S.mailboxes = r.m.list;
  S.byRole = {};
  for (const m of S.mailboxes) if (m.role) S.byRole[m.role] = m;
}

function mailboxName(m) { return m.role && t('role_' + m.role) !== 'role_' + m.role ? t('role_' + m.role) : m.name; }

function sortedChildren(parentId) {
  return S.mailboxes.filter(m => (m.parentId || null) === parentId).sort((a, b) => {
    const ra = a.role ? ROLE_ORDER.indexOf(a.role) : 99, rb = b.role ? ROLE_ORDER.indexOf(b.role) : 99;
    return ra - rb || (a.sortOrder - b.sortOrder) || a.name.localeCompare(b.name);
  });
}

function renderFolders() {
  const nav = $('#folders');
  if (!nav) return;
  const tree = parentId => h('ul', {}, sortedChildren(parentId).map(m => h('li', {},
    h('a', { href: '#', class: 'mailbox' + (m.id === S.mailboxId && !searching() ? ' current' : ''), 'data-id': m.id, 'data-role': m.role || '',
        onclick: e => { e.preventDefault(); S.mailboxId = m.id; S.text = ''; S.filters = {}; clearSelection(); const s = $('#search'); if (s) s.value = ''; renderFolders(); loadList(); setView('list'); } },
      h('span', { class: 'name' }, mailboxName(m)),
      m.unreadEmails ? h('span', { class: 'count', 'aria-label': m.unreadEmails }, m.unreadEmails) : null),
    S.mailboxes.some(c => c.parentId === m.id) ? tree(m.id) : null)));
  nav.replaceChildren(tree(null));
}

// ---------- list ----------

async function loadList(keepScroll) {
  const filter = searching() ? { ...S.filters, ...(S.text ? { text: S.text } : {}) } : { inMailbox: S.mailboxId };
  const r = await S.jmap.call([
    ['Email/query', { filter, sort: [{ property: 'receivedAt', isAscending: false }], collapseThreads: true, limit: 50, calculateTotal: true }, 'q'],
    ['Email/get', { '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' }, properties: LIST_PROPS }, 'g'],
    ['Thread/get', { '#ids': { resultOf: 'g', name: 'Email/get', path: '/list/*/threadId' } }, 't'],
  ]);
  S.emails = r.g.list;
  S.threads = Object.fromEntries(r.t.list.map(x => [x.id, x.emailIds]));
  S.total = r.q.total;
  renderList(keepScroll);
}

function names(addrs) { return (addrs || []).map(a => a.name || a.email).join(', '); }

function renderList(keepScroll) {
  const list = $('#list');
  if (!list) return;
  const top = list.scrollTop;
  const m = S.mailboxes.find(x => x.id === S.mailboxId);
  const title = searching() ? t('results') : (m ? mailboxName(m) : '');
  const inSent = m && (m.role === 'sent' || m.role === 'drafts');
  // a push redraws the list: keep the selection of the conversations still shown
  const shown = new Set(S.emails.map(e => e.threadId));
  for (const id of [...S.selected]) if (!shown.has(id)) S.selected.delete(id);
  const all = h('input', { type: 'checkbox', id: 'select-all', 'aria-label': t('selectAll'), title: t('selectAll'),
    onchange: e => { S.selected = e.target.checked ? new Set(shown) : new Set(); S.anchor = -1; renderSelection(); } });
  list.replaceChildren(
    h('h2', { class: 'list-title' }, all, h('span', { class: 'title-text' }, title), h('span', { class: 'total' }, S.total ? ' · ' + S.total + ' ' + t('messages') : '')),
    ...(S.filterPanel ? [filterPanel()] : []),
    ...(searching() ? [chips()] : []),
    h('div', { id: 'bulk', class: 'bulk', hidden: true, role: 'toolbar', 'aria-label': t('selected') }),
    S.emails.length === 0 ? h('p', { class: 'empty' }, t('noMessages')) : h('ul', { class: 'rows' }, S.emails.map((e, i) => {
      const unread = !e.keywords.$seen, n = (S.threads[e.threadId] || []).length;
      return h('li', { class: 'msg-row' + (unread ? ' unread' : '') + (S.open === e.threadId ? ' selected' : ''), 'data-id': e.id, 'data-thread': e.threadId,
          tabindex: 0, onclick: () => openThread(e.threadId), onkeydown: ev => {
            if (ev.key === 'Enter') openThread(e.threadId);
            else if (ev.key === 'x') { ev.preventDefault(); ev.stopPropagation(); select(i, !S.selected.has(e.threadId), false); }
          } },
        h('input', { type: 'checkbox', class: 'sel', 'aria-label': t('select'), checked: S.selected.has(e.threadId),
          onclick: ev => { ev.stopPropagation(); select(i, ev.target.checked, ev.shiftKey); } }),
        h('span', { class: 'flag' + (e.keywords.$flagged ? ' on' : '') }, e.keywords.$flagged ? '★' : ''),
        h('span', { class: 'who' }, inSent ? names(e.to) : names(e.from), n > 1 ? h('span', { class: 'n' }, ' (' + n + ')') : null),
        h('span', { class: 'date' }, fmtDate(e.receivedAt)),
        h('span', { class: 'subject' }, e.subject || t('noSubject'), e.hasAttachment ? h('span', { class: 'clip', 'aria-label': t('attachments') }, ' 📎') : null),
        h('span', { class: 'preview' }, e.preview || ''));
    })));
  renderSelection();
  if (keepScroll) list.scrollTop = top;
}

// ---------- search: full text with chips (from, to, subject, dates, has attachment) ----------

const FILTER_KEYS = ['from', 'to', 'subject', 'after', 'before', 'hasAttachment'];

function searching() { return !!S.text || Object.keys(S.filters).length > 0; }

/**
 * The search box's words: from:, to:, subject: (a word or "quoted words"), after:/before: (a date,
 * YYYY-MM-DD) and has:attachment become chips; the rest is the full-text search.
 */
export function parseSearch(input) {
  const filters = {}, words = [];
  const re = /(\S+?):("([^"]*)"|\S+)|"([^"]*)"|(\S+)/g;
  let m;
  while ((m = re.exec(input)) !== null) {
    const key = (m[1] || '').toLowerCase(), value = m[3] !== undefined ? m[3] : m[2];
    if (['from', 'to', 'subject'].includes(key) && value) filters[key] = value;
    else if ((key === 'after' || key === 'before') && /^\d{4}-\d{2}-\d{2}$/.test(value)) filters[key] = dateFilter(key, value);
    else if (key === 'has' && /^attachments?$/i.test(value)) filters.hasAttachment = true;
    else words.push(m[4] !== undefined ? '"' + m[4] + '"' : m[0]);
  }
  return { text: words.join(' '), filters };
}

/** A day as JMAP's UTCDate bounds: after = from its start, before = up to its end (the day included). */
function dateFilter(key, day) {
  const d = new Date(day + 'T00:00:00');
  if (key === 'before') d.setDate(d.getDate() + 1);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function dayOf(iso) {
  const d = new Date(iso);
  if (S.filters.before === iso) d.setDate(d.getDate() - 1);
  return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');
}

function search(input) {
  const { text, filters } = parseSearch(input);
  S.text = text;
  S.filters = filters;
  clearSelection();
  const box = $('#search');
  if (box) box.value = text;
  renderFolders();
  loadList();
  setView('list');
}

function chips() {
  const label = k => k === 'hasAttachment' ? t('hasAttachment') : t('chip_' + k) + ': ' + (k === 'after' || k === 'before' ? dayOf(S.filters[k]) : S.filters[k]);
  const remove = k => { if (k === 'text') { S.text = ''; const b = $('#search'); if (b) b.value = ''; } else delete S.filters[k]; clearSelection(); renderFolders(); loadList(); };
  const all = [...(S.text ? [['text', '“' + S.text + '”']] : []), ...FILTER_KEYS.filter(k => k in S.filters).map(k => [k, label(k)])];
  return h('div', { id: 'chips', class: 'chips' }, all.map(([k, text]) => h('span', { class: 'chip', 'data-key': k }, text,
    h('button', { type: 'button', class: 'chip-x', 'aria-label': t('remove') + ' ' + text, onclick: () => remove(k) }, '×'))));
}

function filterPanel() {
  const f = S.filters;
  const input = (id, type, value) => h('input', { id, type, value: value || '' });
  const form = h('form', { id: 'filter-panel', class: 'filter-panel', onsubmit: e => {
    e.preventDefault();
    const v = id => $('#' + id).value.trim();
    S.filters = {};
    for (const k of ['from', 'to', 'subject']) if (v('f-' + k)) S.filters[k] = v('f-' + k);
    for (const k of ['after', 'before']) if (v('f-' + k)) S.filters[k] = dateFilter(k, v('f-' + k));
    if ($('#f-attachment').checked) S.filters.hasAttachment = true;
    S.text = v('f-text');
    const box = $('#search');
    if (box) box.value = S.text;
    S.filterPanel = false;
    clearSelection();
    renderFolders();
    loadList();
  } },
    h('label', {}, t('words'), input('f-text', 'text', S.text)),
    h('label', {}, t('chip_from'), input('f-from', 'text', f.from)),
    h('label', {}, t('chip_to'), input('f-to', 'text', f.to)),
    h('label', {}, t('chip_subject'), input('f-subject', 'text', f.subject)),
    h('label', {}, t('chip_after'), input('f-after', 'date', f.after && dayOf(f.after))),
    h('label', {}, t('chip_before'), input('f-before', 'date', f.before && dayOf(f.before))),
    h('label', { class: 'check' }, h('input', { id: 'f-attachment', type: 'checkbox', checked: !!f.hasAttachment }), t('hasAttachment')),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'primary', id: 'f-apply' }, t('search')),
      h('button', { type: 'button', class: 'link', onclick: () => { S.filterPanel = false; renderList(true); } }, t('close'))));
  return form;
}

// ---------- multi-select ----------

function clearSelection() { S.selected = new Set(); S.anchor = -1; }

/** Selects (or unselects) row i; with shift, every row from the last one clicked to i the same way. */
function select(i, on, range) {
  const ids = S.emails.map(e => e.threadId);
  const [from, to] = range && S.anchor >= 0 ? [Math.min(S.anchor, i), Math.max(S.anchor, i)] : [i, i];
  for (let k = from; k <= to; k++) { if (on) S.selected.add(ids[k]); else S.selected.delete(ids[k]); }
  S.anchor = i;
  renderSelection();
}

function renderSelection() {
  const bar = $('#bulk');
  if (!bar) return;
  for (const row of document.querySelectorAll('.msg-row')) {
    const on = S.selected.has(row.dataset.thread);
    row.classList.toggle('checked', on);
    row.querySelector('.sel').checked = on;
  }
  const n = S.selected.size, all = $('#select-all');
  all.checked = n > 0 && n === S.emails.length;
  all.indeterminate = n > 0 && n < S.emails.length;
  bar.hidden = n === 0;
  if (!n) { bar.replaceChildren(); return; }
  const chosen = S.emails.filter(e => S.selected.has(e.threadId));
  const flagged = chosen.every(e => e.keywords.$flagged), read = chosen.every(e => e.keywords.$seen);
  const inJunk = S.byRole.junk && S.mailboxId === S.byRole.junk.id && !searching();
  bar.replaceChildren(
    h('span', { id: 'bulk-count', class: 'bulk-count' }, t('selectedCount').replace('{n}', n)),
    h('button', { id: 'bulk-flag', onclick: () => bulk(flagged ? 'unflag' : 'flag') }, flagged ? t('unflag') : t('flag')),
    h('button', { id: 'bulk-read', onclick: () => bulk(read ? 'unread' : 'read') }, read ? t('markUnread') : t('markRead')),
    h('button', { id: 'bulk-spam', onclick: () => bulk(inJunk ? 'notspam' : 'spam') }, inJunk ? t('notSpam') : t('spam')),
    h('button', { id: 'bulk-delete', class: 'danger', onclick: () => bulk('delete') }, t('delete')),
    h('select', { id: 'bulk-move', 'aria-label': t('moveTo'), onchange: e => { if (e.target.value) bulk('move', e.target.value); } },
      h('option', { value: '' }, t('moveTo')), S.mailboxes.map(m => h('option', { value: m.id }, mailboxName(m)))),
    h('button', { id: 'bulk-clear', class: 'link', onclick: () => { clearSelection(); renderSelection(); } }, t('clearSelection')));
}

/** One action on every message of the selected conversations (one Email/get, one Email/set). */
async function bulk(what, target) {
  const ids = [...S.selected].flatMap(tid => S.threads[tid] || []);
  const r = await S.jmap.call([['Email/get', { ids, properties: ['threadId', 'mailboxIds', 'keywords'] }, 'g']]);
  let emails = r.g.list;
  // in a folder, flags apply to what is shown there; a move takes the whole conversation, as the reader does
  if (['flag', 'unflag', 'read', 'unread'].includes(what)) {
    const shown = new Set(S.emails.filter(e => S.selected.has(e.threadId)).map(e => e.id));
    if (what === 'flag' || what === 'unflag') emails = emails.filter(e => shown.has(e.id));
  } else {
    clearSelection();
  }
  await act(emails, what, target);
}

// ---------- reading ----------

async function openThread(threadId, keepView) {
  performance.mark('tm-open-start');
  S.open = threadId;
  for (const row of document.querySelectorAll('.msg-row')) row.classList.toggle('selected', row.dataset.thread === threadId);
  const r = await S.jmap.call([
    ['Thread/get', { ids: [threadId] }, 't'],
    ['Email/get', { '#ids': { resultOf: 't', name: 'Thread/get', path: '/list/*/emailIds' },
      properties: ['threadId', 'mailboxIds', 'keywords', 'from', 'to', 'cc', 'replyTo', 'subject', 'receivedAt', 'sentAt', 'messageId',
        'references', 'inReplyTo', 'attachments', 'textBody', 'bodyValues', 'size'],
      fetchTextBodyValues: true, maxBodyValueBytes: 100000 }, 'g'],
  ]);
  const emails = r.g.list;
  if (S.open !== threadId) return;
  const reader = $('#reader');
  const last = emails[emails.length - 1];
  if (!last) { reader.replaceChildren(h('p', { class: 'empty' }, t('selectMessage'))); return; }
  const junk = !!last.keywords.$junk;
  const moveSelect = h('select', { id: 'move', 'aria-label': t('moveTo'), onchange: e => { if (e.target.value) act(emails, 'move', e.target.value); } },
    h('option', { value: '' }, t('moveTo')), S.mailboxes.map(m => h('option', { value: m.id }, mailboxName(m))));
  reader.replaceChildren(
    h('div', { class: 'toolbar' },
      h('button', { class: 'phone-only icon', id: 'back', onclick: () => { setView('list'); } }, '← ' + t('back')),
      h('button', { id: 'reply', onclick: () => compose(replyOf(last, false)) }, t('reply')),
      h('button', { id: 'reply-all', onclick: () => compose(replyOf(last, true)) }, t('replyAll')),
      h('button', { id: 'forward', onclick: () => compose(forwardOf(last)) }, t('forward')),
      h('button', { id: 'flag', onclick: () => act([last], last.keywords.$flagged ? 'unflag' : 'flag') }, last.keywords.$flagged ? t('unflag') : t('flag')),
      h('button', { id: 'unread', onclick: () => act(emails, 'unread') }, t('markUnread')),
      h('button', { id: 'spam', onclick: () => act(emails, junk ? 'notspam' : 'spam') }, junk ? t('notSpam') : t('spam')),
      h('button', { id: 'delete', class: 'danger', onclick: () => act(emails, 'delete') }, t('delete')),
      moveSelect),
    h('h2', { class: 'subject', id: 'reader-subject' }, last.subject || t('noSubject')),
    ...emails.map((e, i) => card(e, i === emails.length - 1)));
  if (!keepView) setView('reader');
  const unseen = emails.filter(e => !e.keywords.$seen);
  if (unseen.length) {
    await S.jmap.call([['Email/set', { update: Object.fromEntries(unseen.map(e => [e.id, { 'keywords/$seen': true }])) }, 's']]);
  }
}

function card(e, expanded) {
  const frame = h('iframe', { class: 'body-frame', title: e.subject || '', sandbox: 'allow-popups allow-popups-to-escape-sandbox',
    referrerpolicy: 'no-referrer', loading: expanded ? 'eager' : 'lazy', src: '/mail/message/' + encodeURIComponent(e.id) });
  if (expanded) frame.addEventListener('load', () => performance.mark('tm-open-done'), { once: true });
  const src = '/mail/message/' + encodeURIComponent(e.id);
  const bar = h('div', { class: 'images-bar', hidden: true });
  // remote images: held back unless loaded once, or always for this sender (kept on the server, per user)
  const imageSender = async (always, sender) => {
    const r = await fetch('/mail/api/images/' + (always ? 'always' : 'never'), { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': S.info.csrfToken }, body: JSON.stringify({ sender }) });
    if (!r.ok) { toast(t('saveFailed')); return; }
    frame.src = src + '?t=' + Date.now(); // a new address: the frame loads again, with or without images
    toast(always ? t('imagesAlwaysOn').replace('{sender}', sender) : t('imagesAlwaysOff').replace('{sender}', sender));
    showBar();
  };
  const showBar = () => fetch(src + '/info', { credentials: 'same-origin' }).then(r => r.ok ? r.json() : { blockedImages: 0 }).then(i => {
    if (i.alwaysImages) {
      bar.replaceChildren(h('span', {}, t('imagesAlways').replace('{sender}', i.sender)),
        h('button', { class: 'never-images link', onclick: () => imageSender(false, i.sender) }, t('imagesStop')));
      bar.hidden = false;
    } else if (i.blockedImages > 0) {
      bar.replaceChildren(h('span', {}, t('imagesBlocked')),
        h('button', { class: 'load-images', onclick: () => { frame.src = src + '?images=1'; bar.hidden = true; } }, t('loadOnce')),
        ...(i.sender ? [h('button', { class: 'always-images', onclick: () => imageSender(true, i.sender) }, t('loadAlways').replace('{sender}', i.sender))] : []));
      bar.hidden = false;
    } else {
      bar.hidden = true;
    }
  });
  showBar();
  const atts = (e.attachments || []).filter(a => a.disposition !== 'inline' || !a.cid);
  const details = h('details', { class: 'card', open: expanded, 'data-id': e.id },
    h('summary', {},
      h('span', { class: 'from' }, names(e.from)),
      h('span', { class: 'date' }, fmtFull(e.receivedAt))),
    h('div', { class: 'meta' },
      h('div', {}, t('from') + ': ', (e.from || []).map(a => (a.name ? a.name + ' <' + a.email + '>' : a.email)).join(', ')),
      h('div', {}, t('to') + ': ', names(e.to)),
      e.cc && e.cc.length ? h('div', {}, t('cc') + ': ', names(e.cc)) : null),
    bar, frame,
    atts.length ? h('ul', { class: 'attachments', 'aria-label': t('attachments') }, atts.map(a => h('li', {},
      h('a', { href: S.jmap.downloadUrl(a.blobId, a.name, a.type), download: a.name || 'attachment', class: 'attachment' },
        '📎 ' + (a.name || 'attachment')), h('span', { class: 'size' }, ' ' + fmtSize(a.size))))) : null);
  return details;
}

async function act(emails, what, target) {
  const update = {};
  const junk = S.byRole.junk, trash = S.byRole.trash;
  let destroy = [];
  for (const e of emails) {
    switch (what) {
      case 'flag': update[e.id] = { 'keywords/$flagged': true }; break;
      case 'unflag': update[e.id] = { 'keywords/$flagged': null }; break;
      case 'unread': update[e.id] = { 'keywords/$seen': null }; break;
      case 'read': update[e.id] = { 'keywords/$seen': true }; break;
      case 'spam': update[e.id] = junk ? { 'keywords/$junk': true, 'keywords/$notjunk': null, mailboxIds: { [junk.id]: true } }
        : { 'keywords/$junk': true, 'keywords/$notjunk': null }; break;
      case 'notspam': update[e.id] = { 'keywords/$junk': null, 'keywords/$notjunk': true, mailboxIds: { [S.byRole.inbox.id]: true } }; break;
      case 'move': update[e.id] = { mailboxIds: { [target]: true } }; break;
      case 'delete':
        if (trash && !e.mailboxIds[trash.id]) update[e.id] = { mailboxIds: { [trash.id]: true } };
        else destroy.push(e.id);
        break;
    }
  }
  await S.jmap.call([['Email/set', { update, destroy }, 's']]);
  if (['spam', 'notspam', 'move', 'delete'].includes(what) && emails.some(e => e.threadId === S.open)) {
    S.open = null;
    $('#reader').replaceChildren(h('p', { class: 'empty' }, t('selectMessage')));
    setView('list');
  }
  await refresh();
  if (S.open) openThread(S.open);
}

// ---------- compose ----------

function quote(e) {
  const part = (e.textBody || [])[0];
  const text = part && e.bodyValues && e.bodyValues[part.partId] ? e.bodyValues[part.partId].value : '';
  return text.replace(/\n+$/, '').split('\n').map(l => '> ' + l).join('\n');
}

function prefixed(prefix, subject) {
  const s = subject || '';
  return s.toLowerCase().startsWith(prefix.toLowerCase()) ? s : prefix + ' ' + s;
}

function addrText(list) { return (list || []).map(a => a.name ? '"' + a.name.replace(/"/g, '') + '" <' + a.email + '>' : a.email).join(', '); }

function replyOf(e, all) {
  const me = S.info.username.toLowerCase();
  const to = (e.replyTo && e.replyTo.length ? e.replyTo : e.from) || [];
  const cc = all ? [...(e.to || []), ...(e.cc || [])].filter(a => a.email.toLowerCase() !== me && !to.some(x => x.email === a.email)) : [];
  const head = '\n\n' + fmtFull(e.receivedAt) + ', ' + names(e.from) + ' ' + t('wrote') + ':\n';
  // answer from the address the message came to, when it is one of ours
  const mine = [...(e.to || []), ...(e.cc || [])].map(a => a.email.toLowerCase());
  const identity = S.identities.find(i => mine.includes(i.email.toLowerCase()));
  return { to: addrText(to), cc: addrText(cc), subject: prefixed('Re:', e.subject), body: head + quote(e), identityId: identity?.id,
    inReplyTo: e.messageId || null, references: [...(e.references || []), ...(e.messageId || [])], answered: e.id };
}

function forwardOf(e) {
  const part = (e.textBody || [])[0];
  const text = part && e.bodyValues[part.partId] ? e.bodyValues[part.partId].value : '';
  return { to: '', cc: '', subject: prefixed('Fwd:', e.subject),
    body: '\n\n---------- ' + t('forwarded') + ' ----------\n' + t('from') + ': ' + addrText(e.from) + '\n' + t('subject') + ': ' + (e.subject || '') + '\n\n' + text,
    attachments: (e.attachments || []).map(a => ({ blobId: a.blobId, type: a.type, name: a.name, size: a.size })) };
}

function parseAddresses(s) {
  const out = [];
  for (const raw of (s || '').split(/[,;]/)) {
    const p = raw.trim();
    if (!p) continue;
    const m = p.match(/^(.*)<([^>]+)>$/);
    if (m) out.push({ name: m[1].trim().replace(/^"|"$/g, '') || null, email: m[2].trim() });
    else out.push({ name: null, email: p });
  }
  return out;
}

function compose(init) {
  $('#composer')?.remove();
  const st = { draftId: null, attachments: [...(init.attachments || [])], rich: false, timer: null, uploading: 0 };
  const status = h('span', { class: 'status', id: 'compose-status', role: 'status' });
  const text = h('textarea', { id: 'compose-body', rows: 14, 'aria-label': t('compose') });
  // the sender: one of the account's identities (its address and aliases), with its signature
  const ids = S.identities.length ? S.identities : [{ id: undefined, name: '', email: S.info.username, textSignature: '' }];
  st.identity = ids.find(i => i.id === init.identityId) || ids[0];
  const sigBlock = i => i && i.textSignature ? '\n\n-- \n' + i.textSignature : '';
  st.sig = sigBlock(st.identity);
  text.value = st.sig + (init.body || '');
  const fromSelect = h('select', { id: 'compose-from', 'aria-label': t('from'), onchange: () => {
    const next = ids.find(i => i.id === fromSelect.value) || ids[0];
    const sig = sigBlock(next);
    if (st.rich) {
      const old = rich.querySelector('.tm-signature');
      if (old) old.replaceChildren(...lines(sig.replace(/^\n\n/, '')));
      else if (sig) rich.append(h('div', { class: 'tm-signature' }, lines(sig.replace(/^\n\n/, ''))));
    } else if (st.sig && text.value.includes(st.sig)) {
      text.value = text.value.replace(st.sig, sig);
    } else if (sig) {
      text.value = sig + text.value;
    }
    st.sig = sig;
    st.identity = next;
    changed();
  } }, ids.map(i => h('option', { value: i.id || '', selected: i === st.identity }, i.name ? i.name + ' <' + i.email + '>' : i.email)));
  const rich = h('div', { id: 'compose-rich', class: 'rich', contenteditable: 'true', hidden: true, 'aria-label': t('compose') });
  // inline images: an image pasted or dropped into the rich editor is uploaded and shown from a
  // blob: URL; it is sent as a part of a multipart/related beside the HTML, referenced by cid:
  st.inline = [];
  const addInline = async files => {
    for (const f of files) {
      const cid = [...crypto.getRandomValues(new Uint8Array(12))].map(b => b.toString(16).padStart(2, '0')).join('') + '@twinmail';
      const img = h('img', { src: URL.createObjectURL(f), alt: f.name || '', 'data-cid': cid, class: 'uploading' });
      const sel = getSelection();
      if (sel.rangeCount && rich.contains(sel.anchorNode)) { const r = sel.getRangeAt(0); r.deleteContents(); r.insertNode(img); r.setStartAfter(img); }
      else rich.append(img);
      st.uploading++;
      try {
        const up = await S.jmap.upload(f);
        st.inline.push({ cid, blobId: up.blobId, type: f.type, name: f.name || 'image', size: f.size });
        img.classList.remove('uploading');
      } catch (err) {
        img.remove();
        status.textContent = String(err.message);
      }
      st.uploading--;
      changed();
    }
  };
  const imagesOf = list => [...(list || [])].filter(f => /^image\/(png|gif|jpeg|webp)$/.test(f.type));
  rich.addEventListener('paste', e => {
    const files = imagesOf(e.clipboardData && e.clipboardData.files);
    if (files.length) { e.preventDefault(); addInline(files); }
  });
  rich.addEventListener('drop', e => {
    const files = imagesOf(e.dataTransfer && e.dataTransfer.files);
    if (files.length) { e.preventDefault(); e.stopPropagation(); addInline(files); }
  });
  const attList = h('ul', { class: 'attachments', id: 'compose-attachments' });
  const renderAtts = () => attList.replaceChildren(...st.attachments.map((a, i) => h('li', {}, '📎 ' + a.name + ' ',
    a.progress !== undefined && a.progress < 1 ? h('progress', { max: 1, value: a.progress }) : h('span', { class: 'size' }, fmtSize(a.size || 0)),
    h('button', { class: 'link', type: 'button', onclick: () => { st.attachments.splice(i, 1); renderAtts(); changed(); } }, '×'))));
  renderAtts();
  const addFiles = async files => {
    for (const f of files) {
      const a = { name: f.name, type: f.type || 'application/octet-stream', size: f.size, progress: 0 };
      st.attachments.push(a);
      st.uploading++;
      renderAtts();
      try {
        const r = await S.jmap.upload(f, p => { a.progress = p; renderAtts(); });
        a.blobId = r.blobId;
        a.progress = 1;
      } catch (err) {
        st.attachments.splice(st.attachments.indexOf(a), 1);
        status.textContent = String(err.message);
      }
      st.uploading--;
      renderAtts();
      changed();
    }
  };
  const fileInput = h('input', { id: 'compose-files', type: 'file', multiple: true, onchange: e => addFiles([...e.target.files]) });
  const toolbar = h('div', { class: 'rich-tools', hidden: true },
    ...[['bold', 'B'], ['italic', 'I'], ['insertUnorderedList', '•']].map(([cmd, label]) =>
      h('button', { type: 'button', title: t(cmd === 'insertUnorderedList' ? 'list' : cmd), onclick: () => { document.execCommand(cmd); rich.focus(); } }, label)),
    h('button', { type: 'button', title: t('link'), onclick: () => { const u = prompt(t('linkPrompt'), 'https://'); if (u && /^(https?:|mailto:)/i.test(u)) document.execCommand('createLink', false, u); } }, '🔗'));
  const mode = h('button', { type: 'button', id: 'compose-mode', class: 'link', onclick: () => {
    st.rich = !st.rich;
    if (st.rich) {
      // the signature block becomes a div of its own, so another identity can replace it
      const v = text.value, at = st.sig ? v.indexOf(st.sig) : -1;
      if (at < 0) rich.replaceChildren(...lines(v));
      else rich.replaceChildren(...lines(v.slice(0, at)), h('div', { class: 'tm-signature' }, lines(st.sig.replace(/^\n\n/, ''))),
        ...lines(v.slice(at + st.sig.length)));
    }
    else { text.value = richText(); }
    rich.hidden = !st.rich; toolbar.hidden = !st.rich; text.hidden = st.rich;
    mode.textContent = st.rich ? t('plain') : t('rich');
  } }, t('rich'));
  const field = (id, label, value) => h('label', { class: 'field' }, h('span', {}, label), h('input', { id, value: value || '', oninput: () => changed() }));
  const panel = h('form', { id: 'composer', class: 'composer', onsubmit: e => { e.preventDefault(); send(); },
      ondragover: e => e.preventDefault(), ondrop: e => { e.preventDefault(); addFiles([...e.dataTransfer.files]); } },
    h('div', { class: 'composer-head' }, h('strong', {}, init.subject || t('compose')),
      h('button', { type: 'button', class: 'icon', id: 'compose-close', 'aria-label': t('close'), onclick: async () => { await saveDraft(); panel.remove(); } }, '×')),
    h('label', { class: 'field' }, h('span', {}, t('from')), fromSelect),
    field('compose-to', t('to'), init.to), field('compose-cc', t('cc'), init.cc), field('compose-subject', t('subject'), init.subject),
    toolbar, text, rich, attList,
    h('div', { class: 'composer-foot' },
      h('button', { type: 'submit', class: 'primary', id: 'send' }, t('send')),
      h('label', { class: 'attach' }, '📎 ' + t('attach'), fileInput), mode, status));
  text.addEventListener('input', () => changed());
  rich.addEventListener('input', () => changed());
  document.body.append(panel);
  if (init.to && init.body) { text.focus(); text.setSelectionRange(0, 0); } // a reply: write above the quote
  else $('#compose-to').focus();

  /** The rich editor's text; the signature as written ("-- " keeps its space, which rendering drops). */
  function richText() {
    const sigEl = rich.querySelector('.tm-signature');
    if (!sigEl || !st.sig) return rich.innerText;
    sigEl.hidden = true;
    const before = rich.innerText.replace(/\n+$/, '');
    sigEl.hidden = false;
    return before + st.sig;
  }

  function changed() {
    clearTimeout(st.timer);
    st.timer = setTimeout(saveDraft, 2000);
  }

  function emailObject(draft) {
    const from = [{ name: st.identity.name || null, email: st.identity.email }];
    const e = {
      mailboxIds: { [S.byRole.drafts.id]: true }, keywords: { $draft: true, $seen: true }, from,
      to: parseAddresses($('#compose-to').value), cc: parseAddresses($('#compose-cc').value), subject: $('#compose-subject').value,
      attachments: st.attachments.filter(a => a.blobId).map(a => ({ blobId: a.blobId, type: a.type, name: a.name, disposition: 'attachment' })),
    };
    if (st.identity.replyTo && st.identity.replyTo.length) e.replyTo = st.identity.replyTo;
    if (init.inReplyTo) e.inReplyTo = init.inReplyTo;
    if (init.references && init.references.length) e.references = init.references;
    if (st.rich) {
      // the HTML as sent: inline images by cid:, only those still in the text
      const copy = rich.cloneNode(true), used = [];
      for (const img of copy.querySelectorAll('img[data-cid]')) {
        const part = st.inline.find(i => i.cid === img.dataset.cid);
        if (!part) { img.remove(); continue; }
        img.setAttribute('src', 'cid:' + part.cid);
        img.removeAttribute('data-cid');
        img.removeAttribute('class');
        if (!used.includes(part)) used.push(part);
      }
      e.bodyValues = { h: { value: '<!doctype html><html><body>' + copy.innerHTML + '</body></html>' }, t: { value: richText() } };
      if (used.length) {
        const alt = { type: 'multipart/alternative', subParts: [{ partId: 't', type: 'text/plain' }, { type: 'multipart/related', subParts: [
          { partId: 'h', type: 'text/html' }, ...used.map(i => ({ blobId: i.blobId, type: i.type, name: i.name, disposition: 'inline', cid: i.cid }))] }] };
        e.bodyStructure = e.attachments.length ? { type: 'multipart/mixed', subParts: [alt, ...e.attachments] } : alt;
        delete e.attachments;
      } else {
        e.htmlBody = [{ partId: 'h', type: 'text/html' }];
        e.textBody = [{ partId: 't', type: 'text/plain' }];
      }
    } else {
      e.textBody = [{ partId: 't', type: 'text/plain' }];
      e.bodyValues = { t: { value: text.value } };
    }
    if (!e.cc.length) delete e.cc;
    return e;
  }

  async function saveDraft() {
    clearTimeout(st.timer);
    if (!document.body.contains(panel) || !S.byRole.drafts || st.uploading) return;
    const r = await S.jmap.call([['Email/set', { create: { d: emailObject(true) }, destroy: st.draftId ? [st.draftId] : [] }, 's']]);
    if (r.s.created && r.s.created.d) { st.draftId = r.s.created.d.id; status.textContent = t('draftSaved'); }
  }

  async function send() {
    clearTimeout(st.timer);
    if (st.uploading) return;
    status.textContent = t('sending');
    const sent = S.byRole.sent, drafts = S.byRole.drafts;
    const onSuccess = { 'keywords/$draft': null, ['mailboxIds/' + drafts.id]: null };
    if (sent) onSuccess['mailboxIds/' + sent.id] = true;
    const calls = [
      ['Email/set', { create: { c: emailObject(false) }, destroy: st.draftId ? [st.draftId] : [] }, 'e'],
      ['EmailSubmission/set', { create: { s: { identityId: st.identity.id, emailId: '#c' } }, onSuccessUpdateEmail: { '#s': onSuccess } }, 'x'],
    ];
    if (init.answered) calls.push(['Email/set', { update: { [init.answered]: { 'keywords/$answered': true } } }, 'a']);
    try {
      const r = await S.jmap.call(calls);
      if (!r.x.created || !r.x.created.s) {
        const err = (r.e.notCreated && r.e.notCreated.c) || (r.x.notCreated && r.x.notCreated.s) || {};
        status.textContent = t('sendFailed') + ': ' + (err.description || err.type || JSON.stringify(r.x));
        return;
      }
      panel.remove();
      toast(t('sent'));
      refresh();
    } catch (err) {
      status.textContent = t('sendFailed') + ': ' + err.message;
    }
  }
}

/** Text as nodes for the rich editor: lines apart by <br>. */
function lines(v) { return v.split('\n').flatMap((l, i) => i ? [h('br'), l] : [l]); }

function toast(text) {
  const el = h('div', { class: 'toast', role: 'status', id: 'toast' }, text);
  $('#toast')?.remove();
  document.body.append(el);
  setTimeout(() => el.remove(), 3000);
}

document.addEventListener('keydown', e => {
  if (e.target.closest && e.target.closest('input, textarea, [contenteditable]')) return;
  if (!S.info) return;
  if (e.key === 'c') { e.preventDefault(); compose({}); }
  if (e.key === '/') { e.preventDefault(); $('#search')?.focus(); }
});

boot();
