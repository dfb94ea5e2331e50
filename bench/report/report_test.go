package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/bench/report"
)

func arenaResult() *report.Result {
	r := &report.Result{
		Scenario: "arena",
		Started:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Level:    report.DefaultServiceLevel(20),
		Machine:  report.Machine{Pinning: "none"},
		Settings: report.Settings{Warmup: report.Duration(5 * time.Second)},
	}
	for i, rooms := range []int{1, 25, 50, 100, 200, 300} {
		s := good()
		s.Rooms, s.Bots, s.Connections = rooms, rooms*8, float64(rooms*8)
		s.CPUPerSnapshotMicros = 20 - float64(i)
		s.Floor = &report.Floor{MicrosPerWrite: 10}
		s.FloorRatio = s.CPUPerSnapshotMicros / 10
		s.WritesPerClientPerSec = 20.5
		s.AckP50Millis, s.AckP99Millis = 50, 55+float64(i)
		s.HeapStackPerConnBytes = 40 << 10
		s.RetainedPerConnBytes = 30 << 10
		s.AllocsPerTick = 40
		s.Held = rooms < 300
		r.Steps = append(r.Steps, s)
	}
	r.Summarize()
	r.Targets = report.ArenaTargets(r)
	return r
}

func TestArenaTargets(t *testing.T) {
	t.Parallel()
	r := arenaResult()
	want := map[string]struct {
		got  string
		held bool
	}{
		"capacity": {"1600 bots", false},
		// 1000 bots lies between 800 (1.7x) and 1600 (1.6x).
		"server CPU per delivered snapshot over the floor at 1000 bots": {"1.68x", false},
		// 2000 bots lies between 1600 (1.6x) and 2400 (1.5x).
		"server CPU per delivered snapshot over the floor at 2000 bots": {"1.55x", false},
		"write syscalls per client per second":                          {"20.50", true},
		"server memory per connected client":                            {"30.0 KiB", false},
		"allocations per room tick flat in clients":                     {"40 -> 40 (1.00x)", true},
	}
	if len(r.Targets) != len(want) {
		t.Fatalf("%d targets, want %d: %+v", len(r.Targets), len(want), r.Targets)
	}
	for _, tg := range r.Targets {
		w, ok := want[tg.Name]
		if !ok {
			t.Errorf("unexpected target %q", tg.Name)
			continue
		}
		if tg.Got != w.got || tg.Held != w.held {
			t.Errorf("%s: got %q held %v, want %q held %v", tg.Name, tg.Got, tg.Held, w.got, w.held)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	r := arenaResult()
	path := filepath.Join(t.TempDir(), "out", "arena.json")
	if err := r.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	back, err := report.ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Steps) != len(r.Steps) || back.Capacity != r.Capacity || back.Settings.Warmup != r.Settings.Warmup {
		t.Errorf("round trip changed the result: %+v", back.Capacity)
	}
	b, _ := os.ReadFile(path)
	for _, key := range []string{`"cpu_per_snapshot_us"`, `"ack_p99_ms"`, `"warmup": "5s"`, `"heap_stack_per_conn_bytes"`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestTableAndSummary(t *testing.T) {
	t.Parallel()
	r := arenaResult()
	var b bytes.Buffer
	if err := report.WriteTable(&b, r.Steps); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 1+len(r.Steps) {
		t.Fatalf("%d lines, want a header and %d rows:\n%s", len(lines), len(r.Steps), b.String())
	}
	for _, l := range lines[1:] {
		if len(l) != len(lines[0]) {
			t.Errorf("row %q is not as wide as the header %q", l, lines[0])
		}
	}
	if !strings.HasSuffix(lines[len(lines)-1], "NO") {
		t.Errorf("the failed step's row does not end with NO: %q", lines[len(lines)-1])
	}
	b.Reset()
	report.WriteSummary(&b, r)
	for _, want := range []string{"capacity: 200 rooms, 1600 bots", "NOT HELD"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

func TestPlot(t *testing.T) {
	t.Parallel()
	r := arenaResult()
	dir := t.TempDir()
	for _, name := range []string{"p.svg", "p.png"} {
		path := filepath.Join(dir, name)
		if err := report.WritePlot(path, r); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 1000 {
			t.Errorf("%s: %d bytes", name, len(b))
		}
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "p.svg"))
	if !bytes.Contains(svg, []byte("<svg")) {
		t.Error("the .svg file is not SVG")
	}
	if err := report.WritePlot(filepath.Join(dir, "p.gif"), r); err == nil {
		t.Error("a .gif plot did not fail")
	}
	if err := report.WritePlot(filepath.Join(dir, "e.svg"), &report.Result{}); err == nil {
		t.Error("a plot without steps did not fail")
	}
}

func TestProgress(t *testing.T) {
	t.Parallel()
	var tty, plain bytes.Buffer
	pt, pp := report.NewProgress(&tty, true), report.NewProgress(&plain, false)
	for _, p := range []*report.Progress{pt, pp} {
		p.Update("one")
		p.Update("two")
		p.Println("row")
		p.Done()
	}
	if got, want := tty.String(), "\r\x1b[Kone\r\x1b[Ktwo\r\x1b[Krow\n"; got != want {
		t.Errorf("terminal output %q, want %q", got, want)
	}
	if got, want := plain.String(), "one\nrow\n"; got != want {
		t.Errorf("plain output %q, want %q (at most one progress line per period)", got, want)
	}
	var nilP *report.Progress
	nilP.Update("ignored") // a nil Progress shows nothing
	if got := report.Bar(5, 10, 10); got != "[#####.....]" {
		t.Errorf("Bar = %q", got)
	}
}
