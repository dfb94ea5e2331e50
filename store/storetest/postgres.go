package storetest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a throwaway PostgreSQL server for tests: its own data
// directory in a temporary directory, trust authentication, listening on
// 127.0.0.1 at a free port. StartPostgres starts it; the test's cleanup
// stops it and removes its files.
type Postgres struct {
	tb   testing.TB
	bin  string
	dir  string
	port int
	uid  int // -1: run the binaries as ourselves
	gid  int
	n    atomic.Int64
}

// PostgresBin is where the PostgreSQL server binaries are looked for:
// $TICKROOM_PG_BIN, else /usr/lib/postgresql/15/bin, else the newest
// /usr/lib/postgresql/*/bin. scripts/test.sh installs them when missing.
func PostgresBin() (string, error) {
	if d := os.Getenv("TICKROOM_PG_BIN"); d != "" {
		return d, nil
	}
	if _, err := os.Stat("/usr/lib/postgresql/15/bin/pg_ctl"); err == nil {
		return "/usr/lib/postgresql/15/bin", nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(dirs) == 0 {
		return "", fmt.Errorf("no PostgreSQL server binaries in /usr/lib/postgresql (install the postgresql package; scripts/test.sh does)")
	}
	sort.Strings(dirs)
	return filepath.Dir(dirs[len(dirs)-1]), nil
}

// StartPostgres initialises and starts a server, or fails the test: a
// missing PostgreSQL is an error, never a skip. As root, the server runs
// as the postgres user (PostgreSQL refuses to run as root).
func StartPostgres(tb testing.TB) *Postgres {
	tb.Helper()
	bin, err := PostgresBin()
	if err != nil {
		tb.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "tickroom-pg-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	p := &Postgres{tb: tb, bin: bin, dir: dir, uid: -1, gid: -1}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			tb.Fatalf("running as root and there is no postgres user to run PostgreSQL as: %v", err)
		}
		p.uid, _ = strconv.Atoi(u.Uid)
		p.gid, _ = strconv.Atoi(u.Gid)
		if err := os.Chmod(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	for _, d := range []string{"data", "sock"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			tb.Fatal(err)
		}
		if p.uid >= 0 {
			if err := os.Chown(filepath.Join(dir, d), p.uid, p.gid); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if out, err := p.cmd("initdb", "-D", p.path("data"), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		tb.Fatalf("initdb: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := p.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := p.Stop(); err != nil {
			tb.Errorf("stopping PostgreSQL: %v", err)
		}
	})
	return p
}

func (p *Postgres) path(name string) string { return filepath.Join(p.dir, name) }

func (p *Postgres) cmd(name string, args ...string) *exec.Cmd {
	prog := filepath.Join(p.bin, name)
	if p.uid >= 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", prog}, args...)...)
	}
	return exec.Command(prog, args...)
}

// Start starts the server (again, after Stop) and waits until it answers.
func (p *Postgres) Start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
		p.port, p.path("sock"))
	out, err := p.cmd("pg_ctl", "-D", p.path("data"), "-l", p.path("sock/log"), "-w", "-t", "60", "-o", opts, "start").CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(p.path("sock/log"))
		return fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return nil
}

// Stop stops the server (fast: open connections are ended). Stopping a
// stopped server is not an error.
func (p *Postgres) Stop() error {
	if _, err := os.Stat(p.path("data/postmaster.pid")); err != nil {
		return nil
	}
	if out, err := p.cmd("pg_ctl", "-D", p.path("data"), "-w", "-t", "60", "-m", "fast", "stop").CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl stop: %v\n%s", err, out)
	}
	return nil
}

// DSN is the address of database db on the server.
func (p *Postgres) DSN(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, db)
}

// NewDatabase creates an empty database and returns its DSN.
func (p *Postgres) NewDatabase(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.DSN("postgres"))
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("t%d", p.n.Add(1))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatal(err)
	}
	return p.DSN(name)
}
