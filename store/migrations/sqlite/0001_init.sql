-- Players, results and chat. Times are Unix microseconds (UTC).
CREATE TABLE players (
	id        INTEGER PRIMARY KEY,
	key_hash  BLOB NOT NULL UNIQUE CHECK (length(key_hash) = 32),
	name      TEXT NOT NULL,
	created   INTEGER NOT NULL,
	last_seen INTEGER NOT NULL
);

CREATE TABLE results (
	id         INTEGER PRIMARY KEY,
	game       TEXT NOT NULL,
	player_id  INTEGER NOT NULL REFERENCES players (id),
	room       TEXT NOT NULL,
	score      INTEGER NOT NULL,
	kills      INTEGER NOT NULL,
	cause      TEXT NOT NULL,
	life_ticks INTEGER NOT NULL,
	at         INTEGER NOT NULL
);
CREATE INDEX results_game_at ON results (game, at);
CREATE INDEX results_game_player ON results (game, player_id, score DESC);

CREATE TABLE chat (
	id        INTEGER PRIMARY KEY,
	room      TEXT NOT NULL,
	player_id INTEGER, -- NULL for a guest
	name      TEXT NOT NULL,
	text      TEXT NOT NULL,
	at        INTEGER NOT NULL
);
CREATE INDEX chat_room ON chat (room, id);
