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
	// FindPlayerByKey returns the player whose key hashes to keyHash, or
	// an error wrapping ErrNotFound. It creates nothing and leaves
	// LastSeen as it is.
	FindPlayerByKey(ctx context.Context, keyHash []byte) (Player, error)
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

	// AddMatches stores match summaries in one transaction: all or none.
	// Guests' lines are kept with their names; a line of an unknown
	// player id is refused with ErrInvalid; a match without players is
	// skipped.
	AddMatches(ctx context.Context, matches []Match) error
	// RecentMatches returns game's last limit matches, newest (by end)
	// first, each with its players in rank order.
	RecentMatches(ctx context.Context, game string, limit int) ([]Match, error)
	// PlayerResults returns player's last limit results in game, newest
	// first (none for an unknown player or a guest).
	PlayerResults(ctx context.Context, player int64, game string, limit int) ([]Result, error)

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

// Match is how a room's match ended: one line per player who played.
type Match struct {
	Game    string
	Room    string
	Started time.Time
	Ended   time.Time
	Players []MatchPlayer // in rank order
}

// MatchPlayer is one player's line in a Match.
type MatchPlayer struct {
	Player int64 // 0 for a guest (kept in the match with its name)
	Name   string
	Score  int64
	Kills  int64
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
	// MaxLimit bounds the limit of every read (Leaderboard,
	// RecentChat, RecentMatches, PlayerResults).
	MaxLimit = 1000
	// MaxMatchPlayers bounds the lines of one Match: far more than a
	// room holds, so only a broken caller meets it.
	MaxMatchPlayers = 1024
)

var (
	// ErrNotFound is wrapped by the errors of lookups that find nothing.
	ErrNotFound = errors.New("store: not found")
	// ErrInvalid is wrapped by the errors of refused arguments. A Writer
	// drops a batch refused with it rather than retrying.
	ErrInvalid = errors.New("store: invalid argument")
	// ErrClosed is returned by a closed Writer.
	ErrClosed = errors.New("store: closed")
	// ErrUnavailable is wrapped by the errors of a database that cannot
	// take writes for now, though it may answer a Ping: a full disk, a
	// read-only file or server, an I/O error, a lock held past the busy
	// timeout. A Writer keeps the batch and retries it for as long as
	// that lasts, rather than count it as refused.
	ErrUnavailable = errors.New("store: database unavailable")
)

// unavailable marks a backend's error as ErrUnavailable without changing
// its text.
type unavailable struct{ err error }

func (u unavailable) Error() string   { return u.err.Error() }
func (u unavailable) Unwrap() []error { return []error{ErrUnavailable, u.err} }

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
	return open(ctx, dsn, openOptions{migrate: true})
}

func open(ctx context.Context, dsn string, o openOptions) (Store, error) {
	backend, err := backendOf(dsn)
	if err != nil {
		return nil, err
	}
	if backend == "postgres" {
		return openPostgres(ctx, dsn, o)
	}
	return openSQLite(ctx, dsn, o)
}

func backendOf(dsn string) (string, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "postgres", nil
	case dsn == "":
		return "", fmt.Errorf("store: empty DSN: %w", ErrInvalid)
	case strings.Contains(dsn, "://") && !strings.HasPrefix(dsn, "sqlite://"):
		return "", fmt.Errorf("store: unknown DSN scheme in %q: %w", RedactDSN(dsn), ErrInvalid)
	}
	return "sqlite", nil
}

// RedactDSN returns dsn with its password hidden, for logs and errors:
// the user information of a URL ("postgres://...@host/db") and a
// password parameter ("?password=..."). A SQLite path has no secret and
// comes back as it is.
func RedactDSN(dsn string) string {
	out := dsn
	if i := strings.Index(out, "://"); i >= 0 {
		// The last @ before the query: a password may hold / or @
		// unescaped, and hiding too much is the safe side.
		rest := out[i+3:]
		end := strings.IndexByte(rest, '?')
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
			out = out[:i+3] + "...@" + rest[at+1:]
		}
	}
	if q := strings.IndexByte(out, '?'); q >= 0 {
		params := strings.Split(out[q+1:], "&")
		for j, p := range params {
			if k, _, ok := strings.Cut(p, "="); ok && strings.EqualFold(k, "password") {
				params[j] = k + "=..."
			}
		}
		out = out[:q+1] + strings.Join(params, "&")
	}
	return out
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

func checkMatch(m *Match) error {
	if err := checkText("game", m.Game, MaxLabelRunes, false); err != nil {
		return err
	}
	if err := checkText("room", m.Room, MaxLabelRunes, true); err != nil {
		return err
	}
	switch {
	case m.Started.IsZero() || m.Ended.IsZero():
		return fmt.Errorf("store: match without a start or an end: %w", ErrInvalid)
	case m.Ended.Before(m.Started):
		return fmt.Errorf("store: match ended before it started: %w", ErrInvalid)
	case len(m.Players) > MaxMatchPlayers:
		return fmt.Errorf("store: match of %d players, over %d: %w", len(m.Players), MaxMatchPlayers, ErrInvalid)
	}
	for i := range m.Players {
		p := &m.Players[i]
		if err := checkName(p.Name); err != nil {
			return fmt.Errorf("player %d: %w", i, err)
		}
		if p.Player < 0 {
			return fmt.Errorf("store: player id %d: %w", p.Player, ErrInvalid)
		}
	}
	return nil
}

// checkMatches validates all and returns the matches that are stored:
// those with players (an empty match says nothing worth keeping).
func checkMatches(matches []Match) ([]Match, error) {
	n := 0
	for i := range matches {
		if err := checkMatch(&matches[i]); err != nil {
			return nil, fmt.Errorf("match %d: %w", i, err)
		}
		if len(matches[i].Players) > 0 {
			n++
		}
	}
	if n == len(matches) {
		return matches, nil
	}
	out := make([]Match, 0, n)
	for _, m := range matches {
		if len(m.Players) > 0 {
			out = append(out, m)
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

// periodScanMax bounds the results a period's board reads in board order
// before it ranks all of the period's results instead (see topInPeriod).
const periodScanMax = 1 << 15

// topInPeriod builds a period's board from its results read in board
// order (score DESC, at, player, id): each player's first row is their
// best, and the order of first rows is the board's. Reading stops at limit players,
// which takes a few rows more than limit when the best scores are spread
// over many players; scan(n) reads the first n rows, 8 per entry at first
// and four times more while that was not enough. A period whose top rows
// are a few players' (one player with thousands of high scores) is ranked
// by rank(), which reads every result of the period, past periodScanMax.
func topInPeriod(limit int, scan func(n int) ([]Entry, error), rank func() ([]Entry, error)) ([]Entry, error) {
	for n := 8 * limit; n <= periodScanMax; n *= 4 {
		rows, err := scan(n)
		if err != nil {
			return nil, err
		}
		seen := make(map[int64]bool, limit)
		out := make([]Entry, 0, limit)
		for _, e := range rows {
			if seen[e.Player] {
				continue
			}
			seen[e.Player] = true
			e.Rank = len(out) + 1
			if out = append(out, e); len(out) == limit {
				return out, nil
			}
		}
		if len(rows) < n {
			return out, nil // every result of the period read
		}
	}
	return rank()
}
