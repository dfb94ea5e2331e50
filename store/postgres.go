package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is the shared store: PostgreSQL through a pgx connection pool,
// for nodes that share players and leaderboards.
type Postgres struct {
	pool *pgxpool.Pool
}

var _ Store = (*Postgres)(nil)

// migrationLock is the advisory lock key that Open holds while migrating
// (any constant; "tickroom" in ASCII).
const migrationLock = 0x7469636b726f6f6d

// OpenPostgres connects to the database that dsn names (pgx's
// "postgres://..." form, pool settings included) and migrates it.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	return openPostgres(ctx, dsn, openOptions{migrate: true})
}

func openPostgres(ctx context.Context, dsn string, o openOptions) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors quote the DSN, password included.
		return nil, fmt.Errorf("store: postgres DSN %s: %w", RedactDSN(dsn), ErrInvalid)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	s := &Postgres{pool: pool}
	// Connect first, so that an unreachable server is told as such and
	// not as a failed migration.
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect to postgres: %w", err)
	}
	if o.migrate {
		if err := s.migrate(ctx, o); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *Postgres) migrate(ctx context.Context, o openOptions) error {
	ms, err := migrations("postgres")
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TIMESTAMPTZ NOT NULL)`); err != nil {
			return err
		}
		var current int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&current); err != nil {
			return err
		}
		todo, err := pending(ms, current, o.target)
		if err != nil {
			return err
		}
		for _, m := range todo {
			// No arguments: the simple protocol, which runs a file of
			// several statements.
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("to %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version, name, applied) VALUES ($1, $2, now())`,
				m.version, m.name); err != nil {
				return fmt.Errorf("to %s: %w", m.name, err)
			}
		}
		if o.applied != nil {
			*o.applied = public(todo)
		}
		return nil
	})
	if errors.Is(err, ErrSchemaTooNew) {
		return err
	}
	if err != nil {
		if o.applied != nil {
			*o.applied = nil
		}
		return fmt.Errorf("store: migrate postgres (the schema is left as it was): %w", err)
	}
	return nil
}

