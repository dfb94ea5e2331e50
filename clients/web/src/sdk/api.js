// The server's HTTP API: the room list, matchmaking, and what the server
// keeps (leaderboards, players, matches). They are newer than the
// WebSocket protocol; a server without them answers 404, which these
// functions report as ApiUnavailable so that a page can fall back. A
// server that keeps nothing (no store), or whose database fails, answers
// the keeping ones with 503: an ApiError whose status is 503.

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

/**
 * The server refused an API call: status is the HTTP status (503: the
 * server keeps no data, or its database failed; 400: a bad parameter).
 */
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
 * A leaderboard's period: the last 24 hours, the last 7 days, or all time.
 *
 * @typedef {'day' | 'week' | 'all'} Period
 */

/**
 * A line of a leaderboard: a player's best score in the period.
 *
 * @typedef {object} LeaderboardEntry
 * @property {number} rank 1 for the best
 * @property {number} player the stable player id
 * @property {string} name the player's display name, as sent: show it as text
 * @property {number} score
 * @property {Date} at when the score was made
 */

/**
 * A leaderboard (GET /api/leaderboard).
 *
 * @typedef {object} Leaderboard
 * @property {string} game
 * @property {Period} period
 * @property {LeaderboardEntry[]} entries best first
 */

/**
 * A player's best in one period: its place on the game's board.
 *
 * @typedef {object} BestEntry
 * @property {number} rank
 * @property {number} score
 * @property {Date} at
 */

/**
 * One of a player's recent results (a Snake life, say).
 *
 * @typedef {object} PlayerResult
 * @property {string} room
 * @property {number} score
 * @property {number} kills
 * @property {string} cause how it ended (Snake: wall, self, body, head-on)
 * @property {number} lifeTicks how long it lasted, in ticks
 * @property {Date} at when it ended
 */

/**
 * What the server keeps about a player (GET /api/players/me and
 * /api/players/{id}).
 *
 * @typedef {object} PlayerRecord
 * @property {number} id the stable player id
 * @property {string} name the display name
 * @property {Date | null} created
 * @property {Date | null} lastSeen the player's last visit (null from playerById: it is not public)
 * @property {{day: BestEntry | null, week: BestEntry | null, all: BestEntry | null}} best
 *   the player's best on the game's board in each period; null for none
 * @property {PlayerResult[]} recent the newest results first
 */

/**
 * One player's line in a match.
 *
 * @typedef {object} MatchPlayer
 * @property {number} player the stable player id; 0 for a guest
 * @property {string} name
 * @property {number} score
 * @property {number} kills
 */

/**
 * How a room's match ended (GET /api/matches).
 *
 * @typedef {object} Match
 * @property {string} game
 * @property {string} room
 * @property {Date | null} started
 * @property {Date | null} ended
 * @property {MatchPlayer[]} players in rank order
 */

/**
 * The leaderboard of a game (its default: the server's default game) in a
 * period (default all time): the best score of each player, best first,
 * limit lines (10 by default; 1 to 100).
 *
 * @param {string | URL} base the server's HTTP origin
 * @param {ApiOptions & {game?: string, period?: Period, limit?: number}} [opts]
 * @returns {Promise<Leaderboard>}
 * @throws {ApiUnavailable | ApiError} ApiError status 503 when the server keeps no scores
 */
export async function leaderboard(base, { game, period, limit, fetch: f = globalThis.fetch, signal } = {}) {
  const url = new URL('/api/leaderboard', base);
  if (game) url.searchParams.set('game', game);
  if (period) url.searchParams.set('period', period);
  if (limit !== undefined) url.searchParams.set('limit', String(limit));
  const body = await getJSON(f, url, 'The leaderboard', { signal });
  if (!body || !Array.isArray(body.entries)) throw new ApiError('leaderboard', 200, 'unexpected answer');
  return {
    game: String(body.game ?? ''),
    period: /** @type {Period} */ (String(body.period ?? '')),
    entries: body.entries
      .filter((/** @type {any} */ e) => e && typeof e === 'object')
      .map((/** @type {any} */ e) => ({ rank: num(e.rank), player: num(e.player), name: String(e.name ?? ''), score: num(e.score), at: date(e.at) ?? new Date(NaN) })),
  };
}

/**
 * What the server keeps about the player whose key this is: id, name, best
 * on the game's board in each period, recent results. null when the
 * server knows no such key (it has never played here; asking creates no
 * player). The key goes in a header, never in the URL.
 *
 * @param {string | URL} base the server's HTTP origin
 * @param {string} key the player key
 * @param {ApiOptions & {game?: string}} [opts] game: whose board the bests are on
 * @returns {Promise<PlayerRecord | null>}
 * @throws {ApiUnavailable | ApiError} ApiError status 503 when the server keeps no players
 */
