-- Match summaries, and an index for a player's own results.
CREATE TABLE matches (
	id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	game    TEXT NOT NULL,
	room    TEXT NOT NULL,
	started TIMESTAMPTZ NOT NULL,
	ended   TIMESTAMPTZ NOT NULL
);
CREATE INDEX matches_game_ended ON matches (game, ended DESC, id DESC);

CREATE TABLE match_players (
	match_id  BIGINT NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
	rank      INTEGER NOT NULL,
	player_id BIGINT REFERENCES players (id), -- NULL for a guest
	name      TEXT NOT NULL,
	score     BIGINT NOT NULL,
	kills     BIGINT NOT NULL,
	PRIMARY KEY (match_id, rank)
);

CREATE INDEX results_player_game_at ON results (player_id, game, at DESC, id DESC);
