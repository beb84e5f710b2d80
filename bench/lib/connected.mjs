/** How long a bench client may take to connect before the run fails rather than hangs. */
const CONNECT_TIMEOUT_MS = 15_000;

/**
 * Resolves with the socket once a socket.io-client (without reconnection) is connected; rejects
 * on its connect_error or after the timeout, naming `who`.
 * @template {import('socket.io-client').Socket} S
 * @param {S} socket @param {string} who @param {string} url
 * @returns {Promise<S>}
 */
export function connected(socket, who, url) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${who}: no connection to ${url}`)),
      CONNECT_TIMEOUT_MS,
    );
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
