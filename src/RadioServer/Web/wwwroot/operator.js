// Operators' dashboard (/operator): the station's health, pushed over the operators' hub (/hubs/operators).
// The page connects with the operator key as the access token and joins (JoinOperators, returns
// OperatorState), then only listens: operatorUpdate once a second, alarm and played as they happen. What the
// players get too (nowPlaying, onAir, streamStatus) comes over a second, ordinary connection to /hubs/radio.
// No polling. Plain ES2020 modules, no dependencies but the SignalR client (/lib/signalr/signalr.min.js).
// Contracts: src/RadioServer/Operations/Contracts.cs, docs/api.md.

import { h, keepForTab, setText } from './dom.js';
import { hostsText, slotTimes, slotTitle, trackTitle } from './format.js';
import { openHub, showConnection } from './hub.js';
import * as liveSources from './operator-live.js';
import * as loudness from './operator-loudness.js';
import { stationClock, stationOffset } from './time.js';

const OPERATORS_HUB_URL = '/hubs/operators';
const RADIO_HUB_URL = '/hubs/radio';
const KEY_STORAGE = 'radioserver.operatorKey';
const HOUR_MS = 60 * 60 * 1000;
const HISTORY_MAX = 20;
const ALARMS_MAX = 50;
const BAD_KEY = 'Operator key missing or not accepted.';

const $ = (id) => document.getElementById(id);
const el = {
  stationName: $('station-name'),
  version: $('server-version'),
  uptime: $('server-uptime'),
  connection: $('connection'),
  form: $('login-form'),
  key: $('operator-key'),
  connect: $('connect'),
  disconnect: $('disconnect'),
  authStatus: $('auth-status'),
  banner: $('alarm-banner'),
  bannerText: $('alarm-banner-text'),
  dashboard: $('dashboard'),
  count: $('listener-count'),
  peak: $('listener-peak'),
  sessions: $('listener-sessions'),
  bytesSent: $('bytes-sent'),
  chart: $('listener-chart'),
  disconnects: $('disconnects'),
  streamState: $('stream-state'),
  lag: $('encoder-lag'),
  underruns: $('encoder-underruns'),
  level: $('encoder-level'),
  bitrate: $('encoder-bitrate'),
  sampleRate: $('encoder-samplerate'),
  frames: $('encoder-frames'),
  currentTitle: $('slot-current-title'),
  currentHosts: $('slot-current-hosts'),
  currentTime: $('slot-current-time'),
  nextTitle: $('slot-next-title'),
  nextHosts: $('slot-next-hosts'),
  nextTime: $('slot-next-time'),
  nowPlaying: $('now-playing'),
  deadAirSummary: $('deadair-summary'),
  alarms: $('alarms'),
  library: $('library'),
  libraryAnalysis: $('library-analysis'),
  scheduleLoaded: $('schedule-loaded'),
  scheduleHash: $('schedule-hash'),
  scheduleReloads: $('schedule-reloads'),
  scheduleError: $('schedule-error'),
  historyHealth: $('history-health'),
  historyRows: $('history-rows'),
  listenersShown: $('listeners-shown'),
  edges: $('edges'),
  edgesSummary: $('edges-summary'),
  edgesList: $('edges-list'),
  redisSummary: $('redis-summary'),
  dropStatus: $('drop-status'),
  listenerRows: $('listener-rows'),
  hostsRefresh: $('hosts-refresh'),
  hostForm: $('host-form'),
  hostName: $('host-name'),
  hostPassword: $('host-password'),
  hostCreate: $('host-create'),
  hostsStatus: $('hosts-status'),
  hostSecret: $('host-secret'),
  hostSecretName: $('host-secret-name'),
  hostSecretValue: $('host-secret-value'),
  hostSecretCopy: $('host-secret-copy'),
  hostSecretDone: $('host-secret-done'),
  hostRows: $('host-rows'),
  hostsWithout: $('hosts-without-account'),
};

// ---------------------------------------------------------------- state

let key = '';              // the key the current connection uses
let joined = false;        // JoinOperators succeeded on the current connection
let status = null;         // StatusReport, the latest
let onAir = null;          // OnAirMessage (from the status, or the listener page's onAir push)
let series = [];           // ListenerPoint[], oldest first, the last hour before the newest point
let history = [];          // HistoryEntry[], newest first
let alarms = new Map();    // key -> AlarmMessage
let deadAir = null;        // { active, message } from the status and alarm pushes

// ---------------------------------------------------------------- helpers

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function setStatus(node, kind, text) {
  node.dataset.kind = kind;
  setText(node, text);
  node.hidden = !text;
}

const nf = new Intl.NumberFormat('en-GB');
const num = (n) => (typeof n === 'number' && isFinite(n) ? nf.format(n) : '–');
const fixed = (n, digits) => (typeof n === 'number' && isFinite(n) ? n.toFixed(digits) : '–');
const pad2 = (n) => String(n).padStart(2, '0');

