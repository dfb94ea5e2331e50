package store

import (
	"context"
	"errors"
	"fmt"
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
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors quote the DSN, password included.
		return nil, fmt.Errorf("store: postgres DSN %s: %w", redact(dsn), ErrInvalid)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	s := &Postgres{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func (s *Postgres) migrate(ctx context.Context) error {
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
		todo, err := pending(ms, current)
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
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: migrate postgres: %w", err)
	}
	return nil
}

// SchemaVersion returns the schema version of the database.
func (s *Postgres) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// pgErr maps a foreign key violation to ErrInvalid.
func pgErr(op string, err error) error {
	var e *pgconn.PgError
	if errors.As(err, &e) && e.Code == "23503" {
		return fmt.Errorf("store: %s: unknown player: %w (%v)", op, ErrInvalid, err)
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
		return fmt.Errorf("store: rename %d: %w", id, err)
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
	// One COPY in one transaction: the fastest batch insert, all or none.
	_, err = s.pool.CopyFrom(ctx, pgx.Identifier{"results"},
		[]string{"game", "player_id", "room", "score", "kills", "cause", "life_ticks", "at"},
		pgx.CopyFromSlice(len(results), func(i int) ([]any, error) {
			r := &results[i]
			return []any{r.Game, r.Player, r.Room, r.Score, r.Kills, r.Cause, r.LifeTicks, dbTime(r.At)}, nil
		}))
	if err != nil {
		return pgErr("add results", err)
	}
	return nil
}

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
	rows, err := s.pool.Query(ctx, pgBest+`
		SELECT b.player_id, p.name, b.score, b.at FROM best b JOIN players p ON p.id = b.player_id
		WHERE b.rn = 1 ORDER BY b.score DESC, b.at ASC, b.player_id ASC LIMIT $3`, game, sinceTime(since), limit)
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
	err := s.pool.QueryRow(ctx, pgBest+`,
		me AS (SELECT b.score, b.at, p.name FROM best b JOIN players p ON p.id = b.player_id WHERE b.rn = 1 AND b.player_id = $3)
		SELECT me.score, me.at, me.name, (SELECT COUNT(*) FROM best b WHERE b.rn = 1 AND
			(b.score > me.score OR (b.score = me.score AND (b.at < me.at OR (b.at = me.at AND b.player_id < $3))))) + 1
		FROM me`, game, sinceTime(since), player).Scan(&e.Score, &e.At, &e.Name, &e.Rank)
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
		return fmt.Errorf("store: add chat: %w", err)
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
