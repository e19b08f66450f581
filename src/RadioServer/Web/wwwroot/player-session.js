// The lock screen, the notification and the headset's buttons (Media Session), and the cover beside NOW PLAYING: what
// the listener hears, set at the moment they hear it, from the same render as NOW PLAYING. Art comes as a URL without
// its size (the hub's `art`, else the station's image: docs/api.md, "Cover art"), served at these sizes:

const SIZES = [96, 192, 256, 512];

const typeOf = (base) => (base.includes('/station-') ? 'image/png' : 'image/jpeg');

/** MediaMetadata's artwork for an art URL: every size, so the system takes what it needs. */
export const artwork = (base) => (base ? SIZES.map((s) => ({ src: `${base}/${s}`, sizes: `${s}x${s}`, type: typeOf(base) })) : []);

/**
 * Wires Media Session's play, pause and stop to the page's player (a live stream does not pause: pause stops it, and
 * play starts again at the live edge) and keeps the cover `img` in step. Returns { show(item): what is heard now
 * ({ title, artist, album, art }), playing(bool) }. Without Media Session (an old browser) only the cover is kept.
 */
export function mediaSession(img, { play, stop, fallbackArt }) {
  const session = 'mediaSession' in navigator ? navigator.mediaSession : null;
  let shown = null;

  if (session) {
    const handlers = { play, pause: stop, stop };
    for (const [action, handler] of Object.entries(handlers)) {
      try { session.setActionHandler(action, handler); } catch (_) { /* the browser lacks this action */ }
    }
  }

  // A cover that will not load (gone, or the picture did not decode) gives way to the station's image.
  img.addEventListener('error', () => {
    const station = fallbackArt();
    if (station && !img.src.includes(station)) setCover(station);
  });

  function setCover(base) {
    if (!base) {
      img.removeAttribute('src');
      img.hidden = true;
      return;
    }
    img.hidden = false;
    img.src = `${base}/192`; // shown at 96 CSS px: sharp on a phone's 2x screen
  }

  return {
    show(item) {
      const key = JSON.stringify(item);
      if (key === shown) return;
      shown = key;
      setCover(item.art);
      if (session && typeof MediaMetadata === 'function') {
        session.metadata = new MediaMetadata({ title: item.title, artist: item.artist, album: item.album, artwork: artwork(item.art) });
      }
    },
    playing(on) {
      if (session) session.playbackState = on ? 'playing' : 'paused';
    },
  };
}
