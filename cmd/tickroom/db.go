package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tickroom/tickroom/store"
)

func newDBCmd() *cobra.Command {
	cfg := &storeConfig{}
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Show or migrate the schema of the database tickroom serve keeps its data in",
		Long: `The database is the one tickroom serve opens with the same flags: the SQLite
file in --data-dir, or --database. tickroom serve migrates it on start; these
commands let an operator look first, or migrate ahead of a rollout.`,
	}
	pf := cmd.PersistentFlags()
	cfg.flags(pf, false)
	documentEnv(pf)
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Print the backend, the database, its schema version and this binary's, and the pending migrations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return dbStatus(cmd.Context(), *cfg, cmd.OutOrStdout())
		},
	}, &cobra.Command{
		Use:   "migrate",
		Short: "Apply the pending migrations (all in one transaction: on failure none is applied)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return dbMigrate(cmd.Context(), *cfg, cmd.OutOrStdout())
		},
	})
	return cmd
}

func dbStatus(ctx context.Context, c storeConfig, out io.Writer) error {
	dsn, _, err := c.target()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, storeOpenTimeout)
	defer cancel()
	st, err := store.Status(ctx, dsn)
	if st.Backend != "" {
		fmt.Fprintf(out, "backend:  %s\n", st.Backend)
	}
	fmt.Fprintf(out, "database: %s", st.DSN)
	if st.Backend == "sqlite" && !st.Exists && err == nil {
		fmt.Fprint(out, " (not created yet: tickroom serve or tickroom db migrate creates it)")
	}
	fmt.Fprintln(out)
	if err != nil && !errors.Is(err, store.ErrSchemaTooNew) {
		return fmt.Errorf("database %s: %w", st.DSN, err)
	}
	fmt.Fprintf(out, "schema:   %d (this binary: %d)\n", st.Version, st.Latest)
	if err != nil {
		return fmt.Errorf("database %s: %w", st.DSN, err)
	}
	if len(st.Pending) == 0 {
		fmt.Fprintln(out, "pending:  none, up to date")
		return nil
	}
	names := make([]string, len(st.Pending))
	for i, m := range st.Pending {
		names[i] = m.Name
	}
	fmt.Fprintf(out, "pending:  %s (tickroom db migrate applies them; tickroom serve does on start)\n", strings.Join(names, ", "))
	return nil
}

func dbMigrate(ctx context.Context, c storeConfig, out io.Writer) error {
	dsn, dir, err := c.target()
	if err != nil {
		return err
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create the data directory (--data-dir): %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, storeOpenTimeout)
	defer cancel()
	red := store.RedactDSN(dsn)
	applied, err := store.Migrate(ctx, dsn)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", red, err)
	}
	if len(applied) == 0 {
		fmt.Fprintf(out, "%s: up to date, nothing to apply\n", red)
		return nil
	}
	for _, m := range applied {
		fmt.Fprintf(out, "applied %s\n", m.Name)
	}
	fmt.Fprintf(out, "%s: at schema version %d\n", red, applied[len(applied)-1].Version)
	return nil
}
