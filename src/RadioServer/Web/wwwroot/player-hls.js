// HLS mode of the listener page: /hls/live.m3u8 through hls.js (npm, copied to /lib/hls/ at build time), used when
// the page is asked (?hls=1) or when the <audio> element cannot play the MP3 stream itself but Media Source
// Extensions can (?hls=0 never). The server side: src/RadioServer/Hls (docs/api.md, "HLS").
//
// NOW PLAYING in sync with the HLS audio. The hub says where each title starts as a stream time (stream position
// / bitrate). Every segment begins with an ID3 tag carrying its first frame's stream position (TXXX
// "StreamPosition") and its PTS (the com.apple.streaming.transportStreamTimestamp PRIV, the same instant at 90 kHz).
// hls.js hands each tag over with the media time (audio.currentTime's timeline) it will play at; from those
// anchors, what the ear hears now is the newest anchor at or before audio.currentTime plus the time since:
//   heard = anchor.streamTime + (audio.currentTime - anchor.mediaTime)
// exact to the frame whatever hls.js's distance from the live edge, its stalls or its catch-up. (The program
// date time is the station's wall clock at the segment's start, for other players; the page does not need it.)

const HLS_SCRIPT = '/lib/hls/hls.light.min.js';
export const HLS_URL = '/hls/live.m3u8';
const PTS_WRAP_SECONDS = 2 ** 33 / 90000; // the PTS is 33 bits: it wraps every ~26.5 h of stream
const MAX_ANCHORS = 64;

let loading = null;

/** Loads hls.js (a classic script: window.Hls) once, on first use. */
function loadHls() {
  if (window.Hls) return Promise.resolve(window.Hls);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = HLS_SCRIPT;
      script.onload = () => (window.Hls ? resolve(window.Hls) : reject(new Error('hls.js did not load.')));
      script.onerror = () => {
        loading = null;
        reject(new Error('hls.js could not be loaded.'));
      };
      document.head.append(script);
    });
  }
  return loading;
}

/** Whether to play HLS: ?hls=1 yes, ?hls=0 no; otherwise only where the element refuses MP3 and MSE is there. */
export function hlsWanted(audio, search = window.location.search) {
  const asked = new URLSearchParams(search).get('hls');
  if (asked === '1') return true;
  if (asked === '0') return false;
  const mse = typeof window.MediaSource !== 'undefined' || typeof window.ManagedMediaSource !== 'undefined';
  return mse && audio.canPlayType('audio/mpeg') === '';
}

/** Stream position (TXXX StreamPosition) and 90 kHz timestamp (PRIV) from an ID3v2.3/2.4 tag; null fields if absent. */
export function readSegmentTag(data) {
  const out = { position: null, pts: null };
  if (!data || data.length < 10 || data[0] !== 0x49 || data[1] !== 0x44 || data[2] !== 0x33) return out;
  const version = data[3];
  const syncsafe = (i) => (data[i] << 21) | (data[i + 1] << 14) | (data[i + 2] << 7) | data[i + 3];
  const plain = (i) => ((data[i] << 24) >>> 0) + (data[i + 1] << 16) + (data[i + 2] << 8) + data[i + 3];
  const end = Math.min(data.length, 10 + syncsafe(6));
  const ascii = (from, to) => String.fromCharCode(...data.subarray(from, to));
  for (let at = 10; at + 10 <= end && data[at] !== 0;) {
    const id = ascii(at, at + 4);
    const size = version >= 4 ? syncsafe(at + 4) : plain(at + 4);
    const body = data.subarray(at + 10, Math.min(end, at + 10 + size));
    if (id === 'PRIV') {
      const zero = body.indexOf(0);
      if (zero > 0 && ascii(at + 10, at + 10 + zero) === 'com.apple.streaming.transportStreamTimestamp' && body.length >= zero + 9) {
        const b = body.subarray(zero + 1, zero + 9);
        out.pts = (b[3] & 1) * 2 ** 32 + ((b[4] << 24) >>> 0) + (b[5] << 16) + (b[6] << 8) + b[7];
      }
    } else if (id === 'TXXX' && body.length > 1) {
      const text = new TextDecoder().decode(body.subarray(1));
      const [description, value] = text.split('\0');
      if (description === 'StreamPosition' && /^\d+$/.test(value || '')) out.position = Number(value);
    }
    at += 10 + size;
  }
  return out;
}

