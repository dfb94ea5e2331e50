// The tickroom JavaScript client SDK (protocol tickroom.v2), published as
// @tickroom/client: see README.md beside this file.
export { TickroomClient, RequestError, State, CLOSE_STALE, CLOSE_RESYNC, REQUEST_TIMEOUT_MS } from './client.js';
export { crc32 } from './crc32.js';
export { Backoff, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
export { CloseCode, describeClose } from './closecodes.js';
export {
  SUBPROTOCOL,
  MsgType,
  MAX_CHAT_CHARS,
  ProtocolError,
  decodeMessage,
  encodeHello,
  encodeInput,
  encodePong,
  encodeChat,
  encodeLeave,
  encodeRequest,
  isPlayerKey,
  MIN_KEY_LENGTH,
  MAX_KEY_LENGTH,
} from './codec.js';
export { createPlayerKey, PLAYER_KEY_BYTES } from './playerkey.js';
export { SnapshotBuffer } from './snapshots.js';
export { InputLog } from './inputs.js';
export { listRooms, matchmake, leaderboard, playerByKey, playerById, recentMatches, wsURL, ApiError, ApiUnavailable } from './api.js';
export { Emitter } from './emitter.js';

// The types of the API, for TypeScript and editors (import type {...}).
/**
 * @typedef {import('./client.js').ClientOptions} ClientOptions
 * @typedef {import('./client.js').ClientEvents} ClientEvents
 * @typedef {import('./client.js').ConnectionState} ConnectionState
 * @typedef {import('./client.js').Snapshot} Snapshot
 * @typedef {import('./client.js').RoomEvent} RoomEvent
 * @typedef {import('./client.js').RequestOptions} RequestOptions
 * @typedef {import('./client.js').RequestErrorCode} RequestErrorCode
 * @typedef {import('./client.js').RoomRequests} RoomRequests
 * @typedef {import('./client.js').RoomInfo} RoomInfo
 * @typedef {import('./client.js').WebSocketLike} WebSocketLike
 * @typedef {import('./client.js').WebSocketConstructor} WebSocketConstructor
 * @typedef {import('./codec.js').Hello} Hello
 * @typedef {import('./codec.js').Welcome} Welcome
 * @typedef {import('./codec.js').RosterEntry} RosterEntry
 * @typedef {import('./codec.js').HistoryEntry} HistoryEntry
 * @typedef {import('./client.js').HistoryLine} HistoryLine
 * @typedef {import('./codec.js').Message} Message
 * @typedef {import('./codec.js').ServerMessage} ServerMessage
 * @typedef {import('./codec.js').ClientMessage} ClientMessage
 * @typedef {import('./closecodes.js').CloseInfo} CloseInfo
 * @typedef {import('./backoff.js').BackoffOptions} BackoffOptions
 * @typedef {import('./api.js').RoomEntry} RoomEntry
 * @typedef {import('./api.js').ApiOptions} ApiOptions
 * @typedef {import('./api.js').MatchmakeRequest} MatchmakeRequest
 * @typedef {import('./api.js').Reservation} Reservation
 * @typedef {import('./api.js').Period} Period
 * @typedef {import('./api.js').Leaderboard} Leaderboard
 * @typedef {import('./api.js').LeaderboardEntry} LeaderboardEntry
 * @typedef {import('./api.js').BestEntry} BestEntry
 * @typedef {import('./api.js').PlayerRecord} PlayerRecord
 * @typedef {import('./api.js').PlayerResult} PlayerResult
 * @typedef {import('./api.js').Match} Match
 * @typedef {import('./api.js').MatchPlayer} MatchPlayer
 * @typedef {import('./snapshots.js').BufferedSnapshot} BufferedSnapshot
 */
