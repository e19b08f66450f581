// Station time. The server writes every slot time (and /api/schedule's now, from, to) as ISO 8601 in the
// station's zone with its offset ("2026-11-26T13:00:00+01:00"), so the wall clock is read straight from the
// string and the zone's offset from its end; the browser's own zone plays no part.

const ISO_WALL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/;
const ISO_OFFSET = /([+-])(\d{2}):?(\d{2})$/;
const DAY_MS = 86400000;

/** Days since 1970-01-01 of a 'YYYY-MM-DD' date: whole days between two dates are a subtraction. */
export const dayNumber = (date) => Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) / DAY_MS;

/** The 'YYYY-MM-DD' date of a day number. */
export const dateOfDayNumber = (n) => new Date(n * DAY_MS).toISOString().slice(0, 10);

/** The date n days after a 'YYYY-MM-DD' date. */
export const addDays = (date, n) => dateOfDayNumber(dayNumber(date) + n);

/** The wall clock an ISO string was written in: { date: 'YYYY-MM-DD', min: minutes since its midnight }; null if it is not one. */
export function wallClock(iso) {
  const m = typeof iso === 'string' ? ISO_WALL.exec(iso) : null;
  return m ? { date: `${m[1]}-${m[2]}-${m[3]}`, min: +m[4] * 60 + +m[5] } : null;
}

/** The UTC offset in minutes an ISO string carries ('Z' is 0); null if it carries none. */
export function offsetOf(iso) {
  if (typeof iso !== 'string') return null;
  const m = ISO_OFFSET.exec(iso);
  if (m) return (m[1] === '-' ? -1 : 1) * (+m[2] * 60 + +m[3]);
  return iso.endsWith('Z') ? 0 : null;
}

/** The station zone's current UTC offset in minutes, read from the first slot time that has one; null if none does. */
export function stationOffset(slots) {
  for (const slot of slots || []) {
    for (const iso of slot ? [slot.start, slot.end] : []) {
      const offset = offsetOf(iso);
      if (offset !== null) return offset;
    }
  }
  return null;
}

/**
 * An instant (ms since the epoch) on the station's wall clock: { date, min, sec } (sec: seconds into the
 * minute). With the offset unknown (null), on the browser's clock instead.
 */
export function stationClock(ms, offset) {
  const shifted = new Date(offset === null ? ms - new Date(ms).getTimezoneOffset() * 60000 : ms + offset * 60000);
  return {
    date: shifted.toISOString().slice(0, 10),
    min: shifted.getUTCHours() * 60 + shifted.getUTCMinutes(),
    sec: shifted.getUTCSeconds(),
  };
}

/**
 * A time of day in the station's style, as its ON AIR widget writes it: "7:00", "22:05", "24:00" for the
 * midnight a slot ends at (the hour not zero-padded, the minutes always two digits).
 */
export const clock = (min) => `${Math.floor(min / 60)}:${String(min % 60).padStart(2, '0')}`;

/** "14:05": an instant (ms since the epoch) on the station's clock (the browser's if the offset is unknown). */
export const stationTimeOf = (ms, offset) => clock(stationClock(ms, offset).min);
