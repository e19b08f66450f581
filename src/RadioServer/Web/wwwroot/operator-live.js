// The operators' dashboard's "Live sources" (operator.html #live-sources-card): every connected source with its
// account, client, address, format, bitrate, since, whether it is heard (or in standby, or playing out) and its
// level, and "End" / "End and block for N minutes" (POST /api/live/sources/{id}/end). operator.js hands it the
// live status: from JoinOperators and each operatorUpdate (status.live) and the hub's `live` push (up to four a
// second while a source is connected). Rows are kept and updated in place, so focus and a typed number stay.
// Contracts: src/RadioServer/Live/Contracts.cs, docs/api.md.

import { h, setText } from './dom.js';
import { stationClock, offsetOf } from './time.js';

const LEVEL_FLOOR = -60;
const DEFAULT_BLOCK_MINUTES = 30;

const $ = (id) => document.getElementById(id);
const card = $('live-sources-card');
const el = {};
let keyOf = () => '';
let latest = null; // the LiveStatus shown
const rows = new Map(); // source id -> { tr, cells, meter }

const pad2 = (n) => String(n).padStart(2, '0');
const channelsText = (n) => (n === 1 ? 'mono' : n === 2 ? 'stereo' : `${n} ch`);

/** "12:00:01" on the station's clock (the offset from the status's own `now`). */
function timeOf(iso, now) {
  const ms = Date.parse(iso);
  if (!isFinite(ms)) return '–';
  const at = stationClock(ms, offsetOf(now));
  return `${pad2(Math.floor(at.min / 60))}:${pad2(at.min % 60)}:${pad2(at.sec)}`;
}

