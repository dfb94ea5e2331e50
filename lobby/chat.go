package lobby

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tickroom/tickroom/netcode"
)

// MaxChatRunes bounds one chat message.
const MaxChatRunes = 200

// ChatEvent is the data of the chat event.
type ChatEvent struct {
	_msgpack struct{} `msgpack:",as_array"` //lint:ignore U1000 msgpack reads the tag
	Player   uint32
	Text     string
}

// chatCmd broadcasts a chat message.
type chatCmd struct {
	m    *member
	text string
}

func (c *chatCmd) apply(r *Room) {
	r.broadcast(EventChat, ChatEvent{Player: uint32(c.m.player), Text: c.text})
	r.keepChat(c.m, c.text)
}

// chat runs on the member's reader goroutine; the connection's rate limit
// already counted the message. The command queue is shared with joins and
// leaves, so chat never waits for room in it: when the queue is full the
// message is refused with an error.
func (r *Room) chat(m *member, c *netcode.Conn, msg *netcode.Message) {
	text := msg.Text
	switch {
	case m.spectator:
		c.SendError(netcode.ErrCodeNotAllowed, "spectators cannot chat", 0)
		return
	case !utf8.ValidString(text) || text == "":
		c.SendError(netcode.ErrCodeBadMessage, "chat text must be non-empty UTF-8", 0)
		return
	case utf8.RuneCountInString(text) > MaxChatRunes:
		c.SendError(netcode.ErrCodeBadMessage, fmt.Sprintf("chat text over %d characters", MaxChatRunes), 0)
		return
	case strings.IndexFunc(text, unicode.IsControl) >= 0:
		// A line is kept as it was said, and a kept line has none.
		c.SendError(netcode.ErrCodeBadMessage, "chat text must not hold control characters (U+0000 to U+001F, U+007F to U+009F)", 0)
		return
	}
	select {
	case r.cmds <- &chatCmd{m: m, text: text}:
	case <-r.done:
	default:
		c.Drop(msg, "room busy")
	}
}
