// The hosts' page's Live panel (host.html #live-section): the host's source as the server sees it — not connected,
// standby (with the countdown to the takeover), on air, dropped — its format and level, "Go on air now" and "End",
// and how to connect. It polls GET /api/live: every 250 ms while a source is connected (the level meter), every 2 s
// otherwise or while the tab is hidden; with the host key typed in the page's one host key field (under "Edit the schedule") it gets the
// sources and may act, without it only the state. The countdown runs on the server's clock (the status's `now`),
// not the browser's. Contracts: src/RadioServer/Live/Contracts.cs, docs/api.md.

import { h, setText } from './dom.js';
import { clock, wallClock } from './time.js';

const API = { live: '/api/live', goNow: '/api/live/go-now', end: '/api/live/end' };
const FAST_MS = 250;
const SLOW_MS = 2000;
const TICK_MS = 1000;
const LEVEL_FLOOR = -60;

const section = document.getElementById('live-section');
const keyField = document.getElementById('host-key');

const STATES = {
  off: 'Not connected',
  standby: 'Standby: connected, not on air yet',
  onAir: 'On air',
  dropped: 'Dropped: automation fills in until you reconnect',
  master: 'The station\'s master source is on air',
};

// ---------------------------------------------------------------- the panel's markup

const el = {};
function build() {
  const port = location.port || (location.protocol === 'https:' ? '443' : '80');
  el.state = h('p', { class: 'live-state', id: 'live-state', role: 'status', 'data-state': 'off', text: STATES.off });
  el.countdown = h('p', { class: 'live-countdown', id: 'live-countdown' });
  el.keyNote = h('p', { class: 'muted small', id: 'live-key-note' });
  el.format = h('dd', { id: 'live-format', text: '–' });
  el.since = h('dd', { id: 'live-since', text: '–' });
  el.meter = h('meter', { id: 'live-level', min: LEVEL_FLOOR, max: 0, low: -20, high: -3, optimum: -12, value: LEVEL_FLOOR });
  el.levelText = h('span', { class: 'live-level-text', id: 'live-level-text', text: '–' });
  el.goNow = h('button', { type: 'button', id: 'live-go-now', text: 'Go on air now', disabled: true });
  el.end = h('button', { type: 'button', id: 'live-end', class: 'danger', text: 'End', disabled: true });
  el.action = h('p', { class: 'status', id: 'live-action', role: 'status', 'data-kind': 'info', hidden: true });
  el.mount = h('code', { id: 'live-mount', text: '/live' });
  el.example = h('code', {});
  section.replaceChildren(
    h('div', { class: 'live-head' }, h('h2', { id: 'live-heading', text: 'Live' }), el.keyNote),
    el.state,
    el.countdown,
    h('div', { class: 'live-grid' },
      h('div', {},
        h('dl', { class: 'live-facts' },
          h('dt', { text: 'Format' }), el.format,
          h('dt', { text: 'Connected since' }), el.since),
        h('div', { class: 'live-level' }, h('label', { for: 'live-level', text: 'Level' }), el.meter, el.levelText),
        h('div', { class: 'live-actions' }, el.goNow, el.end),
        el.action),
      h('div', { class: 'live-connect' },
        h('h3', { text: 'How to connect' }),
        h('dl', { class: 'live-facts' },
          h('dt', { text: 'Server' }), h('dd', {}, h('code', { id: 'live-server', text: location.hostname })),
          h('dt', { text: 'Port' }), h('dd', {}, h('code', { id: 'live-port', text: port })),
          h('dt', { text: 'Mount' }), h('dd', {}, el.mount),
          h('dt', { text: 'User' }), h('dd', { text: 'your account name, as the schedule lists you' }),
          h('dt', { text: 'Password' }), h('dd', { text: 'your source password' })),
        h('p', { class: 'muted small', text: 'Any Icecast source client (butt, Mixxx, ffmpeg, Liquidsoap), MP3. From your show\'s early window you wait in standby; you go on air at the takeover.' }),
        h('pre', {}, el.example))));
  renderExample('/live');
  el.goNow.addEventListener('click', goNow);
  el.end.addEventListener('click', end);
}

function renderExample(mount) {
  const port = location.port || (location.protocol === 'https:' ? '443' : '80');
  setText(el.example, `ffmpeg -re -i show.mp3 -c:a libmp3lame -b:a 128k -content_type audio/mpeg -f mp3 "icecast://ACCOUNT:PASSWORD@${location.hostname}:${port}${mount}"`);
}

// ---------------------------------------------------------------- state

let status = null;       // LiveStatus, the latest
let receivedAt = 0;      // performance.now() when it came
let keyRefused = null;   // the key the server refused (401/403): polled without it until the field changes
let timer = null;
let busy = false;

const key = () => (keyField ? keyField.value.trim() : '');
const usableKey = () => (key() && key() !== keyRefused ? key() : '');
const hostSource = () => (status && status.sources ? status.sources.find((s) => !s.master) : null) || null;

/** The server's clock now, from the last status: its `now` plus the time since it came. */
function serverNow() {
  const at = status ? Date.parse(status.now) : NaN;
  return isFinite(at) ? at + (performance.now() - receivedAt) : NaN;
}

