package cluster

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	descConnected = prometheus.NewDesc("tickroom_cluster_nats_connected", "1 while the node's connection to NATS is up.", nil, nil)
	descWriting   = prometheus.NewDesc("tickroom_cluster_directory_ok", "1 while the node's last write to the directory succeeded.", nil, nil)
	descNodes     = prometheus.NewDesc("tickroom_cluster_nodes", "Live nodes of the cluster, this one included, by state (serving, draining).", []string{"state"}, nil)
	descRooms     = prometheus.NewDesc("tickroom_cluster_rooms", "Rooms the directory lists, every node's.", nil, nil)
	descFailures  = prometheus.NewDesc("tickroom_cluster_write_failures_total", "Heartbeats and changes whose write to the directory failed.", nil, nil)
	descBeatAge   = prometheus.NewDesc("tickroom_cluster_heartbeat_age_seconds", "Time since the node's entries were last written to the directory; past the TTL the other nodes no longer see them.", nil, nil)
)

// seatSeconds is the latency of seat requests to other nodes, by result
// (ok, refused: the node answered no, failed: no answer).
func newSeatSeconds() *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tickroom_cluster_seat_request_seconds",
		Help:    "Seat requests this node passed on to the node hosting the room, by result (ok, refused, failed).",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	}, []string{"result"})
}

var _ prometheus.Collector = (*Directory)(nil)

// Describe implements prometheus.Collector: a node's /metrics shows the
// cluster as the node sees it.
func (d *Directory) Describe(ch chan<- *prometheus.Desc) {
	for _, desc := range []*prometheus.Desc{descConnected, descWriting, descNodes, descRooms, descFailures, descBeatAge} {
		ch <- desc
	}
	d.seatSeconds.Describe(ch)
}

// Collect implements prometheus.Collector, reading the local copy.
func (d *Directory) Collect(ch chan<- prometheus.Metric) {
	gauge := func(desc *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
	}
	bit := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	serving, draining := 0, 0
	for _, n := range d.Nodes() {
		if n.Draining {
			draining++
		} else {
			serving++
		}
	}
	d.mu.Lock()
	rooms := len(d.own)
	for _, info := range d.seen {
		if d.foreign(info) {
			rooms++
		}
	}
	ok, failures, wrote := d.err == nil, d.failures, d.wrote
	d.mu.Unlock()
	if !wrote.IsZero() {
		gauge(descBeatAge, time.Since(wrote).Seconds())
	}
	d.seatSeconds.Collect(ch)
	gauge(descConnected, bit(d.nc.IsConnected()))
	gauge(descWriting, bit(ok))
	gauge(descNodes, float64(serving), "serving")
	gauge(descNodes, float64(draining), "draining")
	gauge(descRooms, float64(rooms))
	ch <- prometheus.MustNewConstMetric(descFailures, prometheus.CounterValue, float64(failures))
}
