// Hosts' page: on air now/next, the week grid and the schedule editor.
// Plain ES2020 modules, no dependencies. Every request goes to the page's own origin.

import { h, keepForTab } from './dom.js';
import { dayLabel, dayLong, hostList, hostsText, slotTimes, slotTitle } from './format.js';
import { clock, wallClock } from './time.js';
import { DAY_MIN, segmentsByDay, weekDays } from './week.js';

const API = {
  schedule: '/api/schedule',
  validate: '/api/schedule/validate',
  now: '/api/schedule/now',
  week: '/api/schedule/week',
};
const KEY_STORAGE = 'radioserver.hostKey';
const MAX_BYTES = 1024 * 1024; // PUT /api/schedule refuses bigger bodies with 413
const NOW_REFRESH_MS = 30 * 1000;
const WEEK_REFRESH_MS = 5 * 60 * 1000;

const $ = (id) => document.getElementById(id);
const el = {
  clock: $('station-clock'),
  current: $('now-current'),
  next: $('now-next'),
  week: $('week'),
  weekRange: $('week-range'),
  text: $('schedule-json'),
  file: $('schedule-file'),
  key: $('host-key'),
  reload: $('reload'),
  validate: $('validate'),
  save: $('save'),
  status: $('status'),
  messages: $('messages'),
};

let lastNow = null; // station wall clock of the last /api/schedule/now answer
let lastWeek = null; // last /api/schedule/week answer

// ---------------------------------------------------------------- DOM helpers

function setStatus(kind, text) {
  el.status.dataset.kind = kind;
  el.status.textContent = text;
}

function setBusy(busy) {
  for (const b of [el.reload, el.validate, el.save]) b.disabled = busy;
  el.text.setAttribute('aria-busy', busy ? 'true' : 'false');
}

// Show colours: a fixed hue per show id, kept away from red (red marks one-offs).
const HUES = [210, 150, 270, 35, 190, 310, 95, 240, 55, 170];
function hueOf(id) {
  let hash = 0;
  for (const c of String(id || '')) hash = (hash * 31 + c.codePointAt(0)) >>> 0;
  return HUES[hash % HUES.length];
}

// ---------------------------------------------------------------- fetch helpers

async function readBody(res) {
  const text = await res.text();
  const type = res.headers.get('content-type') || '';
  if (/json/i.test(type) && text) {
    try { return JSON.parse(text); } catch (_) { return null; }
  }
  return null;
}

