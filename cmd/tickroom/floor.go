package main

import (
	"encoding/json"
	"time"

	"github.com/spf13/cobra"

	"github.com/tickroom/tickroom/bench/scenario"
)

// newFloorCmd is the writing side of tickroom bench's floor measurement,
// which the bench starts pinned as it starts the server; it is not meant
// to be run by hand.
func newFloorCmd() *cobra.Command {
	var (
		addr               string
		conns, bytes, rate int
		warmup, window     time.Duration
	)
	cmd := &cobra.Command{
		Use:    "floor",
		Short:  "Write bytes to loopback sockets at a rate and print the CPU per write (used by tickroom bench)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := scenario.RunFloorWriter(cmd.Context(), addr, conns, bytes, rate, warmup, window)
			if err != nil {
				return err
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", "", "host:port that accepts the connections")
	fl.IntVar(&conns, "conns", 1000, "connections to write to")
	fl.IntVar(&bytes, "bytes", 64, "bytes per write")
	fl.IntVar(&rate, "rate", 20, "writes per connection per second")
	fl.DurationVar(&warmup, "warmup", scenario.FloorWarmup, "time before the measurement")
	fl.DurationVar(&window, "window", scenario.FloorWindow, "measurement window")
	return cmd
}
