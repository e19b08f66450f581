// Listener page (/), also the compact player for an iframe (/embed: the same page with class "embed" on <html>,
// set by the server): the live state from the hub at /hubs/radio and the stream in an <audio> element.
// No external resources, no framework. The hub's messages: docs/api.md (src/RadioServer/NowPlaying/Contracts.cs).

import { h, setIcon, setText } from './dom.js';
import { hostsText, nextText, slotTimes, slotTitle, trackTitle } from './format.js';
import { openHub, showConnection } from './hub.js';
import { hlsPlayer, hlsWanted } from './player-hls.js';
import { liveBadge } from './player-live.js';
import { mediaSession } from './player-session.js';
import { stationOffset, stationTimeOf } from './time.js';

const $ = (id) => document.getElementById(id);
const el = {
  stationName: $('station-name'),
  stationDescription: $('station-description'),
  connection: $('connection'),
  onAirTitle: $('on-air-title'),
  onAirHosts: $('on-air-hosts'),
  onAirTimes: $('on-air-times'),
  onAirNext: $('on-air-next'),
  nowPlaying: $('now-playing'),
  nowAlbum: $('now-album'),
  nowArt: $('now-art'),
  play: $('play'),
  volume: $('volume'),
  playerStatus: $('player-status'),
  audio: $('audio'),
  recent: $('recent'),
  listeners: $('listeners'),
  streamStatus: $('stream-status'),
};

const liveOnAir = liveBadge($('live'), () => heardNow()); // the LIVE badge, in step with the ear

const RECENT_MAX = 5;
const HUB_URL = '/hubs/radio';
const DEFAULT_STREAM_URL = '/stream';
const DEFAULT_BURST_SECONDS = 4.1;
const SYNC_INTERVAL_MS = 250;

// ---------------------------------------------------------------- state

let station = null;          // StationInfo
let onAir = null;            // OnAirMessage
let history = [];            // TrackMessage[], newest first: the current track and those before it
let shownKey = null;         // key of the track shown as NOW PLAYING
let live = null;             // { time: stream seconds at the live edge, at: performance.now() then, running }
let playing = false;         // the listener pressed play (and has not stopped)
let playStartedAt = null;    // performance.now() when the stream was requested (playback started)
let streamTag = null;        // this play's token in the stream URL (?t=), to ask the hub where its stream began
let streamStart = null;      // the stream time of the first byte this play was sent, from the hub; null: estimated
let hub = null;              // the hub link (openHub), for StreamStart

// The lock screen's controls and metadata, and the cover (player-session.js); play and stop are hoisted below.
const session = mediaSession(el.nowArt, { play: () => play(), stop: () => stop(), fallbackArt: () => station && station.art });

// HLS (player-hls.js) where asked (?hls=1) or where the element cannot play the MP3 stream; it knows what the ear hears.
const hls = hlsPlayer(el.audio, {
  bitrateKbps: () => (station && station.bitrateKbps) || 0,
  liveNow: () => liveNow(),
  onStatus: (text) => setPlayerStatus(text),
  onFatal: (message) => stop(message, 'error'),
});

const trackKey = (t) => `${t.streamPosition}|${t.startedAt}|${t.displayTitle}`;
// ---------------------------------------------------------------- the live edge and what the ear hears

/**
 * Remembers the live stream time from a message, as of its arrival. (Its sentAt is not used: the page's and
 * the server's clocks may differ by more than the trip takes.) Off the air, the edge does not move.
 */
function setLive(seconds, running) {
  if (typeof seconds !== 'number' || !isFinite(seconds)) return;
  live = { time: seconds, at: performance.now(), running };
}

/** The stream time at the live edge at page time t (performance.now()), extrapolated from the last message. */
function liveAt(t) {
  if (!live) return null;
  return live.running ? live.time + (t - live.at) / 1000 : live.time;
}

/** The stream time at the live edge now; null before the first state. */
const liveNow = () => liveAt(performance.now());

const burstSeconds = () => (station && typeof station.burstSeconds === 'number' ? station.burstSeconds : DEFAULT_BURST_SECONDS);

