package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Result is one benchmark run: where it ran, how, and every step's figures.
type Result struct {
	Scenario string    `json:"scenario"`
	Started  time.Time `json:"started"`
	Seconds  float64   `json:"seconds"`
	// Command is the command line that produced the result.
	Command  string       `json:"command"`
	Machine  Machine      `json:"machine"`
	Settings Settings     `json:"settings"`
	Level    ServiceLevel `json:"service_level"`
	Baseline Baseline     `json:"baseline"`
	Steps    []Step       `json:"steps"`
	// Capacity is the largest step that held the service level.
	Capacity Capacity `json:"capacity"`
	// Targets are the project's goals for this scenario on this machine,
	// reported, never asserted.
	Targets []Target `json:"targets,omitempty"`
	// Stopped says why the ramp ended.
	Stopped string `json:"stopped"`
}

// Machine describes where the benchmark ran.
type Machine struct {
	CPUModel  string `json:"cpu_model"`
	Cores     int    `json:"cores"`
	MemBytes  uint64 `json:"mem_bytes"`
	Kernel    string `json:"kernel,omitempty"`
	GoVersion string `json:"go_version"`
	// GitCommit of the benchmark binary; "+dirty" when built from a
	// modified tree.
	GitCommit string `json:"git_commit"`
	// BenchGOMAXPROCS is the bots' process; ServerGOMAXPROCS the server's
	// as its /metrics reports it.
	BenchGOMAXPROCS  int    `json:"bench_gomaxprocs"`
	ServerGOMAXPROCS int    `json:"server_gomaxprocs"`
	Pinning          string `json:"pinning"`
	// LoadBefore and LoadAfter are /proc/loadavg (1, 5, 15 minutes) before
	// the server started and after the last step: other work on the
	// machine skews every figure.
	LoadBefore [3]float64 `json:"load_before"`
	LoadAfter  [3]float64 `json:"load_after"`
}

// Settings are the benchmark's parameters.
type Settings struct {
	Board          [2]int   `json:"board"`
	Food           int      `json:"food"`
	PlayersPerRoom int      `json:"players_per_room"`
	TickRate       int      `json:"tick_rate"`
	StepsRooms     []int    `json:"steps_rooms"`
	Warmup         Duration `json:"warmup"`
	Window         Duration `json:"window"`
	MaxBots        int      `json:"max_bots"`
	JoinMode       string   `json:"join_mode"`
	JoinRate       float64  `json:"join_rate"`
	Seed           uint64   `json:"seed"`
	Stallers       float64  `json:"stallers"`
	Reconnecters   float64  `json:"reconnecters"`
	Deltas         bool     `json:"deltas"`
	// BotTransport is how the bots read their connections (poll or client).
	BotTransport string `json:"bot_transport,omitempty"`
	// Server is the server's command line, or its URL when the benchmark
	// did not start it.
	Server       string   `json:"server"`
	ServerPID    int      `json:"server_pid,omitempty"`
	ScrapeEvery  Duration `json:"scrape_every"`
	MemoryMethod string   `json:"memory_method"`
}

// Baseline is the idle server before the first bot.
type Baseline struct {
	HeapStackBytes float64 `json:"heap_stack_bytes"`
	LiveHeapBytes  float64 `json:"live_heap_bytes"`
	RSSBytes       float64 `json:"rss_bytes,omitempty"`
	Goroutines     float64 `json:"goroutines"`
	// ScrapeCPUSeconds and ScrapeMallocs are the server's cost of one
	// /metrics scrape, measured idle and subtracted from each window.
	ScrapeCPUSeconds float64 `json:"scrape_cpu_seconds"`
	ScrapeMallocs    float64 `json:"scrape_mallocs"`
}

// Capacity is the largest step that held.
type Capacity struct {
	Rooms int  `json:"rooms"`
	Bots  int  `json:"bots"`
	Held  bool `json:"held"`
	// Bounded says the ramp stopped before a step failed (max bots or the
	// list of steps ran out): the capacity is at least this.
	Bounded bool `json:"bounded"`
}

// Target is one of the project's performance goals and whether it held.
type Target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Held bool   `json:"held"`
	Note string `json:"note,omitempty"`
}

// WriteJSON writes r, indented, creating the directory.
func (r *Result) WriteJSON(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// ReadJSON reads a Result written by WriteJSON.
func ReadJSON(path string) (*Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	r := new(Result)
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("report: %s: %w", path, err)
	}
	return r, nil
}

// Duration is a time.Duration that reads and writes as "1.5s" in JSON.
type Duration time.Duration

// MarshalText writes the duration as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}
