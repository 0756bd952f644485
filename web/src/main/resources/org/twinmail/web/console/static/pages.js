// The console's pages: each renders into its section and acts through the admin REST API.
import { state, h, api, act, enc, bytes, parseSize, notice } from './ui.js';
import { trafficPage } from './charts.js';

const global = () => state.me && state.me.role === 'global';

/** The links a role sees. */
export function navigation(me) {
  const all = [['#/domains', 'Domains'], ['#/top', 'Top senders'], ['#/users', 'Accounts'], ['#/aliases', 'Aliases'], ['#/dkim', 'DKIM'], ['#/rules', 'Rules']];
  if (me.role !== 'global') return all;
  return [['#/traffic', 'Traffic'], ...all, ['#/queue', 'Queue'], ['#/quarantine', 'Quarantine'], ['#/bans', 'Bans'], ['#/tls', 'Certificates'],
    ['#/pair', 'Pair'], ['#/admins', 'Administrators'], ['#/audit', 'Audit log']];
}

function table(id, headers, rows) {
  return h('div', { class: 'scroll' }, h('table', { id },
    h('thead', {}, h('tr', {}, headers.map(x => h('th', {}, x)))),
    h('tbody', {}, rows)));
}

/** A form of labelled inputs; onsubmit gets the values by name. */
function form(id, fields, label, onsubmit) {
  const inputs = fields.map(([name, text, attrs]) => [name, h('input', { name, id: id + '-' + name, ...(attrs || {}) })]);
  return h('form', { id, class: 'inline', onsubmit: async (ev) => {
    ev.preventDefault();
    const values = Object.fromEntries(inputs.map(([n, i]) => [n, i.value.trim()]));
    if (await onsubmit(values) !== false) inputs.forEach(([, i]) => { i.value = ''; });
  } }, inputs.map(([name, input], k) => h('label', {}, fields[k][1], input)), h('button', { type: 'submit', id: id + '-submit' }, label));
}

function button(text, onclick, attrs) {
  return h('button', { type: 'button', class: 'small', onclick, ...(attrs || {}) }, text);
}

function usage(used, quota) {
  return h('span', { class: 'usage' }, quota > 0 ? h('meter', { min: 0, max: quota, value: Math.min(used, quota), high: quota * 0.9 }) : null,
    ' ' + bytes(used) + (quota > 0 ? ' of ' + bytes(quota) : ' (no quota)'));
}

async function domainPicker(params, body, page) {
  const domains = await act(() => api('GET', 'domains')) || [];
  const current = params.get('domain') || (domains[0] && domains[0].name) || '';
  const select = h('select', { id: 'domain-picker', onchange: () => { location.hash = '#/' + page + '?domain=' + enc(select.value); } },
    domains.map(d => h('option', { value: d.name, selected: d.name === current }, d.name)));
  body.append(h('label', { class: 'picker' }, 'Domain ', select));
  return current;
}

/** Shows the page again with fresh data, keeping the notice line (what was just done). */
const refresh = () => {
  const n = document.getElementById('notice');
  state.carry = n && !n.hidden ? { text: n.textContent, kind: n.classList.contains('error') ? 'error' : 'ok' } : null;
  window.dispatchEvent(new HashChangeEvent('hashchange'));
};

