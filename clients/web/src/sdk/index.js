// The tickroom JavaScript client SDK (protocol tickroom.v1).
export { TickroomClient, State, CLOSE_STALE } from './client.js';
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
} from './codec.js';
export { SnapshotBuffer } from './snapshots.js';
export { InputLog } from './inputs.js';
export { listRooms, matchmake, wsURL, ApiError, ApiUnavailable } from './api.js';
