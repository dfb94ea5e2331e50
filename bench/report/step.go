package report

// Step is the figures of one load step, over its measurement window.
type Step struct {
	Rooms int `json:"rooms"`
	Bots  int `json:"bots"`
	// Connections and Players are the server's gauges at the end.
	Connections   float64 `json:"connections"`
	Players       float64 `json:"players"`
	WindowSeconds float64 `json:"window_seconds"`

	Held     bool     `json:"held"`
	Failures []string `json:"failures,omitempty"`
	// Attempts is how many windows were measured: a step that failed
	// while other work took the machine may be measured again (--retries).
	Attempts int `json:"attempts"`

	// Server CPU over the window: seconds, cores busy, and per delivered
	// snapshot (process CPU / snapshots written) and per client-tick
	// (process CPU / (bots x tick rate x seconds)).
	ServerCPUSeconds       float64 `json:"server_cpu_seconds"`
	ServerCPUCores         float64 `json:"server_cpu_cores"`
	CPUPerSnapshotMicros   float64 `json:"cpu_per_snapshot_us"`
	CPUPerClientTickMicros float64 `json:"cpu_per_client_tick_us"`
	BotCPUCores            float64 `json:"bot_cpu_cores"`
	BotCores               int     `json:"bot_cores"`
	LoadGeneratorSaturated bool    `json:"load_generator_saturated"`
	// OtherCPUCores is the machine's busy time (/proc/stat) that was
	// neither the server's nor the bots' process: other work, which skews
	// the step. StealPct is the share of CPU time the hypervisor gave to
	// other guests.
	OtherCPUCores float64 `json:"other_cpu_cores"`
	StealPct      float64 `json:"steal_pct"`

	// Room tick health from the server's histograms and counters.
	RoomSteps      float64 `json:"room_steps"`
	StepP50Millis  float64 `json:"step_p50_ms"`
	StepP99Millis  float64 `json:"step_p99_ms"`
	StepMaxMillis  float64 `json:"step_max_ms"` // upper bound of the highest bucket hit
	StepMeanMillis float64 `json:"step_mean_ms"`
	LateP99Millis  float64 `json:"wake_lateness_p99_ms"`
	LateMaxMillis  float64 `json:"wake_lateness_max_ms"`
	Overruns       float64 `json:"overruns"`
	SkippedTicks   float64 `json:"skipped_ticks"`
	CatchUpSteps   float64 `json:"catch_up_steps"`

	// Input-to-acknowledgement latency at the bots that keep up.
	AckP50Millis float64 `json:"ack_p50_ms"`
	AckP99Millis float64 `json:"ack_p99_ms"`
	AckMaxMillis float64 `json:"ack_max_ms"`
	AckSamples   uint64  `json:"ack_samples"`
	Inputs       uint64  `json:"inputs"`

	// Snapshots: delivered to (read by) the bots; written and conflated by
	// the server; tick gaps the bots that keep up saw.
	SnapshotsDelivered  uint64  `json:"snapshots_delivered"`
	SnapshotsWritten    float64 `json:"snapshots_written"`
	SnapshotsConflated  float64 `json:"snapshots_conflated"`
	ServerConflationPct float64 `json:"server_conflation_pct"`
	BotTickGaps         uint64  `json:"bot_tick_gaps"`
	BotConflationPct    float64 `json:"bot_conflation_pct"`

	// Reliable lane: events the bots got, seqs they never got (lost), and
	// disconnects they did not plan, by close code.
	Events          uint64            `json:"events"`
	ReliableLost    uint64            `json:"reliable_lost"`
	Duplicated      uint64            `json:"events_duplicated"`
	Disconnects     uint64            `json:"disconnects"`
	DisconnectCodes map[string]uint64 `json:"disconnect_codes,omitempty"`
	JoinFailed      uint64            `json:"join_failed"`
	PlannedDrops    uint64            `json:"planned_drops"`
	Resumed         uint64            `json:"resumed"`
	ResumeFailed    uint64            `json:"resume_failed"`
	ServerErrors    uint64            `json:"server_errors"`
	// ServerCloses are the server's connections_closed_total deltas, by
	// code, for codes that moved.
	ServerCloses map[string]float64 `json:"server_closes,omitempty"`

	// Bandwidth.
	BytesPerClientPerSec float64 `json:"bytes_per_client_per_s"`
	// WritesPerClientPerSec is the server's write system calls (syscw of
	// /proc/PID/io, every write of the process) per connection per second,
	// when the benchmark started the server.
	WritesPerClientPerSec float64 `json:"write_syscalls_per_client_per_s,omitempty"`
	// BytesPerSnapshot is what the server wrote per delivered snapshot,
	// events and pings included: the size the floor writes.
	BytesPerSnapshot float64 `json:"bytes_per_snapshot"`
	// Floor is the bare cost of a write of BytesPerSnapshot to as many
	// loopback sockets at the tick rate, measured in the same run with the
	// same pinning; FloorRatio is CPUPerSnapshotMicros over its cost per
	// write.
	Floor      *Floor  `json:"floor,omitempty"`
	FloorRatio float64 `json:"cpu_per_snapshot_over_floor,omitempty"`
	// DeltaPct is the share of the bots' snapshots that came as deltas.
	DeltaPct          float64 `json:"delta_pct"`
	SnapshotBytesMean float64 `json:"snapshot_bytes_mean"`

	// Memory: heap in use plus stacks in use (the lowest of the window's
	// samples, to leave out garbage waiting for the next GC) minus the idle
	// baseline, per connection; RSS likewise when the server is a child.
	HeapStackBytes        float64 `json:"heap_stack_bytes"`
	HeapStackPerConnBytes float64 `json:"heap_stack_per_conn_bytes"`
	StackPerConnBytes     float64 `json:"stack_per_conn_bytes"`
	// RetainedPerConnBytes is what a connection keeps: the live heap (as
	// estimated from the GC's heap goal at the end of the window) plus
	// stacks, above idle, per connection. Unlike the heap in use it leaves
	// out garbage, which depends on the allocation rate and GOGC.
	LiveHeapBytes        float64 `json:"live_heap_bytes"`
	RetainedPerConnBytes float64 `json:"retained_per_conn_bytes"`
	RSSBytes             float64 `json:"rss_bytes,omitempty"`
	RSSPerConnBytes      float64 `json:"rss_per_conn_bytes,omitempty"`
	Goroutines           float64 `json:"goroutines"`
	GoroutinesPerConn    float64 `json:"goroutines_per_conn"`

	// Allocations: server mallocs over the window per room step and per
	// delivered snapshot, and bytes allocated per room step.
	AllocsPerTick      float64 `json:"allocs_per_tick"`
	AllocsPerSnapshot  float64 `json:"allocs_per_snapshot"`
	AllocBytesPerTick  float64 `json:"alloc_bytes_per_tick"`
	GCCycles           float64 `json:"gc_cycles"`
	GCPauseTotalMillis float64 `json:"gc_pause_total_ms"`
	GCPauseMeanMillis  float64 `json:"gc_pause_mean_ms"`
	// GCPauseMaxMillis is the largest of the server's recent GC pauses
	// (go_gc_duration_seconds quantile 1 at the end of the window).
	GCPauseMaxMillis float64 `json:"gc_pause_max_ms"`

	// Profiles are the server's CPU profile of the window and heap profile
	// at its end, when they were recorded.
	Profiles []string `json:"profiles,omitempty"`

	// Roles splits the bots' figures by role when there is more than one.
	Roles map[string]RoleFigures `json:"roles,omitempty"`
	// Drift is the change of goroutines and memory over the window, for
	// the soak: a leak grows them.
	Drift *Drift `json:"drift,omitempty"`
}

