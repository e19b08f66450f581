// The listeners' programme (/schedule; compact, for an iframe, at /schedule/embed): the coming week in station
// time, today first, as a list by day (a phone reads a list better than the hosts' grid) with the slot on air
// marked. The hosts' data (/api/schedule/week and /now), grouping (week.js) and wording (format.js).

import { h, setText } from './dom.js';
import { dayLong, hostsText, slotTimes, slotTitle } from './format.js';
import { addDays, clock, wallClock } from './time.js';
import { DAY_MIN, segmentsByDay, weekDays } from './week.js';

const API = { now: '/api/schedule/now', week: '/api/schedule/week' };
const REFRESH_MS = 60 * 1000;
const RETRY_FIRST_MS = 5 * 1000; // after a failure: 5 s, doubling back to once a minute

const $ = (id) => document.getElementById(id);
const el = { zone: $('zone'), days: $('days'), status: $('status'), retry: $('retry') };

let round = 0; // the latest refresh; an older one's late answer is dropped
let timer = 0;
let failures = 0;
let loaded = false;

// ---------------------------------------------------------------- one day's list

/** The automation between shows on one day, as a slot of its own so that format.js writes its times too. */
function automation(date, from, to, title) {
  const at = (min) => (min === DAY_MIN ? `${addDays(date, 1)}T00:00` : `${date}T${clock(min).padStart(5, '0')}`);
  return { isAutomation: true, title, start: at(from), end: at(to), date, from, to };
}

/**
 * What a day lists: its shows, in order, and the automation in each gap between them. A show is listed on the day
 * it starts, and the one still on when the week begins (it started yesterday) on the first day as well. The gaps
 * carry the schedule's automation title, as ON AIR does.
 */
function dayItems(date, segs, first, title) {
  const items = [];
  let at = 0;
  for (const seg of segs) {
    if (seg.from > at) items.push(automation(date, at, seg.from, title));
    if (!seg.continued || first) items.push(seg.occ);
    at = Math.max(at, seg.to);
  }
  if (at < DAY_MIN) items.push(automation(date, at, DAY_MIN, title));
  return items;
}

/** The show on air is the occurrence /now names; the automation, the gap now falls in. */
function isOnAir(item, now, current) {
  if (!now || !current || item.isAutomation !== current.isAutomation) return false;
  return item.isAutomation
    ? item.date === now.date && item.from <= now.min && now.min < item.to
    : item.showId === current.showId && item.start === current.start;
}

function slotItem(item, date, onAir) {
  const classes = ['slot'];
  if (item.isAutomation) classes.push('slot-auto');
  const hosts = hostsText(item.hosts);
  return h('li', { class: classes.join(' '), 'aria-current': onAir ? 'true' : null },
    h('span', { class: 'slot-time', text: slotTimes(item, date) }),
    h('div', { class: 'slot-what' },
      h('p', { class: 'slot-title' },
        h('span', { class: 'slot-name', text: slotTitle(item) }),
        onAir ? [' ', h('span', { class: 'badge badge-on-air', text: 'On air' })] : null,
        item.oneOff ? [' ', h('span', { class: 'badge badge-oneoff', text: 'one-off' })] : null),
      hosts ? h('p', { class: 'slot-hosts', text: hosts }) : null,
      item.description ? h('p', { class: 'slot-desc muted', text: item.description }) : null));
}

function daySection(date, segs, first, now, current, automationTitle) {
  const id = `day-${date}`;
  const isToday = now && date === now.date;
  return h('section', { class: 'day' + (isToday ? ' today' : ''), 'aria-labelledby': id },
    h('h2', { id }, dayLong(date), isToday ? [' ', h('span', { class: 'today-mark', text: 'today' })] : null),
    h('ol', { class: 'slots' }, dayItems(date, segs, first, automationTitle).map((item) => slotItem(item, date, isOnAir(item, now, current)))));
}

function render(week, onAir) {
  const now = wallClock(onAir.now);
  const { days } = weekDays(week, now);
  const byDay = segmentsByDay(week.occurrences, days);
  el.days.replaceChildren(...days.map((date, i) => daySection(date, byDay.get(date), i === 0, now, onAir.current, week.automationTitle)));
  setText(el.zone, `Times are station time (${week.timeZone}).`);
}

// ---------------------------------------------------------------- loading

async function getJson(url) {
  const res = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

function showProblem(err, retryMs) {
  if (!err) {
    setText(el.status, '');
    el.retry.hidden = true;
    return;
  }
  const why = err.name === 'TypeError' ? 'the station could not be reached' : err.message; // TypeError: fetch's network failure
  const what = loaded ? `Could not update the programme (${why}); it may be out of date.` : `Could not load the programme (${why}).`;
  setText(el.status, `${what} Trying again in ${Math.round(retryMs / 1000)} s.`);
  el.retry.hidden = false;
}

/** Milliseconds until the slot on air ends, on the server's clock (it may not be the browser's); null if unknown. */
function untilEnd(onAir) {
  const ms = Date.parse(onAir.current && onAir.current.endUtc) - Date.parse(onAir.now);
  return Number.isFinite(ms) ? ms : null;
}

async function refresh() {
  clearTimeout(timer);
  const mine = ++round;
  let next = REFRESH_MS;
  try {
    const [onAir, week] = await Promise.all([getJson(API.now), getJson(API.week)]);
    if (mine !== round) return;
    render(week, onAir);
    loaded = true;
    failures = 0;
    showProblem(null);
    // Once a minute, and just after the slot on air ends, so the mark moves on time.
    const end = untilEnd(onAir);
    if (end !== null && end >= 0) next = Math.min(REFRESH_MS, end + 1000);
  } catch (err) {
    if (mine !== round) return;
    failures++;
    next = Math.min(RETRY_FIRST_MS * 2 ** (failures - 1), REFRESH_MS);
    if (!loaded) el.days.replaceChildren();
    showProblem(err, next);
  }
  timer = setTimeout(refresh, next);
}

el.retry.addEventListener('click', refresh);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') refresh();
});
refresh();
