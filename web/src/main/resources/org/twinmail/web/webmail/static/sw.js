// The webmail's service worker (served at /mail/sw.js, scope /mail/). It keeps the app shell so
// the installed app starts without network, shows a notification for each push message of new
// mail (the server's Web Push: docs/clients.md), and opens that message when the notification is
// clicked. Only GETs of the page and of /mail/static/ are answered here; the API, JMAP and the
// message frames always go to the network untouched (nothing of a user's mail is cached).
const CACHE = 'twinmail-shell-v1';
const SHELL = ['/mail/', '/mail/manifest.webmanifest', '/mail/static/icon.svg', '/mail/static/icon-192.png'];
const EMAIL_ID = /^e[0-9a-f]{24}$/;
const HASHED = /\.[0-9a-f]{8}\.[A-Za-z0-9]+$/; // immutable files (StaticAssets): served from the cache first

self.addEventListener('install', e => {
  e.waitUntil(caches.open(CACHE).then(c => c.addAll(SHELL)).catch(() => {}).then(() => self.skipWaiting()));
});

self.addEventListener('activate', e => {
  e.waitUntil(caches.keys()
    .then(keys => Promise.all(keys.filter(k => k.startsWith('twinmail-') && k !== CACHE).map(k => caches.delete(k))))
    .then(() => self.clients.claim()));
});

function keep(request, response) {
  if (response.ok) {
    const copy = response.clone();
    caches.open(CACHE).then(c => c.put(request, copy)).catch(() => {});
  }
  return response;
}

self.addEventListener('fetch', e => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate' && (url.pathname === '/mail/' || url.pathname === '/mail/index.html')) {
    // the network first (a fresh page, fresh hashed names); the last page kept when offline
    e.respondWith(fetch(req).then(r => keep('/mail/', r)).catch(() => caches.match('/mail/').then(hit => hit || Response.error())));
  } else if (url.pathname.startsWith('/mail/static/')) {
    if (HASHED.test(url.pathname)) {
      e.respondWith(caches.match(req).then(hit => hit || fetch(req).then(r => keep(req, r))));
    } else {
      e.respondWith(fetch(req).then(r => keep(req, r)).catch(() => caches.match(req).then(hit => hit || Response.error())));
    }
  }
});

// A push message of new mail: {"type":"mail","emailId":"e…","from":"…","subject":"…"} (push's MailPush).
self.addEventListener('push', e => {
  let d = {};
  try { d = e.data ? e.data.json() : {}; } catch (x) { d = {}; }
  const id = typeof d.emailId === 'string' && EMAIL_ID.test(d.emailId) ? d.emailId : '';
  e.waitUntil(self.registration.showNotification(typeof d.from === 'string' && d.from ? d.from : 'TwinMail', {
    body: typeof d.subject === 'string' ? d.subject : '',
    tag: id || 'twinmail-mail', // the same message pushed twice shows once
    icon: '/mail/static/icon-192.png',
    badge: '/mail/static/icon-maskable-192.png',
    data: { emailId: id },
  }));
});

// A click opens the message: in a webmail window already open (it is told by a message), else in a new one.
self.addEventListener('notificationclick', e => {
  e.notification.close();
  const id = e.notification.data && e.notification.data.emailId;
  e.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(list => {
    const open = list.find(c => new URL(c.url).pathname.startsWith('/mail/'));
    if (open) {
      if (id) open.postMessage({ type: 'open', emailId: id });
      return open.focus();
    }
    return self.clients.openWindow('/mail/' + (id ? '#email=' + id : ''));
  }));
});