export async function playerByKey(base, key, { game, fetch: f = globalThis.fetch, signal } = {}) {
  const url = new URL('/api/players/me', base);
  if (game) url.searchParams.set('game', game);
  const body = await getJSON(f, url, 'Players', { signal, headers: { 'X-Player-Key': key }, notFound: true });
  return body === undefined ? null : playerRecord(body);
}

/**
 * What the server shows of a player by id (as playerByKey, without
 * lastSeen). null when there is no such player.
 *
 * @param {string | URL} base the server's HTTP origin
 * @param {number} id the stable player id
 * @param {ApiOptions & {game?: string}} [opts]
 * @returns {Promise<PlayerRecord | null>}
 * @throws {ApiUnavailable | ApiError}
 */
export async function playerById(base, id, { game, fetch: f = globalThis.fetch, signal } = {}) {
  const url = new URL(`/api/players/${encodeURIComponent(String(id))}`, base);
  if (game) url.searchParams.set('game', game);
  const body = await getJSON(f, url, 'Players', { signal, notFound: true });
  return body === undefined ? null : playerRecord(body);
}

/**
 * The newest matches of a game (limit, 10 by default; 1 to 50), newest first.
 *
 * @param {string | URL} base the server's HTTP origin
 * @param {ApiOptions & {game?: string, limit?: number}} [opts]
 * @returns {Promise<Match[]>}
 * @throws {ApiUnavailable | ApiError}
 */
export async function recentMatches(base, { game, limit, fetch: f = globalThis.fetch, signal } = {}) {
  const url = new URL('/api/matches', base);
  if (game) url.searchParams.set('game', game);
  if (limit !== undefined) url.searchParams.set('limit', String(limit));
  const body = await getJSON(f, url, 'Matches', { signal });
  if (!body || !Array.isArray(body.matches)) throw new ApiError('matches', 200, 'unexpected answer');
  return body.matches
    .filter((/** @type {any} */ m) => m && typeof m === 'object')
    .map((/** @type {any} */ m) => ({
      game: String(m.game ?? ''),
      room: String(m.room ?? ''),
      started: date(m.started),
      ended: date(m.ended),
      players: (Array.isArray(m.players) ? m.players : [])
        .filter((/** @type {any} */ p) => p && typeof p === 'object')
        .map((/** @type {any} */ p) => ({ player: num(p.player), name: String(p.name ?? ''), score: num(p.score), kills: num(p.kills) })),
    }));
}

/**
 * GETs url and returns its JSON body. A 404 is ApiUnavailable, unless
 * notFound and the body is the API's JSON error (a player it does not
 * know), which gives undefined: a server without the endpoint answers
 * 404 in plain text.
 *
 * @param {typeof globalThis.fetch} f
 * @param {URL} url
 * @param {string} what
 * @param {{signal?: AbortSignal, headers?: Record<string, string>, notFound?: boolean}} o
 * @returns {Promise<any>}
 */
async function getJSON(f, url, what, { signal, headers = {}, notFound = false }) {
  const res = await f(url, { signal, headers: { Accept: 'application/json', ...headers } });
  if (res.status === 404 && notFound && /json/.test(res.headers.get('Content-Type') ?? '')) return undefined;
  if (res.status === 404 || res.status === 405) throw new ApiUnavailable(what, res.status);
  if (!res.ok) throw new ApiError(what.toLowerCase(), res.status, await errorText(res));
  try {
    return await res.json();
  } catch {
    throw new ApiError(what.toLowerCase(), res.status, 'not JSON');
  }
}

/**
 * @param {any} b
 * @returns {PlayerRecord}
 */
function playerRecord(b) {
  if (!b || typeof b !== 'object' || b.id === undefined) throw new ApiError('players', 200, 'unexpected answer');
  const best = b.best && typeof b.best === 'object' ? b.best : {};
  /** @param {any} e @returns {BestEntry | null} */
  const entry = (e) => (e && typeof e === 'object' ? { rank: num(e.rank), score: num(e.score), at: date(e.at) ?? new Date(NaN) } : null);
  return {
    id: num(b.id),
    name: String(b.name ?? ''),
    created: date(b.created),
    lastSeen: date(b.lastSeen),
    best: { day: entry(best.day), week: entry(best.week), all: entry(best.all) },
    recent: (Array.isArray(b.recent) ? b.recent : [])
      .filter((/** @type {any} */ r) => r && typeof r === 'object')
      .map((/** @type {any} */ r) => ({
        room: String(r.room ?? ''),
        score: num(r.score),
        kills: num(r.kills),
        cause: String(r.cause ?? ''),
        lifeTicks: num(r.lifeTicks),
        at: date(r.at) ?? new Date(NaN),
      })),
  };
}

/**
 * @param {unknown} v
 * @returns {number}
 */
function num(v) {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

/**
 * @param {unknown} v an RFC 3339 time
 * @returns {Date | null}
 */
function date(v) {
  if (typeof v !== 'string' || v === '') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
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
