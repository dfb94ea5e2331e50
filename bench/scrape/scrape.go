package scrape

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Sample is one scrape of /metrics.
type Sample struct {
	At       time.Time
	families map[string]*dto.MetricFamily
}

// Fetch scrapes url (e.g. http://127.0.0.1:8080/metrics).
func Fetch(ctx context.Context, hc *http.Client, url string) (*Sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("scrape: %w", err)
	}
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape: GET %s: %s", url, resp.Status)
	}
	s, err := Parse(resp.Body)
	if err != nil {
		return nil, err
	}
	s.At = time.Now()
	return s, nil
}

// Parse reads the Prometheus text format. At is left zero.
func Parse(r io.Reader) (*Sample, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("scrape: parse metrics: %w", err)
	}
	return &Sample{families: fams}, nil
}

// Has reports whether the sample holds a metric family called name.
func (s *Sample) Has(name string) bool {
	_, ok := s.families[name]
	return ok
}

// Value returns the sum of the counter, gauge or untyped series called name
// whose labels include every pair of labels ("code", "too_slow", ...); 0 when
// there is none.
func (s *Sample) Value(name string, labels ...string) float64 {
	f, ok := s.families[name]
	if !ok {
		return 0
	}
	var v float64
	for _, m := range f.GetMetric() {
		if !matches(m, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			v += m.Counter.GetValue()
		case m.Gauge != nil:
			v += m.Gauge.GetValue()
		case m.Untyped != nil:
			v += m.Untyped.GetValue()
		}
	}
	return v
}

// ByLabel returns the counter, gauge or untyped series called name by the
// value of one label.
func (s *Sample) ByLabel(name, label string) map[string]float64 {
	out := make(map[string]float64)
	f, ok := s.families[name]
	if !ok {
		return out
	}
	for _, m := range f.GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() != label {
				continue
			}
			switch {
			case m.Counter != nil:
				out[lp.GetValue()] += m.Counter.GetValue()
			case m.Gauge != nil:
				out[lp.GetValue()] += m.Gauge.GetValue()
			case m.Untyped != nil:
				out[lp.GetValue()] += m.Untyped.GetValue()
			}
		}
	}
	return out
}

func matches(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Histogram returns the histogram called name, its series summed; the zero
// Histogram when there is none.
func (s *Sample) Histogram(name string) Histogram {
	var h Histogram
	f, ok := s.families[name]
	if !ok {
		return h
	}
	for _, m := range f.GetMetric() {
		ph := m.GetHistogram()
		if ph == nil {
			continue
		}
		h.Count += float64(ph.GetSampleCount())
		h.Sum += ph.GetSampleSum()
		// The text format lists the +Inf bucket; Count holds it.
		bs := ph.GetBucket()
		if n := len(bs); n > 0 && math.IsInf(bs[n-1].GetUpperBound(), 1) {
			bs = bs[:n-1]
		}
		if h.Bounds == nil {
			for _, b := range bs {
				h.Bounds = append(h.Bounds, b.GetUpperBound())
				h.Cumulative = append(h.Cumulative, float64(b.GetCumulativeCount()))
			}
			continue
		}
		for i, b := range bs {
			if i < len(h.Cumulative) {
				h.Cumulative[i] += float64(b.GetCumulativeCount())
			}
		}
	}
	return h
}

// Summary is a Prometheus summary: quantiles over the source's own recent
// window, and the running sum and count.
type Summary struct {
	Quantiles  map[float64]float64
	Sum, Count float64
}

// Summary returns the summary called name (its first series).
func (s *Sample) Summary(name string) Summary {
	sum := Summary{Quantiles: make(map[float64]float64)}
	f, ok := s.families[name]
	if !ok {
		return sum
	}
	for _, m := range f.GetMetric() {
		ps := m.GetSummary()
		if ps == nil {
			continue
		}
		sum.Sum, sum.Count = ps.GetSampleSum(), float64(ps.GetSampleCount())
		for _, q := range ps.GetQuantile() {
			sum.Quantiles[q.GetQuantile()] = q.GetValue()
		}
		break
	}
	return sum
}