/**
 * The stream time the listener hears now: where this play's stream began, plus audio.currentTime (the element
 * plays from the burst's first frame; its currentTime is what it puts out). Where the stream began the server
 * says (StreamStart, asked once the audio plays); until it has, or where it cannot (the stream served by
 * another node), it is estimated: the burst (burstSeconds, whole chunks) before the live edge when the stream
 * was requested, or all of it if the station went on air more recently. That estimate takes the edge at the
 * moment Play was pressed, and the request reaches the server later (a browser takes 100-200 ms to start
 * fetching), so the estimate runs behind by that much: the title shows late until the server's answer comes.
 */
function heardNow() {
  if (!playing || playStartedAt === null) return null;
  if (hls.active) return hls.heardNow();
  let start = streamStart;
  if (start === null) {
    const playStartLive = liveAt(playStartedAt);
    if (playStartLive === null) return null;
    start = Math.max(0, playStartLive - burstSeconds());
  }
  const heard = start + (el.audio.currentTime || 0);
  const edge = liveNow();
  return Math.min(heard, edge);
}

/** Index in history of the track to show: the newest that has started for the ear, or the newest of all. */
function shownIndex() {
  const heard = heardNow();
  if (heard === null) return 0;
  const i = history.findIndex((t) => t.streamTime <= heard);
  // Nothing we know of has been heard yet: the oldest known track is the best guess.
  return i < 0 ? history.length - 1 : i;
}

// ---------------------------------------------------------------- rendering

function renderStation() {
  if (!station) return;
  setText(el.stationName, station.name || 'Radio');
  setText(el.stationDescription, station.description || '');
}

function renderOnAir() {
  if (!onAir || !onAir.current) return;
  const cur = onAir.current;
  setText(el.onAirTitle, slotTitle(cur));
  setText(el.onAirHosts, hostsText(cur.hosts));
  setText(el.onAirTimes, slotTimes(cur));
  setText(el.onAirNext, nextText(onAir.next));
}

function renderTracks() {
  if (history.length === 0) {
    if (station) {
      setText(el.nowPlaying, 'Nothing yet');
      shownKey = null;
      session.show(heardItem(null));
    }
    renderRecent([]);
    return;
  }
  const index = shownIndex();
  const now = history[index];
  const key = trackKey(now);
  if (key !== shownKey) {
    shownKey = key;
    setText(el.nowPlaying, trackTitle(now));
    setText(el.nowAlbum, now.album || '');
    updateTitle();
  }
  renderRecent(history.slice(index + 1, index + 1 + RECENT_MAX));
  liveOnAir.render();
  session.show(heardItem(now));
  scheduleNextTrack(index);
}

/**
 * What the lock screen and the cover show for the track heard now: the track with its cover, or while a live source
 * is heard the show and its host with the station's image; the station's image where a track has none.
 */
function heardItem(track) {
  const name = (station && station.name) || 'Radio';
  const stationArt = (station && station.art) || null;
  const live = liveOnAir.current;
  if (live && live.onAir) {
    return { title: live.showTitle || (track ? trackTitle(track) : name), artist: live.host || name, album: name, art: stationArt };
  }
  if (!track) return { title: name, artist: '', album: '', art: stationArt };
  return {
    title: track.title || trackTitle(track),
    artist: track.artist || name,
    album: track.album || name,
    art: track.art || stationArt,
  };
}

let nextTrackTimer = null;
/**
 * While playing, a render at the moment the ear reaches the next track announced (history[index - 1]): the
 * timeupdate events and the SYNC_INTERVAL_MS poll come up to a quarter of a second apart, too coarse for a
 * title in step with the ear. Playback moves one stream second per second, so the wait is the distance.
 */
function scheduleNextTrack(index) {
  clearTimeout(nextTrackTimer);
  nextTrackTimer = null;
  const heard = heardNow();
  if (heard === null || index <= 0 || el.audio.paused) return;
  const wait = (history[index - 1].streamTime - heard) * 1000;
  nextTrackTimer = setTimeout(renderTracks, Math.max(0, Math.min(wait, 60000)) + 1);
}

let recentKeys = null;
function renderRecent(tracks) {
  const keys = tracks.map(trackKey).join('\n');
  if (keys === recentKeys) return;
  recentKeys = keys;
  if (tracks.length === 0) {
    el.recent.replaceChildren(h('li', { class: 'empty', text: station ? 'Nothing yet.' : 'Loading…' }));
    return;
  }
  // Start times in station time, like the ON AIR times (the browser's time if the station's offset is unknown).
  const offset = stationOffset(onAir ? [onAir.current, onAir.next] : []);
  el.recent.replaceChildren(...tracks.map((t) => {
    const started = Date.parse(t.startedAt);
    return h('li', {}, trackTitle(t), isFinite(started)
      ? [' ', h('time', { datetime: t.startedAt, text: stationTimeOf(started, offset) })]
      : null);
  }));
}

