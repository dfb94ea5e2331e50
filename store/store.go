package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Store is what the server keeps across restarts. Every method is safe for
// concurrent use. Errors wrap ErrNotFound or ErrInvalid where those apply,
// and the backend's error otherwise (test with errors.Is).
type Store interface {
	// PlayerByKey finds the player whose key hashes to keyHash (see
	// HashKey), or creates one named name. A returning player keeps the id
	// and the name it has; name is used only on creation. keyHash must be
	// 32 bytes; the key itself is never given to or kept by the store.
	PlayerByKey(ctx context.Context, keyHash []byte, name string) (Player, error)
	// Player returns the player with id, or an error wrapping ErrNotFound.
	Player(ctx context.Context, id int64) (Player, error)
	// Rename changes a player's name (ErrNotFound for an unknown id).
	Rename(ctx context.Context, id int64, name string) error

	// AddResults stores results in one transaction: all or none. Results
	// of guests (Player 0) are skipped, not stored. A result of an
	// unknown player id is refused with ErrInvalid.
	AddResults(ctx context.Context, results []Result) error
	// Leaderboard ranks players by their best score in game over results
	// at or after since (the zero time for all time), at most limit
	// entries. Ties go to the player who scored it first, then the lower
	// id; ranks are 1, 2, 3... with no equal ranks.
	Leaderboard(ctx context.Context, game string, since time.Time, limit int) ([]Entry, error)
	// Best is player's own entry on the same board as Leaderboard: best
	// score and rank. ErrNotFound when the player has no result there.
	Best(ctx context.Context, game string, player int64, since time.Time) (Entry, error)

	// AddChat stores chat lines in one transaction. Lines of guests
	// (Player 0) are stored with their name: they are the room's history.
	AddChat(ctx context.Context, lines []ChatLine) error
	// RecentChat returns room's last n lines, oldest first.
	RecentChat(ctx context.Context, room string, n int) ([]ChatLine, error)

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the store's connections.
	Close() error
}

// Player is a returning player.
type Player struct {
	ID       int64
	Name     string
	Created  time.Time
	LastSeen time.Time // updated by each PlayerByKey
}

// Result is how one player's life or match in a room ended.
type Result struct {
	Game      string
	Player    int64 // 0 for a guest: not stored
	Room      string
	Score     int64
	Kills     int64
	Cause     string // how it ended: "wall", "snake", "left"...
	LifeTicks int64
	At        time.Time
}

// Entry is a line of a leaderboard.
type Entry struct {
	Rank   int
	Player int64
	Name   string
	Score  int64
	At     time.Time // when the best score was made
}

// ChatLine is one chat message in a room.
type ChatLine struct {
	Room   string
	Player int64 // 0 for a guest
	Name   string
	Text   string
	At     time.Time
}

// Limits of what the store accepts. Text must be valid UTF-8 without
// control characters (NUL included); anything else is refused with
// ErrInvalid, never truncated or altered. SQL metacharacters are ordinary
// text: every query is parameterised.
const (
	MaxNameRunes  = 32
	MaxChatRunes  = 200 // as lobby.MaxChatRunes
	MaxLabelRunes = 64  // game, room and cause
	KeyHashSize   = sha256.Size
	// MaxLimit bounds Leaderboard's limit and RecentChat's n.
	MaxLimit = 1000
)

var (
	// ErrNotFound is wrapped by the errors of lookups that find nothing.
	ErrNotFound = errors.New("store: not found")
	// ErrInvalid is wrapped by the errors of refused arguments. A Writer
	// drops a batch refused with it rather than retrying.
	ErrInvalid = errors.New("store: invalid argument")
	// ErrClosed is returned by a closed Writer.
	ErrClosed = errors.New("store: closed")
)

// HashKey returns the SHA-256 of a client's player key: what PlayerByKey
// takes. The key itself is a secret that is never stored.
func HashKey(key []byte) []byte {
	h := sha256.Sum256(key)
	return h[:]
}

