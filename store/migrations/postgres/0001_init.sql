-- Players, results and chat.
CREATE TABLE players (
	id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	key_hash  BYTEA NOT NULL UNIQUE CHECK (length(key_hash) = 32),
	name      TEXT NOT NULL,
	created   TIMESTAMPTZ NOT NULL,
	last_seen TIMESTAMPTZ NOT NULL
);

CREATE TABLE results (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	game       TEXT NOT NULL,
	player_id  BIGINT NOT NULL REFERENCES players (id),
	room       TEXT NOT NULL,
	score      BIGINT NOT NULL,
	kills      BIGINT NOT NULL,
	cause      TEXT NOT NULL,
	life_ticks BIGINT NOT NULL,
	at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX results_game_at ON results (game, at);
CREATE INDEX results_game_player ON results (game, player_id, score DESC);

CREATE TABLE chat (
	id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	room      TEXT NOT NULL,
	player_id BIGINT, -- NULL for a guest
	name      TEXT NOT NULL,
	text      TEXT NOT NULL,
	at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX chat_room ON chat (room, id);
