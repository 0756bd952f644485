// The settings page (user self-service), loaded on first use so the first load stays small.
// What JMAP covers (quota, vacation reply, identities) goes over JMAP; the rest through the
// webmail's /mail/api/settings routes (Webmail's SelfService: the admin operations on the
// session's own address). Elements are built with textContent and attributes only.
import { t, fmtSize } from './i18n.js';

let ctx;

/** POST (with a body) or GET one of the settings routes; throws with the server's message. */
async function api(path, body) {
  const init = body === undefined ? { credentials: 'same-origin' } : {
    method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': ctx.S.info.csrfToken },
  };
  const r = await fetch('/mail/api/' + path, init);
  const j = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(j.error || String(r.status));
  return j;
}

/** Runs a save: the status line says saving, then saved or the error. */
async function saving(status, fn) {
  status.classList.remove('error');
  status.textContent = t('saving');
  try {
    await fn();
    status.textContent = t('saved');
  } catch (e) {
    status.classList.add('error');
    status.textContent = t('saveFailed') + ': ' + e.message;
  }
}

export async function openSettings(c) {
  ctx = c;
  const { S, h, setView } = ctx;
  const pane = document.getElementById('settings');
  pane.replaceChildren(h('p', { class: 'empty' }, t('loading')));
  setView('settings');
  const [mine, j] = await Promise.all([api('settings'), S.jmap.call([
    ['Quota/get', { ids: null }, 'q'], ['VacationResponse/get', { ids: ['singleton'] }, 'v'], ['Identity/get', {}, 'i']])]);
  const sections = [quota(j.q.list), password(), appPasswords(mine), identities(j.i.list), forwarding(mine), vacation(j.v.list[0]), spam(mine), sms(mine)];
  const push = await import('./push.js').then(m => m.notifications(ctx)).catch(() => null); // "notify me of new mail"
  if (push) sections.push(push);
  pane.replaceChildren(
    h('div', { class: 'settings-head' },
      h('button', { class: 'icon', id: 'settings-back', 'aria-label': t('back'), onclick: () => setView('list') }, '←'),
      h('h2', {}, t('settings'))),
    ...sections);
}

function section(id, title, ...children) {
  return ctx.h('section', { class: 'set', id }, ctx.h('h3', {}, title), ...children);
}

function field(label, input) { return ctx.h('label', { class: 'set-field' }, ctx.h('span', {}, label), input); }

function status(id) { return ctx.h('span', { class: 'status', id, role: 'status' }); }

// ---- quota (JMAP Quota/get, RFC 9425) ----

function quota(list) {
  const { h } = ctx;
  const mine = list.filter(q => q.scope === 'account');
  return section('set-quota', t('quota'), mine.length === 0 ? h('p', { id: 'quota-text' }, t('quotaNone')) : mine.map(q => {
    const pct = q.hardLimit ? Math.min(100, Math.round(100 * q.used / q.hardLimit)) : 0;
    const text = q.resourceType === 'octets'
      ? t('quotaUsed').replace('{used}', fmtSize(q.used)).replace('{limit}', fmtSize(q.hardLimit)).replace('{pct}', pct)
      : t('quotaCount').replace('{used}', q.used).replace('{limit}', q.hardLimit).replace('{pct}', pct);
    return h('div', { class: 'quota' }, h('p', { class: 'quota-text', id: 'quota-' + q.resourceType }, text),
      h('progress', { max: 100, value: pct, class: pct >= 90 ? 'full' : '' }));
  }));
}

// ---- password (the account's own, the current one required) ----

