package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "tickroom",
		Short:         "tickroom is a multiplayer game state server with fixed-tick rooms",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Every flag can also come from the environment; a flag given on
		// the command line wins.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return applyEnv(cmd.Flags())
		},
	}
	root.AddCommand(newServeCmd(), newRoomsCmd(), newReplayCmd(), newVersionCmd())
	root.AddCommand(newBotsCmd(), newBenchCmd(), newFloorCmd(), newHealthcheckCmd(), newDBCmd())
	return root
}

// envName is the environment variable that sets a flag.
func envName(flag string) string {
	return "TICKROOM_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// documentEnv appends each flag's environment variable to its help.
func documentEnv(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" {
			f.Usage += fmt.Sprintf(" [$%s]", envName(f.Name))
		}
	})
}

// applyEnv sets every flag not given on the command line from its
// environment variable, rejecting bad values with the variable's name.
func applyEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		name := envName(f.Name)
		v, ok := os.LookupEnv(name)
		if !ok {
			return
		}
		if e := fs.Set(f.Name, v); e != nil {
			err = fmt.Errorf("invalid %s=%q: %w", name, v, e)
		}
	})
	return err
}
