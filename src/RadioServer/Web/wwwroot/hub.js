// One way for a page to stay connected to a SignalR hub (the listener page to /hubs/radio, the operators'
// page to its hubs): automatic reconnect that never gives up, a restart with the same back-off when the
// connection closes anyway, and the connection's state for the page's indicator. The SignalR browser client
// is the classic script /lib/signalr/signalr.min.js (from npm, copied by the build), loaded before the
// modules: it is the global `signalR`.

import { setIcon, setText } from './dom.js';

/** The wait before retry n (counted from 0), for automatic reconnects and restarts: 1, 2, 4, 8, 10, 10, ... s. */
export const retryDelay = (previousRetryCount) => Math.min(1000 * 2 ** previousRetryCount, 10000);

/**
 * Opens a connection to the hub at `url` and keeps it open until stop():
 * - accessToken: () => string, sent as the SignalR access token (the hub's key), or null for none;
 * - handlers: { messageName: handler } for what the server sends;
 * - onState(state, error): 'connecting' (at once), 'connected', 'reconnecting', 'disconnected' (the server
 *   cannot be reached: retrying); error is why, when a start or onConnected failed;
 * - onConnected(connection, { reconnected }): after every (re)connect, before 'connected' is reported: the
 *   place to fetch the state again (a new connection id has lost its groups and missed messages).
 * Throws if the SignalR client did not load. Returns { connection, state, stop() }; after stop() nothing is
 * called any more.
 */
export function openHub(url, { accessToken = null, handlers = {}, onState = () => {}, onConnected = null } = {}) {
  if (typeof signalR === 'undefined') throw new Error('The live updates could not load (lib/signalr missing).');
  let stopped = false;
  let state = null;
  let restartTimer = null;
  let startAttempt = 0;

  const report = (next, error) => {
    if (stopped) return;
    state = next;
    onState(next, error);
  };

  // WebSockets only, without the negotiate request: the connection is one request to whichever node the load
  // balancer picks, so a cluster needs no sticky sessions (negotiate and the fallback transports would have to land
  // on the same node as the connection they set up). Every browser the pages support has WebSockets.
  const options = { transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true };
  if (accessToken) options.accessTokenFactory = accessToken;
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(url, options)
    .withAutomaticReconnect({
      // Never null: keep trying forever. After a failed attempt the server is known to be unreachable.
      nextRetryDelayInMilliseconds: (ctx) => {
        if (ctx.previousRetryCount > 0) report('disconnected');
        return retryDelay(ctx.previousRetryCount);
      },
    })
    // The pages show the connection's state; the client's own error logging would only repeat it.
    .configureLogging(signalR.LogLevel.None)
    .build();

  for (const [name, handler] of Object.entries(handlers)) {
    connection.on(name, (...args) => {
      if (!stopped) handler(...args);
    });
  }
  connection.onreconnecting(() => report('reconnecting'));
  connection.onreconnected(() => connected(true));
  connection.onclose(() => {
    // Automatic reconnect never gives up, so this is a close it does not cover (e.g. the server said not
    // to reconnect): start again with the same back-off.
    report('disconnected');
    scheduleStart();
  });

  async function connected(reconnected) {
    try {
      if (onConnected && !stopped) await onConnected(connection, { reconnected });
    } catch (err) {
      report('disconnected', err);
      return;
    }
    report('connected');
  }

  async function start() {
    restartTimer = null;
    if (stopped) return;
    try {
      await connection.start();
    } catch (err) {
      report('disconnected', err);
      scheduleStart();
      return;
    }
    startAttempt = 0;
    await connected(false);
  }

  function scheduleStart() {
    if (stopped || restartTimer !== null) return;
    restartTimer = setTimeout(start, retryDelay(startAttempt++));
  }

  report('connecting');
  start();

  return {
    connection,
    get state() { return state; },
    async stop() {
      stopped = true;
      if (restartTimer !== null) clearTimeout(restartTimer);
      restartTimer = null;
      try {
        await connection.stop();
      } catch (_) { /* already closed */ }
    },
  };
}

const CONNECTION = {
  connected: { icon: 'radio', text: 'Connected', title: 'Connected: live updates' },
  connecting: { icon: 'schedule', text: 'Connecting…', title: 'Connecting to the station' },
  reconnecting: { icon: 'schedule', text: 'Reconnecting…', title: 'Connection lost: reconnecting' },
  disconnected: { icon: 'signal_disconnected', text: 'Disconnected', title: 'Disconnected: trying again' },
};

/**
 * Shows a connection state in a page's indicator (an element with an .icon and a .connection-text): its
 * data-state and data-icon (station.css colours it), icon, text and title; `text` and `title` replace the
 * state's own words.
 */
export function showConnection(node, state, { text, title } = {}) {
  const c = CONNECTION[state];
  node.dataset.state = state;
  node.dataset.icon = c.icon;
  node.title = title || c.title;
  setIcon(node.querySelector('.icon'), c.icon);
  setText(node.querySelector('.connection-text'), text || c.text);
}
