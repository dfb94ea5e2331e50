// WebSocket close codes of tickroom.v2 (docs/protocol.md, "Close codes"), with a
// message to show a player and whether reconnecting can help.

/** Close codes by name. */
export const CloseCode = Object.freeze({
  NORMAL: 1000,
  GOING_AWAY: 1001,
  ABNORMAL: 1006,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  TRY_AGAIN_LATER: 1013,
  BAD_MESSAGE: 4000,
  BAD_VERSION: 4001,
  HELLO_TIMEOUT: 4002,
  TOO_SLOW: 4003,
  FLOOD: 4004,
  ROOM_CLOSED: 4005,
  SHUTTING_DOWN: 4006,
  KICKED: 4007,
  ROOM_FULL: 4008,
  PING_TIMEOUT: 4009,
  REPLACED: 4010,
  UNAUTHORIZED: 4011,
  ROOM_NOT_FOUND: 4012,
  BAD_HELLO: 4013,
  TOO_MANY_CONNECTIONS: 4014,
  THROTTLED: 4015,
  REDIRECT: 4016,
});

// code: [name, message, reconnect]. Codes that describe a decision (the
// player left, the room is full, the page is out of date) stop the client;
// codes that describe a lost or overloaded connection let it try again.
/** @type {Map<number, [name: string, message: string, reconnect: boolean]>} */
const TABLE = new Map([
  [1000, ['normal', 'You left the room.', false]],
  [1001, ['going_away', 'The server went away.', true]],
  [1006, ['abnormal', 'The connection was lost.', true]],
  [1009, ['message_too_big', 'This client sent a message that was too big.', false]],
  [1011, ['internal_error', 'The server hit an internal error.', true]],
  [1013, ['try_again_later', 'The room was busy. Trying again.', true]],
  [4000, ['bad_message', 'The server could not understand this client. Reload the page.', false]],
  [4001, ['bad_version', 'This page does not speak the server’s protocol version. Reload the page.', false]],
  [4002, ['hello_timeout', 'The server did not hear from this client in time.', true]],
  [4003, ['too_slow', 'Your connection was too slow to keep up.', true]],
  [4004, ['flood', 'Too many messages were sent too fast.', true]],
  [4005, ['room_closed', 'The room was closed.', false]],
  [4006, ['shutting_down', 'The server is shutting down.', true]],
  [4007, ['kicked', 'You were removed from the room.', false]],
  [4008, ['room_full', 'The room is full.', false]],
  [4009, ['ping_timeout', 'The server stopped hearing from you.', true]],
  [4010, ['replaced', 'You joined from another tab or device.', false]],
  [4011, ['unauthorized', 'The server refused to let you join.', false]],
  [4012, ['room_not_found', 'That room does not exist (any more).', false]],
  [4013, ['bad_hello', 'The server refused this client’s greeting. Reload the page.', false]],
  [4014, ['too_many_connections', 'The server is too busy right now.', true]],
  [4015, ['throttled', 'Too many requests from your address; try again shortly.', true]],
  [4016, ['redirect', 'The room is on another server of the cluster.', true]],
]);

/**
 * What a close code means.
 *
 * @typedef {object} CloseInfo
 * @property {number} code the WebSocket close code
 * @property {string} name its name in docs/protocol.md (room_full, kicked, ...), or 'other'
 * @property {string} message a sentence to show a player
 * @property {boolean} reconnect whether reconnecting can help
 * @property {string} reason the close frame's reason text
 */

/**
 * Describes a close code: {code, name, message, reconnect, reason}.
 * Unknown codes in the application range (4000-4999) are taken as
 * decisions and do not reconnect; other unknown codes do.
 *
 * @param {number} code
 * @param {string} [reason] the close frame's reason
 * @returns {CloseInfo}
 */
export function describeClose(code, reason = '') {
  const known = TABLE.get(code);
  if (known) {
    const [name, message, reconnect] = known;
    return { code, name, message, reconnect, reason };
  }
  const app = code >= 4000 && code <= 4999;
  return {
    code,
    name: 'other',
    message: reason ? `Disconnected: ${reason}` : `Disconnected (code ${code}).`,
    reconnect: !app,
    reason,
  };
}
