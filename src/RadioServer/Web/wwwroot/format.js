// One way to write a slot, its hosts and a track, on every page (listener, embed, hosts', operators'). The
// style is the station widget's, "ON AIR: 7:00 - 9:00": times as time.js's clock() writes them, hosts
// "with A, B and C".

import { clock, dayNumber, wallClock } from './time.js';

const DAY_MS = 86400000;
const MIDNIGHT_END = 24 * 60;

// Day names of station dates: the dates are already the station's, so they are formatted as UTC days.
const dayFormat = (options) => {
  const format = new Intl.DateTimeFormat(undefined, { ...options, timeZone: 'UTC' });
  return (date) => format.format(new Date(dayNumber(date) * DAY_MS));
};

/** "Thu" for a 'YYYY-MM-DD' date. */
export const weekday = dayFormat({ weekday: 'short' });

/** "Thu 26 Nov" (in the browser's language). */
export const dayLabel = dayFormat({ weekday: 'short', day: 'numeric', month: 'short' });

/** "Thursday 26 November". */
export const dayLong = dayFormat({ weekday: 'long', day: 'numeric', month: 'long' });

/**
 * A slot's times in station time: "7:00 - 9:00"; "22:00 - 2:00" overnight; "22:00 - 24:00" when it ends at
 * midnight; "9:00 - Sat 9:00" when it lasts a day or more. The automation may lack an end (no show after it):
 * "since Thu 9:00", or a start (no show before): "until Thu 9:00". With `today` ('YYYY-MM-DD', the station's),
 * a slot starting on another day gets its day in front: "Fri 27 Nov, 7:00 - 9:00". '' for a slot without times.
 */
export function slotTimes(slot, today = null) {
  const s = wallClock(slot && slot.start);
  const e = wallClock(slot && slot.end);
  if (!s && !e) return '';
  if (!s) return `until ${weekday(e.date)} ${clock(e.min)}`;
  if (!e) return `since ${weekday(s.date)} ${clock(s.min)}`;
  const days = dayNumber(e.date) - dayNumber(s.date);
  let end = clock(e.min);
  if (days === 1 && e.min === 0) end = clock(MIDNIGHT_END);
  else if (days > 1 || (days === 1 && e.min >= s.min)) end = `${weekday(e.date)} ${end}`;
  const range = `${clock(s.min)} - ${end}`;
  return today && s.date !== today ? `${dayLabel(s.date)}, ${range}` : range;
}

/** "Sam Rivera", "Sam Rivera and Jo Lee", "A, B and C"; '' for nobody. */
export function hostList(hosts) {
  const list = (Array.isArray(hosts) ? hosts : []).filter(Boolean);
  if (list.length < 2) return list.join('');
  return `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
}

/** "with Sam Rivera and Jo Lee"; '' for nobody. */
export function hostsText(hosts) {
  const names = hostList(hosts);
  return names ? `with ${names}` : '';
}

/** A slot's title: the show's, else its id; the automation's when it has none. */
export const slotTitle = (slot) => slot.title || slot.showId || (slot.isAutomation ? 'Automation' : 'On air');

/** "Next: Morning Show (7:00)" for the next show; '' when the automation is next or nothing is. */
export function nextText(next) {
  if (!next || next.isAutomation) return '';
  const s = wallClock(next.start);
  return `Next: ${slotTitle(next)}${s ? ` (${clock(s.min)})` : ''}`;
}

/** "Artist - Title" as the server writes it (displayTitle), else built from the parts; `fallback` when there are none. */
export const trackTitle = (t, fallback = 'Unknown') => t.displayTitle || [t.artist, t.title].filter(Boolean).join(' - ') || fallback;
