// The traffic page: charts of the history the server keeps (GET /api/admin/traffic), drawn with uPlot.
import uPlot from '/console/vendor/uPlot.esm.js';
import { h, api, act, bytes } from './ui.js';

const RANGES = { hour: ['minute', 3600], day: ['minute', 86400], '48h': ['minute', 172800], week: ['hour', 7 * 86400], '90d': ['hour', 90 * 86400] };

/** The charts: [title, id, [[label, (point) => value], ...], unit formatter]. */
const CHARTS = [
  ['Messages', 'messages', [['received', p => c(p, 'received')], ['delivered locally', p => c(p, 'delivered')], ['relayed', p => c(p, 'relay.delivered')],
    ['bounced', p => c(p, 'relay.bounced')], ['rejected', p => sum(p.counters, 'rejected.')]], v => v],
  ['Connections and logins', 'connections', [['connections', p => sum(p.counters, 'conn.')], ['logins ok', p => ok(p, true)],
    ['logins failed', p => ok(p, false)]], v => v],
  ['Bytes', 'bytes', [['in', p => c(p, 'bytes.in')], ['out', p => c(p, 'bytes.out')]], bytes],
  ['Outbound queue', 'queue', [['messages', p => g(p, 'queue.messages')], ['oldest (s)', p => g(p, 'queue.oldest')]], v => v],
  ['Store commit latency (ms)', 'commit', [['mean', p => { const n = c(p, 'store.commit.count'); return n ? c(p, 'store.commit.ms') / n : null; }]], v => v],
  ['JVM', 'jvm', [['heap MiB', p => g(p, 'jvm.heap') / 1048576], ['threads', p => g(p, 'jvm.threads')], ['GC ms', p => c(p, 'jvm.gc.ms')],
    ['CPU %', p => g(p, 'cpu.process')], ['open files', p => g(p, 'fds')]], v => v],
  ['Data volume', 'disk', [['used GiB', p => g(p, 'disk.used') / 1073741824], ['size GiB', p => g(p, 'disk.total') / 1073741824]], v => v],
];

const c = (p, k) => p.counters[k] || 0;
const g = (p, k) => (k in p.gauges ? p.gauges[k] : null);
const sum = (m, prefix) => Object.entries(m).filter(([k]) => k.startsWith(prefix)).reduce((a, [, v]) => a + v, 0);
const ok = (p, good) => Object.entries(p.counters).filter(([k]) => k.startsWith('login.') && (k.endsWith('.ok') === good)).reduce((a, [, v]) => a + v, 0);

export async function trafficPage(body, params) {
  const range = RANGES[params.get('range')] ? params.get('range') : 'hour';
  body.append(h('p', { class: 'inline', id: 'ranges' }, Object.keys(RANGES).map(r => h('a', { href: '#/traffic?range=' + r, class: r === range ? 'current' : '' }, r))));
  const [step, seconds] = RANGES[range];
  const since = new Date(Date.now() - seconds * 1000).toISOString();
  const points = await act(() => api('GET', 'traffic?step=' + step + '&since=' + encodeURIComponent(since))) || [];
  const totals = h('p', { id: 'traffic-totals' }, 'Messages received in this range: ',
    h('strong', { id: 'received-total' }, String(points.reduce((a, p) => a + c(p, 'received'), 0))),
    ', rejected: ', h('strong', { id: 'rejected-total' }, String(points.reduce((a, p) => a + sum(p.counters, 'rejected.'), 0))));
  body.append(totals, forecast(points));
  const top = rejections(points);
  if (top) body.append(top);
  const width = Math.max(280, Math.min(900, body.clientWidth || 900));
  const xs = points.map(p => Date.parse(p.time) / 1000);
  for (const [title, id, series, fmt] of CHARTS) {
    const box = h('div', { class: 'chart', id: 'chart-' + id, dataset: { points: String(points.length) } }, h('h3', {}, title));
    body.append(box);
    const data = [xs, ...series.map(([, f]) => points.map(f))];
    new uPlot({ width, height: 180, series: [{}, ...series.map(([label], i) => ({ label, stroke: COLOURS[i % COLOURS.length], value: (u, v) => v == null ? '-' : fmt(round(v)) }))],
      axes: [{}, { values: (u, vals) => vals.map(v => fmt(round(v))) }], scales: { x: { time: true } } }, data, box);
  }
}

const COLOURS = ['#1f77b4', '#2ca02c', '#ff7f0e', '#d62728', '#9467bd', '#8c564b'];
const round = v => Math.round(v * 100) / 100;

/** When the data volume fills at the rate of this range (a straight line through its first and last point). */
function forecast(points) {
  const disk = points.filter(p => 'disk.used' in p.gauges);
  const a = disk[0], b = disk[disk.length - 1];
  // a forecast from less than an hour says more about the last few writes than about the volume
  if (disk.length < 2 || Date.parse(b.time) - Date.parse(a.time) < 3600e3) return h('p', { id: 'disk-forecast' }, 'Not enough history for a disk forecast yet (an hour at least).');
  const rate = (b.gauges['disk.used'] - a.gauges['disk.used']) / ((Date.parse(b.time) - Date.parse(a.time)) / 1000);
  const free = b.gauges['disk.total'] - b.gauges['disk.used'];
  const text = rate <= 0 ? 'The data volume is not filling (' + bytes(free) + ' free).'
    : 'At this range\'s rate (' + bytes(rate * 86400) + ' a day) the data volume fills in ' + Math.round(free / rate / 86400) + ' days (' + bytes(free) + ' free).';
  return h('p', { id: 'disk-forecast' }, text);
}

/** The rejection reasons of the range, most frequent first. */
function rejections(points) {
  const by = {};
  for (const p of points) for (const [k, v] of Object.entries(p.counters)) if (k.startsWith('rejected.')) by[k.slice(9)] = (by[k.slice(9)] || 0) + v;
  const rows = Object.entries(by).sort((x, y) => y[1] - x[1]);
  if (!rows.length) return null;
  return h('p', { id: 'rejection-reasons' }, 'Rejected by reason: ' + rows.map(([k, v]) => k + ' ' + v).join(', '));
}