function bytes(n) {
  if (typeof n !== 'number' || !isFinite(n)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)} ${units[i]}`;
}

/** "3 d 04:05:06", "04:05:06". */
function duration(seconds) {
  if (typeof seconds !== 'number' || !isFinite(seconds) || seconds < 0) return '–';
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const clock = `${pad2(Math.floor((s % 86400) / 3600))}:${pad2(Math.floor((s % 3600) / 60))}:${pad2(s % 60)}`;
  return d > 0 ? `${d} d ${clock}` : clock;
}

/** "5 s", "12 min", "3 h 4 min". */
function ago(ms) {
  if (!isFinite(ms) || ms < 0) return '';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * "14:05:09", with the date when it is not today: an event's time in station time (the browser's when the
 * station's offset is unknown). Zero-padded with seconds, unlike show times: these stand in columns.
 */
function stationTime(iso) {
  const ms = Date.parse(iso);
  if (!isFinite(ms)) return '–';
  const at = stationClock(ms, slotOffset());
  const time = `${pad2(Math.floor(at.min / 60))}:${pad2(at.min % 60)}:${pad2(at.sec)}`;
  const today = stationToday();
  return today && today !== at.date ? `${at.date} ${time}` : time;
}

const slotOffset = () => stationOffset(onAir ? [onAir.current, onAir.next] : []);

/** The station's date now, by the server's clock in the latest status; null before the first. */
function stationToday() {
  const nowMs = status ? Date.parse(status.server.now) : NaN;
  return isFinite(nowMs) ? stationClock(nowMs, slotOffset()).date : null;
}

// ---------------------------------------------------------------- rendering

function renderServer() {
  const s = status.server;
  setText(el.stationName, s.station || 'RadioServer');
  setText(el.version, s.version || '–');
  setText(el.uptime, duration(s.uptimeSeconds));
  document.title = `${s.station || 'RadioServer'} · Operators`;
}

function renderListeners() {
  const l = status.listeners;
  setText(el.count, String(l.current));
  setText(el.peak, num(l.peak));
  setText(el.sessions, num(l.totalSessions));
  setText(el.bytesSent, bytes(l.bytesSent));
  const chips = (l.disconnects || []).map((d) => `${d.reason} ${d.count}`).join('|');
  if (el.disconnects.dataset.chips !== chips) {
    el.disconnects.dataset.chips = chips;
    el.disconnects.replaceChildren(...(l.disconnects || []).map((d) =>
      h('li', { class: d.count > 0 ? 'chip chip-some' : 'chip' }, h('span', { class: 'chip-label', text: reasonText(d.reason) }), ' ', h('strong', { text: num(d.count) }))));
  }
}

// An origin: the station's total and each edge's share; an edge: its link to the origin (an outage is not hidden).
// With Radio:Redis, the hubs' backplane too, on any node.
function renderEdges() {
  const e = status.edges;
  const shown = !!e && (e.role === 'edge' || (e.role === 'origin' && (e.edges.length > 0 || e.pulls > 0)));
  const redisShown = renderRedis();
  el.edges.hidden = !shown && !redisShown;
  el.edgesSummary.hidden = !shown;
  el.edgesList.hidden = !shown;
  if (!shown) return;
  if (e.role === 'edge') {
    const o = e.origin;
    setText(el.edgesSummary, o.connected
      ? `Edge of ${o.origin}: relaying. Station: ${num(e.stationListeners)} listening.`
      : `Edge of ${o.origin}: the origin is away (${fixed(o.outageSeconds, 1)} s; ${o.lastError || 'no audio'}); listeners hear silence.`);
    el.edgesSummary.dataset.bad = o.connected ? 'false' : 'true';
    el.edgesList.replaceChildren();
    return;
  }
  const onEdges = e.edges.reduce((n, x) => n + x.listeners, 0);
  setText(el.edgesSummary, `Station: ${num(e.stationListeners)} listening (here ${num(e.ownListeners)}, on ${e.edges.length} edge${e.edges.length === 1 ? '' : 's'} ${num(onEdges)}).`);
  el.edgesSummary.dataset.bad = 'false';
  el.edgesList.replaceChildren(...e.edges.map((x) =>
    h('li', { class: x.originConnected ? 'chip' : 'chip chip-some', title: x.url || '' },
      h('span', { class: 'chip-label', text: x.originConnected ? x.name : `${x.name} (origin lost)` }), ' ', h('strong', { text: num(x.listeners) }))));
}

// The hubs across nodes (status.redis, BackplaneStatus): connected or not, the channel prefix, what did not get through.
function renderRedis() {
  const r = status.redis;
  const shown = !!r && r.enabled;
  el.redisSummary.hidden = !shown;
  if (!shown) return false;
  const lost = r.publishFailures > 0 ? ` ${num(r.publishFailures)} message${r.publishFailures === 1 ? '' : 's'} did not reach the other nodes.` : '';
  setText(el.redisSummary, r.connected
    ? `Hub across nodes: Redis connected, channel prefix ${r.channelPrefix}; ${r.publishesStation ? 'this node publishes to every node' : 'the origin publishes to this node\'s clients'}.${lost}`
    : `Hub across nodes: Redis disconnected${r.downSince ? ` since ${stationTime(r.downSince)}` : ''} (${r.lastError || 'no answer'}); each node's hubs reach only their own clients.${lost}`);
  el.redisSummary.dataset.bad = r.connected ? 'false' : 'true';
  return true;
}

const REASONS = { clientClosed: 'client closed', tooSlow: 'too slow', error: 'error', kicked: 'dropped', serverStopping: 'server stopping' };
const reasonText = (r) => REASONS[r] || r;

function renderEncoder() {
  const e = status.encoder;
  el.streamState.dataset.on = e.running ? 'true' : 'false';
  setText(el.streamState, e.running ? 'On air' : 'Off air');
  setText(el.lag, `${fixed(e.lagSeconds, 3)} s`);
  el.lag.dataset.bad = e.lagSeconds > 1 ? 'true' : 'false';
  setText(el.underruns, num(e.underruns));
  el.underruns.dataset.bad = e.underruns > 0 ? 'true' : 'false';
  setText(el.level, e.levelDbfs <= -199 ? 'silent' : `${fixed(e.levelDbfs, 1)} dBFS`);
  setText(el.bitrate, `${e.bitrateKbps} kbps ${String(e.codec || '').toUpperCase()}`);
  setText(el.sampleRate, `${num(e.sampleRate)} Hz, ${e.channels === 2 ? 'stereo' : e.channels === 1 ? 'mono' : `${e.channels} ch`}`);
  setText(el.frames, num(e.framesEncoded));
}