// Open opens the store that dsn names and migrates its schema to this
// version: "postgres://..." or "postgresql://..." is PostgreSQL (pgx's DSN,
// through a pgxpool); "sqlite://path", "file:path" or a plain file path is
// SQLite (WAL, one writer connection). A SQLite DSN may end in
// "?busy_timeout=ms" (default 5000).
func Open(ctx context.Context, dsn string) (Store, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return OpenPostgres(ctx, dsn)
	case dsn == "":
		return nil, fmt.Errorf("store: empty DSN: %w", ErrInvalid)
	case strings.Contains(dsn, "://") && !strings.HasPrefix(dsn, "sqlite://"):
		return nil, fmt.Errorf("store: unknown DSN scheme in %q: %w", redact(dsn), ErrInvalid)
	default:
		return OpenSQLite(ctx, dsn)
	}
}

// redact hides a DSN's password in errors.
func redact(dsn string) string {
	i := strings.Index(dsn, "://")
	at := strings.LastIndex(dsn, "@")
	if i < 0 || at < i {
		return dsn
	}
	return dsn[:i+3] + "...@" + dsn[at+1:]
}

// dbTime is the precision both backends keep.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func checkText(what, s string, max int, empty bool) error {
	switch {
	case s == "" && !empty:
		return fmt.Errorf("store: empty %s: %w", what, ErrInvalid)
	case !utf8.ValidString(s):
		return fmt.Errorf("store: %s is not valid UTF-8: %w", what, ErrInvalid)
	case utf8.RuneCountInString(s) > max:
		return fmt.Errorf("store: %s over %d characters: %w", what, max, ErrInvalid)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fmt.Errorf("store: control character in %s: %w", what, ErrInvalid)
	}
	return nil
}

func checkName(name string) error { return checkText("name", name, MaxNameRunes, false) }

func checkKeyHash(h []byte) error {
	if len(h) != KeyHashSize {
		return fmt.Errorf("store: key hash of %d bytes, want %d: %w", len(h), KeyHashSize, ErrInvalid)
	}
	return nil
}

func checkLimit(n int) error {
	if n < 1 || n > MaxLimit {
		return fmt.Errorf("store: limit %d not in 1..%d: %w", n, MaxLimit, ErrInvalid)
	}
	return nil
}

func checkResult(r *Result) error {
	if err := checkText("game", r.Game, MaxLabelRunes, false); err != nil {
		return err
	}
	if err := checkText("room", r.Room, MaxLabelRunes, true); err != nil {
		return err
	}
	if err := checkText("cause", r.Cause, MaxLabelRunes, true); err != nil {
		return err
	}
	if r.Player < 0 {
		return fmt.Errorf("store: player id %d: %w", r.Player, ErrInvalid)
	}
	if r.At.IsZero() {
		return fmt.Errorf("store: result without a time: %w", ErrInvalid)
	}
	return nil
}

func checkChat(c *ChatLine) error {
	if err := checkText("room", c.Room, MaxLabelRunes, false); err != nil {
		return err
	}
	if err := checkName(c.Name); err != nil {
		return err
	}
	if err := checkText("chat text", c.Text, MaxChatRunes, false); err != nil {
		return err
	}
	if c.Player < 0 {
		return fmt.Errorf("store: player id %d: %w", c.Player, ErrInvalid)
	}
	if c.At.IsZero() {
		return fmt.Errorf("store: chat line without a time: %w", ErrInvalid)
	}
	return nil
}

// checkResults validates all and returns the results that are stored (not
// guests').
func checkResults(results []Result) ([]Result, error) {
	n := 0
	for i := range results {
		if err := checkResult(&results[i]); err != nil {
			return nil, fmt.Errorf("result %d: %w", i, err)
		}
		if results[i].Player != 0 {
			n++
		}
	}
	if n == len(results) {
		return results, nil
	}
	out := make([]Result, 0, n)
	for _, r := range results {
		if r.Player != 0 {
			out = append(out, r)
		}
	}
	return out, nil
}

func checkChats(lines []ChatLine) error {
	for i := range lines {
		if err := checkChat(&lines[i]); err != nil {
			return fmt.Errorf("chat line %d: %w", i, err)
		}
	}
	return nil
}