function password() {
  const { h, S } = ctx;
  const cur = h('input', { type: 'password', id: 'pw-current', autocomplete: 'current-password' });
  const next = h('input', { type: 'password', id: 'pw-new', autocomplete: 'new-password' });
  const again = h('input', { type: 'password', id: 'pw-confirm', autocomplete: 'new-password' });
  const st = status('pw-status');
  const form = h('form', { class: 'set-form', onsubmit: e => {
    e.preventDefault();
    if (next.value !== again.value) { st.classList.add('error'); st.textContent = t('pwMismatch'); return; }
    saving(st, async () => {
      const r = await api('settings/password', { current: cur.value, password: next.value });
      // every other session ended; this one was renewed with a new CSRF token
      if (r.csrfToken) { S.info.csrfToken = r.csrfToken; S.jmap.csrf = r.csrfToken; }
      cur.value = next.value = again.value = '';
    });
  } }, field(t('pwCurrent'), cur), field(t('pwNew'), next), field(t('pwConfirm'), again),
  h('div', { class: 'set-actions' }, h('button', { type: 'submit', class: 'primary', id: 'pw-save' }, t('pwChange')), st),
  h('p', { class: 'hint' }, t('pwHint')));
  return section('set-password', t('password'), form);
}

function appPasswords(mine) {
  const { h } = ctx;
  if (!Array.isArray(mine.appPasswords)) {
    return section('set-app-passwords', t('appPasswords'), h('p', { class: 'hint', id: 'app-passwords-note' }, t('appPasswordsNone')));
  }
  const st = status('app-password-status');
  const list = h('ul', { id: 'app-password-list' });
  const shown = h('p', { id: 'app-password-new' });
  const draw = items => list.replaceChildren(...items.map(a => h('li', { 'data-name': a.name }, a.name + ' · ' + (a.created || '').slice(0, 10) + ' ',
    h('button', { type: 'button', id: 'app-password-revoke-' + a.name, onclick: () => saving(st, async () => {
      draw((await api('settings/app-passwords/remove', { name: a.name })).appPasswords);
    }) }, t('remove')))));
  draw(mine.appPasswords);
  const name = h('input', { id: 'app-password-name', placeholder: t('appPasswordName'), maxlength: 64 });
  return section('set-app-passwords', t('appPasswords'), h('p', { class: 'hint', id: 'app-passwords-note' }, t('appPasswordsHint')), list,
    h('form', { class: 'set-inline', onsubmit: e => {
      e.preventDefault();
      saving(st, async () => {
        const r = await api('settings/app-passwords', { name: name.value });
        draw(r.appPasswords);
        shown.replaceChildren(t('appPasswordShown').replace('{name}', r.created.name) + ' ', h('code', {}, r.created.password));
        shown.dataset.password = r.created.password;
        name.value = '';
      });
    } }, name, h('button', { type: 'submit', id: 'app-password-add' }, t('add')), st), shown);
}

// ---- identities and signatures (JMAP Identity/set: the account's address and its aliases) ----

function identities(list) {
  const { h, S } = ctx;
  return section('set-identities', t('identities'), h('p', { class: 'hint' }, t('identitiesHint')),
    h('div', { id: 'identities' }, list.map(i => {
      const name = h('input', { type: 'text', class: 'id-name', value: i.name || '' });
      const replyTo = h('input', { type: 'email', class: 'id-reply-to', value: (i.replyTo || []).map(a => a.email).join(', ') });
      const sig = h('textarea', { class: 'id-signature', rows: 4 });
      sig.value = i.textSignature || '';
      const st = h('span', { class: 'status id-status', role: 'status' });
      return h('form', { class: 'set-form identity', 'data-email': i.email, onsubmit: e => {
        e.preventDefault();
        saving(st, async () => {
          const reply = replyTo.value.split(/[,;\s]+/).filter(Boolean).map(email => ({ name: null, email }));
          const r = await S.jmap.call([['Identity/set', { update: { [i.id]: {
            name: name.value.trim(), replyTo: reply.length ? reply : null, textSignature: sig.value, htmlSignature: htmlOf(sig.value) } } }, 's'],
            ['Identity/get', {}, 'i']]);
          if (r.s.notUpdated) throw new Error(Object.values(r.s.notUpdated)[0].description || 'invalid');
          S.identities = r.i.list; // compose uses them at once
        });
      } }, h('h4', { class: 'id-email' }, i.email), field(t('idName'), name), field(t('idReplyTo'), replyTo), field(t('idSignature'), sig),
      h('div', { class: 'set-actions' }, h('button', { type: 'submit', class: 'primary id-save' }, t('save')), st));
    })));
}

