// The console's small toolkit: the session's state, requests to the admin API, a DOM helper, formats.
export const state = { me: null, csrf: null, onLoggedOut: () => {} };

/** An element: h('button', {class: 'x', onclick: f}, 'text', child...). Text is always text, never HTML. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

/** One request to the admin API with the session's CSRF token; JSON in and out. */
export async function api(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  if (state.csrf) headers['X-CSRF-Token'] = state.csrf;
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  const r = await fetch('/api/admin/' + path, init);
  if (r.status === 401) { state.onLoggedOut('Your session has ended; log in again.'); throw new ApiError(401, 'not logged in'); }
  if (r.status === 204) return null;
  const data = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, (data && data.error) || ('HTTP ' + r.status));
  return data;
}

export const enc = encodeURIComponent;

export function bytes(n) {
  if (!n) return '0';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + u[i];
}

/** Parses 500M, 2G, 1024 into bytes; '' is 0 (unlimited). */
export function parseSize(text) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text || '0');
  if (!m) throw new ApiError(400, 'not a size: ' + text);
  const f = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase()];
  return Math.round(parseFloat(m[1]) * f);
}

/** A message line under the page's title: what happened, or what went wrong. */
export function notice(text, kind) {
  const n = document.getElementById('notice');
  if (!n) return;
  n.textContent = text;
  n.className = 'notice ' + (kind || 'ok');
  n.hidden = !text;
}

/** Runs an action, showing its error (or its success text) in the notice line; returns its result. */
export async function act(fn, done) {
  try {
    const r = await fn();
    if (done) notice(typeof done === 'function' ? done(r) : done, 'ok');
    return r;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) notice(e.message, 'error');
    return undefined;
  }
}

