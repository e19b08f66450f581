// The coming week (/api/schedule/week) as both schedule pages read it, the hosts' grid and the listeners'
// programme: its seven station dates, today first, and each day's part of every slot.

import { addDays, dateOfDayNumber, dayNumber, wallClock } from './time.js';

export const DAY_MIN = 24 * 60;

/** The week's start on the station's wall clock ({ date, min }; `now`'s if the answer has none) and its seven dates. */
export function weekDays(data, now) {
  const start = wallClock(data.from) || now;
  if (!start) throw new Error('the week has no start date');
  return { start, days: Array.from({ length: 7 }, (_, i) => addDays(start.date, i)) };
}

/**
 * Splits occurrences into per-day segments, each day's sorted by start: { occ, from, to (minutes of that day),
 * continued (began the day before), continues (goes on past midnight) }. An overnight slot lands on both days.
 */
export function segmentsByDay(occurrences, days) {
  const byDay = new Map(days.map((d) => [d, []]));
  for (const occ of occurrences || []) {
    const s = wallClock(occ.start);
    const e = wallClock(occ.end);
    if (!s || !e) continue;
    const first = dayNumber(s.date);
    const last = dayNumber(e.date);
    for (let n = first; n <= last; n++) {
      const date = dateOfDayNumber(n);
      if (!byDay.has(date)) continue;
      const from = n === first ? s.min : 0;
      const to = n === last ? e.min : DAY_MIN;
      if (to <= from) continue;
      byDay.get(date).push({ occ, from, to, continued: n > first, continues: n < last && !(n + 1 === last && e.min === 0) });
    }
  }
  for (const list of byDay.values()) list.sort((a, b) => a.from - b.from);
  return byDay;
}
