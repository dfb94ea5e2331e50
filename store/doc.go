// Package store keeps what a tickroom server remembers across restarts:
// returning players, results and leaderboards, match summaries and chat
// history.
//
// Store is the one interface its users program against; Open picks the
// backend from the DSN:
//
//   - SQLite (the embedded default: a path, "file:path" or
//     "sqlite://path"), through modernc.org/sqlite, pure Go, so
//     CGO_ENABLED=0 builds keep working. WAL mode, a busy timeout
//     (5 s, "?busy_timeout=ms"), one writer connection and a small pool
//     of read-only ones.
//   - PostgreSQL ("postgres://..."), through a pgx connection pool, for
//     nodes that share players and leaderboards.
//
// Open migrates the schema: versioned SQL files embedded in the binary,
// one set per dialect (migrations/sqlite, migrations/postgres), applied
// in one transaction under a migration lock and recorded in
// schema_version. Opening a migrated database again changes nothing; a
// database newer than the binary is refused (ErrSchemaTooNew); a
// migration that fails leaves the schema as it was. Status and Migrate
// are the same for operators (tickroom db status and db migrate). There
// are no down migrations: a binary rolled back refuses the newer schema
// rather than guess.
//
// A player is known by the SHA-256 of its client's player key (HashKey):
// the key itself is never stored. Guests (player id 0) have no row: their
// results are not stored; their chat lines and their lines in a match
// are, under the name they used. Text is refused (ErrInvalid), never
// altered, when it is not valid UTF-8, holds control characters or is
// over its limit (MaxNameRunes, MaxChatRunes, MaxLabelRunes); every query
// is parameterised.
//
// Leaderboards: the all-time board and rank read a table of each
// player's best (bests, kept by AddResults in the same transaction); a
// period's board reads its results in score order and stops once it has
// its players (topInPeriod). A player's rank over a period still ranks
// every result of the period.
//
// Writer is the asynchronous, batched path that a room's tick uses: a
// bounded queue whose hand-off never blocks (when full the item is
// counted as lost), batches written from one goroutine, retries with
// backoff while the database is down, and a flush on Close within a
// context. Its counts are kept by kind of item (result, chat, match);
// NewCollector exports them to Prometheus with the store's health (a
// cached Ping) and gives the same to the admin view. Package storetest is
// the contract both backends pass, run against a real PostgreSQL server
// that the tests start.
//
// Not done: data retention (pruning old results, matches and chat).
package store