/** The HTML signature is the text one, escaped, its lines kept. */
function htmlOf(text) {
  if (!text) return '';
  const d = document.createElement('div');
  d.textContent = text;
  return '<div class="tm-signature">' + d.innerHTML.replace(/\n/g, '<br>') + '</div>';
}

// ---- forwarding (admin user forward, for oneself) ----

function forwarding(mine) {
  const { h } = ctx;
  const to = h('input', { id: 'fwd-to', type: 'text', value: mine.forwarding.to.join(', '), placeholder: 'name@example.com' });
  const keep = h('input', { id: 'fwd-keep', type: 'checkbox', checked: mine.forwarding.keepCopy });
  const st = status('fwd-status');
  return section('set-forwarding', t('forwarding'), h('form', { class: 'set-form', onsubmit: e => {
    e.preventDefault();
    saving(st, () => api('settings/forwarding', { to: to.value.split(/[,;\s]+/).filter(Boolean), keepCopy: keep.checked }));
  } }, field(t('fwdTo'), to), h('label', { class: 'set-check' }, keep, t('fwdKeep')),
  h('div', { class: 'set-actions' }, h('button', { type: 'submit', class: 'primary', id: 'fwd-save' }, t('save')), st),
  h('p', { class: 'hint' }, t('fwdHint'))));
}

// ---- vacation reply (JMAP VacationResponse) ----

function vacation(v) {
  const { h, S } = ctx;
  const day = iso => iso ? iso.slice(0, 10) : '';
  const on = h('input', { id: 'vac-enabled', type: 'checkbox', checked: v.isEnabled });
  const from = h('input', { id: 'vac-from', type: 'date', value: day(v.fromDate) });
  const to = h('input', { id: 'vac-to', type: 'date', value: day(v.toDate) });
  const subject = h('input', { id: 'vac-subject', type: 'text', value: v.subject || '' });
  const body = h('textarea', { id: 'vac-body', rows: 5 });
  body.value = v.textBody || '';
  const st = status('vac-status');
  return section('set-vacation', t('vacation'), h('form', { class: 'set-form', onsubmit: e => {
    e.preventDefault();
    saving(st, async () => {
      const r = await S.jmap.call([['VacationResponse/set', { update: { singleton: {
        isEnabled: on.checked, fromDate: from.value ? from.value + 'T00:00:00Z' : null, toDate: to.value ? to.value + 'T23:59:59Z' : null,
        subject: subject.value || null, textBody: body.value || null } } }, 'v']]);
      if (r.v.notUpdated) throw new Error(Object.values(r.v.notUpdated)[0].description || 'invalid');
    });
  } }, h('label', { class: 'set-check' }, on, t('vacOn')), field(t('vacFrom'), from), field(t('vacTo'), to),
  field(t('subject'), subject), field(t('vacBody'), body),
  h('div', { class: 'set-actions' }, h('button', { type: 'submit', class: 'primary', id: 'vac-save' }, t('save')), st)));
}

// ---- spam: the level is the server's; allow and block lists are the user's sender rules ----

