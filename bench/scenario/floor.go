package scenario

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tickroom/tickroom/bench/report"
)

// The floor is what the write path cannot go below on this machine: the
// bare cost of one write(2) of a snapshot's bytes to each of as many
// loopback sockets at the tick rate, with the readers in this process as
// the bots are. On loopback the writer's core also runs the receiving
// side's TCP path, so that cost is in the floor as it is in the server's
// figures. A step's CPU per delivered snapshot divided by the floor
// measured in the same run, with the same pinning, is the figure to
// compare across runs: absolute times vary from run to run on shared
// machines, ratios much less.

// Floor is one floor measurement.
type Floor = report.Floor

// Floor defaults: long enough for CPU time's 10 ms resolution to vanish in
// the figure.
const (
	FloorWarmup = 2 * time.Second
	FloorWindow = 5 * time.Second
)

// MeasureFloor runs command (the tickroom binary and "floor"), pinned to
// CPU 0 with pin, against conns loopback sockets that this process
// accepts and reads, and returns what it measured.
func MeasureFloor(ctx context.Context, command []string, pin bool, conns, size, rate int) (Floor, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Floor{}, fmt.Errorf("scenario: floor: %w", err)
	}
	defer ln.Close()
	var readers sync.WaitGroup
	var accepted []net.Conn
	var mu sync.Mutex
	acceptDone := make(chan struct{})
	go func() {
		defer close(acceptDone)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			accepted = append(accepted, c)
			mu.Unlock()
			readers.Add(1)
			go func() {
				defer readers.Done()
				io.Copy(io.Discard, c)
			}()
		}
	}()
	defer func() {
		ln.Close()
		<-acceptDone
		mu.Lock()
		for _, c := range accepted {
			c.Close()
		}
		mu.Unlock()
		readers.Wait()
	}()
	args := append(append([]string(nil), command...),
		"--addr", ln.Addr().String(), "--conns", strconv.Itoa(conns), "--bytes", strconv.Itoa(size),
		"--rate", strconv.Itoa(rate), "--warmup", FloorWarmup.String(), "--window", FloorWindow.String())
	if pin {
		args = append([]string{"taskset", "-c", "0"}, args...)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return Floor{}, fmt.Errorf("scenario: floor: %s: %w", strings.Join(args, " "), err)
	}
	var f Floor
	if err := json.Unmarshal(out, &f); err != nil {
		return Floor{}, fmt.Errorf("scenario: floor: %q: %w", out, err)
	}
	return f, nil
}

// RunFloorWriter is the floor's writing side (tickroom floor): it dials
// conns connections to addr, then writes size bytes to each of them rate
// times a second, one write(2) each that never waits, and measures its
// own CPU over window after warmup.
func RunFloorWriter(ctx context.Context, addr string, conns, size, rate int, warmup, window time.Duration) (Floor, error) {
	if conns < 1 || size < 1 || rate < 1 {
		return Floor{}, errors.New("scenario: floor: conns, bytes and rate must be positive")
	}
	fds := make([]syscall.RawConn, 0, conns)
	var all []net.Conn
	defer func() {
		for _, c := range all {
			c.Close()
		}
	}()
	d := net.Dialer{Timeout: 5 * time.Second}
	for range conns {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return Floor{}, fmt.Errorf("scenario: floor: dial: %w", err)
		}
		all = append(all, c)
		rc, err := c.(*net.TCPConn).SyscallConn()
		if err != nil {
			return Floor{}, err
		}
		fds = append(fds, rc)
	}
	buf := make([]byte, size)
	var writes, short uint64
	var n int
	var werr error
	write := func(fd uintptr) bool {
		n, werr = syscall.Write(int(fd), buf)
		return true // never wait: the server's writer does not
	}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	start := time.Now()
	measureFrom, measureTo := start.Add(warmup), start.Add(warmup+window)
	var cpu0 time.Duration
	var t0 time.Time
	for now := range tick.C {
		if t0.IsZero() && !now.Before(measureFrom) {
			cpu0, t0 = processCPU(), time.Now()
			writes, short = 0, 0
		}
		if !now.Before(measureTo) {
			break
		}
		for _, rc := range fds {
			if err := rc.Write(write); err != nil {
				return Floor{}, err
			}
			if werr != nil && werr != syscall.EAGAIN {
				return Floor{}, fmt.Errorf("scenario: floor: write: %w", werr)
			}
			writes++
			if n < size {
				short++
			}
		}
		if ctx.Err() != nil {
			return Floor{}, ctx.Err()
		}
	}
	secs := time.Since(t0).Seconds()
	cpu := (processCPU() - cpu0).Seconds()
	return Floor{
		Conns: conns, Bytes: size, Rate: rate, WindowSeconds: secs, CPUSeconds: cpu,
		Writes: writes, Short: short, MicrosPerWrite: ratio(cpu*1e6, float64(writes)),
	}, nil
}

// procWrites returns the write system calls the process pid has made
// (syscw in /proc/PID/io).
func procWrites(pid int) (float64, bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "syscw:"); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return n, err == nil
		}
	}
	return 0, false
}

// measureFloors measures the floor of every step of res, at its bots and
// bytes per snapshot, and sets the steps' ratios.
func measureFloors(ctx context.Context, cfg Config, res *report.Result) {
	for i := range res.Steps {
		s := &res.Steps[i]
		size := max(int(s.BytesPerSnapshot+0.5), 1)
		cfg.Progress.Update("%s: floor: %d bytes to %d loopback sockets at %d Hz", cfg.Scenario.Name, size, s.Bots, cfg.Scenario.TickRate)
		f, err := MeasureFloor(ctx, cfg.FloorCommand, cfg.Pin, s.Bots, size, cfg.Scenario.TickRate)
		if err != nil {
			cfg.Progress.Println(fmt.Sprintf("floor at %d bots not measured: %v", s.Bots, err))
			continue
		}
		s.Floor = &f
		s.FloorRatio = ratio(s.CPUPerSnapshotMicros, f.MicrosPerWrite)
		cfg.Progress.Println(fmt.Sprintf("floor at %5d bots: %4d bytes per write, %.1f µs per write; server CPU per delivered snapshot %.1f µs = %.2fx the floor",
			s.Bots, size, f.MicrosPerWrite, s.CPUPerSnapshotMicros, s.FloorRatio))
	}
}
