package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/lobby/admin"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/store"
	"github.com/tickroom/tickroom/store/storetest"
)

// metric is the value of the series named exactly name (labels included)
// in a /metrics page, and whether it is there.
func metric(t *testing.T, addr, name string) (float64, bool) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if v, ok := strings.CutPrefix(lines.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return f, true
		}
	}
	return 0, false
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// tick waits for the next snapshot and returns its tick.
func tick(ctx context.Context, t *testing.T, c *client.Client) uint32 {
	t.Helper()
	m := next(ctx, t, c, netcode.MsgSnapshot)
	return m.Tick
}

// TestServeStoreInDataDir: serve creates the data dir (0700) and its
// SQLite file, exports the store's metrics and health, shuts down cleanly
// and finds its data again on the next start.
func TestServeStoreInDataDir(t *testing.T) {
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "nested", "data")
	p := start(t, bin, nil, "--data-dir", dir, "--admin-token", "tok", "--drain-period", "0s")
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("data dir mode %o, want 0700", perm)
	}
	if _, err := os.Stat(filepath.Join(dir, "tickroom.db")); err != nil {
		t.Errorf("no database in the data dir: %v", err)
	}
	if !strings.Contains(p.log(), "store=sqlite database="+filepath.Join(dir, "tickroom.db")) {
		t.Errorf("the start line does not name the store:\n%s", p.log())
	}
	addr := p.addrs["addr"]
	for name, want := range map[string]float64{
		"tickroom_store_up":                                 1,
		"tickroom_store_queue_depth":                        0,
		`tickroom_store_items_written_total{kind="result"}`: 0,
		`tickroom_store_items_lost_total{kind="chat"}`:      0,
		`tickroom_store_items_failed_total{kind="match"}`:   0,
		`tickroom_store_batch_seconds_count{kind="result"}`: 0,
		`tickroom_store_retries_total{kind="result"}`:       0,
	} {
		if got, ok := metric(t, addr, name); !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/admin/api/state", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var st admin.State
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || st.Store == nil || st.Store.Backend != "sqlite" || !st.Store.Up || st.Store.SchemaVersion < 2 {
		t.Errorf("admin state's store: %+v, %v", st.Store, err)
	}
	if code, _ := p.terminate(t, 15*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, p.log())
	}

	// The data is there on the next start, the schema up to date.
	s, err := store.Open(t.Context(), filepath.Join(dir, "tickroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	ann, err := s.PlayerByKey(t.Context(), store.HashKey([]byte("a player key of sixteen bytes")), "ann")
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	p = start(t, bin, nil, "--data-dir", dir, "--drain-period", "0s")
	if code, _ := p.terminate(t, 15*time.Second); code != 0 {
		t.Fatalf("second start: exit %d\n%s", code, p.log())
	}
	s, err = store.Open(t.Context(), filepath.Join(dir, "tickroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.Player(t.Context(), ann.ID); err != nil || got.Name != "ann" {
		t.Errorf("ann after a restart: %+v, %v", got, err)
	}
}

// TestServeDefaultDataDir: without --data-dir the SQLite file is in
// $XDG_DATA_HOME/tickroom, else ~/.local/share/tickroom.
func TestServeDefaultDataDir(t *testing.T) {
	bin := buildBinary(t)
	for _, env := range [][]string{
		{"XDG_DATA_HOME=" + t.TempDir()},
		{"XDG_DATA_HOME=", "HOME=" + t.TempDir()},
		{"XDG_DATA_HOME=relative/ignored", "HOME=" + t.TempDir()},
	} {
		want := filepath.Join(strings.TrimPrefix(env[0], "XDG_DATA_HOME="), "tickroom", "tickroom.db")
		if len(env) == 2 {
			want = filepath.Join(strings.TrimPrefix(env[1], "HOME="), ".local", "share", "tickroom", "tickroom.db")
		}
		// TICKROOM_DATA_DIR= empty: the default, as no --data-dir is.
		p := start(t, bin, append([]string{"TICKROOM_DATA_DIR="}, env...), "--drain-period", "0s")
		if code, _ := p.terminate(t, 15*time.Second); code != 0 {
			t.Fatalf("%v: exit %d\n%s", env, code, p.log())
		}
		if _, err := os.Stat(want); err != nil {
			t.Errorf("%v: no database at %s: %v\n%s", env, want, err, p.log())
		}
	}
}

func TestServeNoStore(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	p := start(t, bin, nil, "--no-store", "--data-dir", dir, "--drain-period", "0s")
	if !strings.Contains(p.log(), "store=none") {
		t.Errorf("the start line does not say there is no store:\n%s", p.log())
	}
	if _, ok := metric(t, p.addrs["addr"], "tickroom_store_up"); ok {
		t.Error("store metrics without a store")
	}
	if code, _ := p.terminate(t, 15*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, p.log())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("--no-store wrote %v in the data dir", entries)
	}
}

// TestServeStoreOpenFails: a store that cannot be opened or migrated stops
// the start with the DSN, its password hidden, and the cause.
func TestServeStoreOpenFails(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	notDB := filepath.Join(dir, "not-a-database")
	if err := os.WriteFile(notDB, []byte("this is not SQLite, not even close, and long enough to tell"), 0o600); err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(dir, "newer.db")
	if _, err := store.Migrate(t.Context(), newer); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_version (version, name, applied) VALUES (99, '0099_future', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	fileInTheWay := filepath.Join(dir, "file")
	if err := os.WriteFile(fileInTheWay, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--database", "postgres://tick:s3cr3t@127.0.0.1:1/tickroom?sslmode=disable"},
			[]string{"open the store postgres://...@127.0.0.1:1/tickroom", "connect", "refused"}},
		{[]string{"--database", "postgres://127.0.0.1:1/tickroom?password=s3cr3t"},
			[]string{"password=..."}},
		{[]string{"--database", notDB}, []string{notDB, "not a database"}},
		{[]string{"--database", newer}, []string{newer, "newer than this binary", "99"}},
		{[]string{"--database", "mysql://u:s3cr3t@db/x"}, []string{"unknown DSN scheme", "mysql://...@db/x"}},
		{[]string{"--data-dir", filepath.Join(fileInTheWay, "sub")}, []string{"--data-dir", fileInTheWay}},
	} {
		out, err := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...)...).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() == 0 {
			t.Errorf("%v: %v, want a non-zero exit\n%s", tc.args, err, out)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(string(out), want) {
				t.Errorf("%v: output does not say %q:\n%s", tc.args, want, out)
			}
		}
		if strings.Contains(string(out), "s3cr3t") {
			t.Errorf("%v: the output shows the password:\n%s", tc.args, out)
		}
		if strings.Contains(string(out), "tickroom serving") {
			t.Errorf("%v: served without its store:\n%s", tc.args, out)
		}
	}
}

