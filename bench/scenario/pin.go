package scenario

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// PinSelf moves every thread of this process to cpu and sets GOMAXPROCS to
// 1. Linux applies sched_setaffinity to one thread, and a new thread
// inherits its creator's mask, so setting it on each existing thread covers
// the threads the runtime creates later too.
func PinSelf(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	pinned := make(map[int]bool)
	// A thread started by a not yet pinned thread during a pass is caught
	// by the next one.
	for pass := 0; pass < 10; pass++ {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("scenario: pin: %w", err)
		}
		fresh := 0
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil || pinned[tid] {
				continue
			}
			if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
				return fmt.Errorf("scenario: pin thread %d to CPU %d: %w", tid, cpu, err)
			}
			pinned[tid] = true
			fresh++
		}
		if fresh == 0 {
			runtime.GOMAXPROCS(1)
			return nil
		}
	}
	return fmt.Errorf("scenario: pin: threads kept appearing")
}