function renderOnAir() {
  const cur = onAir && onAir.current;
  setText(el.currentTitle, cur ? slotTitle(cur) : '–');
  setText(el.currentHosts, cur ? hostsText(cur.hosts) : '');
  // As on the hosts' page: a slot on another day than today says which.
  const today = stationToday();
  setText(el.currentTime, cur ? slotTimes(cur, today) : '');
  const next = onAir && onAir.next;
  setText(el.nextTitle, next ? slotTitle(next) : 'Nothing scheduled');
  setText(el.nextHosts, next ? hostsText(next.hosts) : '');
  setText(el.nextTime, next ? slotTimes(next, today) : '');
}

function renderNowPlaying(track) {
  setText(el.nowPlaying, track ? trackTitle(track) : 'Nothing playing');
}

// "analysed 1,234 of 5,000", what is still to do, what failed; off when Radio:Sound:Analysis is false.
function renderAnalysis(a) {
  if (!a) return;
  const parts = [`analysed ${num(a.analysed)} of ${num(a.total)}`];
  if (a.pending) parts.push(a.enabled ? `${num(a.pending)} to do${a.running ? '' : ' (waiting)'}` : `${num(a.pending)} not analysed (analysis off)`);
  if (a.failed) parts.push(`${num(a.failed)} failed`);
  setText(el.libraryAnalysis, parts.join(', '));
  el.libraryAnalysis.dataset.bad = a.failed > 0 ? 'true' : 'false';
}

function renderHealth() {
  const lib = status.library;
  setText(el.library, `${num(lib.tracks)} tracks${lib.skippedFiles ? `, ${num(lib.skippedFiles)} bad files skipped` : ''}`);
  el.library.dataset.bad = lib.tracks === 0 || lib.skippedFiles > 0 ? 'true' : 'false';
  renderAnalysis(lib.analysis);
  const sch = status.schedule;
  setText(el.scheduleLoaded, sch.loadedAt ? stationTime(sch.loadedAt) : 'never');
  setText(el.scheduleHash, sch.hash ? sch.hash.slice(0, 12) : '–');
  el.scheduleHash.title = sch.hash || '';
  setText(el.scheduleReloads, `${num(sch.reloads)} reloads, ${num(sch.errors)} errors`);
  setText(el.scheduleError, sch.lastError || 'none');
  el.scheduleError.dataset.bad = sch.lastError ? 'true' : 'false';
  const hist = status.history;
  const written = `${num(hist.written)} written${hist.pending ? `, ${num(hist.pending)} waiting` : ''}`;
  setText(el.historyHealth, hist.healthy
    ? `healthy (${written})`
    : `failing: ${hist.lastError || 'unknown error'}${hist.lastErrorAt ? ` (since ${stationTime(hist.lastErrorAt)})` : ''}; ${written}`);
  el.historyHealth.dataset.bad = hist.healthy ? 'false' : 'true';
}

// ---------------------------------------------------------------- chart

function addPoints(points) {
  for (const p of points || []) {
    const at = Date.parse(p.at);
    if (!isFinite(at) || typeof p.listeners !== 'number') continue;
    if (series.length && at <= series[series.length - 1].at) continue; // old or repeated
    series.push({ at, listeners: p.listeners });
  }
  if (series.length) {
    const from = series[series.length - 1].at - HOUR_MS;
    let drop = 0;
    while (drop < series.length && series[drop].at < from) drop++;
    if (drop) series = series.slice(drop);
  }
}

function niceMax(max) {
  if (max <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= max) return m * step;
  return 10 * step;
}

function renderChart() {
  const width = Math.max(240, Math.round(el.chart.clientWidth || 600));
  const height = 160;
  const pad = { left: 34, right: 8, top: 8, bottom: 20 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const end = series.length ? series[series.length - 1].at : (status ? Date.parse(status.server.now) : Date.now());
  const start = end - HOUR_MS;
  const max = niceMax(series.reduce((m, p) => Math.max(m, p.listeners), 0));
  const x = (t) => pad.left + ((t - start) / HOUR_MS) * plotW;
  const y = (v) => pad.top + plotH - (v / max) * plotH;

  const now = series.length ? series[series.length - 1].listeners : 0;
  const low = series.reduce((m, p) => Math.min(m, p.listeners), Infinity);
  const high = series.reduce((m, p) => Math.max(m, p.listeners), 0);
  const label = series.length
    ? `Listeners over the last hour: now ${now}, lowest ${low}, highest ${high}.`
    : 'Listeners over the last hour: no data yet.';

  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label });
  root.append(svg('title', {}, label));
  const grid = svg('g', { class: 'grid' });
  for (const v of [0, max / 2, max]) {
    grid.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v) }));
    grid.append(svg('text', { x: pad.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, Number.isInteger(v) ? String(v) : v.toFixed(1)));
  }
  for (const [minutes, anchor] of [[60, 'start'], [45, 'middle'], [30, 'middle'], [15, 'middle'], [0, 'end']]) {
    const t = end - minutes * 60000;
    grid.append(svg('line', { class: 'tick', x1: x(t), x2: x(t), y1: pad.top, y2: pad.top + plotH }));
    grid.append(svg('text', { x: x(t), y: height - 5, 'text-anchor': anchor }, minutes === 0 ? 'now' : `−${minutes} min`));
  }
  root.append(grid);

  if (series.length) {
    // A step line: the count holds until the next sample.
    let d = `M${x(series[0].at).toFixed(1)},${y(series[0].listeners).toFixed(1)}`;
    for (let i = 1; i < series.length; i++) {
      d += `H${x(series[i].at).toFixed(1)}V${y(series[i].listeners).toFixed(1)}`;
    }
    const area = `${d}V${y(0).toFixed(1)}H${x(series[0].at).toFixed(1)}Z`;
    root.append(svg('path', { class: 'area', d: area }));
    root.append(svg('path', { class: 'line', d }));
    const last = series[series.length - 1];
    root.append(svg('circle', { class: 'dot', cx: x(last.at).toFixed(1), cy: y(last.listeners).toFixed(1), r: 3 }));
  }
  el.chart.replaceChildren(root);
}