// TestServePostgresStoppedAndStarted: PostgreSQL stops under a running
// server: /readyz and /healthz stay 200, rooms go on ticking and take new
// players, the store reads as down in /metrics; it reads as up again once
// PostgreSQL is back, and the server shuts down cleanly.
func TestServePostgresStoppedAndStarted(t *testing.T) {
	bin := buildBinary(t)
	pg := storetest.StartPostgres(t)
	dsn := pg.NewDatabase(t)
	p := start(t, bin, nil, "--database", dsn, "--drain-period", "0s")
	if !strings.Contains(p.log(), "store=postgres") {
		t.Errorf("the start line does not name the store:\n%s", p.log())
	}
	addr := p.addrs["addr"]
	if v, _ := metric(t, addr, "tickroom_store_up"); v != 1 {
		t.Fatalf("tickroom_store_up %v with PostgreSQL up", v)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws://"+addr+"/ws", client.Options{Hello: netcode.Hello{Name: "ann"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	tick(ctx, t, c)

	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	before := tick(ctx, t, c)
	for _, path := range []string{"/readyz", "/healthz"} {
		if code := status(t, "http://"+addr+path); code != http.StatusOK {
			t.Errorf("%s: %d with PostgreSQL stopped, want 200", path, code)
		}
	}
	late, err := client.Dial(ctx, "ws://"+addr+"/ws", client.Options{Hello: netcode.Hello{Name: "bob", Room: c.Welcome().Room}})
	if err != nil {
		t.Fatalf("a join with PostgreSQL stopped: %v", err)
	}
	defer late.CloseNow()
	tick(ctx, t, late)
	for range 20 {
		tick(ctx, t, c)
	}
	if after := tick(ctx, t, c); after < before+20 {
		t.Errorf("the room went from tick %d to %d with PostgreSQL stopped", before, after)
	}
	// The health check is cached for 5 s.
	wait.For(t, "tickroom_store_up 0", 15*time.Second, func() bool {
		v, ok := metric(t, addr, "tickroom_store_up")
		return ok && v == 0
	})

	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	wait.For(t, "tickroom_store_up 1", 15*time.Second, func() bool {
		v, _ := metric(t, addr, "tickroom_store_up")
		return v == 1
	})
	if code, _ := p.terminate(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, p.log())
	}
}

// dbCmd runs tickroom db with args and returns its output and exit code.
func dbCmd(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(bin, append([]string{"db"}, args...)...).CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return string(out), 0
}

// rawDB reaches a database behind the store's back, as an operator's hand
// or another binary would.
type rawDB struct {
	exec  func(t *testing.T, query string)
	table func(t *testing.T, name string) bool
}