function stateOf(s) {
  if (!s) return 'off';
  if (s.state === 'standby') return 'standby';
  if (s.state === 'dropped') return 'dropped';
  if (s.state === 'onAir') return s.master ? 'master' : 'onAir';
  return s.onAir && s.master ? 'master' : 'off';
}

// ---------------------------------------------------------------- rendering

const channelsText = (n) => (n === 1 ? 'mono' : n === 2 ? 'stereo' : `${n} channels`);
const rateText = (hz) => `${(hz / 1000).toLocaleString('en-GB', { maximumFractionDigits: 1 })} kHz`;

function timeOf(iso) {
  const wall = wallClock(iso);
  if (!wall) return '';
  const seconds = /T\d{2}:\d{2}:(\d{2})/.exec(iso);
  return `${clock(wall.min)}${seconds ? `:${seconds[1]}` : ''}`;
}

function render() {
  const state = stateOf(status);
  el.state.dataset.state = state === 'master' ? 'onAir' : state;
  const who = status && status.host && state !== 'off' && state !== 'master' ? ` · ${status.host}` : '';
  setText(el.state, `${STATES[state]}${who}`);
  const source = hostSource();
  setText(el.format, source
    ? `${source.codec} · ${rateText(source.sampleRate)} · ${channelsText(source.channels)}${source.bitrateKbps ? ` · ${source.bitrateKbps} kbps` : ''}`
    : '–');
  setText(el.since, source ? timeOf(source.since) : '–');
  const level = source && typeof source.levelDb === 'number' ? source.levelDb : null;
  el.meter.value = level === null ? LEVEL_FLOOR : Math.max(LEVEL_FLOOR, Math.min(0, level));
  setText(el.levelText, source ? (level === null ? 'silent' : `${level.toFixed(1)} dBFS`) : '–');
  el.goNow.disabled = busy || !usableKey() || state !== 'standby';
  el.end.disabled = busy || !usableKey() || !source;
  if (status && status.mount && el.mount.textContent !== status.mount) {
    setText(el.mount, status.mount);
    renderExample(status.mount);
  }
  setText(el.keyNote, !key()
    ? 'Enter the host key (under "Edit the schedule") to see your source and act on it.'
    : key() === keyRefused ? 'The host key was not accepted: check it.' : '');
  renderCountdown();
}

/** "On air in 0:42 (at 12:00)" while in standby; nothing otherwise. */
function renderCountdown() {
  if (stateOf(status) !== 'standby') {
    setText(el.countdown, '');
    return;
  }
  if (!status.onAirAt) {
    setText(el.countdown, status.takeover === 'trackEnd' ? 'On air when the running track ends.' : 'On air in a moment.');
    return;
  }
  const left = Math.max(0, Math.ceil((Date.parse(status.onAirAt) - serverNow()) / 1000));
  const text = isFinite(left)
    ? `On air in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')} (at ${timeOf(status.onAirAt)})`
    : `On air at ${timeOf(status.onAirAt)}`;
  setText(el.countdown, text);
}

function say(kind, text) {
  el.action.dataset.kind = kind;
  setText(el.action, text);
  el.action.hidden = !text;
}

// ---------------------------------------------------------------- the server

async function poll() {
  timer = null;
  const sent = usableKey();
  try {
    const res = await fetch(API.live, { headers: { Accept: 'application/json', ...(sent ? { 'X-Api-Key': sent } : {}) }, cache: 'no-store' });
    if ((res.status === 401 || res.status === 403) && sent) {
      keyRefused = sent; // poll without it until the host types another key
    } else if (res.ok) {
      status = await res.json();
      receivedAt = performance.now();
    }
  } catch (_) {
    // The server is away: keep the last state and try again.
  }
  render();
  schedule();
}

function schedule() {
  if (timer !== null) clearTimeout(timer);
  const fast = !document.hidden && (hostSource() || (status && status.onAir));
  timer = setTimeout(poll, fast ? FAST_MS : SLOW_MS);
}

async function act(url, doing, done) {
  busy = true;
  render();
  say('busy', doing);
  try {
    const res = await fetch(url, { method: 'POST', headers: { Accept: 'application/json', 'X-Api-Key': usableKey() }, cache: 'no-store' });
    const body = await res.json().catch(() => null);
    if (res.ok) {
      status = body;
      receivedAt = performance.now();
      say('ok', done);
    } else if (res.status === 401 || res.status === 403) {
      say('error', `Not allowed (${res.status}): check the host key.`);
    } else {
      say('error', `${(body && body.title) || `HTTP ${res.status}`}${body && body.detail ? ` ${body.detail}` : ''}`);
    }
  } catch (err) {
    say('error', `Could not reach the station: ${err && err.message ? err.message : 'network error'}.`);
  } finally {
    busy = false;
    render();
  }
}

function goNow() {
  act(API.goNow, 'Going on air…', 'You go on air now.');
}

function end() {
  if (!window.confirm('End your live source? Automation takes over; you may connect again within your slot.')) return;
  act(API.end, 'Ending your source…', 'Your source is ended.');
}

// ---------------------------------------------------------------- start

if (section) {
  build();
  render();
  poll();
  setInterval(renderCountdown, TICK_MS);
  if (keyField) {
    keyField.addEventListener('input', () => {
      render();
      poll();
    });
  }
}

// For tests and the curious: what the panel believes.
window.radioHostLive = Object.freeze({
  get status() { return status; },
});
