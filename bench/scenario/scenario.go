package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Scenario is one of the benchmark scenarios: the game's settings, the
// load steps and how long each is measured.
type Scenario struct {
	Name           string
	Width, Height  int
	Food           int
	PlayersPerRoom int
	TickRate       int
	// Steps are the rooms of each load step; with Extend, the ramp goes on
	// by ExtendBy rooms after the last one until a step fails or MaxBots.
	Steps    []int
	Extend   bool
	ExtendBy int
	Warmup   time.Duration
	Window   time.Duration
	// Stallers and Reconnecters are fractions of the bots.
	Stallers, Reconnecters float64
	// Deltas makes the bots ask for delta snapshots.
	Deltas bool
}

// Scenarios of docs/snake.md.
var (
	Arena = Scenario{
		Name: "arena", Width: 64, Height: 64, Food: 16, PlayersPerRoom: 8, TickRate: 20,
		Steps: []int{1, 25, 50, 100, 200, 300, 400}, Extend: true, ExtendBy: 100,
		Warmup: 5 * time.Second, Window: 10 * time.Second,
	}
	Big = Scenario{
		Name: "big", Width: 256, Height: 256, Food: 400, PlayersPerRoom: 200, TickRate: 20,
		Steps: []int{1}, Warmup: 10 * time.Second, Window: 30 * time.Second, Deltas: true,
	}
	Soak = Scenario{
		Name: "soak", Width: 64, Height: 64, Food: 16, PlayersPerRoom: 8, TickRate: 20,
		Steps: []int{50}, Warmup: 10 * time.Second, Window: 10 * time.Minute,
		Stallers: 0.05, Reconnecters: 0.05,
	}
)

// Lookup returns the scenario called name.
func Lookup(name string) (Scenario, error) {
	for _, s := range []Scenario{Arena, Big, Soak} {
		if s.Name == name {
			s.Steps = append([]int(nil), s.Steps...)
			return s, nil
		}
	}
	return Scenario{}, fmt.Errorf("scenario %q: want arena, big or soak", name)
}

// StepAt returns the rooms of step i (0-based) and whether there is one.
func (s Scenario) StepAt(i int) (int, bool) {
	if i < len(s.Steps) {
		return s.Steps[i], true
	}
	if !s.Extend || len(s.Steps) == 0 || s.ExtendBy <= 0 {
		return 0, false
	}
	return s.Steps[len(s.Steps)-1] + (i-len(s.Steps)+1)*s.ExtendBy, true
}

// ParseSteps reads a comma-separated list of rooms, e.g. "1,25,50".
func ParseSteps(v string) ([]int, error) {
	var steps []int
	for f := range strings.SplitSeq(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("steps %q: %q is not a number of rooms", v, f)
		}
		if len(steps) > 0 && n <= steps[len(steps)-1] {
			return nil, fmt.Errorf("steps %q: want increasing rooms", v)
		}
		steps = append(steps, n)
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("steps %q: no step", v)
	}
	return steps, nil
}

// ServerArgs are the flags of tickroom serve for this scenario (all but
// --addr), sized for up to maxBots bots.
func (s Scenario) ServerArgs(maxBots int) []string {
	rooms := maxBots/max(s.PlayersPerRoom, 1) + 64
	return []string{
		"--tick-rate", strconv.Itoa(s.TickRate),
		"--max-players", strconv.Itoa(s.PlayersPerRoom),
		"--board-width", strconv.Itoa(s.Width),
		"--board-height", strconv.Itoa(s.Height),
		"--food", strconv.Itoa(s.Food),
		"--max-conns", "0",
		// Every bot comes from one address: lift the per-address limits.
		"--max-conns-per-ip", "0",
		"--rooms-per-ip", "0",
		"--room-create-rate", "0",
		"--reservations-per-ip", "0",
		"--lookup-fail-rate", "0",
		"--max-rooms", strconv.Itoa(max(rooms, 10000)),
		"--log-level", "warn",
		"--drain-period", "0s",
	}
}
