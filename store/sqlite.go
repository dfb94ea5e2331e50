package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite is the embedded store: one database file in WAL mode, written
// through a single connection (SQLite has one writer at a time; one
// connection makes writers queue in Go rather than spin on SQLITE_BUSY) and
// read through a small pool of read-only connections.
type SQLite struct {
	w, r *sql.DB
}

var _ Store = (*SQLite)(nil)

// OpenSQLite opens (creating it if need be) the SQLite database that dsn
// names: a path, "file:path" or "sqlite://path", optionally followed by
// "?busy_timeout=ms", and migrates it.
func OpenSQLite(ctx context.Context, dsn string) (*SQLite, error) {
	return openSQLite(ctx, dsn, openOptions{migrate: true})
}

// sqlitePath splits a SQLite DSN into the file's path and the busy
// timeout in milliseconds.
func sqlitePath(dsn string) (path string, busy int, err error) {
	p := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
	busy = 5000
	if i := strings.IndexByte(p, '?'); i >= 0 {
		q, err := url.ParseQuery(p[i+1:])
		if err != nil {
			return "", 0, fmt.Errorf("store: sqlite DSN: %v: %w", err, ErrInvalid)
		}
		p = p[:i]
		for k, v := range q {
			if k != "busy_timeout" || len(v) != 1 {
				return "", 0, fmt.Errorf("store: sqlite DSN: unknown parameter %q: %w", k, ErrInvalid)
			}
			if busy, err = strconv.Atoi(v[0]); err != nil || busy < 0 {
				return "", 0, fmt.Errorf("store: sqlite DSN: busy_timeout %q: %w", v[0], ErrInvalid)
			}
		}
	}
	if p == "" {
		return "", 0, fmt.Errorf("store: sqlite DSN without a path: %w", ErrInvalid)
	}
	return p, busy, nil
}