// ---------------------------------------------------------------- alarms

const alarmKey = (a) => `${a.kind}|${a.active}|${a.at}|${a.message}`;

function addAlarms(list) {
  for (const a of list || []) {
    if (a && !alarms.has(alarmKey(a))) alarms.set(alarmKey(a), a);
  }
  if (alarms.size > ALARMS_MAX) {
    const keep = sortedAlarms().slice(0, ALARMS_MAX);
    alarms = new Map(keep.map((a) => [alarmKey(a), a]));
  }
}

const sortedAlarms = () => [...alarms.values()].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));

const KINDS = { deadAir: 'Dead air', history: 'History database' };

function renderAlarms() {
  const list = sortedAlarms();
  const keys = list.map(alarmKey).join('\n');
  if (el.alarms.dataset.keys !== keys) {
    el.alarms.dataset.keys = keys;
    if (list.length === 0) {
      el.alarms.replaceChildren(h('li', { class: 'empty muted', text: 'No alarms since the server started.' }));
    } else {
      el.alarms.replaceChildren(...list.map((a) => h('li', { class: a.active ? 'alarm alarm-active' : 'alarm alarm-cleared' },
        h('span', { class: 'alarm-head' },
          h('time', { datetime: a.at, text: stationTime(a.at) }), ' ',
          h('span', { class: 'badge', text: `${KINDS[a.kind] || a.kind} ${a.active ? 'raised' : 'cleared'}` })),
        h('span', { class: 'alarm-text', text: a.message }))));
    }
  }
  if (status) {
    const d = status.deadAir;
    setText(el.deadAirSummary, `Dead air: under ${fixed(d.thresholdDbfs, 0)} dBFS for ${fixed(d.limitSeconds, 0)} s raises the alarm. `
      + `${num(d.alarms)} alarms, ${fixed(d.deadAirSeconds, 1)} s of dead air since start${d.emergencyPlaylist ? '; emergency playlist configured' : ''}.`);
  }
  renderBanner();
}

function renderBanner() {
  const show = joined && deadAir && deadAir.active;
  if (show) setText(el.bannerText, deadAir.message);
  el.banner.hidden = !show;
}

/** The dead-air state as the status reports it, with the message of the alarm that raised it. */
function deadAirFromStatus() {
  const d = status.deadAir;
  if (!d.active) return { active: false, message: '' };
  const raised = sortedAlarms().find((a) => a.kind === 'deadAir' && a.active);
  return {
    active: true,
    message: raised ? raised.message : `Dead air: the output has been under ${fixed(d.thresholdDbfs, 0)} dBFS for more than ${fixed(d.limitSeconds, 0)} s.`,
  };
}

// ---------------------------------------------------------------- history

function addHistory(entries) {
  // The item on air comes without an end; once written, 'played' brings it again with its end: same start.
  const byStart = new Map(history.map((e) => [e.startedAt, e]));
  for (const e of entries || []) {
    if (!e) continue;
    const known = byStart.get(e.startedAt);
    if (!known || (!known.endedAt && e.endedAt)) byStart.set(e.startedAt, e);
  }
  history = [...byStart.values()].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt)).slice(0, HISTORY_MAX);
}

/** The item on air, until 'played' brings its row (written when it ends): a row of its own, marked on air. */
function addOnAirItem(track) {
  if (!track || !track.startedAt || history.some((e) => e.startedAt === track.startedAt)) return;
  const count = status ? status.listeners.current : 0;
  const cur = onAir && onAir.current;
  addHistory([{
    startedAt: track.startedAt,
    endedAt: null,
    show: cur ? (cur.title || '') : '',
    artist: track.artist,
    title: track.title || track.displayTitle,
    listenersAtStart: count,
    listenersPeak: count,
  }]);
}

