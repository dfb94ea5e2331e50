package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// FindPlayerByKey is Store.FindPlayerByKey: a read that must not create a
// player (GET /api/players/me).
func (s *SQLite) FindPlayerByKey(ctx context.Context, keyHash []byte) (Player, error) {
	if err := checkKeyHash(keyHash); err != nil {
		return Player{}, err
	}
	var p Player
	var created, seen int64
	err := s.r.QueryRowContext(ctx, `SELECT id, name, created, last_seen FROM players WHERE key_hash = ?`, keyHash).
		Scan(&p.ID, &p.Name, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return Player{}, fmt.Errorf("store: player by key: %w", ErrNotFound)
	}
	if err != nil {
		return Player{}, fmt.Errorf("store: player by key: %w", err)
	}
	p.Created, p.LastSeen = fromMicro(created), fromMicro(seen)
	return p, nil
}

func (s *Postgres) FindPlayerByKey(ctx context.Context, keyHash []byte) (Player, error) {
	if err := checkKeyHash(keyHash); err != nil {
		return Player{}, err
	}
	var p Player
	err := s.pool.QueryRow(ctx, `SELECT id, name, created, last_seen FROM players WHERE key_hash = $1`, keyHash).
		Scan(&p.ID, &p.Name, &p.Created, &p.LastSeen)
	if errors.Is(err, pgx.ErrNoRows) {
		return Player{}, fmt.Errorf("store: player by key: %w", ErrNotFound)
	}
	if err != nil {
		return Player{}, fmt.Errorf("store: player by key: %w", err)
	}
	p.Created, p.LastSeen = p.Created.UTC(), p.LastSeen.UTC()
	return p, nil
}
