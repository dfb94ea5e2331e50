package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/tickroom/tickroom/netcode"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, protocol and Go runtime",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "tickroom %s (protocol %s, %s %s/%s)\n",
				version, netcode.Subprotocol, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
