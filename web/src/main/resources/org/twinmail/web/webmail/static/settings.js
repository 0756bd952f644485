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
  const [mine, filterRules, j] = await Promise.all([api('settings'), api('settings/rules'), S.jmap.call([
    ['Quota/get', { ids: null }, 'q'], ['VacationResponse/get', { ids: ['singleton'] }, 'v'], ['Identity/get', {}, 'i']])]);
  const sections = [quota(j.q.list), password(), appPasswords(mine), identities(j.i.list), forwarding(mine), rules(filterRules), vacation(j.v.list[0]), spam(mine), sms(mine)];
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

// ---- filter rules (written by the server as the Sieve script "webmail-rules", RulesSettings) ----

const FIELDS = ['from', 'to', 'cc', 'subject', 'header', 'size', 'attachment'];
const ACTIONS = ['fileinto', 'copyto', 'seen', 'flag', 'redirect', 'redirectcopy', 'discard', 'reject', 'stop'];
const NEEDS_VALUE = { fileinto: 'folder', copyto: 'folder', redirect: 'address', redirectcopy: 'address', reject: 'text' };

function rules(state) {
  const { h } = ctx;
  const st = status('frules-status');
  const note = h('p', { class: 'hint warn', id: 'frules-hand-written' });
  const replace = h('input', { id: 'frules-replace', type: 'checkbox' });
  const replaceBox = h('label', { class: 'set-check', id: 'frules-replace-box' }, replace, t('frReplace'));
  const list = h('div', { id: 'filter-rules' });
  const opts = (values, chosen, label) => values.map(v => h('option', { value: v, selected: v === chosen }, t(label + v)));

  const condition = c => {
    const field = h('select', { class: 'fcond-field', 'aria-label': t('frField') }, opts(FIELDS, c.field || 'subject', 'frField_'));
    const header = h('input', { class: 'fcond-header', type: 'text', placeholder: 'X-Mailer', value: c.header || '' });
    const op = h('select', { class: 'fcond-op', 'aria-label': t('frOp') });
    const value = h('input', { class: 'fcond-value', type: 'text', value: c.value || '' });
    const shape = () => {
      const f = field.value;
      header.hidden = f !== 'header';
      value.hidden = f === 'attachment';
      op.hidden = f === 'attachment';
      const ops = f === 'size' ? ['over', 'under'] : ['contains', 'is', 'matches'];
      const was = op.value || c.op;
      op.replaceChildren(...opts(ops, ops.includes(was) ? was : ops[0], 'frOp_'));
      value.placeholder = f === 'size' ? '100K, 5M' : '';
    };
    field.addEventListener('change', shape);
    shape();
    const row = h('div', { class: 'fcond' }, field, header, op, value,
      h('button', { type: 'button', class: 'link fcond-remove', onclick: () => row.remove() }, t('remove')));
    row.read = () => field.value === 'attachment' ? { field: 'attachment' }
      : { field: field.value, header: field.value === 'header' ? header.value.trim() : undefined, op: op.value, value: value.value };
    return row;
  };

  const action = a => {
    const type = h('select', { class: 'fact-type', 'aria-label': t('frAction') }, opts(ACTIONS, a.type || 'fileinto', 'frAct_'));
    const value = h('input', { class: 'fact-value', type: 'text', value: a.value || '' });
    const shape = () => {
      const need = NEEDS_VALUE[type.value];
      value.hidden = !need;
      value.placeholder = need ? t('frValue_' + need) : '';
    };
    type.addEventListener('change', shape);
    shape();
    const row = h('div', { class: 'fact' }, type, value,
      h('button', { type: 'button', class: 'link fact-remove', onclick: () => row.remove() }, t('remove')));
    row.read = () => NEEDS_VALUE[type.value] ? { type: type.value, value: value.value } : { type: type.value };
    return row;
  };

  const rule = r => {
    const name = h('input', { class: 'frule-name', type: 'text', value: r.name || '', placeholder: t('frName') });
    const match = h('select', { class: 'frule-match' }, opts(['all', 'any'], r.match || 'all', 'frMatch_'));
    const conds = h('div', { class: 'fconds' }, (r.conditions || []).map(condition));
    const acts = h('div', { class: 'facts' }, (r.actions || [{ type: 'fileinto' }]).map(action));
    const box = h('fieldset', { class: 'frule' },
      h('div', { class: 'set-inline' }, name, match,
        h('button', { type: 'button', class: 'link frule-remove', onclick: () => box.remove() }, t('frRemoveRule'))),
      h('p', { class: 'hint' }, t('frIf')), conds,
      h('button', { type: 'button', class: 'link fcond-add', onclick: () => conds.append(condition({})) }, t('frAddCondition')),
      h('p', { class: 'hint' }, t('frThen')), acts,
      h('button', { type: 'button', class: 'link fact-add', onclick: () => acts.append(action({})) }, t('frAddAction')));
    box.read = () => ({ name: name.value.trim(), match: match.value,
      conditions: [...conds.children].map(c => c.read()), actions: [...acts.children].map(a => a.read()) });
    return box;
  };

  const draw = s => {
    note.textContent = s.handWritten ? t('frHandWritten').replace('{name}', s.handWrittenName) : '';
    note.hidden = !s.handWritten;
    replaceBox.hidden = !s.handWritten;
    replace.checked = false;
    list.replaceChildren(...s.rules.map(rule));
  };
  draw(state);
  return section('set-filter-rules', t('frTitle'), h('p', { class: 'hint' }, t('frHint')), note, list,
    h('button', { type: 'button', class: 'link', id: 'frules-add', onclick: () => list.append(rule({ conditions: [{}] })) }, t('frAddRule')),
    h('div', { class: 'set-actions' }, replaceBox,
      h('button', { type: 'button', class: 'primary', id: 'frules-save', onclick: () => saving(st, async () => {
        draw(await api('settings/rules', { rules: [...list.children].map(r => r.read()), replace: replace.checked }));
      }) }, t('save')), st));
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

// ---- spam: the user's own level (the content score's Junk threshold); allow and block lists are the user's sender rules ----

function spamLevel(mine) {
  const { h } = ctx;
  if (typeof mine.spamLevel !== 'string') return h('p', { class: 'hint', id: 'spam-level-note' }, t('spamLevelNone'));
  const named = ['off', 'lenient', 'normal', 'strict'];
  const current = mine.spamLevel;
  const mode = named.includes(current) ? current : 'score';
  const select = h('select', { id: 'spam-level' }, [...named, 'score'].map(x => h('option', { value: x, selected: x === mode }, t('spamLevel_' + x))));
  const score = h('input', { id: 'spam-score', type: 'number', min: 0, max: 100, step: 0.1, value: mode === 'score' ? current : '6' });
  const scoreField = field(t('spamScore'), score);
  const showScore = () => { scoreField.hidden = select.value !== 'score'; };
  select.addEventListener('change', showScore);
  showScore();
  const st = status('spam-level-status');
  return h('form', { class: 'set-form', id: 'spam-level-form', onsubmit: e => {
    e.preventDefault();
    saving(st, async () => {
      const r = await api('settings/spam-level', { level: select.value === 'score' ? score.value.trim() : select.value });
      select.dataset.level = r.spamLevel;
    });
  } }, h('p', { class: 'hint', id: 'spam-level-note' }, t('spamLevelHint')), field(t('spamLevel'), select), scoreField,
  h('div', { class: 'set-actions' }, h('button', { type: 'submit', class: 'primary', id: 'spam-level-save' }, t('save')), st));
}

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
    spamLevel(mine),
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
