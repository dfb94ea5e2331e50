package lobby_test

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/lobby"
)

// BenchmarkEmptyRooms measures what rooms nobody plays in cost: the
// server's CPU over a window, as a share of one core, and the heap and
// stacks per room. Run with -benchtime=1x; ROOMS rooms per iteration.
//
//	go test -run '^$' -bench EmptyRooms -benchtime 1x ./lobby/
func BenchmarkEmptyRooms(b *testing.B) {
	const rooms = 10000
	const window = 3 * time.Second
	typ, _ := testgame.Type("count", testgame.Options{})
	for b.Loop() {
		srv := lobby.NewServer(lobby.Config{MaxRooms: rooms + 1}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := srv.Register(typ); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var m0 runtime.MemStats
		runtime.ReadMemStats(&m0)
		g0 := runtime.NumGoroutine()
		for range rooms {
			if _, err := srv.CreateRoom(context.Background(), "", lobby.RoomConfig{EmptyTimeout: time.Hour}); err != nil {
				b.Fatal(err)
			}
		}
		time.Sleep(500 * time.Millisecond) // let the rooms settle
		cpu0, t0 := cpuTime(), time.Now()
		time.Sleep(window)
		cpu1, t1 := cpuTime(), time.Now()
		runtime.GC()
		var m1 runtime.MemStats
		runtime.ReadMemStats(&m1)
		b.ReportMetric(100*float64(cpu1-cpu0)/float64(t1.Sub(t0)), "cpu-%")
		b.ReportMetric(float64(int64(m1.HeapInuse+m1.StackInuse)-int64(m0.HeapInuse+m0.StackInuse))/rooms, "B/room")
		b.ReportMetric(float64(runtime.NumGoroutine()-g0), "goroutines")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := srv.Shutdown(ctx); err != nil {
			b.Fatal(err)
		}
		cancel()
	}
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