function updateTitle() {
  const name = station && station.name ? station.name : 'RadioServer';
  const now = shownKey !== null && history.length ? trackTitle(history[shownIndex()]) : null;
  document.title = now ? `${now} · ${name}` : name;
}

function renderListeners(count) {
  if (typeof count !== 'number') return;
  setText(el.listeners, count === 1 ? '1 listener' : `${count} listeners`);
}

function renderStream(status) {
  if (!status) return;
  setText(el.streamStatus, status.status === 'off-air' ? 'The stream is off the air.' : '');
}

// ---------------------------------------------------------------- hub messages

function applyState(state) {
  if (!state) return;
  station = state.station || station;
  onAir = state.onAir || onAir;
  const tracks = [];
  if (state.nowPlaying) tracks.push(state.nowPlaying);
  for (const t of state.recent || []) tracks.push(t);
  history = dedupe(tracks); // the server's word replaces ours (after a reconnect, it may be a new server)
  setLive(state.liveStreamTime, !state.stream || state.stream.status !== 'off-air');
  renderStation();
  renderOnAir();
  liveOnAir.reset(state.live);
  renderTracks();
  renderListeners(state.listeners);
  renderStream(state.stream);
  updateTitle();
}

function dedupe(tracks) {
  const seen = new Set();
  const out = [];
  for (const t of tracks) {
    const k = trackKey(t);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(t);
    }
  }
  // Enough to show the current track and five before it, plus tracks still ahead of the ear.
  return out.slice(0, RECENT_MAX + 1 + 4);
}

function onNowPlaying(track) {
  if (!track) return;
  // The track started at the live edge: the edge is at least about there now. (Its stream time is where its
  // sound begins, a few frames either side of the edge when it is sent; only a clearly stale edge is moved.)
  const edge = liveNow();
  if (edge === null || edge < track.streamTime - 0.25) {
    live = { time: track.streamTime, at: performance.now(), running: true };
  }
  history = dedupe([track, ...history]);
  // While playing, renderTracks shows it only once the ear has reached track.streamTime; otherwise at once.
  renderTracks();
}

function onOnAir(message) {
  onAir = message;
  renderOnAir();
}

function onStreamStatus(status) {
  if (!status) return;
  setLive(status.liveStreamTime, status.status !== 'off-air');
  renderStream(status);
}

// ---------------------------------------------------------------- connection

let connectionState = null;

function setConnection(state) {
  connectionState = state;
  showConnection(el.connection, state);
}

function connect() {
  try {
    hub = openHub(HUB_URL, {
      handlers: {
        state: applyState,
        nowPlaying: onNowPlaying,
        onAir: onOnAir,
        listeners: renderListeners,
        streamStatus: onStreamStatus,
        live: (message) => {
          liveOnAir.push(message);
          renderTracks(); // the lock screen names the show and host while live is heard
        },
      },
      onState: setConnection,
      // The server sends the state right after every connect; after a reconnect the page asks as well.
      onConnected: (connection, { reconnected }) => (reconnected ? refresh(connection) : undefined),
    });
  } catch (err) {
    setConnection('disconnected');
    setText(el.playerStatus, err.message);
  }
}

async function refresh(connection) {
  try {
    applyState(await connection.invoke('GetState'));
  } catch (err) {
    console.warn('GetState failed:', err); // the state sent on connect is there anyway
  }
}

// ---------------------------------------------------------------- audio

function setPlayerStatus(text, kind) {
  setText(el.playerStatus, text);
  el.playerStatus.dataset.kind = kind || 'info';
}

function setPressed(pressed) {
  session.playing(pressed);
  el.play.setAttribute('aria-pressed', pressed ? 'true' : 'false');
  setIcon(el.play.querySelector('.icon'), pressed ? 'stop' : 'play_arrow');
}

/** A token for one play's request: the time and a random number, digits only (the server takes 8-64). */
function newStreamTag() {
  const random = new Uint32Array(2);
  crypto.getRandomValues(random);
  return `${Date.now()}${random[0]}${random[1]}`;
}

