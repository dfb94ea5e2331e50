package lobby

import (
	"context"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"
)

// Log attribute keys, shared so that logs can be searched by them.
const (
	LogRoom   = "room"
	LogGame   = "game"
	LogPlayer = "player"
	LogRemote = "remote"
	LogCode   = "close_code"
	LogReason = "close_reason"
)

// logLimiter bounds the log lines that clients cause (refused handshakes
// and joins): a client can trigger them at will, so each is cut to a
// bounded size and together they pass at a bounded rate. What it holds back
// is counted in the next line that passes.
type logLimiter struct {
	now func() time.Time

	mu         sync.Mutex
	b          bucket
	suppressed int
}

// Client-caused log lines: a sustained rate and a burst, per server, and
// the longest string value a line carries.
const (
	clientLogRate     = 10
	clientLogBurst    = 50
	clientLogValueMax = 128
)

func newLogLimiter(now func() time.Time) *logLimiter {
	return &logLimiter{now: now, b: newBucket(clientLogRate, clientLogBurst, now())}
}

// log writes one client-caused line at level, unless over the rate.
func (l *logLimiter) log(log *slog.Logger, level slog.Level, msg string, args ...any) {
	if !log.Enabled(context.Background(), level) {
		return
	}
	l.mu.Lock()
	ok := l.b.take(l.now()) == 0
	suppressed := l.suppressed
	if ok {
		l.suppressed = 0
	} else {
		l.suppressed++
	}
	l.mu.Unlock()
	if !ok {
		return
	}
	for i, a := range args {
		if s, isStr := a.(string); isStr && i%2 == 1 && len(s) > clientLogValueMax {
			args[i] = truncateUTF8(s, clientLogValueMax) + "…"
		}
	}
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	log.Log(context.Background(), level, msg, args...)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
