/** Holds the token the handshake presents; read at every (re)connect, so a new one applies. */
export interface TokenHolder {
  current: string | null;
}

/** `?token=` from the page URL, e.g. a link an identity provider redirected to. */
export function resolveToken(search: string): TokenHolder {
  const token = new URLSearchParams(search).get('token')?.trim();
  return { current: token || null };
}

/** The handshake's `auth`: socket.io-client calls it before every connection attempt. */
export function handshakeAuth(holder: TokenHolder) {
  return (send: (auth: { token?: string }) => void) =>
    send(holder.current ? { token: holder.current } : {});
}