/** Once this play's audio runs: the server says where its stream began (null: not this node's listener). */
async function askStreamStart(tag) {
  if (!hub || streamStart !== null) return;
  try {
    const start = await hub.connection.invoke('StreamStart', tag);
    if (start && playing && tag === streamTag && typeof start.streamTime === 'number') {
      streamStart = start.streamTime;
      renderTracks();
    }
  } catch (err) {
    console.warn('StreamStart failed:', err); // the estimate stands
  }
}

function play() {
  if (hlsWanted(el.audio)) {
    playHls();
    return;
  }
  const url = (station && station.streamUrl) || DEFAULT_STREAM_URL;
  // A live stream cannot resume where it stopped: a fresh request (new URL) each time starts at the live edge.
  streamTag = newStreamTag();
  streamStart = null;
  el.audio.src = `${url}${url.includes('?') ? '&' : '?'}t=${streamTag}`;
  playing = true;
  playStartedAt = performance.now();
  setPressed(true);
  setPlayerStatus('Connecting to the stream…');
  const started = el.audio.play();
  if (started && typeof started.catch === 'function') {
    started.catch((err) => {
      if (!playing || (err && err.name === 'AbortError')) return; // stopped meanwhile
      stop(`Could not play the stream${err && err.message ? `: ${err.message}` : '.'}`, 'error');
    });
  }
  renderTracks();
}

function playHls() {
  playing = true;
  playStartedAt = performance.now();
  setPressed(true);
  setPlayerStatus('Connecting to the stream…');
  hls.start().catch((err) => {
    if (!playing || (err && err.name === 'AbortError')) return; // stopped meanwhile
    stop(`Could not play the stream${err && err.message ? `: ${err.message}` : '.'}`, 'error');
  });
  renderTracks();
}

function stop(message, kind) {
  playing = false;
  playStartedAt = null;
  streamTag = null;
  streamStart = null;
  hls.stop();
  el.audio.pause();
  el.audio.removeAttribute('src');
  el.audio.load(); // closes the stream request
  setPressed(false);
  setPlayerStatus(message || '', kind);
  renderTracks(); // everything announced is shown at once again
}

el.play.addEventListener('click', () => (playing ? stop() : play()));

el.audio.addEventListener('playing', () => {
  if (!playing) return;
  setPlayerStatus('Playing live.');
  askStreamStart(streamTag);
});
el.audio.addEventListener('waiting', () => {
  if (playing) setPlayerStatus('Buffering…');
});
el.audio.addEventListener('error', () => {
  if (playing) stop('The stream stopped. Press Play to listen again.', 'error');
});
el.audio.addEventListener('ended', () => {
  if (playing) stop('The stream ended. Press Play to listen again.', 'error');
});
el.audio.addEventListener('timeupdate', () => {
  if (playing) renderTracks();
});
setInterval(() => {
  if (playing) renderTracks();
}, SYNC_INTERVAL_MS);

// Volume, remembered in this browser.
const VOLUME_KEY = 'radioserver.volume';
try {
  const saved = localStorage.getItem(VOLUME_KEY);
  if (saved !== null && isFinite(+saved)) el.volume.value = String(Math.max(0, Math.min(100, +saved)));
} catch (_) { /* storage blocked (e.g. a sandboxed iframe) */ }
const applyVolume = () => {
  el.audio.volume = Math.max(0, Math.min(1, el.volume.valueAsNumber / 100));
  el.volume.setAttribute('aria-valuetext', `${el.volume.value}%`);
};
el.volume.addEventListener('input', applyVolume);
el.volume.addEventListener('change', () => {
  try { localStorage.setItem(VOLUME_KEY, el.volume.value); } catch (_) { /* not remembered */ }
});
applyVolume();

// For tests and the curious: what the page believes.
window.radioPlayer = Object.freeze({
  liveNow,
  heardNow,
  get burstSeconds() { return burstSeconds(); },
  get streamStart() { return streamStart; },
  get hls() { return hls.active; },
  get playing() { return playing; },
  get connection() { return connectionState; },
  get history() { return history.slice(); },
  get live() { return liveOnAir.shown; },
  get mediaSession() {
    const m = 'mediaSession' in navigator ? navigator.mediaSession.metadata : null;
    return m ? { title: m.title, artist: m.artist, album: m.album, artwork: m.artwork.map((a) => a.src) } : null;
  },
});

connect();