// SchemaVersion returns the schema version of the database.
// An empty database (no schema_version table) is at version 0.
func (s *Postgres) SchemaVersion(ctx context.Context) (int, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass('schema_version') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// pgErr maps a foreign key violation to ErrInvalid, and the errors of a
// server that cannot take writes now to ErrUnavailable: connection
// exceptions (08), insufficient resources such as a full disk (53), a
// server shutting down or starting (57P01..57P03), a read-only
// transaction (25006, a standby) and a serialization failure or deadlock
// (40001, 40P01). A connection that could not be made at all is caught by
// the Writer's Ping.
func pgErr(op string, err error) error {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		switch {
		case e.Code == "23503":
			return fmt.Errorf("store: %s: unknown player: %w (%v)", op, ErrInvalid, err)
		case strings.HasPrefix(e.Code, "08"), strings.HasPrefix(e.Code, "53"),
			e.Code == "57P01", e.Code == "57P02", e.Code == "57P03",
			e.Code == "25006", e.Code == "40001", e.Code == "40P01":
			return fmt.Errorf("store: %s: %w", op, unavailable{err})
		}
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

func (s *Postgres) PlayerByKey(ctx context.Context, keyHash []byte, name string) (Player, error) {
	if err := checkKeyHash(keyHash); err != nil {
		return Player{}, err
	}
	if err := checkName(name); err != nil {
		return Player{}, err
	}
	now := dbTime(time.Now())
	var p Player
	err := s.pool.QueryRow(ctx, `INSERT INTO players (key_hash, name, created, last_seen) VALUES ($1, $2, $3, $3)
		ON CONFLICT (key_hash) DO UPDATE SET last_seen = excluded.last_seen
		RETURNING id, name, created, last_seen`, keyHash, name, now).Scan(&p.ID, &p.Name, &p.Created, &p.LastSeen)
	if err != nil {
		return Player{}, pgErr("player by key", err)
	}
	p.Created, p.LastSeen = p.Created.UTC(), p.LastSeen.UTC()
	return p, nil
}

func (s *Postgres) Player(ctx context.Context, id int64) (Player, error) {
	var p Player
	err := s.pool.QueryRow(ctx, `SELECT id, name, created, last_seen FROM players WHERE id = $1`, id).
		Scan(&p.ID, &p.Name, &p.Created, &p.LastSeen)
	if errors.Is(err, pgx.ErrNoRows) {
		return Player{}, fmt.Errorf("store: player %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Player{}, fmt.Errorf("store: player %d: %w", id, err)
	}
	p.Created, p.LastSeen = p.Created.UTC(), p.LastSeen.UTC()
	return p, nil
}

func (s *Postgres) Rename(ctx context.Context, id int64, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE players SET name = $1 WHERE id = $2`, name, id)
	if err != nil {
		return pgErr(fmt.Sprintf("rename %d", id), err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: rename %d: %w", id, ErrNotFound)
	}
	return nil
}

func (s *Postgres) AddResults(ctx context.Context, results []Result) error {
	results, err := checkResults(results)
	if err != nil || len(results) == 0 {
		return err
	}
	// One statement: the results from arrays (one round trip, near
	// COPY's speed), and from the rows it inserted, with their ids, the
	// bests they change. All or none.
	n := len(results)
	games, rooms, causes := make([]string, n), make([]string, n), make([]string, n)
	ids, scores, kills, ticks := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	ats := make([]time.Time, n)
	for i, r := range results {
		games[i], rooms[i], causes[i] = r.Game, r.Room, r.Cause
		ids[i], scores[i], kills[i], ticks[i], ats[i] = r.Player, r.Score, r.Kills, r.LifeTicks, dbTime(r.At)
	}
	_, err = s.pool.Exec(ctx, pgAddResults, games, ids, rooms, scores, kills, causes, ticks, ats)
	if err != nil {
		return pgErr("add results", err)
	}
	return nil
}

// pgAddResults inserts a batch of results, given as arrays in the order
// of the columns, and folds them into bests as sqliteKeepBests does.
// WITH ORDINALITY keeps the batch's order, so ids follow it.
const pgAddResults = `WITH ins AS (
	INSERT INTO results (game, player_id, room, score, kills, cause, life_ticks, at)
	SELECT game, player_id, room, score, kills, cause, life_ticks, at
	FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[], $8::timestamptz[])
		WITH ORDINALITY AS u (game, player_id, room, score, kills, cause, life_ticks, at, ord)
	ORDER BY ord
	RETURNING id, game, player_id, score, at)
INSERT INTO bests AS b (game, player_id, score, at, result_id)
	SELECT game, player_id, score, at, id FROM (
		SELECT game, player_id, score, at, id,
			ROW_NUMBER() OVER (PARTITION BY game, player_id ORDER BY score DESC, at ASC, id ASC) AS rn
		FROM ins) r
	WHERE rn = 1
	ON CONFLICT (game, player_id) DO UPDATE SET score = excluded.score, at = excluded.at, result_id = excluded.result_id
	WHERE excluded.score > b.score OR (excluded.score = b.score AND
		(excluded.at < b.at OR (excluded.at = b.at AND excluded.result_id < b.result_id)))`

const (
	pgAllTime = `SELECT b.player_id, p.name, b.score, b.at FROM bests b JOIN players p ON p.id = b.player_id
		WHERE b.game = $1 ORDER BY b.score DESC, b.at ASC, b.player_id ASC LIMIT $2`
	pgAllTimeBest = `SELECT me.score, me.at, p.name, (SELECT COUNT(*) FROM bests b WHERE b.game = me.game AND
			(b.score > me.score OR (b.score = me.score AND (b.at < me.at OR (b.at = me.at AND b.player_id < me.player_id))))) + 1
		FROM bests me JOIN players p ON p.id = me.player_id WHERE me.game = $1 AND me.player_id = $2`
)

const pgBest = `WITH best AS (
	SELECT player_id, score, at, ROW_NUMBER() OVER (PARTITION BY player_id ORDER BY score DESC, at ASC, id ASC) AS rn
	FROM results WHERE game = $1 AND at >= $2)`

func sinceTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return dbTime(t)
}

func (s *Postgres) Leaderboard(ctx context.Context, game string, since time.Time, limit int) ([]Entry, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	// All time from the kept bests; a period from its results in board
	// order, or ranked whole.
	if since.IsZero() {
		return s.board(ctx, pgAllTime, game, limit)
	}
	from := sinceTime(since)
	return topInPeriod(limit, func(n int) ([]Entry, error) {
		return s.board(ctx, `SELECT r.player_id, p.name, r.score, r.at FROM results r
			JOIN players p ON p.id = r.player_id
			WHERE r.game = $1 AND r.at >= $2 ORDER BY r.score DESC, r.at ASC, r.player_id ASC, r.id ASC LIMIT $3`, game, from, n)
	}, func() ([]Entry, error) {
		return s.board(ctx, pgBest+`
		SELECT b.player_id, p.name, b.score, b.at FROM best b JOIN players p ON p.id = b.player_id
		WHERE b.rn = 1 ORDER BY b.score DESC, b.at ASC, b.player_id ASC LIMIT $3`, game, from, limit)
	})
}

// board runs a query of (player, name, score, at) rows, ranked in their
// order.
func (s *Postgres) board(ctx context.Context, query string, args ...any) ([]Entry, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: leaderboard: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e := Entry{Rank: len(out) + 1}
		if err := rows.Scan(&e.Player, &e.Name, &e.Score, &e.At); err != nil {
			return nil, fmt.Errorf("store: leaderboard: %w", err)
		}
		e.At = e.At.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: leaderboard: %w", err)
	}
	return out, nil
}

func (s *Postgres) Best(ctx context.Context, game string, player int64, since time.Time) (Entry, error) {
	e := Entry{Player: player}
	var row pgx.Row
	if since.IsZero() {
		row = s.pool.QueryRow(ctx, pgAllTimeBest, game, player)
	} else {
		// As SQLite's (see periodRankAbove): count who beats my best.
		row = s.pool.QueryRow(ctx, `WITH me AS (
			SELECT r.player_id, r.score, r.at FROM results r
			WHERE r.player_id = $3 AND r.game = $1 AND r.at >= $2
			ORDER BY r.score DESC, r.at ASC, r.id ASC LIMIT 1)
		SELECT me.score, me.at, p.name, (SELECT COUNT(DISTINCT o.player_id) FROM results o
			WHERE o.game = $1 AND o.at >= $2 AND o.player_id <> me.player_id AND
			(o.score > me.score OR (o.score = me.score AND (o.at < me.at OR (o.at = me.at AND o.player_id < me.player_id))))) + 1
		FROM me JOIN players p ON p.id = me.player_id`, game, sinceTime(since), player)
	}
	err := row.Scan(&e.Score, &e.At, &e.Name, &e.Rank)
	if errors.Is(err, pgx.ErrNoRows) {
		return Entry{}, fmt.Errorf("store: best of %d in %q: %w", player, game, ErrNotFound)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("store: best of %d in %q: %w", player, game, err)
	}
	e.At = e.At.UTC()
	return e, nil
}

func (s *Postgres) AddChat(ctx context.Context, lines []ChatLine) error {
	if err := checkChats(lines); err != nil || len(lines) == 0 {
		return err
	}
	// COPY keeps the order of the lines, so ids follow it.
	_, err := s.pool.CopyFrom(ctx, pgx.Identifier{"chat"},
		[]string{"room", "player_id", "name", "text", "at"},
		pgx.CopyFromSlice(len(lines), func(i int) ([]any, error) {
			c := &lines[i]
			var id *int64
			if c.Player != 0 {
				id = &c.Player
			}
			return []any{c.Room, id, c.Name, c.Text, dbTime(c.At)}, nil
		}))
	if err != nil {
		return pgErr("add chat", err)
	}
	return nil
}

func (s *Postgres) RecentChat(ctx context.Context, room string, n int) ([]ChatLine, error) {
	if err := checkLimit(n); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT room, player_id, name, text, at FROM
		(SELECT * FROM chat WHERE room = $1 ORDER BY id DESC LIMIT $2) c ORDER BY id ASC`, room, n)
	if err != nil {
		return nil, fmt.Errorf("store: recent chat: %w", err)
	}
	defer rows.Close()
	var out []ChatLine
	for rows.Next() {
		var c ChatLine
		var id *int64
		if err := rows.Scan(&c.Room, &id, &c.Name, &c.Text, &c.At); err != nil {
			return nil, fmt.Errorf("store: recent chat: %w", err)
		}
		if id != nil {
			c.Player = *id
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recent chat: %w", err)
	}
	return out, nil
}

func (s *Postgres) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

func (s *Postgres) Close() error {
	s.pool.Close()
	return nil
}

func (s *Postgres) AddMatches(ctx context.Context, matches []Match) error {
	matches, err := checkMatches(matches)
	if err != nil || len(matches) == 0 {
		return err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The matches in one round trip, then all their lines in one COPY.
		b := &pgx.Batch{}
		for _, m := range matches {
			b.Queue(`INSERT INTO matches (game, room, started, ended) VALUES ($1, $2, $3, $4) RETURNING id`,
				m.Game, m.Room, dbTime(m.Started), dbTime(m.Ended))
		}
		br := tx.SendBatch(ctx, b)
		ids := make([]int64, len(matches))
		for i := range ids {
			if err := br.QueryRow().Scan(&ids[i]); err != nil {
				br.Close()
				return err
			}
		}
		if err := br.Close(); err != nil {
			return err
		}
		var lines [][]any
		for i, m := range matches {
			for rank, p := range m.Players {
				var id *int64
				if p.Player != 0 {
					id = &p.Player
				}
				lines = append(lines, []any{ids[i], rank + 1, id, p.Name, p.Score, p.Kills})
			}
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"match_players"},
			[]string{"match_id", "rank", "player_id", "name", "score", "kills"}, pgx.CopyFromRows(lines))
		return err
	})
	if err != nil {
		return pgErr("add matches", err)
	}
	return nil
}

