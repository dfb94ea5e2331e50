// The tickroom JavaScript client SDK (protocol tickroom.v2).
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
} from './codec.js';
export { SnapshotBuffer } from './snapshots.js';
export { InputLog } from './inputs.js';
export { listRooms, matchmake, wsURL, ApiError, ApiUnavailable } from './api.js';
