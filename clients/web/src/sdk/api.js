// The server's HTTP API: the room list and matchmaking. Both are newer than
// the WebSocket protocol; a server without them answers 404, which these
// functions report as ApiUnavailable so that a page can fall back.

export class ApiUnavailable extends Error {
  constructor(what, status) {
    super(`${what} is not available on this server (HTTP ${status})`);
    this.name = 'ApiUnavailable';
    this.status = status;
  }
}

export class ApiError extends Error {
  constructor(what, status, message) {
    super(`${what}: ${message || `HTTP ${status}`}`);
    this.name = 'ApiError';
    this.status = status;
  }
}

/**
 * Lists public rooms: [{id, game, players, maxPlayers, locked, private}].
 * @param {string} base the server's HTTP origin, e.g. location.origin
 */
export async function listRooms(base, { game, fetch: f = globalThis.fetch, signal } = {}) {
  const url = new URL('/api/rooms', base);
  if (game) url.searchParams.set('game', game);
  const res = await f(url, { signal, headers: { Accept: 'application/json' } });
  if (res.status === 404 || res.status === 405) throw new ApiUnavailable('The room list', res.status);
  if (!res.ok) throw new ApiError('room list', res.status, await errorText(res));
  const rooms = await res.json();
  if (!Array.isArray(rooms)) throw new ApiError('room list', res.status, 'not a JSON array');
  return rooms
    .filter((r) => r && typeof r.id === 'string')
    .map((r) => ({
      id: r.id,
      game: String(r.game ?? ''),
      players: Number(r.players) || 0,
      maxPlayers: Number(r.maxPlayers) || 0,
      locked: r.locked === true,
      private: r.private === true,
    }));
}

/**
 * Asks for a seat: mode 'quick', 'create' or 'join' (with room). Returns
 * {room, game, reservation}, to send in the hello.
 */
export async function matchmake(base, req, { fetch: f = globalThis.fetch, signal } = {}) {
  const res = await f(new URL('/api/matchmake', base), {
    method: 'POST',
    signal,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(req),
  });
  if (res.status === 404 || res.status === 405) throw new ApiUnavailable('Matchmaking', res.status);
  if (!res.ok) throw new ApiError('matchmaking', res.status, await errorText(res));
  const r = await res.json();
  if (!r || typeof r.room !== 'string' || typeof r.reservation !== 'string') {
    throw new ApiError('matchmaking', res.status, 'unexpected answer');
  }
  return { room: r.room, game: String(r.game ?? ''), reservation: r.reservation };
}

async function errorText(res) {
  try {
    const body = await res.json();
    return typeof body?.error === 'string' ? body.error : '';
  } catch {
    return '';
  }
}

/** The WebSocket URL of a page's server: ws(s)://host/ws. */
export function wsURL(location) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/ws`;
}
