// Web Push in the webmail ("notify me of new mail"; docs/clients.md): the service worker's
// registration, the settings toggle that subscribes this browser through PushManager with the
// server's VAPID key (/mail/api/push), and opening the message a notification was clicked for.
// Loaded on demand (not part of the first load); its few strings are its own.
import { lang } from './i18n.js';

const STRINGS = {
  en: {
    title: 'Notifications', toggle: 'Notify me of new mail', on: 'On in this browser.', off: 'Off in this browser.',
    hint: 'New mail in your Inbox shows as a notification on this device, even when TwinMail is closed.',
    unsupported: 'This browser cannot show notifications of new mail. On an iPhone or iPad, add TwinMail to the Home Screen first (Share, Add to Home Screen) and open it from there.',
    denied: 'Notifications are blocked for this site in the browser\'s settings.', failed: 'Could not change notifications',
  },
  zh: {
    title: '通知', toggle: '有新邮件时通知我', on: '已在此浏览器中开启。', off: '已在此浏览器中关闭。',
    hint: '收件箱收到新邮件时，即使 TwinMail 未打开，此设备也会显示通知。',
    unsupported: '此浏览器无法显示新邮件通知。在 iPhone 或 iPad 上，请先将 TwinMail 添加到主屏幕（分享 → 添加到主屏幕），再从主屏幕打开。',
    denied: '浏览器设置中已阻止本网站的通知。', failed: '无法更改通知设置',
  },
};
const tr = k => (STRINGS[lang()] || STRINGS.en)[k];
const EMAIL_ID = /^e[0-9a-f]{24}$/;

export function supported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** Registers /mail/sw.js (scope /mail/); null where the browser has no service workers. */
export async function registerWorker() {
  if (!('serviceWorker' in navigator)) return null;
  try {
    return await navigator.serviceWorker.register('/mail/sw.js', { scope: '/mail/' });
  } catch (e) {
    return null;
  }
}

async function api(path, csrf, body) {
  const init = body === undefined ? { credentials: 'same-origin' } : {
    method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
  };
  const r = await fetch('/mail/api/push' + path, init);
  const j = await r.json().catch(() => ({}));
  if (!r.ok) { const e = new Error(j.error || String(r.status)); e.status = r.status; throw e; }
  return j;
}

function bytes(b64url) {
  const s = atob(b64url.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((b64url.length + 3) % 4));
  return Uint8Array.from(s, c => c.charCodeAt(0));
}

function sameKey(buffer, key) {
  if (!buffer) return false;
  const a = new Uint8Array(buffer);
  return a.length === key.length && a.every((v, i) => v === key[i]);
}

async function current() {
  const reg = await navigator.serviceWorker.getRegistration('/mail/');
  return reg ? reg.pushManager.getSubscription() : null;
}

/** Subscribes this browser (asking for permission) and registers the subscription with the server. */
export async function subscribe(csrf) {
  const { publicKey } = await api('', csrf);
  if (await Notification.requestPermission() !== 'granted') throw new Error(tr('denied'));
  await registerWorker();
  const reg = await navigator.serviceWorker.ready;
  const key = bytes(publicKey);
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub.options.applicationServerKey, key)) { await sub.unsubscribe(); sub = null; }
  if (!sub) sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  await api('/subscribe', csrf, sub.toJSON());
  return sub;
}

/** Removes this browser's subscription, on the server and in the browser (at logout too). */
export async function unsubscribe(csrf) {
  if (!('serviceWorker' in navigator)) return;
  const sub = await current();
  if (!sub) return;
  await api('/unsubscribe', csrf, { endpoint: sub.endpoint }).catch(() => {});
  await sub.unsubscribe().catch(() => {});
}

/** The settings page's section; null when the server does not push (push.enabled false). */
export async function notifications({ S, h }) {
  let info;
  try {
    info = await api('', S.info.csrfToken);
  } catch (e) {
    return null;
  }
  const status = h('span', { class: 'status', id: 'push-status', role: 'status' });
  const box = h('input', { type: 'checkbox', id: 'push-toggle' });
  const section = h('section', { class: 'set', id: 'set-push' }, h('h3', {}, tr('title')), h('p', { class: 'hint' }, tr('hint')),
    h('label', { class: 'set-check' }, box, tr('toggle')), status);
  if (!supported()) {
    box.disabled = true;
    status.textContent = tr('unsupported');
    return section;
  }
  const sub = await current().catch(() => null);
  box.checked = !!sub && Notification.permission === 'granted' && sameKey(sub.options.applicationServerKey, bytes(info.publicKey));
  status.textContent = box.checked ? tr('on') : (Notification.permission === 'denied' ? tr('denied') : tr('off'));
  box.addEventListener('change', async () => {
    box.disabled = true;
    status.classList.remove('error');
    try {
      if (box.checked) await subscribe(S.info.csrfToken);
      else await unsubscribe(S.info.csrfToken);
      status.textContent = box.checked ? tr('on') : tr('off');
    } catch (e) {
      box.checked = !box.checked;
      status.classList.add('error');
      status.textContent = tr('failed') + ': ' + e.message;
    } finally {
      box.disabled = false;
    }
  });
  return section;
}

/**
 * Opens the message a notification was clicked for: from the address (#email=<id>, a new
 * window) or from the service worker's message (a window already open).
 */
export async function openFromNotification(jmap, openThread) {
  const open = async id => {
    if (!EMAIL_ID.test(id)) return;
    const r = await jmap.call([['Email/get', { ids: [id], properties: ['threadId'] }, 'e']]);
    if (r.e.list[0]) await openThread(r.e.list[0].threadId);
  };
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', e => { if (e.data && e.data.type === 'open') open(String(e.data.emailId)); });
  }
  const m = /^#email=(e[0-9a-f]{24})$/.exec(location.hash);
  if (m) {
    history.replaceState(null, '', location.pathname);
    await open(m[1]);
  }
}
