package scenario

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// cpuTimes are the machine's CPU times from /proc/stat, in clock ticks
// (USER_HZ, 100 per second on Linux).
type cpuTimes struct {
	busy, idle, steal float64
}

const userHZ = 100

// readCPUTimes reads the "cpu" line of /proc/stat: busy is user, nice,
// system, irq and softirq; idle is idle and iowait; steal is time the
// hypervisor gave to someone else.
func readCPUTimes() (cpuTimes, bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return cpuTimes{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 9 || fields[0] != "cpu" {
			continue
		}
		v := make([]float64, 8)
		for i := range v {
			v[i], _ = strconv.ParseFloat(fields[i+1], 64)
		}
		return cpuTimes{
			busy:  v[0] + v[1] + v[2] + v[5] + v[6],
			idle:  v[3] + v[4],
			steal: v[7],
		}, true
	}
	return cpuTimes{}, false
}