function renderHistory() {
  // A row is live when the history says so; the one on air, not yet written, while live is on air.
  const live = (e, i) => e.live || (!e.endedAt && i === 0 && liveSources.onAir());
  const keys = history.map((e, i) => `${e.startedAt}|${e.endedAt}|${e.listenersPeak}|${live(e, i)}|${e.loudnessLufs}`).join('\n');
  if (el.historyRows.dataset.keys === keys) return;
  el.historyRows.dataset.keys = keys;
  if (history.length === 0) {
    el.historyRows.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'empty muted', text: 'Nothing played yet.' })));
    return;
  }
  // Only the newest can be on air; an older row without an end is one the database has not taken yet.
  el.historyRows.replaceChildren(...history.map((e, i) => h('tr', { class: !e.endedAt && i === 0 ? 'playing' : null },
    h('td', { class: 'nowrap' }, h('time', { datetime: e.startedAt, text: stationTime(e.startedAt) })),
    h('td', { text: e.show || '' }),
    h('td', {}, trackTitle(e, e.file || 'Unknown'), live(e, i) ? h('span', { class: 'badge badge-live-segment', text: 'live' }) : null,
      !e.endedAt && i === 0 ? h('span', { class: 'badge badge-live', text: 'on air' }) : null),
    h('td', { class: 'num', title: `at start ${e.listenersAtStart}, peak ${e.listenersPeak}`, text: e.listenersAtStart === e.listenersPeak ? num(e.listenersPeak) : `${num(e.listenersAtStart)} → ${num(e.listenersPeak)}` }),
    // Measured on air (after the limiter); the item on air: so far.
    h('td', { class: 'num nowrap', title: loudness.lufsText(e.truePeakDbtp, 'dBTP') ? `true peak ${loudness.lufsText(e.truePeakDbtp, 'dBTP')}` : null,
      text: loudness.lufsText(e.loudnessLufs) || '–' }))));
}

// ---------------------------------------------------------------- listeners table

const rows = new Map(); // listener id -> { tr, cells }

function renderTable(table, total) {
  const list = table || [];
  setText(el.listenersShown, `showing ${num(list.length)} of ${num(total)}`);
  const nowMs = Date.parse(status.server.now);
  const seen = new Set();
  let previous = null;
  for (const l of list) {
    seen.add(l.id);
    let row = rows.get(l.id);
    if (!row) row = newRow(l);
    const since = Date.parse(l.connectedSince);
    setText(row.cells.address, l.address);
    setText(row.cells.agent, l.userAgent || '–');
    row.cells.agent.title = l.userAgent || '';
    setText(row.cells.since, `${stationTime(l.connectedSince)} (${ago(nowMs - since)})`);
    setText(row.cells.sent, bytes(l.bytesSent));
    setText(row.cells.lag, `${fixed(l.lagSeconds, 1)} s`);
    row.cells.lag.dataset.bad = l.lagSeconds > 10 ? 'true' : 'false';
    // Keep the order (longest connected first) without moving rows that are in place (focus stays).
    const wanted = previous ? previous.nextSibling : el.listenerRows.firstChild;
    if (wanted !== row.tr) el.listenerRows.insertBefore(row.tr, wanted);
    previous = row.tr;
  }
  for (const [id, row] of rows) {
    if (!seen.has(id)) {
      row.tr.remove();
      rows.delete(id);
    }
  }
  const empty = el.listenerRows.querySelector('tr.empty-row');
  if (list.length === 0 && !empty) {
    el.listenerRows.append(h('tr', { class: 'empty-row' }, h('td', { colspan: 7, class: 'empty muted', text: 'No listeners connected.' })));
  } else if (list.length > 0 && empty) {
    empty.remove();
  }
}

function newRow(l) {
  const cells = {
    id: h('td', { class: 'num', text: String(l.id) }),
    address: h('td', { class: 'nowrap' }),
    agent: h('td', { class: 'agent' }),
    since: h('td', { class: 'nowrap' }),
    sent: h('td', { class: 'num nowrap' }),
    lag: h('td', { class: 'num nowrap' }),
  };
  const drop = h('button', { type: 'button', class: 'secondary small-button', 'aria-label': `Drop listener ${l.id}`, text: 'Drop' });
  drop.addEventListener('click', () => dropListener(l.id, drop));
  const tr = h('tr', { 'data-id': l.id }, cells.id, cells.address, cells.agent, cells.since, cells.sent, cells.lag, h('td', {}, drop));
  const row = { tr, cells };
  rows.set(l.id, row);
  return row;
}