async function getJson(url) {
  const res = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

// ---------------------------------------------------------------- on air now / next

function slotCard(container, heading, slot, emptyText, today) {
  const parts = [h('h3', { text: heading })];
  if (!slot) {
    parts.push(h('p', { class: 'now-title' }, emptyText));
  } else {
    const badges = [];
    if (slot.isAutomation) badges.push(h('span', { class: 'badge badge-auto', text: 'automation' }));
    if (slot.oneOff) badges.push(h('span', { class: 'badge badge-oneoff', text: 'one-off' }));
    parts.push(h('p', { class: 'now-title' }, slotTitle(slot), badges.length ? ' ' : null, badges));
    const hosts = hostsText(slot.hosts);
    if (hosts) parts.push(h('p', { class: 'now-hosts' }, hosts));
    const when = slotTimes(slot, today);
    if (when) parts.push(h('p', { class: 'now-time' }, when));
    if (slot.description) parts.push(h('p', { class: 'now-desc muted' }, slot.description));
  }
  container.replaceChildren(...parts);
}

async function refreshNow() {
  try {
    const data = await getJson(API.now);
    const now = wallClock(data.now);
    const today = now ? now.date : null;
    el.clock.textContent = now
      ? `Station time ${dayLabel(now.date)} ${clock(now.min)} · ${data.timeZone || ''}`
      : (data.timeZone || '');
    slotCard(el.current, 'Now', data.current, 'Automation (no show on air)', today);
    slotCard(el.next, 'Next', data.next, 'No show scheduled', today);
    lastNow = now;
    if (lastWeek) {
      try { renderWeek(lastWeek, lastNow); } catch (_) { /* keep the grid as it is */ } // moves the now line
    }
  } catch (err) {
    const msg = `Could not load: ${err.message}`;
    el.current.replaceChildren(h('h3', { text: 'Now' }), h('p', { class: 'error-text', text: msg }));
    el.next.replaceChildren(h('h3', { text: 'Next' }));
  }
}

// ---------------------------------------------------------------- the week grid

function block(seg) {
  const { occ } = seg;
  const title = slotTitle(occ);
  const hosts = hostList(occ.hosts);
  const range = slotTimes(occ);
  const classes = ['block'];
  if (occ.isAutomation) classes.push('block-auto');
  if (occ.oneOff) classes.push('block-oneoff');
  if (seg.continued) classes.push('block-continued');
  if (seg.continues) classes.push('block-continues');
  const minutes = seg.to - seg.from;
  if (minutes < 45) classes.push('block-short');
  if (minutes < 20) classes.push('block-tiny');
  if (occ.isAutomation && minutes < 90) classes.push('block-gap-small');

  const label = [title, hostsText(occ.hosts), range, occ.oneOff && 'one-off', seg.continued && 'continued from the day before']
    .filter(Boolean).join(', ');
  const li = h('li', { class: classes.join(' '), title: label, 'aria-label': label },
    h('span', { class: 'b-title' },
      occ.oneOff ? h('span', { class: 'badge badge-oneoff', text: 'one-off', 'aria-hidden': 'true' }) : null,
      occ.oneOff ? ' ' : null,
      title),
    hosts && !occ.isAutomation ? h('span', { class: 'b-hosts', text: hosts }) : null,
    h('span', { class: 'b-time', text: range }));
  li.style.top = `${(seg.from / DAY_MIN) * 100}%`;
  li.style.height = `${((seg.to - seg.from) / DAY_MIN) * 100}%`;
  if (!occ.isAutomation) li.style.setProperty('--hue', String(hueOf(occ.showId || title)));
  return li;
}

function renderWeek(data, now) {
  const { start, days } = weekDays(data, now);
  const byDay = segmentsByDay(data.occurrences, days);

  const grid = h('div', { class: 'week-grid' });
  grid.append(h('div', { class: 'corner', 'aria-hidden': 'true' }));
  for (const date of days) {
    const isToday = now && date === now.date;
    grid.append(h('div', { class: 'day-head' + (isToday ? ' today' : '') },
      h('span', { class: 'day-name', text: dayLabel(date) }),
      isToday ? h('span', { class: 'today-mark', text: 'today' }) : null));
  }
  const hours = h('div', { class: 'hours', 'aria-hidden': 'true' });
  for (let hr = 0; hr < 24; hr++) {
    const mark = h('span', { text: clock(hr * 60) });
    mark.style.top = `${(hr / 24) * 100}%`;
    hours.append(mark);
  }
  grid.append(hours);

  for (const date of days) {
    const col = h('div', { class: 'day-col' });
    if (now && date === now.date) {
      const past = h('div', { class: 'past', 'aria-hidden': 'true' });
      past.style.height = `${(now.min / DAY_MIN) * 100}%`;
      const line = h('div', { class: 'now-line', 'aria-hidden': 'true' });
      line.style.top = `${(now.min / DAY_MIN) * 100}%`;
      col.append(past, line);
    }
    const list = h('ul', { class: 'day-blocks', 'aria-label': dayLong(date) });
    const segs = byDay.get(date);
    for (const seg of segs) list.append(block(seg));
    if (!segs.some((s) => !s.occ.isAutomation)) {
      list.append(h('li', { class: 'day-empty muted', text: 'automation' }));
    }
    col.append(list);
    grid.append(col);
  }
  el.week.replaceChildren(grid);

  const to = wallClock(data.to);
  el.weekRange.textContent = `${dayLabel(start.date)} ${clock(start.min)} to ${to ? `${dayLabel(to.date)} ${clock(to.min)}` : '…'}`
    + `, station time (${data.timeZone}). Empty space is automation.`;

  // Once: if the current hour is below the visible part of the grid, scroll it into view.
  if (now && !el.week.dataset.scrolled) {
    el.week.dataset.scrolled = '1';
    const col = el.week.querySelector('.day-col');
    const y = col ? (now.min / DAY_MIN) * col.offsetHeight : 0;
    if (y > el.week.clientHeight * 0.6) el.week.scrollTop = y - 60;
  }
}

async function refreshWeek() {
  try {
    const data = await getJson(API.week);
    lastWeek = data;
    renderWeek(data, lastNow);
  } catch (err) {
    lastWeek = null;
    el.week.replaceChildren(h('p', { class: 'error-text', text: `Could not load the week: ${err.message}` }));
  }
}

// ---------------------------------------------------------------- editor: messages

function selectLine(line) {
  const text = el.text.value;
  let start = 0;
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) { start = text.length; break; }
    start = nl + 1;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  if (end > start && text[end - 1] === '\r') end--;
  el.text.focus({ preventScroll: true });
  el.text.setSelectionRange(start, end);
  const lineHeight = parseFloat(getComputedStyle(el.text).lineHeight) || 20;
  el.text.scrollTop = Math.max(0, (line - 1) * lineHeight - el.text.clientHeight / 3);
  el.text.scrollLeft = 0;
  el.text.scrollIntoView({ block: 'nearest' });
}

