// The listener page's LIVE badge (also in the embed): "LIVE · Alex Morgan" while a live source is heard, gone when
// automation is back. In step with the ear, as NOW PLAYING is: each `live` message says from which stream time
// (streamTime: where the air chain marked the change) its onAir holds, and the badge shows the newest one the
// listener has reached. The message: docs/api.md (LiveMessage, src/RadioServer/NowPlaying/Contracts.cs).

import { h } from './dom.js';

const KEEP = 8; // enough for the changes still ahead of the ear

/** The badge's words for a message, '' when nothing live is heard. */
export function liveText(message) {
  if (!message || !message.onAir) return '';
  return !message.master && message.host ? `LIVE · ${message.host}` : 'LIVE';
}

/**
 * Keeps the badge in `node` (an aria-live region that stays in the page, so its changes are announced).
 * `heardNow()` is the stream time the listener hears now, or null when not playing (then the newest message counts).
 * Returns { reset(message): the state's live (connect, reconnect), push(message): a live push, render(): again
 * for the ear (the page calls it as playback moves), get shown(): the badge's text }.
 */
export function liveBadge(node, heardNow) {
  let messages = []; // newest first; their streamTime never decreases
  let shown = null;

  /** Whether live is heard now, and whose: the newest message the ear has reached. */
  function current() {
    if (messages.length === 0) return null;
    const heard = heardNow();
    if (heard === null) return messages[0];
    const reached = messages.find((m) => m.streamTime <= heard + 0.05);
    if (reached) return reached;
    // The ear is before every change we know of: before the oldest, its opposite was on the air.
    const oldest = messages[messages.length - 1];
    return oldest.streamPosition > 0 ? { ...oldest, onAir: !oldest.onAir } : oldest;
  }

  function render() {
    const text = liveText(current());
    if (text === shown) return;
    shown = text;
    node.replaceChildren(...(text
      ? [h('span', { class: 'live-badge' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), text)]
      : []));
  }

  return {
    reset(message) {
      messages = message ? [message] : [];
      render();
    },
    push(message) {
      if (!message) return;
      messages = [message, ...messages].slice(0, KEEP);
      render();
    },
    render,
    get shown() { return shown || ''; },
    /** The live message the ear has reached (its onAir: whether live is heard), null before any. */
    get current() { return current(); },
  };
}