async function dropListener(id, button) {
  if (!window.confirm(`Drop listener ${id}? Their player will be disconnected (it may reconnect).`)) return;
  button.disabled = true;
  setStatus(el.dropStatus, 'busy', `Dropping listener ${id}…`);
  try {
    const res = await fetch(`/api/listeners/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers: { 'X-Api-Key': key, Accept: 'application/json' },
      cache: 'no-store',
    });
    switch (res.status) {
      case 204:
        setStatus(el.dropStatus, 'ok', `Listener ${id} dropped.`);
        break;
      case 404:
        setStatus(el.dropStatus, 'info', `Listener ${id} was no longer connected.`);
        break;
      case 401:
      case 403:
        setStatus(el.dropStatus, 'error', `Not allowed (${res.status}): ${BAD_KEY}`);
        break;
      default:
        setStatus(el.dropStatus, 'error', `Could not drop listener ${id}: HTTP ${res.status}.`);
    }
  } catch (err) {
    setStatus(el.dropStatus, 'error', `Could not drop listener ${id}: ${err && err.message ? err.message : 'network error'}.`);
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- hosts' accounts (/api/hosts)

// The list comes over HTTP (it changes only when an operator changes it): at join, after each change, on Refresh.
// A password the station generates is in one answer only; it is shown until Done (or the next change) and kept
// nowhere else.

let hostsLoad = 0; // the latest load: an older answer arriving late changes nothing

async function hostsApi(method, path, body) {
  const headers = { 'X-Api-Key': key, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  let data = null;
  if (res.status !== 204) {
    try { data = await res.json(); } catch (_) { /* not JSON: the status says enough */ }
  }
  return { status: res.status, ok: res.ok, data };
}

function hostsProblem(res) {
  if (res.status === 401 || res.status === 403) return `Not allowed (${res.status}): ${BAD_KEY}`;
  const p = res.data || {};
  return p.detail || p.title || `HTTP ${res.status}.`;
}

const hostPath = (name) => `/api/hosts/${encodeURIComponent(name)}`;

async function loadHosts(focus) {
  if (!joined) return;
  const mine = ++hostsLoad;
  let res;
  try {
    res = await hostsApi('GET', '/api/hosts');
  } catch (err) {
    if (mine === hostsLoad) setStatus(el.hostsStatus, 'error', `Could not load the hosts: ${errorText(err, 'network error')}.`);
    return;
  }
  if (mine !== hostsLoad || !joined) return;
  if (!res.ok) {
    setStatus(el.hostsStatus, 'error', `Could not load the hosts: ${hostsProblem(res)}`);
    return;
  }
  renderHosts(res.data, focus);
  if (res.data.storeError) setStatus(el.hostsStatus, 'error', `The station's database cannot be written, so changes are refused (the accounts keep working): ${res.data.storeError}`);
}

function hostState(a) {
  if (a.disabled) return 'Disabled';
  if (a.blocked) return `Blocked until ${stationTime(a.blockedUntil)}`;
  return 'Active';
}

function renderHosts(list, focus) {
  const accounts = list.accounts || [];
  if (accounts.length === 0) {
    el.hostRows.replaceChildren(h('tr', {}, h('td', { colspan: 6, class: 'empty muted', text: 'No host accounts yet.' })));
  } else {
    el.hostRows.replaceChildren(...accounts.map((a) => {
      const toggle = hostButton(a.disabled ? 'Enable' : 'Disable', a.disabled ? 'enable' : 'disable', a.name, () => setHostDisabled(a.name, !a.disabled));
      const reset = hostButton('Reset password', 'reset', a.name, () => resetHostPassword(a.name));
      const remove = hostButton('Delete', 'delete', a.name, () => deleteHost(a.name));
      return h('tr', { 'data-name': a.name, 'data-state': a.disabled ? 'disabled' : a.blocked ? 'blocked' : 'active' },
        h('th', { scope: 'row', class: 'host-name', text: a.name }),
        h('td', { class: a.shows.length ? null : 'muted', text: a.shows.length ? a.shows.map((s) => s.title).join(', ') : 'in no show' }),
        h('td', { class: 'host-state' }, h('span', { class: `badge state-${a.disabled ? 'disabled' : a.blocked ? 'blocked' : 'active'}`, text: hostState(a) })),
        h('td', { class: 'nowrap' }, h('time', { datetime: a.created, text: stationTime(a.created) })),
        h('td', { class: 'nowrap' }, a.passwordChanged ? h('time', { datetime: a.passwordChanged, text: stationTime(a.passwordChanged) }) : h('span', { class: 'muted', text: 'never' })),
        h('td', {}, h('div', { class: 'actions' }, toggle, reset, remove)));
    }));
  }
  const without = list.withoutAccount || [];
  if (without.length === 0) {
    el.hostsWithout.replaceChildren(h('li', { class: 'empty muted', text: 'Every host in the schedule has an account.' }));
  } else {
    el.hostsWithout.replaceChildren(...without.map((s) => {
      const create = hostButton('Create account', 'create', s.name, () => createHost(s.name, '', create));
      return h('li', { 'data-name': s.name },
        h('span', { class: 'unassigned-name', text: s.name }), ' ',
        h('span', { class: 'muted small', text: `(${s.shows.map((x) => x.title).join(', ')})` }), ' ',
        create);
    }));
  }
  // A button replaced under the operator's hand: focus goes to the same action of the same host, if it is still there.
  if (focus) {
    const target = [...document.querySelectorAll('#hosts-card button[data-action]')]
      .find((b) => b.dataset.host === focus.name && b.dataset.action === focus.action);
    if (target) target.focus();
  }
}

function hostButton(text, action, name, onClick) {
  // Each begins with the button's visible text (what a speech user says), then says whose.
  const labels = { enable: `Enable ${name}`, disable: `Disable ${name}`, reset: `Reset password of ${name}`, delete: `Delete ${name}`, create: `Create account for ${name}` };
  const button = h('button', { type: 'button', class: action === 'delete' || action === 'reset' ? 'secondary small-button' : 'small-button', 'data-action': action, 'data-host': name, 'aria-label': labels[action], text });
  button.addEventListener('click', () => onClick(button));
  return button;
}

function showSecret(name, password) {
  setText(el.hostSecretName, name);
  el.hostSecretValue.value = password;
  el.hostSecret.hidden = false;
  el.hostSecretCopy.focus();
}

function hideSecret() {
  el.hostSecretValue.value = '';
  setText(el.hostSecretName, '');
  el.hostSecret.hidden = true;
}

async function hostChange(busyText, request, done) {
  hideSecret();
  setStatus(el.hostsStatus, 'busy', busyText);
  let res;
  try {
    res = await request();
  } catch (err) {
    setStatus(el.hostsStatus, 'error', `${busyText.replace(/…$/, '')} failed: ${errorText(err, 'network error')}.`);
    return;
  }
  if (!joined) return;
  if (res.ok) await done(res);
  else setStatus(el.hostsStatus, 'error', hostsProblem(res));
}

async function createHost(name, password, button) {
  if (button) button.disabled = true;
  el.hostCreate.disabled = true;
  try {
    await hostChange(`Creating an account for ${name}…`, () => hostsApi('POST', '/api/hosts', password ? { name, password } : { name }), async (res) => {
      const account = res.data.account;
      el.hostName.value = '';
      el.hostPassword.value = '';
      await loadHosts();
      if (res.data.generatedPassword) {
        setStatus(el.hostsStatus, 'ok', `Account for ${account.name} created. Its password is shown once, below.`);
        showSecret(account.name, res.data.generatedPassword);
      } else {
        setStatus(el.hostsStatus, 'ok', `Account for ${account.name} created with the password given.`);
        el.hostName.focus();
      }
    });
  } finally {
    el.hostCreate.disabled = false;
    if (button) button.disabled = false;
  }
}

async function resetHostPassword(name) {
  if (!window.confirm(`Reset the password of ${name}? The old one stops working at once; a new one is made up and shown once.`)) return;
  await hostChange(`Resetting the password of ${name}…`, () => hostsApi('POST', `${hostPath(name)}/password`), async (res) => {
    await loadHosts();
    setStatus(el.hostsStatus, 'ok', `New password for ${res.data.account.name}, shown once, below.`);
    showSecret(res.data.account.name, res.data.generatedPassword);
  });
}

async function setHostDisabled(name, disabled) {
  await hostChange(`${disabled ? 'Disabling' : 'Enabling'} ${name}…`, () => hostsApi('POST', `${hostPath(name)}/${disabled ? 'disable' : 'enable'}`), async (res) => {
    setStatus(el.hostsStatus, 'ok', `${res.data.name} ${disabled ? 'disabled: they cannot go live' : 'enabled: they can go live in their shows'}.`);
    await loadHosts({ name: res.data.name, action: disabled ? 'enable' : 'disable' });
  });
}

async function deleteHost(name) {
  if (!window.confirm(`Delete the account of ${name}? They can no longer go live; their password is gone for good.`)) return;
  await hostChange(`Deleting ${name}…`, () => hostsApi('DELETE', hostPath(name)), async () => {
    setStatus(el.hostsStatus, 'ok', `Account of ${name} deleted.`);
    await loadHosts();
    el.hostName.focus();
  });
}

async function copySecret() {
  const value = el.hostSecretValue.value;
  if (!value) return;
  try {
    await navigator.clipboard.writeText(value);
    setStatus(el.hostsStatus, 'ok', 'Password copied.');
  } catch (_) {
    // No clipboard (an insecure origin, or permission refused): select it for Ctrl+C.
    el.hostSecretValue.focus();
    el.hostSecretValue.select();
    setStatus(el.hostsStatus, 'info', 'The browser did not allow copying: the password is selected, press Ctrl+C.');
  }
}

function clearHosts() {
  hostsLoad++;
  hideSecret();
  el.hostRows.replaceChildren();
  el.hostsWithout.replaceChildren();
  setStatus(el.hostsStatus, 'info', '');
}

el.hostForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const name = el.hostName.value.trim();
  const password = el.hostPassword.value;
  // The server checks again and says why; these are only its rules, said before the round trip.
  if (!name) {
    setStatus(el.hostsStatus, 'error', 'Enter the host\'s name, as the schedule lists it.');
    el.hostName.focus();
    return;
  }
  if (password && (password.length < 8 || password.length > 256)) {
    setStatus(el.hostsStatus, 'error', `A password must be 8 to 256 characters long, not ${password.length}; leave it empty to have one made up.`);
    el.hostPassword.focus();
    return;
  }
  createHost(name, password);
});
el.hostsRefresh.addEventListener('click', () => loadHosts());
el.hostSecretCopy.addEventListener('click', copySecret);
el.hostSecretDone.addEventListener('click', () => {
  hideSecret();
  setStatus(el.hostsStatus, 'info', '');
  el.hostName.focus();
});