function spam(mine) {
  const { h } = ctx;
  const list = h('ul', { class: 'rules', id: 'rules' });
  const st = status('rule-status');
  const draw = senders => list.replaceChildren(...(senders.length ? senders.map(r => h('li', { 'data-pattern': r.pattern },
    h('span', { class: 'rule-pattern' }, r.pattern), h('span', { class: 'rule-action rule-' + r.action }, t('rule_' + r.action)),
    h('button', { type: 'button', class: 'link rule-remove', 'aria-label': t('remove') + ' ' + r.pattern,
      onclick: () => saving(st, async () => draw((await api('settings/senders/remove', { pattern: r.pattern })).senders)) }, t('remove'))))
    : [h('li', { class: 'hint' }, t('rulesNone'))]));
  draw(mine.senders);
  const pattern = h('input', { id: 'rule-pattern', type: 'text', placeholder: 'name@example.com, *@example.com' });
  const action = h('select', { id: 'rule-action' }, ['accept', 'junk', 'reject'].map(a => h('option', { value: a }, t('rule_' + a))));
  return section('set-spam', t('spamSettings'),
    h('p', { class: 'hint', id: 'spam-level-note' }, mine.spamLevel ? '' : t('spamLevelNone')),
    list,
    h('form', { class: 'set-inline', onsubmit: e => {
      e.preventDefault();
      saving(st, async () => { draw((await api('settings/senders', { pattern: pattern.value, action: action.value })).senders); pattern.value = ''; });
    } }, pattern, action, h('button', { type: 'submit', id: 'rule-add' }, t('add')), st));
}

// ---- SMS notices (module sms: a number verified by a code, then notices) ----

function sms(mine) {
  const { h } = ctx;
  if (!mine.sms) return section('set-sms', t('smsSettings'), h('p', { class: 'hint', id: 'sms-none' }, t('smsNone')));
  const box = h('div');
  const st = status('sms-status');
  const draw = s => {
    const phone = h('input', { id: 'sms-phone', type: 'tel', value: s.phone, placeholder: '+8613800138000' });
    const on = h('input', { id: 'sms-enabled', type: 'checkbox', checked: s.enabled });
    const trigger = h('select', { id: 'sms-trigger' }, ['all', 'important', 'senders', 'alias'].map(x => h('option', { value: x, selected: x === s.trigger }, t('smsTrigger_' + x))));
    const quiet = h('input', { id: 'sms-quiet', type: 'text', value: s.quietHours, placeholder: '22:00-07:00' });
    const language = h('select', { id: 'sms-language' }, ['en', 'zh'].map(x => h('option', { value: x, selected: x === s.language }, x === 'zh' ? '中文' : 'English')));
    const state = !s.phone ? t('smsNoPhone') : s.verified ? t('smsVerified') : t(s.codePending ? 'smsPending' : 'smsUnverified').replace('{phone}', s.phone);
    const code = h('input', { id: 'sms-code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code' });
    const verify = s.phone && !s.verified ? h('form', { class: 'set-inline', onsubmit: e => {
      e.preventDefault();
      saving(st, async () => draw((await api('settings/sms/verify', { code: code.value })).sms));
    } }, field(t('smsCode'), code), h('button', { type: 'submit', id: 'sms-verify' }, t('smsVerify')),
    h('button', { type: 'button', class: 'link', id: 'sms-resend', onclick: () => saving(st, async () => draw((await api('settings/sms/resend', {})).sms)) }, t('smsResend'))) : null;
    box.replaceChildren(
      h('p', { id: 'sms-state', class: s.verified ? 'ok' : 'hint' }, state),
      h('form', { class: 'set-form', onsubmit: e => {
        e.preventDefault();
        saving(st, async () => draw((await api('settings/sms', { phone: phone.value.trim(), enabled: on.checked, trigger: trigger.value,
          quietHours: quiet.value.trim(), language: language.value })).sms));
      } }, field(t('smsPhone'), phone), h('label', { class: 'set-check' }, on, t('smsOn')), field(t('smsWhen'), trigger),
      field(t('smsQuiet'), quiet), field(t('smsLanguage'), language),
      h('div', { class: 'set-actions' }, h('button', { type: 'submit', class: 'primary', id: 'sms-save' }, t('save')))),
      ...(verify ? [verify] : []), st);
    return s;
  };
  draw(mine.sms);
  return section('set-sms', t('smsSettings'), box);
}
