package lobby

import (
	"context"
	"errors"
	"net/http"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netcode"
)

// errorCode is what every surface says of one error: the close code that a
// refused hello gets, with a fixed reason or the error's text, and the HTTP
// status the API answers with.
type errorCode struct {
	err    error
	name   string // the error's Go name, for the docs and the table's test
	close  websocket.StatusCode
	reason string // "" sends the error's own text
	status int
}

// errorCodes is the one table of the lobby's errors; the first entry the
// error wraps decides. An error in none of them is an internal one: 1011
// "join failed" on /ws, 500 on the API.
func errorCodes() []errorCode {
	return []errorCode{
		{ErrBadRequest, "ErrBadRequest", netcode.CloseBadHello, "", http.StatusBadRequest},
		{ErrBadHello, "ErrBadHello", netcode.CloseBadHello, "", http.StatusBadRequest},
		{ErrCrossOrigin, "ErrCrossOrigin", netcode.CloseUnauthorized, "", http.StatusForbidden},
		{ErrUnauthorized, "ErrUnauthorized", netcode.CloseUnauthorized, "", http.StatusUnauthorized},
		{ErrBadSession, "ErrBadSession", netcode.CloseUnauthorized, "", http.StatusUnauthorized},
		{ErrBadReservation, "ErrBadReservation", netcode.CloseUnauthorized, "", http.StatusUnauthorized},
		{ErrResumeGap, "ErrResumeGap", netcode.CloseUnauthorized, "", http.StatusBadRequest},
		{ErrRoomNotFound, "ErrRoomNotFound", netcode.CloseRoomNotFound, "room not found", http.StatusNotFound},
		{ErrUnknownGame, "ErrUnknownGame", netcode.CloseRoomNotFound, "", http.StatusNotFound},
		{ErrRoomFull, "ErrRoomFull", netcode.CloseRoomFull, "room full", http.StatusConflict},
		{ErrRoomLocked, "ErrRoomLocked", netcode.CloseRoomFull, "room locked", http.StatusConflict},
		{game.ErrRejected, "game.ErrRejected", netcode.CloseRoomFull, "", http.StatusConflict},
		{ErrRoomClosed, "ErrRoomClosed", netcode.CloseRoomClosed, "room closed", http.StatusConflict},
		{ErrGamePanicked, "ErrGamePanicked", netcode.CloseRoomClosed, "the game failed", http.StatusInternalServerError},
		{ErrThrottled, "ErrThrottled", netcode.CloseThrottled, "", http.StatusTooManyRequests},
		// The records API's (records.go); no hello meets them.
		{ErrNoPlayerKey, "ErrNoPlayerKey", netcode.CloseUnauthorized, "", http.StatusUnauthorized},
		{ErrUnknownKey, "ErrUnknownKey", netcode.CloseUnauthorized, "", http.StatusNotFound},
		{ErrNoSuchPlayer, "ErrNoSuchPlayer", netcode.CloseRoomNotFound, "", http.StatusNotFound},
		{ErrNoStore, "ErrNoStore", websocket.StatusInternalError, "", http.StatusServiceUnavailable},
		{ErrStoreFailed, "ErrStoreFailed", websocket.StatusInternalError, "", http.StatusServiceUnavailable},
		{ErrTooManyRooms, "ErrTooManyRooms", netcode.CloseTooManyConns, "", http.StatusServiceUnavailable},
		{ErrDraining, "ErrDraining", netcode.CloseShuttingDown, "server draining: try another server", http.StatusServiceUnavailable},
		{context.Canceled, "context.Canceled", netcode.CloseShuttingDown, "server shutting down", http.StatusServiceUnavailable},
		// A room too busy to take the join within joinTimeout.
		{context.DeadlineExceeded, "context.DeadlineExceeded", websocket.StatusTryAgainLater, "room busy: try again", http.StatusServiceUnavailable},
	}
}

// lookupError returns the table's entry for err, and false for an error
// the table does not know.
func lookupError(err error) (errorCode, bool) {
	for _, c := range errorCodes() {
		if errors.Is(err, c.err) {
			return c, true
		}
	}
	return errorCode{}, false
}

// joinCloseCode is the close code and reason of a refused join.
func joinCloseCode(err error) (websocket.StatusCode, string) {
	var re *RedirectError
	if errors.As(err, &re) {
		if len(re.URL) > maxCloseReason {
			return websocket.StatusInternalError, "the room is on another server, whose URL is too long for a close frame"
		}
		return netcode.CloseRedirect, re.URL
	}
	c, ok := lookupError(err)
	switch {
	case !ok:
		return websocket.StatusInternalError, "join failed"
	case c.reason != "":
		return c.close, c.reason
	}
	return c.close, err.Error()
}

// maxCloseReason is the longest close reason netcode sends uncut.
const maxCloseReason = 120

// ErrorStatus is the HTTP status the API answers an error with: the
// lobby's errors by their table, others 500.
func ErrorStatus(err error) int { return errorStatus(err) }

// errorStatus is the HTTP status of an API error.
func errorStatus(err error) int {
	var re *RedirectError
	if errors.As(err, &re) {
		return http.StatusMisdirectedRequest
	}
	var se StatusError
	if errors.As(err, &se) {
		return se.HTTPStatus()
	}
	if c, ok := lookupError(err); ok {
		return c.status
	}
	return http.StatusInternalServerError
}