// ---------------------------------------------------------------- applying what the server sends

function applyStatus(report) {
  if (!report) return;
  status = report;
  onAir = report.onAir || onAir;
  addAlarms(report.alarms);
  deadAir = deadAirFromStatus();
  renderServer();
  renderListeners();
  renderEdges();
  renderEncoder();
  renderOnAir();
  renderNowPlaying(report.nowPlaying);
  liveSources.show(report.live);
  loudness.show(report.loudness);
  addOnAirItem(report.nowPlaying);
  renderHistory();
  renderHealth();
  renderAlarms();
}

/** OperatorState, from JoinOperators: replaces everything. */
function applyState(state) {
  series = [];
  history = [];
  alarms = new Map();
  for (const row of rows.values()) row.tr.remove();
  rows.clear();
  addPoints(state.listenerSeries);
  addHistory(state.history);
  applyStatus(state.status);
  renderTable(state.listenerTable, state.listenerTableTotal);
  renderChart();
}

/** OperatorUpdate, once a second. */
function onOperatorUpdate(update) {
  if (!joined || !update) return;
  addPoints([update.point]);
  applyStatus(update.status);
  renderTable(update.listenerTable, update.listenerTableTotal);
  renderChart();
}

function onAlarm(alarm) {
  if (!joined || !alarm) return;
  addAlarms([alarm]);
  if (alarm.kind === 'deadAir') deadAir = { active: !!alarm.active, message: alarm.message };
  renderAlarms();
}

function onPlayed(entry) {
  if (!joined || !entry) return;
  addHistory([entry]);
  renderHistory();
}

// The players' messages, from /hubs/radio: what they carry is shown at once; the rest waits for the next
// operatorUpdate (the count there goes with the peak and the table).
function onNowPlaying(track) {
  if (!joined || !track) return;
  renderNowPlaying(track);
  addOnAirItem(track);
  renderHistory();
}

function onOnAirMessage(message) {
  if (!joined || !message) return;
  onAir = message;
  renderOnAir();
}

