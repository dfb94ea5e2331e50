package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tickroom/tickroom/lobby"
)

// apiClient talks to a running server's JSON API.
type apiClient struct {
	server string
	secret string
	http   *http.Client
}

func (a *apiClient) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(a.server, "/")+path, rd)
	if err != nil {
		return fmt.Errorf("--server %q: %w", a.server, err)
	}
	if a.secret != "" {
		req.Header.Set("Authorization", "Bearer "+a.secret)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&e)
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, e.Error)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func newRoomsCmd() *cobra.Command {
	api := &apiClient{http: &http.Client{Timeout: 10 * time.Second}}
	cmd := &cobra.Command{
		Use:   "rooms",
		Short: "List or create rooms on a running server",
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&api.server, "server", "http://localhost:8080", "the server's HTTP address")
	pf.StringVar(&api.secret, "join-secret", "", "the server's join secret, if it has one")
	documentEnv(pf)
	cmd.AddCommand(newRoomsListCmd(api), newRoomsCreateCmd(api))
	return cmd
}

func newRoomsListCmd(api *apiClient) *cobra.Command {
	var game string
	var free int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the public rooms",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if game != "" {
				q.Set("game", game)
			}
			if free > 0 {
				q.Set("free", strconv.Itoa(free))
			}
			var rooms []lobby.RoomInfo
			if err := api.do(cmd.Context(), "GET", "/api/rooms?"+q.Encode(), nil, &rooms); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rooms)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ROOM\tGAME\tPLAYERS\tLOCKED")
			for _, r := range rooms {
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

func newRoomsCreateCmd(api *apiClient) *cobra.Command {
	var req lobby.CreateRequest
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a room; players join it by id (an empty room is disposed of after the server's empty timeout)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var info lobby.RoomInfo
			if err := api.do(cmd.Context(), "POST", "/api/rooms", req, &info); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "%s\n", info.ID)
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
