package netcode

import "github.com/coder/websocket"

// Close codes, in the WebSocket private range. Each one's meaning is part of
// the protocol and documented in docs/protocol.md.
const (
	// CloseBadMessage: too many malformed or unknown messages.
	CloseBadMessage websocket.StatusCode = 4000
	// CloseBadVersion: the client did not offer Subprotocol.
	CloseBadVersion websocket.StatusCode = 4001
	// CloseHelloTimeout: no hello within the hello timeout.
	CloseHelloTimeout websocket.StatusCode = 4002
	// CloseTooSlow: the client did not read its reliable messages fast
	// enough and its reliable queue overflowed.
	CloseTooSlow websocket.StatusCode = 4003
	// CloseFlood: the client kept sending past its rate limit.
	CloseFlood websocket.StatusCode = 4004
	// CloseRoomClosed: the room ended.
	CloseRoomClosed websocket.StatusCode = 4005
	// CloseShuttingDown: the server is shutting down or draining.
	CloseShuttingDown websocket.StatusCode = 4006
	// CloseKicked: removed by the server or an operator.
	CloseKicked websocket.StatusCode = 4007
	// CloseRoomFull: the room has no free seat.
	CloseRoomFull websocket.StatusCode = 4008
	// ClosePingTimeout: no pong within the heartbeat timeout.
	ClosePingTimeout websocket.StatusCode = 4009
	// CloseReplaced: the same session resumed on another connection.
	CloseReplaced websocket.StatusCode = 4010
	// CloseUnauthorized: the join was refused (auth, bad reservation or
	// session token).
	CloseUnauthorized websocket.StatusCode = 4011
	// CloseRoomNotFound: the hello named a room that does not exist.
	CloseRoomNotFound websocket.StatusCode = 4012
	// CloseBadHello: the first message was not a valid hello.
	CloseBadHello websocket.StatusCode = 4013
	// CloseTooManyConns: the server or the client's address has too many
	// connections, or the server too many rooms.
	CloseTooManyConns websocket.StatusCode = 4014
	// CloseThrottled: the client's address asked for too much too fast
	// (room creations, failed room or token lookups); retry later.
	CloseThrottled websocket.StatusCode = 4015
	// CloseRedirect: the room the hello asks for is hosted by another
	// server of the cluster; the close reason is its WebSocket URL, where
	// the client sends the same hello again.
	CloseRedirect websocket.StatusCode = 4016
	// CloseLeft: the client sent leave; the server confirms.
	CloseLeft = websocket.StatusNormalClosure
)

// CloseName is a short stable name for a close code, for logs and metrics.
func CloseName(code websocket.StatusCode) string {
	switch code {
	case CloseBadMessage:
		return "bad_message"
	case CloseBadVersion:
		return "bad_version"
	case CloseHelloTimeout:
		return "hello_timeout"
	case CloseTooSlow:
		return "too_slow"
	case CloseFlood:
		return "flood"
	case CloseRoomClosed:
		return "room_closed"
	case CloseShuttingDown:
		return "shutting_down"
	case CloseKicked:
		return "kicked"
	case CloseRoomFull:
		return "room_full"
	case ClosePingTimeout:
		return "ping_timeout"
	case CloseReplaced:
		return "replaced"
	case CloseUnauthorized:
		return "unauthorized"
	case CloseRoomNotFound:
		return "room_not_found"
	case CloseBadHello:
		return "bad_hello"
	case CloseTooManyConns:
		return "too_many_connections"
	case CloseThrottled:
		return "throttled"
	case CloseRedirect:
		return "redirect"
	case websocket.StatusNormalClosure:
		return "normal"
	case websocket.StatusGoingAway:
		return "going_away"
	case websocket.StatusMessageTooBig:
		return "message_too_big"
	case websocket.StatusAbnormalClosure:
		return "abnormal"
	case websocket.StatusInternalError:
		return "internal_error"
	case websocket.StatusTryAgainLater:
		return "try_again_later"
	case -1:
		return "transport"
	}
	return "other"
}