export const pages = {
  domains: { title: 'Domains', async render(body) {
    const list = await act(() => api('GET', 'domains')) || [];
    if (global()) {
      body.append(form('add-domain', [['name', 'New domain', { required: true, placeholder: 'example.org' }]], 'Add domain',
        async v => { if (await act(() => api('POST', 'domains', { name: v.name }), 'Added domain ' + v.name)) refresh(); else return false; }));
    }
    body.append(table('domains', ['Domain', 'Usage', 'Messages', ''], list.map(d => h('tr', { dataset: { domain: d.name } },
      h('td', {}, h('a', { href: '#/users?domain=' + enc(d.name) }, d.name)),
      h('td', {}, usage(d.usedBytes, d.quotaBytes)),
      h('td', {}, d.messages + (d.maxMessages > 0 ? ' of ' + d.maxMessages : '')),
      h('td', {}, global() ? [
        button('Quota…', async () => {
          const q = prompt('Quota of ' + d.name + ' (e.g. 10G; 0 = none)', d.quotaBytes ? bytes(d.quotaBytes).replace(/ |i?B/g, '') : '0');
          if (q !== null && await act(() => api('PUT', 'domains/' + enc(d.name) + '/quota', { quotaBytes: parseSize(q) }), 'Quota set')) refresh();
        }),
        button('Remove', async () => {
          if (confirm('Remove the domain ' + d.name + '?') && await act(() => api('DELETE', 'domains/' + enc(d.name)), 'Removed ' + d.name)) refresh();
        }, { class: 'small danger' })] : null)))));
  } },

  users: { title: 'Accounts', async render(body, params) {
    const domain = await domainPicker(params, body, 'users');
    if (!domain) return;
    body.append(form('add-user', [['address', 'Address', { required: true, placeholder: 'alice@' + domain }],
      ['password', 'Password', { type: 'password', required: true, autocomplete: 'new-password' }],
      ['quota', 'Quota', { placeholder: '2G (empty: none)' }], ['maxMessage', 'Largest message', { placeholder: '25M (empty: the server\'s)' }]],
      'Add account', async v => {
        const address = v.address.includes('@') ? v.address : v.address + '@' + domain;
        const ok = await act(() => api('POST', 'users', { address, password: v.password, quotaBytes: parseSize(v.quota), maxMessageBytes: parseSize(v.maxMessage) }),
          'Added account ' + address);
        if (ok) refresh(); else return false;
      }));
    const report = h('div', { id: 'import-report' });
    const file = h('input', { type: 'file', id: 'import-file', accept: '.csv,text/csv' });
    body.append(h('div', { class: 'inline' },
      button('Export CSV', async () => {
        const r = await fetch('/api/admin/export/users?domain=' + enc(domain), { credentials: 'same-origin', headers: { 'X-CSRF-Token': state.csrf } });
        if (!r.ok) { notice('Export failed: HTTP ' + r.status, 'error'); return; }
        const a = h('a', { href: URL.createObjectURL(await r.blob()), download: 'accounts-' + domain + '.csv' });
        document.body.append(a); a.click(); a.remove();
      }, { id: 'export-csv' }),
      h('label', {}, 'Import CSV ', file),
      button('Import', async () => {
        if (!file.files.length) { notice('Choose a CSV file first', 'error'); return; }
        const r = await fetch('/api/admin/import/users?domain=' + enc(domain), { method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'text/csv', 'X-CSRF-Token': state.csrf, 'Accept': 'application/json' }, body: await file.files[0].text() });
        const data = await r.json().catch(() => null);
        if (!r.ok) { notice((data && data.error) || ('HTTP ' + r.status), 'error'); return; }
        notice(data.created + ' created, ' + data.updated + ' changed, ' + data.failed + ' failed', data.failed ? 'error' : 'ok');
        report.replaceChildren(table('import-rows', ['Line', 'Address', 'Outcome', 'Error'], data.rows.map(x => h('tr', { class: x.outcome === 'error' ? 'failed' : '' },
          h('td', {}, String(x.line)), h('td', {}, x.address || ''), h('td', {}, x.outcome), h('td', {}, x.error || '')))));
      }, { id: 'import-csv' })), report);
    const list = await act(() => api('GET', 'users?domain=' + enc(domain))) || [];
    const apps = h('div', { id: 'app-passwords' });
    const showApps = async (address) => {
      const l = await act(() => api('GET', 'users/' + enc(address) + '/app-passwords')) || [];
      apps.replaceChildren(h('h3', {}, 'App passwords of ' + address),
        form('add-app-password', [['name', 'For (phone, laptop…)', { required: true }]], 'Make app password', async v => {
          const r = await act(() => api('POST', 'users/' + enc(address) + '/app-passwords', { name: v.name }), 'App password made');
          if (!r) return false;
          await showApps(address);
          apps.prepend(h('p', { id: 'app-password-value', dataset: { password: r.password } }, 'The app password for ' + r.name + ' (shown once): ', h('code', {}, r.password)));
        }),
        l.length ? table('app-password-list', ['Name', 'Made', ''], l.map(a => h('tr', { dataset: { name: a.name } }, h('td', {}, a.name), h('td', {}, a.created),
          h('td', {}, button('Revoke', async () => {
            if (confirm('Revoke the app password ' + a.name + '?') && await act(() => api('DELETE', 'users/' + enc(address) + '/app-passwords/' + enc(a.name)), 'Revoked ' + a.name)) showApps(address);
          }, { class: 'small danger' })))))
          : h('p', { class: 'muted' }, 'No app passwords.'));
    };
    body.append(table('users', ['Account', 'State', 'Usage', 'Messages', 'Largest message', ''], list.map(u => h('tr', { dataset: { user: u.address, enabled: String(u.enabled) } },
      h('td', {}, u.address), h('td', {}, u.enabled ? 'enabled' : 'DISABLED'), h('td', {}, usage(u.usedBytes, u.quotaBytes)),
      h('td', {}, u.messages + (u.maxMessages > 0 ? ' of ' + u.maxMessages : '')),
      h('td', {}, u.maxMessageBytes > 0 ? bytes(u.maxMessageBytes) : 'server limit'),
      h('td', {},
        button('Password…', async () => {
          const p = prompt('New password for ' + u.address);
          if (p) await act(() => api('PATCH', 'users/' + enc(u.address), { password: p }), 'Password of ' + u.address + ' reset');
        }),
        button('Quota…', async () => {
          const q = prompt('Quota of ' + u.address + ' (e.g. 2G; 0 = none)', '0');
          if (q !== null && await act(() => api('PATCH', 'users/' + enc(u.address), { quotaBytes: parseSize(q) }), 'Quota set')) refresh();
        }),
        button(u.enabled ? 'Disable' : 'Enable', async () => {
          if (u.enabled && !confirm('Disable ' + u.address + '? It can no longer log in, and mail to it is refused.')) return;
          if (await act(() => api('PATCH', 'users/' + enc(u.address), { enabled: !u.enabled }), (u.enabled ? 'Disabled ' : 'Enabled ') + u.address)) refresh();
        }, { id: 'toggle-' + u.address }),
        button('App passwords…', () => showApps(u.address), { id: 'apps-' + u.address }),
        button('Size limit…', async () => {
          const q = prompt('Largest message ' + u.address + ' may receive (e.g. 25M; 0 = the server\'s limit)', '0');
          if (q !== null && await act(() => api('PATCH', 'users/' + enc(u.address), { maxMessageBytes: parseSize(q) }), 'Size limit set')) refresh();
        }),
        button('Remove', async () => {
          if (confirm('Remove ' + u.address + ' and all its mail?') && await act(() => api('DELETE', 'users/' + enc(u.address)), 'Removed ' + u.address)) refresh();
        }, { class: 'small danger' }))))), apps);
  } },

  aliases: { title: 'Aliases', async render(body, params) {
    const domain = await domainPicker(params, body, 'aliases');
    if (!domain) return;
    body.append(form('add-alias', [['source', 'Alias (or @' + domain + ' for the catch-all)', { required: true, placeholder: 'team@' + domain }],
      ['targets', 'Goes to (comma-separated)', { required: true }]], 'Add alias', async v => {
      const ok = await act(() => api('POST', 'aliases', { source: v.source, targets: v.targets.split(',').map(t => t.trim()).filter(Boolean) }), 'Added ' + v.source);
      if (ok) refresh(); else return false;
    }));
    const list = await act(() => api('GET', 'aliases?domain=' + enc(domain))) || [];
    body.append(table('aliases', ['Alias', 'Goes to', ''], list.map(a => h('tr', { dataset: { alias: a.source } },
      h('td', {}, a.source.startsWith('@') ? a.source + ' (catch-all)' : a.source), h('td', {}, a.targets.join(', ')),
      h('td', {}, button('Remove', async () => {
        if (confirm('Remove ' + a.source + '?') && await act(() => api('DELETE', 'aliases/' + enc(a.source)), 'Removed ' + a.source)) refresh();
      }, { class: 'small danger' }))))));
  } },

  dkim: { title: 'DKIM', async render(body, params) {
    const domain = await domainPicker(params, body, 'dkim');
    if (!domain) return;
    const out = h('div', { id: 'dkim' });
    body.append(out);
    const show = async () => {
      try {
        const k = await api('GET', 'dkim/' + enc(domain));
        out.replaceChildren(h('p', {}, 'Selector ' + k.selector + ', RSA ' + k.bits + ' bits' + (k.signing ? ', signing now' : ', not signing (another selector is configured)')),
          h('p', {}, 'Publish this TXT record:'), h('pre', { id: 'dkim-record' }, k.record));
      } catch (e) {
        out.replaceChildren(h('p', {}, e.message), button('Generate a key', async () => {
          if (await act(() => api('POST', 'dkim/' + enc(domain), {}), 'Key generated')) show();
        }, { id: 'dkim-generate' }));
      }
    };
    await show();
    const dns = await act(() => api('GET', 'domains/' + enc(domain) + '/dns'));
    if (dns && dns.records) body.append(h('h3', {}, 'Every record the domain should publish'), h('pre', { id: 'dns-records' }, dns.records.map(r => r.zoneLine || JSON.stringify(r)).join('\n')));
  } },

  rules: { title: 'Rules', async render(body) {
    if (global()) {
      body.append(form('add-ip-rule', [['range', 'Address or range', { required: true, placeholder: '192.0.2.0/24' }], ['action', 'allow or deny', { required: true }],
        ['comment', 'Comment'], ['expires', 'Until (ISO instant, empty: never)']], 'Add IP rule', async v => {
        const ok = await act(() => api('POST', 'rules/ip', { range: v.range, action: v.action, comment: v.comment || undefined, expires: v.expires || undefined }), 'Rule added');
        if (ok) refresh(); else return false;
      }));
    }
    body.append(form('add-sender-rule', [['pattern', 'Sender', { required: true, placeholder: '*@spam.example' }],
      ['action', 'accept, reject, quarantine, junk or tag', { required: true }],
      ['scope', global() ? 'For (domain or user; empty: everyone)' : 'For (one of your domains or users)', { required: !global() }],
      ['comment', 'Comment']], 'Add sender rule', async v => {
      const ok = await act(() => api('POST', 'rules/sender', { pattern: v.pattern, action: v.action, scope: v.scope || undefined, comment: v.comment || undefined }), 'Rule added');
      if (ok) refresh(); else return false;
    }));
    const list = await act(() => api('GET', 'rules')) || [];
    body.append(table('rules', ['Type', 'Match', 'Action', 'For', 'Comment', 'Until', ''], list.map(r => h('tr', { class: r.expired ? 'expired' : '' },
      h('td', {}, r.type), h('td', {}, r.match), h('td', {}, r.action), h('td', {}, r.scope || 'everyone'), h('td', {}, r.comment || ''),
      h('td', {}, r.expires ? r.expires + (r.expired ? ' (expired)' : '') : 'never'),
      h('td', {}, button('Remove', async () => {
        const path = r.type === 'ip' ? 'rules/ip/' + enc(r.match) : 'rules/sender/' + enc(r.match) + (r.scope ? '?scope=' + enc(r.scope) : '');
        if (await act(() => api('DELETE', path), 'Rule removed')) refresh();
      }, { class: 'small danger' }))))));
  } },

  queue: { title: 'Outbound queue', async render(body) {
    const list = await act(() => api('GET', 'queue?limit=1000')) || [];
    const search = h('input', { id: 'queue-search', type: 'search', placeholder: 'sender, recipient or reply' });
    const rows = list.map(q => {
      const text = (q.sender + ' ' + q.recipients.map(r => r.address + ' ' + (r.lastReply || '')).join(' ')).toLowerCase();
      const details = h('tr', { class: 'details', hidden: true }, h('td', { colspan: 6 }, h('ul', {}, q.recipients.map(r =>
        h('li', {}, r.address + ': ' + r.attempts + ' attempt(s), next ' + r.nextAttempt + (r.active ? ' (being delivered)' : '') + (r.lastReply ? ' — ' + r.lastReply : ''))))));
      const row = h('tr', { dataset: { queue: q.id, text } }, h('td', {}, String(q.id)), h('td', {}, q.sender || '<>'),
        h('td', {}, q.recipients.map(r => r.address).join(', ')), h('td', {}, bytes(q.size)), h('td', {}, q.arrival),
        h('td', {}, button('Show', () => { details.hidden = !details.hidden; }),
          button('Retry', async () => { if (await act(() => api('POST', 'queue/' + q.id + '/retry'), r => r.recipients + ' recipient(s) due now')) refresh(); }),
          button('Bounce…', async () => {
            const reason = prompt('Return message ' + q.id + ' to ' + (q.sender || 'its sender') + ' with a bounce (DSN). Reason told to the sender:', '');
            if (reason !== null && await act(() => api('POST', 'queue/' + q.id + '/bounce', { reason }), r => 'Bouncing ' + r.recipients + ' recipient(s)')) refresh();
          }, { id: 'bounce-' + q.id }),
          button('Delete', async () => {
            if (confirm('Delete message ' + q.id + ' without a bounce?') && await act(() => api('DELETE', 'queue/' + q.id), 'Deleted')) refresh();
          }, { class: 'small danger' })));
      return [row, details];
    });
    search.addEventListener('input', () => {
      const t = search.value.toLowerCase();
      for (const [row, details] of rows) { row.hidden = !!t && !row.dataset.text.includes(t); if (row.hidden) details.hidden = true; }
    });
    body.append(h('div', { class: 'inline' }, search, button('Retry all now', async () => {
      if (await act(() => api('POST', 'queue/retry'), r => r.recipients + ' recipient(s) due now')) refresh();
    })), list.length ? table('queue', ['Id', 'Sender', 'Recipients', 'Size', 'Arrived', ''], rows.flat()) : h('p', { id: 'queue-empty' }, 'The queue is empty.'));
  } },

  quarantine: { title: 'Quarantine', async render(body) {
    const list = await act(() => api('GET', 'quarantine')) || [];
    body.append(list.length ? table('quarantine', ['Arrived', 'Reason', 'Sender', 'Subject', 'Recipients', 'Size', ''], list.map(q => h('tr', { dataset: { id: q.id } },
      h('td', {}, q.arrived), h('td', {}, q.reason), h('td', {}, q.sender || '<>'), h('td', {}, q.subject || ''), h('td', {}, q.recipients.join(', ')),
      h('td', {}, bytes(q.size)),
      h('td', {}, button('Release', async () => { if (await act(() => api('POST', 'quarantine/' + enc(q.id) + '/release'), 'Released')) refresh(); }),
        button('Delete', async () => { if (confirm('Delete it?') && await act(() => api('DELETE', 'quarantine/' + enc(q.id)), 'Deleted')) refresh(); }, { class: 'small danger' })))))
      : h('p', {}, 'Nothing is held.'));
  } },

  bans: { title: 'Bans', async render(body) {
    body.append(form('add-ban', [['client', 'Address', { required: true }], ['until', 'Until (ISO instant, empty: until removed)'], ['reason', 'Reason']], 'Ban',
      async v => { if (await act(() => api('POST', 'bans', { client: v.client, until: v.until || undefined, reason: v.reason || undefined }), 'Banned ' + v.client)) refresh(); else return false; }));
    const list = await act(() => api('GET', 'bans')) || [];
    body.append(table('bans', ['Client', 'Until', 'Ban', 'Reason', ''], list.map(b => h('tr', {}, h('td', {}, b.client), h('td', {}, b.until || 'removed by hand'),
      h('td', {}, String(b.level + 1)), h('td', {}, b.reason || ''),
      h('td', {}, button('Lift', async () => { if (await act(() => api('DELETE', 'bans/' + enc(b.client)), 'Lifted')) refresh(); }))))));
  } },

  tls: { title: 'TLS certificates', async render(body) {
    const list = h('ul', { id: 'certificates' });
    const show = (info) => list.replaceChildren(...info.certificates.map(c => h('li', {}, c)));
    body.append(list, button('Reload from the files', async () => {
      const r = await act(() => api('POST', 'tls/reload'), 'Reloaded');
      if (r) show(r);
    }));
    const info = await act(() => api('GET', 'tls'));
    if (info) show(info);
  } },

  pair: { title: 'The pair', async render(body) {
    const c = await act(() => api('GET', 'cluster'));
    if (!c) return;
    const rows = (pairs) => pairs.filter(Boolean).map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v)));
    const ms = (n) => n < 0 ? 'never' : n + ' ms ago';
    body.append(h('div', { class: 'scroll' }, h('table', { id: 'pair-nodes', dataset: { role: c.role, mode: c.mode } }, h('tbody', {}, rows([
      ['This node', c.node + ': ' + c.role + ' at epoch ' + c.epoch],
      c.mode === 'pair' ? ['Peer', c.peer + ': ' + (c.peerRole ? c.peerRole + ' at epoch ' + c.peerEpoch : 'unknown (no slot written)')] : null,
      c.lease ? ['Lease', 'written ' + c.lease.ageMillis + ' ms ago' + (c.lease.direct ? ' (direct I/O)' : ' (buffered I/O)')
        + '; the peer\'s ' + c.lease.peerAgeMillis + ' ms ago' + (c.lease.peerAlive ? '' : ', EXPIRED')] : null,
      c.mode === 'pair' ? ['Virtual IP', c.vip ? c.vip + ', held by ' + c.vipHolder : 'none configured'] : null,
      c.mode === 'pair' ? ['Public network', (c.publicNetwork ? 'reachable' : 'UNREACHABLE') + (c.pingTargets.length ? ' (pinging ' + c.pingTargets.join(', ') + ')' : '')] : null,
      c.probes ? ['Health probes', c.probes.lastRun ? (c.probes.ok ? 'all passed' : 'FAILED ' + c.probes.failuresInARow + ' of ' + c.probes.allowed + ': '
        + c.probes.failures.join('; ')) + ', last round ' + c.probes.lastRun : 'none run (probes run on the active node)'] : null,
      ['Last event', c.lastEvent]])))));
    if (c.mode === 'pair') {
      body.append(h('h3', {}, 'Heartbeat channels'), table('pair-heartbeats', ['Channel', 'Peer', 'State', 'Last beat', 'Received', 'Sent', 'Authenticated'],
        c.heartbeats.map(b => h('tr', { dataset: { channel: b.channel } }, h('td', {}, b.channel), h('td', {}, b.peer), h('td', {}, b.up ? 'up' : 'DOWN'),
          h('td', {}, ms(b.lastHeardMillis) + (b.lastHeard ? ' (' + b.lastHeard + ')' : '')), h('td', {}, String(b.received)), h('td', {}, String(b.sent)),
          h('td', {}, b.authenticated ? 'yes (HMAC)' : 'NO')))));
      body.append(h('div', { class: 'inline' }, button('Switch over…', async () => {
        const to = c.role === 'ACTIVE' ? c.peer : c.node;
        if (!confirm('Switch over: ' + to + ' becomes the active node and serves every client. Open connections to the active node are cut. Go on?')) return;
        notice('Switching over…', 'ok');
        if (await act(() => api('POST', 'cluster/switchover'), r => r.result)) refresh();
      }, { id: 'switchover', class: 'danger' })));
    }
    const history = (id, list) => list.length ? table(id, ['When', 'Node', 'What', 'Epoch', 'How long', 'Why'], list.map(e => h('tr', { dataset: { epoch: e.epoch, kind: e.kind } },
      h('td', {}, e.time), h('td', {}, e.node), h('td', {}, e.kind), h('td', {}, String(e.epoch)), h('td', {}, e.kind === 'takeover' ? e.millis + ' ms' : ''), h('td', {}, e.reason))))
      : h('p', { id: id + '-empty', class: 'muted' }, 'None.');
    body.append(h('h3', {}, 'Failover history (takeovers, kept with the data)'), history('pair-failovers', c.failovers));
    if (c.mode === 'pair') body.append(h('h3', {}, 'This node\'s role changes since it started'), history('pair-events', c.events));
  } },

  admins: { title: 'Administrators', async render(body) {
    const secret = h('div', { id: 'totp-secret' });
    body.append(form('add-admin', [['name', 'Name', { required: true }], ['password', 'Password (10 or more)', { type: 'password', required: true, autocomplete: 'new-password' }],
      ['role', 'global or domain', { required: true }], ['domains', 'Domains (domain administrators, comma-separated)']], 'Add administrator', async v => {
      const r = await act(() => api('POST', 'admins', { name: v.name, password: v.password, role: v.role,
        domains: v.domains ? v.domains.split(',').map(d => d.trim()).filter(Boolean) : undefined }), 'Added ' + v.name);
      if (!r) return false;
      secret.replaceChildren(h('p', {}, 'Give ' + r.admin.name + ' this TOTP secret for their authenticator app (shown once):'),
        h('pre', { id: 'totp-value', dataset: { secret: r.totpSecret } }, r.totpSecret + '\n' + r.totpUri));
      const list = await act(() => api('GET', 'admins')) || [];
      renderList(list);
    }), secret);
    const holder = h('div');
    body.append(holder);
    const renderList = (list) => holder.replaceChildren(table('admins', ['Name', 'Role', 'Domains', 'Enabled', 'Created', ''], list.map(a => h('tr', { dataset: { admin: a.name } },
      h('td', {}, a.name), h('td', {}, a.role), h('td', {}, a.domains.join(', ')), h('td', {}, a.enabled ? 'yes' : 'no'), h('td', {}, a.created),
      h('td', {}, button(a.enabled ? 'Disable' : 'Enable', async () => { if (await act(() => api('PATCH', 'admins/' + enc(a.name), { enabled: !a.enabled }), 'Changed')) refresh(); }),
        button('Remove', async () => { if (confirm('Remove ' + a.name + '?') && await act(() => api('DELETE', 'admins/' + enc(a.name)), 'Removed')) refresh(); }, { class: 'small danger' }))))));
    renderList(await act(() => api('GET', 'admins')) || []);
  } },

  audit: { title: 'Audit log', async render(body, params) {
    const list = await act(() => api('GET', 'audit?limit=500' + (params.get('actor') ? '&actor=' + enc(params.get('actor')) : ''))) || [];
    body.append(table('audit', ['Time', 'Who', 'Via', 'From', 'Action', 'Target', 'Status', 'Outcome'], list.map(e => h('tr', { class: e.status >= 400 ? 'failed' : '' },
      h('td', {}, e.time), h('td', {}, e.actor), h('td', {}, e.via), h('td', {}, e.client), h('td', {}, e.action), h('td', {}, e.target || ''),
      h('td', {}, String(e.status)), h('td', {}, e.outcome)))));
  } },

  traffic: { title: 'Traffic and runtime', render: trafficPage },

  top: { title: 'Top senders and receivers', async render(body, params) {
    // a domain administrator picks one of their domains; a global administrator may look at every domain at once
    const domains = await act(() => api('GET', 'domains')) || [];
    const choices = [...(global() ? [['', 'every domain']] : []), ...domains.map(d => [d.name, d.name])];
    const domain = params.has('domain') ? params.get('domain') : (choices[0] ? choices[0][0] : '');
    const day = params.get('day') || new Date().toISOString().slice(0, 10);
    const go = (d, x) => { location.hash = '#/top?domain=' + enc(d) + '&day=' + enc(x); };
    const select = h('select', { id: 'top-domain', onchange: () => go(select.value, dayInput.value) },
      choices.map(([v, label]) => h('option', { value: v, selected: v === domain }, label)));
    const dayInput = h('input', { type: 'date', id: 'top-day', value: day, onchange: () => go(select.value, dayInput.value) });
    body.append(h('p', { class: 'inline' }, h('label', { class: 'picker' }, 'Domain ', select), h('label', {}, 'Day (UTC) ', dayInput)));
    if (!choices.length) return;
    for (const kind of ['senders', 'receivers']) {
      const q = 'traffic/top?kind=' + kind + '&limit=20&day=' + enc(day) + (domain ? '&domain=' + enc(domain) : '');
      const top = await act(() => api('GET', q));
      if (!top) continue;
      body.append(h('h3', {}, kind === 'senders' ? 'Sent (submission, JMAP, SMS replies)' : 'Received (local delivery)'),
        top.accounts.length ? table('top-' + kind, ['#', 'Account', 'Messages', 'Bytes'], top.accounts.map((a, i) => h('tr', { dataset: { account: a.address, messages: String(a.messages) } },
          h('td', {}, String(i + 1)), h('td', {}, a.address), h('td', {}, String(a.messages)), h('td', {}, bytes(a.bytes)))))
          : h('p', { class: 'muted', id: 'top-' + kind + '-none' }, 'No messages on ' + top.day + '.'));
    }
  } },
};

export { notice };