func openSQLite(ctx context.Context, dsn string, o openOptions) (*SQLite, error) {
	p, busy, err := sqlitePath(dsn)
	if err != nil {
		return nil, err
	}
	// SQLite's default page cache (2 MB) is far smaller than a database
	// of a million results: without more, each insert into the indexes
	// reads pages with a system call, and writes slow down as the file
	// grows. Pages are read through a memory map too; sorts (the
	// leaderboards' windows) stay in memory.
	common := "?_pragma=" + url.QueryEscape(fmt.Sprintf("busy_timeout(%d)", busy)) +
		"&_pragma=foreign_keys(1)&_pragma=" + url.QueryEscape("mmap_size(268435456)") + "&_pragma=" + url.QueryEscape("temp_store(MEMORY)")
	w, err := sql.Open("sqlite", p+common+"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate&_pragma="+
		url.QueryEscape("cache_size(-65536)"))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s := &SQLite{w: w}
	// Open the file first, so that a missing directory or a file that is
	// not a database is told as such and not as a failed migration.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", p, err)
	}
	if o.migrate {
		if err := s.migrate(ctx, o); err != nil {
			w.Close()
			return nil, err
		}
	}
	r, err := sql.Open("sqlite", p+common+"&_pragma=query_only(1)&_pragma="+url.QueryEscape("cache_size(-16384)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	s.r = r
	return s, nil
}

func (s *SQLite) migrate(ctx context.Context, o openOptions) error {
	if err := s.migrateTx(ctx, o); err != nil {
		if errors.Is(err, ErrSchemaTooNew) {
			return err
		}
		if o.applied != nil {
			*o.applied = nil
		}
		return fmt.Errorf("store: migrate sqlite (the schema is left as it was): %w", err)
	}
	return nil
}

func (s *SQLite) migrateTx(ctx context.Context, o openOptions) error {
	ms, err := migrations("sqlite")
	if err != nil {
		return err
	}
	// The write lock (BEGIN IMMEDIATE) is the migration lock.
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)`); err != nil {
		return err
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
		return err
	}
	todo, err := pending(ms, current, o.target)
	if err != nil {
		return err
	}
	for _, m := range todo {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("to %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, name, applied) VALUES (?, ?, ?)`,
			m.version, m.name, time.Now().UnixMicro()); err != nil {
			return fmt.Errorf("to %s: %w", m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if o.applied != nil {
		*o.applied = public(todo)
	}
	return nil
}

// SchemaVersion returns the schema version of the database.
// An empty database (no schema_version table) is at version 0.
func (s *SQLite) SchemaVersion(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

func micro(t time.Time) int64     { return dbTime(t).UnixMicro() }
func fromMicro(m int64) time.Time { return time.UnixMicro(m).UTC() }

// sqliteErr maps a foreign key violation to ErrInvalid, and the errors of
// a database that cannot take writes now (full, read-only, I/O error,
// locked) to ErrUnavailable.
func sqliteErr(op string, err error) error {
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() & 0xff {
		case sqlite3.SQLITE_CONSTRAINT:
			if e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
				return fmt.Errorf("store: %s: unknown player: %w (%v)", op, ErrInvalid, err)
			}
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN,
			sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PERM:
			return fmt.Errorf("store: %s: %w", op, unavailable{err})
		}
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

func (s *SQLite) PlayerByKey(ctx context.Context, keyHash []byte, name string) (Player, error) {
	if err := checkKeyHash(keyHash); err != nil {
		return Player{}, err
	}
	if err := checkName(name); err != nil {
		return Player{}, err
	}
	now := micro(time.Now())
	var p Player
	var created, seen int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO players (key_hash, name, created, last_seen) VALUES (?, ?, ?, ?)
		ON CONFLICT (key_hash) DO UPDATE SET last_seen = excluded.last_seen
		RETURNING id, name, created, last_seen`, keyHash, name, now, now).Scan(&p.ID, &p.Name, &created, &seen)
	if err != nil {
		return Player{}, sqliteErr("player by key", err)
	}
	p.Created, p.LastSeen = fromMicro(created), fromMicro(seen)
	return p, nil
}

func (s *SQLite) Player(ctx context.Context, id int64) (Player, error) {
	var p Player
	var created, seen int64
	err := s.r.QueryRowContext(ctx, `SELECT id, name, created, last_seen FROM players WHERE id = ?`, id).
		Scan(&p.ID, &p.Name, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return Player{}, fmt.Errorf("store: player %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Player{}, fmt.Errorf("store: player %d: %w", id, err)
	}
	p.Created, p.LastSeen = fromMicro(created), fromMicro(seen)
	return p, nil
}

func (s *SQLite) Rename(ctx context.Context, id int64, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE players SET name = ? WHERE id = ?`, name, id)
	if err != nil {
		return sqliteErr(fmt.Sprintf("rename %d", id), err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("store: rename %d: %w", id, ErrNotFound)
	}
	return nil
}

func (s *SQLite) AddResults(ctx context.Context, results []Result) error {
	results, err := checkResults(results)
	if err != nil || len(results) == 0 {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return sqliteErr("add results", err)
	}
	defer tx.Rollback()
	var last int64 // the newest result before these: the batch is after it
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM results`).Scan(&last); err != nil {
		return sqliteErr("add results", err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO results (game, player_id, room, score, kills, cause, life_ticks, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return sqliteErr("add results", err)
	}
	defer st.Close()
	for _, r := range results {
		if _, err := st.ExecContext(ctx, r.Game, r.Player, r.Room, r.Score, r.Kills, r.Cause, r.LifeTicks, micro(r.At)); err != nil {
			return sqliteErr("add results", err)
		}
	}
	if _, err := tx.ExecContext(ctx, sqliteKeepBests, last); err != nil {
		return sqliteErr("add results", err)
	}
	if err := tx.Commit(); err != nil {
		return sqliteErr("add results", err)
	}
	return nil
}

// sqliteKeepBests folds the results after id ? into bests: a player's
// best of the batch replaces the kept one when it ranks ahead of it (a
// higher score, or the same made earlier). NOT INDEXED keeps the planner
// to the rowid range (the batch): an index that sorts by player, which
// it would pick for the window, scans the whole table per batch.
const sqliteKeepBests = `INSERT INTO bests (game, player_id, score, at, result_id)
	SELECT game, player_id, score, at, id FROM (
		SELECT game, player_id, score, at, id,
			ROW_NUMBER() OVER (PARTITION BY game, player_id ORDER BY score DESC, at ASC, id ASC) AS rn
		FROM results NOT INDEXED WHERE id > ?)
	WHERE rn = 1
	ON CONFLICT (game, player_id) DO UPDATE SET score = excluded.score, at = excluded.at, result_id = excluded.result_id
	WHERE excluded.score > bests.score OR (excluded.score = bests.score AND
		(excluded.at < bests.at OR (excluded.at = bests.at AND excluded.result_id < bests.result_id)))`

// sqliteAllTime is the all-time board and sqliteAllTimeBest a player's
// entry on it, from bests.
const (
	sqliteAllTime = `SELECT b.player_id, p.name, b.score, b.at FROM bests b JOIN players p ON p.id = b.player_id
		WHERE b.game = ? ORDER BY b.score DESC, b.at ASC, b.player_id ASC LIMIT ?`
	sqliteAllTimeBest = `SELECT me.score, me.at, p.name, (SELECT COUNT(*) FROM bests b WHERE b.game = me.game AND
			(b.score > me.score OR (b.score = me.score AND (b.at < me.at OR (b.at = me.at AND b.player_id < me.player_id))))) + 1
		FROM bests me JOIN players p ON p.id = me.player_id WHERE me.game = ? AND me.player_id = ?`
)

// bestSQL selects each player's best result in a game since a time, in
// board order; shared by Leaderboard and Best.
// periodRankAbove counts the players ranked above me in a period: a
// player is above whoever its best result beats, which is when any of its
// results does, so this reads the period's entries of the covering index
// once instead of ranking every player's best. Its parameters are the
// game and the period's start.
const periodRankAbove = `SELECT COUNT(DISTINCT o.player_id) FROM results o INDEXED BY results_game_at
	WHERE o.game = ? AND o.at >= ? AND o.player_id <> me.player_id AND
		(o.score > me.score OR (o.score = me.score AND (o.at < me.at OR (o.at = me.at AND o.player_id < me.player_id))))`

const sqliteBest = `WITH best AS (
	SELECT player_id, score, at, ROW_NUMBER() OVER (PARTITION BY player_id ORDER BY score DESC, at ASC, id ASC) AS rn
	FROM results WHERE game = ? AND at >= ?)`

func sinceMicro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micro(t)
}

func (s *SQLite) Leaderboard(ctx context.Context, game string, since time.Time, limit int) ([]Entry, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	// All time from the kept bests; a period from its results in board
	// order, or ranked whole.
	if since.IsZero() {
		return s.board(ctx, sqliteAllTime, game, limit)
	}
	from := sinceMicro(since)
	return topInPeriod(limit, func(n int) ([]Entry, error) {
		return s.board(ctx, `SELECT r.player_id, p.name, r.score, r.at FROM results r INDEXED BY results_game_score
			JOIN players p ON p.id = r.player_id
			WHERE r.game = ? AND r.at >= ? ORDER BY r.score DESC, r.at ASC, r.player_id ASC, r.id ASC LIMIT ?`, game, from, n)
	}, func() ([]Entry, error) {
		return s.board(ctx, sqliteBest+`
		SELECT b.player_id, p.name, b.score, b.at FROM best b JOIN players p ON p.id = b.player_id
		WHERE b.rn = 1 ORDER BY b.score DESC, b.at ASC, b.player_id ASC LIMIT ?`, game, from, limit)
	})
}

// board runs a query of (player, name, score, at) rows, ranked in their
// order.
func (s *SQLite) board(ctx context.Context, query string, args ...any) ([]Entry, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: leaderboard: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e := Entry{Rank: len(out) + 1}
		var at int64
		if err := rows.Scan(&e.Player, &e.Name, &e.Score, &at); err != nil {
			return nil, fmt.Errorf("store: leaderboard: %w", err)
		}
		e.At = fromMicro(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: leaderboard: %w", err)
	}
	return out, nil
}

func (s *SQLite) Best(ctx context.Context, game string, player int64, since time.Time) (Entry, error) {
	e := Entry{Player: player}
	var at int64
	var row *sql.Row
	if since.IsZero() {
		row = s.r.QueryRowContext(ctx, sqliteAllTimeBest, game, player)
	} else {
		from := sinceMicro(since)
		row = s.r.QueryRowContext(ctx, `WITH me AS (
			SELECT r.player_id, r.score, r.at FROM results r INDEXED BY results_player_game_at
			WHERE r.player_id = ? AND r.game = ? AND r.at >= ?
			ORDER BY r.score DESC, r.at ASC, r.id ASC LIMIT 1)
		SELECT me.score, me.at, p.name, (`+periodRankAbove+`) + 1
		FROM me JOIN players p ON p.id = me.player_id`, player, game, from, game, from)
	}
	err := row.Scan(&e.Score, &at, &e.Name, &e.Rank)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, fmt.Errorf("store: best of %d in %q: %w", player, game, ErrNotFound)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("store: best of %d in %q: %w", player, game, err)
	}
	e.At = fromMicro(at)
	return e, nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func (s *SQLite) AddChat(ctx context.Context, lines []ChatLine) error {
	if err := checkChats(lines); err != nil || len(lines) == 0 {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return sqliteErr("add chat", err)
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO chat (room, player_id, name, text, at) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return sqliteErr("add chat", err)
	}
	defer st.Close()
	for _, c := range lines {
		if _, err := st.ExecContext(ctx, c.Room, nullID(c.Player), c.Name, c.Text, micro(c.At)); err != nil {
			return sqliteErr("add chat", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return sqliteErr("add chat", err)
	}
	return nil
}

func (s *SQLite) RecentChat(ctx context.Context, room string, n int) ([]ChatLine, error) {
	if err := checkLimit(n); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT room, player_id, name, text, at FROM
		(SELECT * FROM chat WHERE room = ? ORDER BY id DESC LIMIT ?) ORDER BY id ASC`, room, n)
	if err != nil {
		return nil, fmt.Errorf("store: recent chat: %w", err)
	}
	defer rows.Close()
	var out []ChatLine
	for rows.Next() {
		var c ChatLine
		var id sql.NullInt64
		var at int64
		if err := rows.Scan(&c.Room, &id, &c.Name, &c.Text, &at); err != nil {
			return nil, fmt.Errorf("store: recent chat: %w", err)
		}
		c.Player, c.At = id.Int64, fromMicro(at)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recent chat: %w", err)
	}
	return out, nil
}

// Ping checks that the database takes writes: it takes and releases the
// write lock (BEGIN IMMEDIATE), so a database that another process holds
// locked past the busy timeout is down, as the Writer needs to know.
func (s *SQLite) Ping(ctx context.Context) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if err := tx.Rollback(); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

func (s *SQLite) Close() error {
	var err error
	if s.r != nil {
		err = s.r.Close()
	}
	if e := s.w.Close(); e != nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

func (s *SQLite) AddMatches(ctx context.Context, matches []Match) error {
	matches, err := checkMatches(matches)
	if err != nil || len(matches) == 0 {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return sqliteErr("add matches", err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO matches (game, room, started, ended) VALUES (?, ?, ?, ?) RETURNING id`)
	if err != nil {
		return sqliteErr("add matches", err)
	}
	defer ins.Close()
	line, err := tx.PrepareContext(ctx, `INSERT INTO match_players (match_id, rank, player_id, name, score, kills)
		VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return sqliteErr("add matches", err)
	}
	defer line.Close()
	for _, m := range matches {
		var id int64
		if err := ins.QueryRowContext(ctx, m.Game, m.Room, micro(m.Started), micro(m.Ended)).Scan(&id); err != nil {
			return sqliteErr("add matches", err)
		}
		for i, p := range m.Players {
			if _, err := line.ExecContext(ctx, id, i+1, nullID(p.Player), p.Name, p.Score, p.Kills); err != nil {
				return sqliteErr("add matches", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return sqliteErr("add matches", err)
	}
	return nil
}

func (s *SQLite) RecentMatches(ctx context.Context, game string, limit int) ([]Match, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT m.id, m.game, m.room, m.started, m.ended, mp.player_id, mp.name, mp.score, mp.kills
		FROM (SELECT * FROM matches WHERE game = ? ORDER BY ended DESC, id DESC LIMIT ?) m
		JOIN match_players mp ON mp.match_id = m.id
		ORDER BY m.ended DESC, m.id DESC, mp.rank ASC`, game, limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent matches: %w", err)
	}
	defer rows.Close()
	var out []Match
	last := int64(-1)
	for rows.Next() {
		var id, started, ended int64
		var m Match
		var p MatchPlayer
		var pid sql.NullInt64
		if err := rows.Scan(&id, &m.Game, &m.Room, &started, &ended, &pid, &p.Name, &p.Score, &p.Kills); err != nil {
			return nil, fmt.Errorf("store: recent matches: %w", err)
		}
		if id != last {
			m.Started, m.Ended = fromMicro(started), fromMicro(ended)
			out = append(out, m)
			last = id
		}
		p.Player = pid.Int64
		cur := &out[len(out)-1]
		cur.Players = append(cur.Players, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recent matches: %w", err)
	}
	return out, nil
}

func (s *SQLite) PlayerResults(ctx context.Context, player int64, game string, limit int) ([]Result, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT game, player_id, room, score, kills, cause, life_ticks, at FROM results
		WHERE player_id = ? AND game = ? ORDER BY at DESC, id DESC LIMIT ?`, player, game, limit)
	if err != nil {
		return nil, fmt.Errorf("store: results of %d: %w", player, err)
	}
	defer rows.Close()
	var out []Result
	for rows.Next() {
		var r Result
		var at int64
		if err := rows.Scan(&r.Game, &r.Player, &r.Room, &r.Score, &r.Kills, &r.Cause, &r.LifeTicks, &at); err != nil {
			return nil, fmt.Errorf("store: results of %d: %w", player, err)
		}
		r.At = fromMicro(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: results of %d: %w", player, err)
	}
	return out, nil
}