/**
 * The page's HLS player on its <audio> element. bitrateKbps() and liveNow() come from the hub's state (the stream
 * time a position is, and roughly where the live edge is, to place a wrapped PTS).
 */
export function hlsPlayer(audio, { bitrateKbps, liveNow, onStatus = () => {}, onFatal = () => {} }) {
  let hls = null;
  let anchors = []; // { media: seconds on audio.currentTime's timeline, stream: stream seconds }, oldest first
  let reload = null; // the timer loading the playlist again after hls.js gave up on it
  let reloads = 0;   // playlist failures in a row: the back-off

  function streamTimeOf(tag) {
    const rate = bitrateKbps();
    if (tag.position !== null && rate > 0) return (tag.position * 8) / (rate * 1000);
    if (tag.pts === null) return null;
    const seconds = tag.pts / 90000;
    const edge = liveNow();
    return edge === null ? seconds : seconds + Math.round((edge - seconds) / PTS_WRAP_SECONDS) * PTS_WRAP_SECONDS;
  }

  function onMetadata(_, data) {
    for (const sample of data.samples || []) {
      const stream = streamTimeOf(readSegmentTag(sample.data));
      if (stream === null || !isFinite(sample.pts)) continue;
      anchors = anchors.filter((a) => Math.abs(a.media - sample.pts) > 0.001);
      anchors.push({ media: sample.pts, stream });
      anchors.sort((a, b) => a.media - b.media);
      if (anchors.length > MAX_ANCHORS) anchors.shift();
    }
  }

  async function start() {
    stop();
    const Hls = await loadHls();
    if (!Hls.isSupported()) throw new Error('this browser can play neither the MP3 stream nor HLS');
    // Three segments behind the live edge (hls.js's default, RFC 8216 §6.3.3); no low-latency parts.
    hls = new Hls({ lowLatencyMode: false, liveSyncDurationCount: 3, enableID3MetadataCues: false });
    anchors = [];
    hls.on(Hls.Events.FRAG_PARSING_METADATA, onMetadata);
    hls.on(Hls.Events.MANIFEST_LOADED, () => { reloads = 0; });
    hls.on(Hls.Events.ERROR, (_, data) => {
      if (!data.fatal) return;
      const status = data.response && data.response.code;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR && (data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR || data.details === Hls.ErrorDetails.MANIFEST_LOAD_TIMEOUT)) {
        // The playlist itself failed: hls.js tries it twice, and startLoad() only reloads playlists it has. A 503 (no
        // segment cut yet: the station just went on air) or the server away: load it again, 1 s doubling to 8 s.
        if (status >= 400 && status < 500) {
          onFatal(`HLS playback failed (the playlist answered ${status}).`);
          return;
        }
        onStatus('Reconnecting…');
        const source = hls;
        reload = setTimeout(() => {
          reload = null;
          if (hls === source) hls.loadSource(HLS_URL);
        }, Math.min(8000, 1000 * 2 ** reloads++));
      } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
        onStatus('Reconnecting…');
        hls.startLoad(); // a level playlist or a segment failed: try again (hls.js backs off)
      } else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else {
        onFatal(`HLS playback failed (${data.details}).`);
      }
    });
    hls.attachMedia(audio);
    hls.loadSource(HLS_URL);
    await audio.play();
  }

  function stop() {
    clearTimeout(reload);
    reload = null;
    reloads = 0;
    if (hls) {
      hls.destroy();
      hls = null;
    }
    anchors = [];
  }

  /** The stream time the listener hears now, or null before the first segment has been parsed. */
  function heardNow() {
    if (!hls) return null;
    if (anchors.length === 0) {
      // No segment parsed yet: hls.js will start its target latency (three segments) behind the live edge.
      const edge = liveNow();
      return edge !== null && hls.targetLatency ? Math.max(0, edge - hls.targetLatency) : null;
    }
    const t = audio.currentTime || 0;
    let anchor = anchors[0];
    for (const a of anchors) {
      if (a.media <= t + 0.001) anchor = a;
      else break;
    }
    return anchor.stream + (t - anchor.media);
  }

  return {
    start,
    stop,
    heardNow,
    get active() { return hls !== null; },
    get anchors() { return anchors.slice(); },
  };
}
