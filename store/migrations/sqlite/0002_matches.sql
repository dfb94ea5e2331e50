-- Match summaries, and an index for a player's own results.
CREATE TABLE matches (
	id      INTEGER PRIMARY KEY,
	game    TEXT NOT NULL,
	room    TEXT NOT NULL,
	started INTEGER NOT NULL,
	ended   INTEGER NOT NULL
);
CREATE INDEX matches_game_ended ON matches (game, ended DESC, id DESC);

CREATE TABLE match_players (
	match_id  INTEGER NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
	rank      INTEGER NOT NULL,
	player_id INTEGER REFERENCES players (id), -- NULL for a guest
	name      TEXT NOT NULL,
	score     INTEGER NOT NULL,
	kills     INTEGER NOT NULL,
	PRIMARY KEY (match_id, rank)
);

CREATE INDEX results_player_game_at ON results (player_id, game, at DESC, id DESC);
