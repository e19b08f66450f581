// Listener page (/) and the compact player (/embed): the live state from the hub at /hubs/radio (SignalR,
// /lib/signalr/signalr.min.js, copied from npm by the build) and the stream in an <audio> element.
// No external resources, no framework. The hub's messages: docs/api.md (src/RadioServer/NowPlaying/Contracts.cs).
'use strict';

(() => {
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
    play: $('play'),
    volume: $('volume'),
    playerStatus: $('player-status'),
    audio: $('audio'),
    recent: $('recent'),
    listeners: $('listeners'),
    streamStatus: $('stream-status'),
  };

  const RECENT_MAX = 5;
  const HUB_URL = '/hubs/radio';
  const DEFAULT_STREAM_URL = '/stream';
  const DEFAULT_BURST_SECONDS = 4.1;
  const SYNC_INTERVAL_MS = 250;

  /** Backoff for every retry, automatic reconnect or a new start: 1, 2, 4, 8, 10, 10, ... seconds, forever. */
  const retryDelay = (previousRetryCount) => Math.min(1000 * 2 ** previousRetryCount, 10000);

  // ---------------------------------------------------------------- state

  let station = null;          // StationInfo
  let onAir = null;            // OnAirMessage
  let history = [];            // TrackMessage[], newest first: the current track and those before it
  let shownKey = null;         // key of the track shown as NOW PLAYING
  let live = null;             // { time: stream seconds at the live edge, at: performance.now() then, running }
  let playing = false;         // the listener pressed play (and has not stopped)
  let playStartedAt = null;    // performance.now() when the stream was requested (playback started)

  const trackKey = (t) => `${t.streamPosition}|${t.startedAt}|${t.displayTitle}`;
  const displayTitle = (t) => t.displayTitle || [t.artist, t.title].filter(Boolean).join(' - ') || 'Unknown';

  // ---------------------------------------------------------------- helpers

  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }

  function setIcon(node, name) {
    if (!node) return;
    node.dataset.icon = name;
    node.textContent = name;
  }

  /** "7:00" from the local part of an ISO string that already carries the station's offset. */
  const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/;
  function wallClock(iso) {
    const m = typeof iso === 'string' ? ISO_RE.exec(iso) : null;
    return m ? { day: Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86400000, hour: +m[4], minute: m[5] } : null;
  }

  /** "7:00 - 9:00"; "22:00 - 2:00" overnight; "22:00 - 24:00" when it ends at midnight; '' when either end is unknown. */
  function timeRange(slot) {
    const s = wallClock(slot && slot.start);
    const e = wallClock(slot && slot.end);
    if (!s || !e) return '';
    const endHour = e.hour === 0 && e.minute === '00' && e.day === s.day + 1 ? 24 : e.hour;
    return `${s.hour}:${s.minute} - ${endHour}:${e.minute}`;
  }

  function hostsText(hosts) {
    const list = (hosts || []).filter(Boolean);
    if (list.length === 0) return '';
    if (list.length === 1) return `with ${list[0]}`;
    return `with ${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
  }

  /** The station zone's current UTC offset in minutes, read from the ON AIR slot's times; null if unknown. */
  function stationOffset() {
    const slots = onAir ? [onAir.current, onAir.next] : [];
    for (const slot of slots) {
      for (const iso of slot ? [slot.start, slot.end] : []) {
        const m = typeof iso === 'string' ? /([+-])(\d{2}):?(\d{2})$/.exec(iso) : null;
        if (m) return (m[1] === '-' ? -1 : 1) * (+m[2] * 60 + +m[3]);
        if (typeof iso === 'string' && iso.endsWith('Z')) return 0;
      }
    }
    return null;
  }

  /** "14:05": when a track started, in station time like the ON AIR times (the browser's time if unknown). */
  function stationTimeOf(ms) {
    const offset = stationOffset();
    const d = new Date(offset === null ? ms - new Date(ms).getTimezoneOffset() * 60000 : ms + offset * 60000);
    return `${d.getUTCHours()}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  }

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
   * The stream time the listener hears now: playback began with the burst (the last burstSeconds before the
   * live edge when the stream was requested, or all of it if the station went on air more recently) and has
   * played audio.currentTime seconds since. The live edge at that moment is taken from the latest message, so a
   * press of Play before the first state still gets its estimate once the state arrives.
   */
  function heardNow() {
    if (!playing || playStartedAt === null) return null;
    const playStartLive = liveAt(playStartedAt);
    if (playStartLive === null) return null;
    const heard = Math.max(0, playStartLive - burstSeconds()) + (el.audio.currentTime || 0);
    const edge = liveNow();
    return Math.min(heard, edge);
  }

  /** Index in history of the track to show: the newest that has started for the ear, or the newest of all. */
  function shownIndex() {
    const heard = heardNow();
    if (heard === null) return 0;
    const i = history.findIndex((t) => t.streamTime <= heard + 0.05);
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
    setText(el.onAirTitle, cur.title || (cur.isAutomation ? 'Automation' : 'On air'));
    setText(el.onAirHosts, hostsText(cur.hosts));
    setText(el.onAirTimes, timeRange(cur));
    const next = onAir.next;
    if (el.onAirNext) {
      const when = next ? timeRange(next) : '';
      setText(el.onAirNext, next && !next.isAutomation ? `Next: ${next.title}${when ? ` (${when.split(' - ')[0]})` : ''}` : '');
    }
  }

  function renderTracks() {
    if (history.length === 0) {
      if (station) {
        setText(el.nowPlaying, 'Nothing yet');
        shownKey = null;
      }
      renderRecent([]);
      return;
    }
    const index = shownIndex();
    const now = history[index];
    const key = trackKey(now);
    if (key !== shownKey) {
      shownKey = key;
      setText(el.nowPlaying, displayTitle(now));
      setText(el.nowAlbum, now.album || '');
      updateTitle();
    }
    renderRecent(history.slice(index + 1, index + 1 + RECENT_MAX));
  }

  let recentKeys = null;
  function renderRecent(tracks) {
    if (!el.recent) return;
    const keys = tracks.map(trackKey).join('\n');
    if (keys === recentKeys) return;
    recentKeys = keys;
    el.recent.replaceChildren();
    if (tracks.length === 0) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = station ? 'Nothing yet.' : 'Loading…';
      el.recent.append(li);
      return;
    }
    for (const t of tracks) {
      const li = document.createElement('li');
      li.append(displayTitle(t));
      const started = Date.parse(t.startedAt);
      if (isFinite(started)) {
        const time = document.createElement('time');
        time.dateTime = t.startedAt;
        time.textContent = stationTimeOf(started);
        li.append(' ', time);
      }
      el.recent.append(li);
    }
  }

  function updateTitle() {
    const name = station && station.name ? station.name : 'RadioServer';
    const now = shownKey !== null && history.length ? displayTitle(history[shownIndex()]) : null;
    document.title = now ? `${now} · ${name}` : name;
  }

  function renderListeners(count) {
    if (!el.listeners || typeof count !== 'number') return;
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
    // The track started at the live edge: the edge is at least there now.
    const edge = liveNow();
    if (edge === null || edge < track.streamTime) {
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

  const CONNECTION = {
    connected: { icon: 'radio', text: 'Connected', title: 'Connected: live updates' },
    reconnecting: { icon: 'schedule', text: 'Reconnecting…', title: 'Connection lost: reconnecting' },
    connecting: { icon: 'schedule', text: 'Connecting…', title: 'Connecting to the station' },
    disconnected: { icon: 'signal_disconnected', text: 'Disconnected', title: 'Disconnected: trying again' },
  };
  let connectionState = null;

  function setConnection(state) {
    if (connectionState === state || !el.connection) return;
    connectionState = state;
    const c = CONNECTION[state];
    el.connection.dataset.icon = c.icon;
    el.connection.dataset.state = state;
    el.connection.title = c.title;
    setIcon(el.connection.querySelector('.icon'), c.icon);
    setText(el.connection.querySelector('.connection-text'), c.text);
  }

  let connection = null;
  let startAttempt = 0;
  let restartTimer = null;

  function connect() {
    if (typeof signalR === 'undefined') {
      setConnection('disconnected');
      setText(el.playerStatus, 'The live updates could not load (lib/signalr missing).');
      return;
    }
    connection = new signalR.HubConnectionBuilder()
      .withUrl(HUB_URL)
      .withAutomaticReconnect({
        // Never null: keep trying forever. After a failed attempt the server is known to be unreachable.
        nextRetryDelayInMilliseconds: (ctx) => {
          if (ctx.previousRetryCount > 0) setConnection('disconnected');
          return retryDelay(ctx.previousRetryCount);
        },
      })
      // The page shows the connection's state; the client's own error logging would only repeat it.
      .configureLogging(signalR.LogLevel.None)
      .build();

    connection.on('state', applyState);
    connection.on('nowPlaying', onNowPlaying);
    connection.on('onAir', onOnAir);
    connection.on('listeners', renderListeners);
    connection.on('streamStatus', onStreamStatus);

    connection.onreconnecting(() => setConnection('reconnecting'));
    connection.onreconnected(async () => {
      setConnection('connected');
      await refresh();
    });
    connection.onclose(() => {
      // Automatic reconnect never gives up, so this is a close it does not cover (e.g. the server said not
      // to reconnect): start again with the same backoff.
      setConnection('disconnected');
      scheduleStart();
    });
    start();
  }

  async function start() {
    restartTimer = null;
    try {
      await connection.start();
      startAttempt = 0;
      setConnection('connected'); // the server sends the state right after connect
    } catch (err) {
      setConnection('disconnected');
      scheduleStart();
    }
  }

  function scheduleStart() {
    if (restartTimer !== null) return;
    restartTimer = setTimeout(start, retryDelay(startAttempt++));
  }

  async function refresh() {
    try {
      applyState(await connection.invoke('GetState'));
    } catch (err) {
      console.warn('GetState failed:', err); // the state sent on connect is there anyway
    }
  }

  // ---------------------------------------------------------------- audio

  function setPlayerStatus(text, kind) {
    setText(el.playerStatus, text);
    if (el.playerStatus) el.playerStatus.dataset.kind = kind || 'info';
  }

  function setPressed(pressed) {
    el.play.setAttribute('aria-pressed', pressed ? 'true' : 'false');
    setIcon(el.play.querySelector('.icon'), pressed ? 'stop' : 'play_arrow');
  }

  function play() {
    const url = (station && station.streamUrl) || DEFAULT_STREAM_URL;
    // A live stream cannot resume where it stopped: a fresh request (new URL) each time starts at the live edge.
    el.audio.src = `${url}${url.includes('?') ? '&' : '?'}t=${Date.now()}`;
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

  function stop(message, kind) {
    playing = false;
    playStartedAt = null;
    el.audio.pause();
    el.audio.removeAttribute('src');
    el.audio.load(); // closes the stream request
    setPressed(false);
    setPlayerStatus(message || '', kind);
    renderTracks(); // everything announced is shown at once again
  }

  el.play.addEventListener('click', () => (playing ? stop() : play()));

  el.audio.addEventListener('playing', () => {
    if (playing) setPlayerStatus('Playing live.');
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
    get playing() { return playing; },
    get connection() { return connectionState; },
    get history() { return history.slice(); },
  });

  setConnection('connecting');
  connect();
})();