function onStreamStatus(s) {
  if (!joined || !s) return;
  const on = s.status !== 'off-air';
  el.streamState.dataset.on = on ? 'true' : 'false';
  setText(el.streamState, on ? 'On air' : 'Off air');
}

// ---------------------------------------------------------------- connection

/** The indicator; every state but 'connected' hides nothing, so 'disconnected' here means retrying. */
function setConnection(state, text) {
  showConnection(el.connection, state, {
    text: text || (state === 'disconnected' ? 'Disconnected, retrying…' : undefined),
    title: state === 'disconnected' ? 'Disconnected' : undefined,
  });
}

function showDashboard(show) {
  el.dashboard.hidden = !show;
  el.disconnect.hidden = !show && !hubs;
  if (!show) {
    setText(el.count, '');
    renderBanner();
  }
}

// The two connections (openHub) while connected or trying to be, null after Disconnect; radio opens once
// the key is accepted. The indicator shows the worse of their states.
let hubs = null;
let hubStates = {};
const BADNESS = { connected: 0, connecting: 1, reconnecting: 2, disconnected: 3 };

function onHubState(name, state, error) {
  hubStates[name] = state;
  const shown = Object.values(hubStates).reduce((worst, s) => (BADNESS[s] > BADNESS[worst] ? s : worst));
  setConnection(shown);
  if (error) setStatus(el.authStatus, 'error', `Cannot reach the station: ${errorText(error, 'network error')}. Retrying…`);
  else if (shown === 'connected' && joined) setStatus(el.authStatus, 'ok', 'Connected: live updates every second.');
}

const isAuthError = (err) => /unauthori[sz]ed|forbidden|Failed to invoke/i.test(String(err && err.message ? err.message : err));
const errorText = (err, otherwise) => (err && err.message ? err.message : String(err || otherwise));

async function connect() {
  const entered = el.key.value.trim();
  await disconnect(false);
  if (!entered) {
    setStatus(el.authStatus, 'error', BAD_KEY);
    el.key.focus();
    return;
  }
  key = entered;
  keptKey.save();
  setStatus(el.authStatus, 'busy', 'Connecting…');
  try {
    hubs = { radio: null };
    hubs.operators = openHub(OPERATORS_HUB_URL, {
      accessToken: () => key,
      handlers: { operatorUpdate: onOperatorUpdate, alarm: onAlarm, played: onPlayed, live: (s) => joined && liveSources.show(s), loudness: (l) => joined && loudness.show(l) },
      onState: (state, error) => onHubState('operators', state, error),
      // Every new connection id has lost the group membership: join (again).
      onConnected: join,
    });
  } catch (err) {
    hubs = null;
    setStatus(el.authStatus, 'error', err.message);
    return;
  }
  el.disconnect.hidden = false;
}

function openRadioHub() {
  return openHub(RADIO_HUB_URL, {
    handlers: {
      nowPlaying: onNowPlaying,
      onAir: onOnAirMessage,
      streamStatus: onStreamStatus,
      state: () => { /* the players' state: the operators' state comes from JoinOperators */ },
      listeners: () => { /* the count comes with each operatorUpdate */ },
    },
    onState: (state, error) => onHubState('radio', state, error),
  });
}

async function join(connection) {
  // An answer for a connection the page has dropped meanwhile (Disconnect, or Connect again) changes nothing.
  const current = () => hubs !== null && hubs.operators.connection === connection;
  let state;
  try {
    state = await connection.invoke('JoinOperators');
  } catch (err) {
    if (!current()) return;
    // Wrong or missing key: nothing is shown, and no connection kept. Another failure: the same, said.
    await disconnect(false);
    if (isAuthError(err)) {
      setStatus(el.authStatus, 'error', BAD_KEY);
      el.key.focus();
      el.key.select();
    } else {
      setStatus(el.authStatus, 'error', `Could not join the operators: ${errorText(err)}.`);
    }
    return;
  }
  if (!current()) return;
  joined = true;
  applyState(state);
  showDashboard(true);
  loadHosts();
  hubs.radio = hubs.radio || openRadioHub();
}

/** Stops both connections and hides every number. */
async function disconnect(clearStatus) {
  joined = false;
  const old = hubs;
  hubs = null;
  hubStates = {};
  status = null;
  deadAir = null;
  clearHosts();
  showDashboard(false);
  liveSources.clear();
  loudness.clear();
  setConnection('disconnected', 'Not connected');
  if (clearStatus) setStatus(el.authStatus, 'info', 'Disconnected.');
  if (old) await Promise.all([old.operators, old.radio].filter(Boolean).map((hub) => hub.stop()));
}

// ---------------------------------------------------------------- start

el.form.addEventListener('submit', (e) => {
  e.preventDefault();
  connect();
});
el.disconnect.addEventListener('click', () => disconnect(true));
if (typeof ResizeObserver === 'function') {
  let lastWidth = 0;
  new ResizeObserver(() => {
    const w = el.chart.clientWidth;
    if (joined && w && w !== lastWidth) {
      lastWidth = w;
      renderChart();
    }
  }).observe(el.chart);
}

// For tests and the curious: what the page believes.
window.radioOperator = Object.freeze({
  get joined() { return joined; },
  get connection() { return el.connection.dataset.state; },
  get series() { return series.map((p) => ({ at: new Date(p.at).toISOString(), listeners: p.listeners })); },
});

liveSources.init({ key: () => key });
const keptKey = keepForTab(el.key, KEY_STORAGE);
if (keptKey.restored) connect();
