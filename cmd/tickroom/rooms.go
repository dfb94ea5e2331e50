package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/netcode"
)

// apiFlags reach a running server's JSON API. They are read when a command
// runs, after the flags and the environment are parsed.
type apiFlags struct {
	server string
	secret string
}

// api is the API client the flags name.
func (f *apiFlags) api() (*client.API, error) {
	api, err := client.NewAPI(f.server, client.APIOptions{
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
		JoinSecret: f.secret,
	})
	if err != nil {
		return nil, fmt.Errorf("--server: %w", err)
	}
	return api, nil
}

func newRoomsCmd() *cobra.Command {
	srv := &apiFlags{}
	cmd := &cobra.Command{
		Use:   "rooms",
		Short: "List or create rooms on a running server",
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&srv.server, "server", "http://localhost:8080", "the server's HTTP address")
	pf.StringVar(&srv.secret, "join-secret", "", "the server's join secret, if it has one")
	documentEnv(pf)
	cmd.AddCommand(newRoomsListCmd(srv), newRoomsCreateCmd(srv))
	return cmd
}

func newRoomsListCmd(srv *apiFlags) *cobra.Command {
	var game string
	var free int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the public rooms",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			api, err := srv.api()
			if err != nil {
				return err
			}
			page, err := api.ListRooms(cmd.Context(), client.RoomFilter{Game: game, Free: free})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(page.Rooms)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ROOM\tGAME\tPLAYERS\tLOCKED")
			for _, r := range page.Rooms {
				fmt.Fprintf(tw, "%s\t%s\t%d/%d\t%v\n", r.ID, r.Game, r.Players, r.MaxPlayers, r.Locked)
			}
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&game, "game", "", "only rooms of this game")
	f.IntVar(&free, "free", 0, "only rooms with at least this many free seats")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	documentEnv(f)
	return cmd
}

func newRoomsCreateCmd(srv *apiFlags) *cobra.Command {
	var req netcode.CreateRequest
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a room; players join it by id (an empty room is disposed of after the server's empty timeout)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			api, err := srv.api()
			if err != nil {
				return err
			}
			info, err := api.CreateRoom(cmd.Context(), req)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", info.ID)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Game, "game", "", "game type (default: the server's default game)")
	f.BoolVar(&req.Private, "private", false, "do not list the room")
	f.IntVar(&req.MaxPlayers, "max-players", 0, "seats (default: the server's)")
	documentEnv(f)
	return cmd
}
