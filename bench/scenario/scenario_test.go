package scenario_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/tickroom/tickroom/bench/scenario"
)

func TestLookup(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"arena", "big", "soak"} {
		s, err := scenario.Lookup(name)
		if err != nil || s.Name != name {
			t.Errorf("Lookup(%q) = %q, %v", name, s.Name, err)
		}
	}
	if _, err := scenario.Lookup("tiny"); err == nil {
		t.Error("Lookup(tiny) succeeded")
	}
	a, _ := scenario.Lookup("arena")
	a.Steps[0] = 99
	if b, _ := scenario.Lookup("arena"); b.Steps[0] != 1 {
		t.Error("Lookup hands out the scenario's own steps")
	}
	soak, _ := scenario.Lookup("soak")
	if soak.Stallers != 0.05 || soak.Reconnecters != 0.05 || soak.Steps[0] != 50 {
		t.Errorf("soak = %+v", soak)
	}
}

func TestStepAt(t *testing.T) {
	t.Parallel()
	var got []int
	for i := 0; ; i++ {
		rooms, ok := scenario.Arena.StepAt(i)
		if !ok || i == 10 {
			break
		}
		got = append(got, rooms)
	}
	if want := []int{1, 25, 50, 100, 200, 300, 400, 500, 600, 700}; !slices.Equal(got, want) {
		t.Errorf("arena steps %v, want %v", got, want)
	}
	s := scenario.Arena
	s.Extend = false
	if _, ok := s.StepAt(7); ok {
		t.Error("a scenario without Extend has an 8th step")
	}
}

func TestParseSteps(t *testing.T) {
	t.Parallel()
	got, err := scenario.ParseSteps("1, 25,50")
	if err != nil || !reflect.DeepEqual(got, []int{1, 25, 50}) {
		t.Errorf("ParseSteps = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "1,x", "25,1", "3,3"} {
		if _, err := scenario.ParseSteps(bad); err == nil {
			t.Errorf("ParseSteps(%q) succeeded", bad)
		}
	}
}

func TestServerArgs(t *testing.T) {
	t.Parallel()
	args := scenario.Big.ServerArgs(200)
	want := map[string]string{
		"--max-players": "200", "--board-width": "256", "--board-height": "256", "--food": "400",
		"--max-conns-per-ip": "0", "--max-conns": "0",
	}
	for i := 0; i+1 < len(args); i += 2 {
		if w, ok := want[args[i]]; ok && args[i+1] != w {
			t.Errorf("%s %s, want %s", args[i], args[i+1], w)
		}
		delete(want, args[i])
	}
	if len(want) != 0 {
		t.Errorf("missing flags %v in %v", want, args)
	}
}