function showMessages(errors, warnings, emptyText) {
  const items = [
    ...(errors || []).map((issue) => ({ issue, severity: 'error' })),
    ...(warnings || []).map((issue) => ({ issue, severity: 'warning' })),
  ];
  if (!items.length) {
    el.messages.replaceChildren(h('li', { class: 'msg-empty muted', text: emptyText || 'No errors, no warnings.' }));
    return;
  }
  // The server gives the line and column of every issue it can place in the text (JsonLineMap).
  for (const item of items) {
    const issue = item.issue || {};
    item.issue = issue;
    item.line = Number.isInteger(issue.line) ? issue.line : null;
    item.column = Number.isInteger(issue.column) ? issue.column : null;
  }
  const rank = (item) => (item.severity === 'error' ? 0 : 1e9) + (item.line === null ? 1e8 : item.line);
  items.sort((a, b) => rank(a) - rank(b) || (a.column || 0) - (b.column || 0));
  const lis = items.map(({ issue, severity, line, column }) => {
    const where = line === null ? '' : (column === null ? `${line}` : `${line}:${column}`);
    const content = [
      h('span', { class: 'sev', text: severity }),
      where ? h('span', { class: 'loc', text: where }) : null,
      issue.path ? h('code', { class: 'path', text: issue.path }) : null,
      h('span', { class: 'msg-text', text: issue.message || '(no message)' }),
    ];
    const li = h('li', { class: `msg msg-${severity}` });
    if (line !== null) {
      const describe = `${severity} at line ${line}${column === null ? '' : `, column ${column}`}`
        + `${issue.path ? ` (${issue.path})` : ''}: ${issue.message || ''}. Select the line in the editor.`;
      const btn = h('button', { type: 'button', class: 'msg-link', 'aria-label': describe }, content);
      btn.addEventListener('click', () => selectLine(line));
      li.append(btn);
    } else {
      li.append(h('div', { class: 'msg-static' }, content));
    }
    return li;
  });
  el.messages.replaceChildren(...lis);
}

// ---------------------------------------------------------------- editor: actions

function bodyTooLarge() {
  const bytes = new Blob([el.text.value]).size;
  if (bytes <= MAX_BYTES) return false;
  setStatus('error', `Too large: the document is ${(bytes / 1048576).toFixed(2)} MiB, the limit is 1 MiB. Nothing was sent.`);
  return true;
}

async function loadSchedule() {
  setBusy(true);
  setStatus('busy', 'Loading the schedule in force…');
  try {
    const res = await fetch(API.schedule, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    el.text.value = await res.text();
    showMessages([], [], 'None yet. Validate to check the document.');
    setStatus('info', 'Loaded the schedule in force.');
  } catch (err) {
    setStatus('error', networkText(err, 'Could not load the schedule'));
  } finally {
    setBusy(false);
  }
}

function networkText(err, what) {
  return err && err.name === 'TypeError' // what fetch throws when the server cannot be reached
    ? `Network error: ${what.toLowerCase()} — the server could not be reached.`
    : `${what}: ${err.message}.`;
}

/** " — title detail" from a problem+json body, without a trailing full stop. */
function problemText(body) {
  if (!body) return '';
  const text = [body.title, body.detail].filter(Boolean).map((t) => String(t).replace(/[.\s]+$/, '')).join('. ');
  return text ? ` — ${text}` : '';
}

function countText(n, word) { return `${n} ${word}${n === 1 ? '' : 's'}`; }

/** Sends the editor's document (POST to validate, PUT to save) and reads the answer. */
async function sendSchedule(method, url, headers = {}) {
  const res = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: el.text.value,
  });
  return { res, body: await readBody(res) };
}

