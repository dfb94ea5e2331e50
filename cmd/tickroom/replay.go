package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/replay"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/lobby"
)

// errMismatch makes the process exit non-zero after the report is printed.
var errMismatch = errors.New("replay differs from the recording")

func newReplayCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "replay FILE",
		Short: "Re-run a recorded match and check every tick's state hash",
		Long: `Re-runs a match recorded with "tickroom serve --record DIR" and compares the
game's state hash after every tick with the recorded one. Prints the first
tick that differs, if any, and exits non-zero.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			res, err := replay.Replay(f, openGame)
			out := cmd.OutOrStdout()
			if err != nil {
				return fmt.Errorf("replay %s after %d ticks: %w", args[0], res.Ticks, err)
			}
			if res.FirstMismatch != 0 {
				fmt.Fprintf(out, "%s: tick %d differs: recorded hash %#016x, replayed %#016x (%s)\n",
					args[0], res.FirstMismatch, res.Want, res.Got, res.Reason)
				return errMismatch
			}
			_, err = fmt.Fprintf(out, "%s: %d ticks replayed identically\n", args[0], res.Ticks)
			return err
		},
	}
}

// openGame builds the game a recording names.
func openGame(name string, setup game.Setup, config msgpack.RawMessage) (game.Game, error) {
	switch name {
	case snake.Name:
		return snake.Open(setup, config)
	}
	return nil, fmt.Errorf("recording of unknown game %q", name)
}

// recordTo records every room to DIR/<room id>.rec.
func recordTo(dir string) (lobby.RecordFunc, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--record %s: %w", dir, err)
	}
	return func(room, gameName string, setup game.Setup, config any) (lobby.Recorder, error) {
		f, err := os.Create(filepath.Join(dir, room+".rec"))
		if err != nil {
			return nil, err
		}
		rec, err := replay.NewRecorder(f, gameName, setup, config)
		if err != nil {
			f.Close()
			return nil, err
		}
		return &fileRecorder{Recorder: rec, f: f}, nil
	}, nil
}

// fileRecorder closes its file after the recording.
type fileRecorder struct {
	*replay.Recorder
	f *os.File
}

func (r *fileRecorder) Close() error {
	return errors.Join(r.Recorder.Close(), r.f.Close())
}