function build() {
  el.summary = h('p', { class: 'muted small', id: 'live-summary' });
  el.action = h('p', { class: 'status', id: 'live-action', role: 'status', 'aria-live': 'polite', 'data-kind': 'info', hidden: true });
  el.rows = h('tbody', { id: 'live-rows' });
  const th = (text, cls) => h('th', { scope: 'col', class: cls, text });
  card.replaceChildren(
    h('div', { class: 'section-head' }, h('h2', { id: 'live-sources-heading', text: 'Live sources' }), el.summary),
    el.action,
    h('div', { class: 'table-scroll', role: 'region', 'aria-label': 'Live sources table', tabindex: '0' },
      h('table', { class: 'data live-sources', id: 'live-table' },
        h('thead', {}, h('tr', {}, th('Account'), th('Client'), th('Address'), th('Format'), th('Bitrate', 'num'), th('Since'), th('State'), th('Level'),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden', text: 'Actions' })))),
        el.rows)));
  empty();
}

function empty() {
  if (rows.size === 0 && !el.rows.querySelector('tr.empty-row')) {
    el.rows.append(h('tr', { class: 'empty-row' }, h('td', { colspan: 9, class: 'empty muted', text: 'No live source connected.' })));
  } else if (rows.size > 0) {
    const row = el.rows.querySelector('tr.empty-row');
    if (row) row.remove();
  }
}

function say(kind, text) {
  el.action.dataset.kind = kind;
  setText(el.action, text);
  el.action.hidden = !text;
}

function newRow(s) {
  const who = s.master ? 'the master source' : s.account;
  const cells = {
    account: h('td', {}),
    client: h('td', { class: 'agent' }),
    address: h('td', { class: 'nowrap' }),
    format: h('td', { class: 'nowrap' }),
    bitrate: h('td', { class: 'num nowrap' }),
    since: h('td', { class: 'nowrap' }),
    state: h('td', {}),
    level: h('span', { class: 'live-level-text' }),
  };
  const meter = h('meter', { min: LEVEL_FLOOR, max: 0, low: -20, high: -3, optimum: -12, value: LEVEL_FLOOR, 'aria-label': `Level of ${who}` });
  const endButton = h('button', { type: 'button', class: 'small-button danger', text: 'End', 'aria-label': `End: ${who}` });
  const minutes = h('input', { type: 'number', min: 1, max: 10080, step: 1, value: DEFAULT_BLOCK_MINUTES, inputmode: 'numeric', 'aria-label': `Minutes to block ${who}` });
  const blockButton = h('button', { type: 'button', class: 'small-button secondary' },
    'End and block for ', h('span', { class: 'block-minutes', text: String(DEFAULT_BLOCK_MINUTES) }), ' min');
  const labelBlock = () => blockButton.setAttribute('aria-label', `End and block for ${minutes.value || '?'} min: ${who}`);
  labelBlock();
  minutes.addEventListener('input', () => {
    setText(blockButton.querySelector('.block-minutes'), minutes.value || '?');
    labelBlock();
  });
  endButton.addEventListener('click', () => endSource(s.id, who, null, [endButton, blockButton]));
  blockButton.addEventListener('click', () => endSource(s.id, who, minutes, [endButton, blockButton]));
  const actions = h('td', { class: 'actions' }, endButton,
    s.master ? null : h('span', { class: 'block-field' }, minutes, blockButton));
  const tr = h('tr', { 'data-id': s.id }, cells.account, cells.client, cells.address, cells.format, cells.bitrate, cells.since, cells.state,
    h('td', { class: 'nowrap' }, meter, ' ', cells.level), actions);
  const row = { tr, cells, meter };
  rows.set(s.id, row);
  el.rows.append(tr);
  return row;
}

function stateText(s, status) {
  if (s.heard) return 'heard';
  if (!s.master && status.state === 'standby') return 'standby';
  if (!s.master && status.state === 'dropped') return 'playing out';
  return s.master ? 'connected, not heard' : 'standby';
}

/** Shows a LiveStatus (with the sources and their addresses). */
export function show(status) {
  if (!card || !status) return;
  latest = status;
  const list = status.sources || [];
  const seen = new Set();
  for (const s of list) {
    seen.add(s.id);
    const row = rows.get(s.id) || newRow(s);
    const c = row.cells;
    setText(c.account, s.master ? 'source (master)' : s.account);
    setText(c.client, s.client || '–');
    c.client.title = s.client || '';
    setText(c.address, s.address || '–');
    setText(c.format, `${s.codec} ${(s.sampleRate / 1000).toLocaleString('en-GB', { maximumFractionDigits: 1 })} kHz ${channelsText(s.channels)}`);
    setText(c.bitrate, s.bitrateKbps ? `${s.bitrateKbps} kbps` : '–');
    setText(c.since, timeOf(s.since, status.now));
    const state = stateText(s, status);
    setText(c.state, state);
    c.state.className = s.heard ? 'live-heard' : '';
    const level = typeof s.levelDb === 'number' ? s.levelDb : null;
    row.meter.value = level === null ? LEVEL_FLOOR : Math.max(LEVEL_FLOOR, Math.min(0, level));
    setText(c.level, level === null ? 'silent' : `${level.toFixed(1)} dBFS`);
  }
  for (const [id, row] of rows) {
    if (!seen.has(id)) {
      row.tr.remove();
      rows.delete(id);
    }
  }
  empty();
  const onAir = status.onAir ? (status.master ? 'the master source is on air' : `${status.host || 'a host'} is on air`) : 'automation is on air';
  setText(el.summary, `${list.length === 1 ? '1 source' : `${list.length} sources`}; ${onAir}${status.state === 'standby' && status.host ? `; ${status.host} in standby` : ''}`);
}

/** Whether live is on air, by the latest status shown. */
export const onAir = () => !!(latest && latest.onAir);

/** Forgets everything shown (disconnected). */
export function clear() {
  if (!card) return;
  latest = null;
  for (const row of rows.values()) row.tr.remove();
  rows.clear();
  empty();
  say('info', '');
  setText(el.summary, '');
}

/** `key()`: the operator key the dashboard connected with. */
export function init({ key }) {
  keyOf = key;
}

async function endSource(id, who, minutesInput, buttons) {
  let minutes = null;
  if (minutesInput) {
    minutes = Number(minutesInput.value);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 10080) {
      say('error', 'Block for a whole number of minutes between 1 and 10080 (a week).');
      minutesInput.focus();
      return;
    }
  }
  const question = minutes
    ? `End ${who} and keep the account from connecting for ${minutes} minutes?`
    : `End ${who}? Automation takes over (the host may connect again).`;
  if (!window.confirm(question)) return;
  for (const b of buttons) b.disabled = true;
  say('busy', `Ending ${who}…`);
  try {
    const query = minutes ? `?blockMinutes=${minutes}` : '';
    const res = await fetch(`/api/live/sources/${encodeURIComponent(id)}/end${query}`, {
      method: 'POST',
      headers: { 'X-Api-Key': keyOf(), Accept: 'application/json' },
      cache: 'no-store',
    });
    const body = await res.json().catch(() => null);
    if (res.ok) {
      say('ok', minutes ? `Ended ${who}; blocked for ${minutes} minutes.` : `Ended ${who}.`);
      if (body) show(body);
    } else if (res.status === 404) {
      say('info', `${who} was no longer connected.`);
    } else if (res.status === 401 || res.status === 403) {
      say('error', `Not allowed (${res.status}): operator key missing or not accepted.`);
    } else {
      say('error', `Could not end ${who}: ${(body && (body.detail || body.title)) || `HTTP ${res.status}`}`);
    }
  } catch (err) {
    say('error', `Could not end ${who}: ${err && err.message ? err.message : 'network error'}.`);
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

if (card) build();
