-- Each player's best result of all time in each game, kept by AddResults:
-- the all-time leaderboard and a player's all-time rank read this small
-- table through its index instead of ranking every result.
CREATE TABLE bests (
	game      TEXT NOT NULL,
	player_id BIGINT NOT NULL REFERENCES players (id),
	score     BIGINT NOT NULL,
	at        TIMESTAMPTZ NOT NULL,
	result_id BIGINT NOT NULL,
	PRIMARY KEY (game, player_id)
);
CREATE INDEX bests_board ON bests (game, score DESC, at, player_id);

INSERT INTO bests (game, player_id, score, at, result_id)
SELECT game, player_id, score, at, id FROM (
	SELECT game, player_id, score, at, id,
		ROW_NUMBER() OVER (PARTITION BY game, player_id ORDER BY score DESC, at ASC, id ASC) AS rn
	FROM results) r
WHERE rn = 1;

-- The leaderboards of a period read the period's results from this index
-- alone, without the table.
DROP INDEX results_game_at;
CREATE INDEX results_game_at ON results (game, at) INCLUDE (player_id, score, id);

-- Ranked through bests now: an index of every result by player and score
-- only slows the writes.
DROP INDEX results_game_player;

-- A period's board reads its results in board order from this index and
-- stops once it has its players.
CREATE INDEX results_game_score ON results (game, score DESC, at, player_id, id);
