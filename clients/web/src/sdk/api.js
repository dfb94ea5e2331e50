// The server's HTTP API: the room list and matchmaking. Both are newer than
// the WebSocket protocol; a server without them answers 404, which these
// functions report as ApiUnavailable so that a page can fall back.

/**
 * The server has no such endpoint (HTTP 404 or 405): it is older than the
 * API.
 */
export class ApiUnavailable extends Error {
  /**
   * @param {string} what the endpoint, for the message
   * @param {number} status the HTTP status
   */
  constructor(what, status) {
    super(`${what} is not available on this server (HTTP ${status})`);
    this.name = 'ApiUnavailable';
    this.status = status;
  }
}

/** The server refused an API call: status is the HTTP status. */
export class ApiError extends Error {
  /**
   * @param {string} what the endpoint, for the message
   * @param {number} status the HTTP status
   * @param {string} message the server's error text, if any
   */
  constructor(what, status, message) {
    super(`${what}: ${message || `HTTP ${status}`}`);
    this.name = 'ApiError';
    this.status = status;
  }
}

/**
 * A room of the listing (GET /api/rooms).
 *
 * @typedef {object} RoomEntry
 * @property {string} id the room's id, for the hello's room
 * @property {string} game its game type
 * @property {number} players seated players, present or away, and reserved seats
 * @property {number} maxPlayers its seats
 * @property {boolean} locked it takes no new players
 * @property {boolean} private it is not listed (always false in a listing)
 */

/**
 * Options of the HTTP API calls.
 *
 * @typedef {object} ApiOptions
 * @property {typeof globalThis.fetch} [fetch] the fetch to use (globalThis.fetch)
 * @property {AbortSignal} [signal] aborts the call
 */

/**
 * A seat request (POST /api/matchmake); every field is optional.
 *
 * @typedef {object} MatchmakeRequest
 * @property {'quick' | 'create' | 'join'} [mode] quick (the default) joins or creates, as quick play does
 * @property {string} [game] the game type, for quick and create
 * @property {string} [room] the room, for join
 * @property {boolean} [private] create: an unlisted room
 * @property {number} [maxPlayers] create: its seats (0: the server's maximum)
 */

/**
 * A held seat: send reservation in the hello within 15 s.
 *
 * @typedef {object} Reservation
 * @property {string} room
 * @property {string} game
 * @property {string} reservation the token for the hello's reservation
 */

/**
 * Lists public rooms: [{id, game, players, maxPlayers, locked, private}].
 *
 * @param {string | URL} base the server's HTTP origin, e.g. location.origin
 * @param {ApiOptions & {game?: string}} [opts] game: only rooms of this game
 * @returns {Promise<RoomEntry[]>}
 * @throws {ApiUnavailable | ApiError}
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
 *
 * @param {string | URL} base the server's HTTP origin
 * @param {MatchmakeRequest} req
 * @param {ApiOptions} [opts]
 * @returns {Promise<Reservation>}
 * @throws {ApiUnavailable | ApiError}
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

/**
 * @param {Response} res
 * @returns {Promise<string>}
 */
async function errorText(res) {
  try {
    const body = await res.json();
    return typeof body?.error === 'string' ? body.error : '';
  } catch {
    return '';
  }
}

/**
 * The WebSocket URL of a page's server: ws(s)://host/ws.
 *
 * @param {{protocol: string, host: string}} location a page's location, or a URL
 * @returns {string}
 */
export function wsURL(location) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/ws`;
}