func TestDBCommands(t *testing.T) {
	bin := buildBinary(t)
	t.Run("SQLite", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		path := filepath.Join(dir, "tickroom.db")
		open := func(t *testing.T) *sql.DB {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		testDB(t, bin, []string{"--data-dir", dir}, path, func(t *testing.T) {
			os.RemoveAll(dir)
		}, rawDB{
			exec: func(t *testing.T, q string) {
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if _, err := open(t).Exec(q); err != nil {
					t.Fatal(err)
				}
			},
			table: func(t *testing.T, name string) bool {
				var n int
				if err := open(t).QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n == 1
			},
		})
	})
	t.Run("Postgres", func(t *testing.T) {
		pg := storetest.StartPostgres(t)
		var dsn string
		conn := func(t *testing.T) *pgx.Conn {
			c, err := pgx.Connect(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close(context.Background()) })
			return c
		}
		fresh := func(t *testing.T) { dsn = pg.NewDatabase(t) }
		fresh(t)
		// The password is never shown; the test server takes any.
		withPassword := func() string { return strings.Replace(dsn, "postgres@", "postgres:s3cr3t@", 1) }
		args := func() []string { return []string{"--database", withPassword()} }
		testDBArgs(t, bin, args, func() string { return store.RedactDSN(dsn) }, fresh, rawDB{
			exec: func(t *testing.T, q string) {
				if _, err := conn(t).Exec(t.Context(), q); err != nil {
					t.Fatal(err)
				}
			},
			table: func(t *testing.T, name string) bool {
				var ok bool
				if err := conn(t).QueryRow(t.Context(), `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&ok); err != nil {
					t.Fatal(err)
				}
				return ok
			},
		})
	})
}

func testDB(t *testing.T, bin string, args []string, shown string, reset func(*testing.T), raw rawDB) {
	testDBArgs(t, bin, func() []string { return args }, func() string { return shown }, reset, raw)
}

func testDBArgs(t *testing.T, bin string, args func() []string, shown func() string, reset func(*testing.T), raw rawDB) {
	run := func(sub string) (string, int) {
		out, code := dbCmd(t, bin, append([]string{sub}, args()...)...)
		if strings.Contains(out, "s3cr3t") {
			t.Errorf("db %s shows the password:\n%s", sub, out)
		}
		return out, code
	}
	want := func(what, out string, code, wantCode int, subs ...string) {
		t.Helper()
		if code != wantCode {
			t.Errorf("%s: exit %d, want %d\n%s", what, code, wantCode, out)
		}
		for _, s := range subs {
			if !strings.Contains(out, s) {
				t.Errorf("%s: output does not say %q:\n%s", what, s, out)
			}
		}
	}

	out, code := run("status")
	want("status of a new database", out, code, 0, "database: "+shown(), "schema:   0 (this binary: 3)", "pending:  0001_init, 0002_matches, 0003_bests")
	out, code = run("migrate")
	want("migrate from empty", out, code, 0, "applied 0001_init", "applied 0002_matches", "applied 0003_bests", "at schema version 3")
	out, code = run("status")
	want("status after migrate", out, code, 0, "schema:   3 (this binary: 3)", "pending:  none, up to date")
	out, code = run("migrate")
	want("migrate when up to date", out, code, 0, "up to date, nothing to apply")

	// Newer than this binary: both refuse, saying so.
	raw.exec(t, `INSERT INTO schema_version (version, name, applied) VALUES (99, '0099_future', `+
		map[bool]string{true: "0", false: "now()"}[strings.HasPrefix(shown(), "/")]+`)`)
	out, code = run("status")
	want("status of a newer schema", out, code, 1, "schema:   99 (this binary: 3)", "newer than this binary", "run a newer tickroom")
	out, code = run("migrate")
	want("migrate of a newer schema", out, code, 1, "newer than this binary", "99")

	// A migration that fails: migration 1 applies, 2 finds a table in its
	// way; nothing is applied and the schema stays empty.
	reset(t)
	raw.exec(t, `CREATE TABLE match_players (x INTEGER)`)
	out, code = run("migrate")
	want("a failing migration", out, code, 1, "migrate "+shown(), "0002_matches", "match_players", "left as it was")
	if raw.table(t, "players") || raw.table(t, "matches") {
		t.Error("the failed migration left tables of its own")
	}
	out, code = run("status")
	want("status after a failed migration", out, code, 0, "schema:   0 (this binary: 3)", "pending:  0001_init, 0002_matches, 0003_bests")
}

// TestDBStatusNamesTheDefault: without flags, db status looks at the
// default data dir's file and does not create it.
func TestDBStatusNamesTheDefault(t *testing.T) {
	bin := buildBinary(t)
	xdg := t.TempDir()
	cmd := exec.Command(bin, "db", "status")
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+xdg, "TICKROOM_DATA_DIR=", "TICKROOM_DATABASE=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if want := filepath.Join(xdg, "tickroom", "tickroom.db") + " (not created yet"; !strings.Contains(string(out), want) {
		t.Errorf("output does not say %q:\n%s", want, out)
	}
	if entries, _ := os.ReadDir(xdg); len(entries) != 0 {
		t.Errorf("db status created %v", entries)
	}
}
