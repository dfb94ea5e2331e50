// Package scenario runs the benchmark scenarios of docs/snake.md against a
// tickroom server: it starts the server as a separate process (or uses one
// that is already running), ramps a bot swarm up in steps, measures each step
// over a window after a warm-up from the server's /metrics, /proc and the
// bots, judges the service level and reports the capacity: the largest step
// that held.
//
// A step's figures come from the difference between a scrape at the start
// and one at the end of its window. The server's cost of a scrape, measured
// on the idle server, is subtracted from its CPU and allocations. Reliable
// loss, disconnects and failed joins count from the start of the step's
// ramp, not only in the window: a bot lost while warming up fails the step.
//
// With Pin, the server runs on CPU 0 (taskset) and this process, bots and
// all, on CPU 1: before the bots start, every thread of the process is moved
// to CPU 1 with sched_setaffinity (threads created later inherit it) and
// GOMAXPROCS is set to 1. No re-exec is needed.
package scenario