async function validate() {
  if (bodyTooLarge()) return;
  setBusy(true);
  setStatus('busy', 'Validating…');
  try {
    const { res, body } = await sendSchedule('POST', API.validate);
    if (res.status === 413) {
      showMessages([], [], 'Not checked.');
      setStatus('error', 'Too large (413): the schedule may be at most 1 MiB.');
      return;
    }
    if (!res.ok || !body || !Array.isArray(body.errors)) {
      showMessages([], [], 'Not checked.');
      setStatus('error', `Could not validate: HTTP ${res.status}${problemText(body)}.`);
      return;
    }
    const errors = body.errors || [];
    const warnings = body.warnings || [];
    showMessages(errors, warnings);
    if (body.valid) {
      setStatus('ok', `Valid${warnings.length ? ` with ${countText(warnings.length, 'warning')}` : ''}. Not saved yet: press Save to put it on air.`);
    } else {
      setStatus('error', `Not valid: ${countText(errors.length, 'error')}${warnings.length ? `, ${countText(warnings.length, 'warning')}` : ''}. Click one to select its line.`);
    }
  } catch (err) {
    setStatus('error', networkText(err, 'Could not validate'));
  } finally {
    setBusy(false);
  }
}

async function save() {
  const key = el.key.value.trim();
  if (!key) {
    setStatus('error', 'Host key missing: enter the host key to save.');
    el.key.focus();
    return;
  }
  if (bodyTooLarge()) return;
  setBusy(true);
  setStatus('busy', 'Saving…');
  try {
    const { res, body } = await sendSchedule('PUT', API.schedule, { 'X-Api-Key': key });
    switch (res.status) {
      case 200: {
        const warnings = (body && body.warnings) || [];
        showMessages([], warnings);
        const at = new Date().toLocaleTimeString();
        setStatus('ok', `Saved at ${at}: the new schedule is in force${warnings.length ? ` (${countText(warnings.length, 'warning')})` : ''}.`);
        el.week.dataset.scrolled = '';
        await Promise.all([refreshNow(), refreshWeek()]);
        break;
      }
      case 400: {
        const errors = (body && body.errors) || [];
        showMessages(errors, (body && body.warnings) || []);
        if (errors.length) {
          setStatus('error', `Refused, nothing changed: ${countText(errors.length, 'error')}. Click one to select its line.`);
        } else {
          showMessages([], [], 'No details.');
          setStatus('error', `Refused, nothing changed${problemText(body)}.`);
        }
        break;
      }
      case 401:
        setStatus('error', 'Host key missing or not recognised (401): check the host key.');
        el.key.focus();
        break;
      case 403:
        setStatus('error', 'This key may not edit the schedule (403): use the host key.');
        el.key.focus();
        break;
      case 413:
        setStatus('error', 'Too large (413): the schedule may be at most 1 MiB. Nothing changed.');
        break;
      default:
        setStatus('error', `Save failed: HTTP ${res.status}${problemText(body)}. Reload to see the schedule in force.`);
    }
  } catch (err) {
    setStatus('error', networkText(err, 'Could not save'));
  } finally {
    setBusy(false);
  }
}

async function loadFile() {
  const file = el.file.files && el.file.files[0];
  if (!file) return;
  try {
    el.text.value = await file.text();
    showMessages([], [], 'None yet. Validate to check the document.');
    setStatus('info', `Loaded ${file.name} (${file.size} bytes) into the editor. Not saved yet: Validate, then Save.`);
  } catch (err) {
    setStatus('error', `Could not read ${file.name}: ${err.message}.`);
  } finally {
    el.file.value = '';
  }
}

// ---------------------------------------------------------------- start

function start() {
  keepForTab(el.key, KEY_STORAGE);
  el.file.addEventListener('change', loadFile);
  el.reload.addEventListener('click', loadSchedule);
  el.validate.addEventListener('click', validate);
  el.save.addEventListener('click', save);
  // The toolbar is a form only so the password field sits in one; Enter must not reload the page.
  $('editor-form').addEventListener('submit', (e) => e.preventDefault());
  el.text.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 's') { e.preventDefault(); save(); }
  });

  refreshNow().then(refreshWeek);
  loadSchedule();
  setInterval(refreshNow, NOW_REFRESH_MS);
  setInterval(refreshWeek, WEEK_REFRESH_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') { refreshNow(); refreshWeek(); }
  });
}

start();