func (s *Postgres) RecentMatches(ctx context.Context, game string, limit int) ([]Match, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT m.id, m.game, m.room, m.started, m.ended, mp.player_id, mp.name, mp.score, mp.kills
		FROM (SELECT * FROM matches WHERE game = $1 ORDER BY ended DESC, id DESC LIMIT $2) m
		JOIN match_players mp ON mp.match_id = m.id
		ORDER BY m.ended DESC, m.id DESC, mp.rank ASC`, game, limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent matches: %w", err)
	}
	defer rows.Close()
	var out []Match
	last := int64(-1)
	for rows.Next() {
		var id int64
		var m Match
		var p MatchPlayer
		var pid *int64
		if err := rows.Scan(&id, &m.Game, &m.Room, &m.Started, &m.Ended, &pid, &p.Name, &p.Score, &p.Kills); err != nil {
			return nil, fmt.Errorf("store: recent matches: %w", err)
		}
		if id != last {
			m.Started, m.Ended = m.Started.UTC(), m.Ended.UTC()
			out = append(out, m)
			last = id
		}
		if pid != nil {
			p.Player = *pid
		}
		cur := &out[len(out)-1]
		cur.Players = append(cur.Players, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recent matches: %w", err)
	}
	return out, nil
}

func (s *Postgres) PlayerResults(ctx context.Context, player int64, game string, limit int) ([]Result, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT game, player_id, room, score, kills, cause, life_ticks, at FROM results
		WHERE player_id = $1 AND game = $2 ORDER BY at DESC, id DESC LIMIT $3`, player, game, limit)
	if err != nil {
		return nil, fmt.Errorf("store: results of %d: %w", player, err)
	}
	defer rows.Close()
	var out []Result
	for rows.Next() {
		var r Result
		if err := rows.Scan(&r.Game, &r.Player, &r.Room, &r.Score, &r.Kills, &r.Cause, &r.LifeTicks, &r.At); err != nil {
			return nil, fmt.Errorf("store: results of %d: %w", player, err)
		}
		r.At = r.At.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: results of %d: %w", player, err)
	}
	return out, nil
}