// RoleFigures are one bot role's figures over the window.
type RoleFigures struct {
	Snapshots     uint64  `json:"snapshots"`
	ConflationPct float64 `json:"conflation_pct"`
	AckP99Millis  float64 `json:"ack_p99_ms"`
	Events        uint64  `json:"events"`
	Lost          uint64  `json:"reliable_lost"`
	Disconnects   uint64  `json:"disconnects"`
	PlannedDrops  uint64  `json:"planned_drops"`
	Resumed       uint64  `json:"resumed"`
	ResumeFailed  uint64  `json:"resume_failed"`
	Stalls        uint64  `json:"stalls"`
}

// Drift compares the start and the end of a window.
type Drift struct {
	GoroutinesStart     float64 `json:"goroutines_start"`
	GoroutinesEnd       float64 `json:"goroutines_end"`
	HeapStackStartBytes float64 `json:"heap_stack_start_bytes"`
	HeapStackEndBytes   float64 `json:"heap_stack_end_bytes"`
	// LiveHeap is the live heap estimated from the GC's heap goal: unlike
	// the heap in use, it leaves out garbage.
	LiveHeapStartBytes float64 `json:"live_heap_start_bytes"`
	LiveHeapEndBytes   float64 `json:"live_heap_end_bytes"`
	ConnectionsStart   float64 `json:"connections_start"`
	ConnectionsEnd     float64 `json:"connections_end"`
}

// Floor is the bare cost of writing a snapshot's bytes to a loopback
// socket (see scenario.MeasureFloor).
type Floor struct {
	Conns          int     `json:"conns"`
	Bytes          int     `json:"bytes_per_write"`
	Rate           int     `json:"writes_per_conn_per_s"`
	WindowSeconds  float64 `json:"window_seconds"`
	CPUSeconds     float64 `json:"cpu_seconds"`
	Writes         uint64  `json:"writes"`
	Short          uint64  `json:"short_writes"`
	MicrosPerWrite float64 `json:"us_per_write"`
}
