package report

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

var (
	colorP50   = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	colorP99   = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	colorLimit = color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}
	colorCPU   = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
)

// WritePlot draws two panels against the number of bots, input-to-ack
// latency p50 and p99 (with the service level's limit) above and server
// CPU per delivered snapshot below, to an .svg or .png file.
func WritePlot(path string, r *Result) error {
	if len(r.Steps) == 0 {
		return fmt.Errorf("report: plot: no step to plot")
	}
	lat, err := latencyPlot(r)
	if err != nil {
		return err
	}
	cpu, err := cpuPlot(r)
	if err != nil {
		return err
	}
	const w, h = 7 * vg.Inch, 8 * vg.Inch
	var canvas vg.CanvasWriterTo
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg":
		canvas = vgsvg.New(w, h)
	case ".png":
		canvas = vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
	default:
		return fmt.Errorf("report: plot %s: want a .svg or .png file", path)
	}
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(6), PadY: vg.Points(12), PadLeft: vg.Points(6), PadRight: vg.Points(6)}
	lat.Draw(tiles.At(dc, 0, 0))
	cpu.Draw(tiles.At(dc, 0, 1))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("report: plot: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: plot: %w", err)
	}
	if _, err := canvas.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("report: plot: %w", err)
	}
	return f.Close()
}

func title(r *Result, what string) string {
	pin := "unpinned"
	if strings.HasPrefix(r.Machine.Pinning, "server on CPU 0") {
		pin = "server on CPU 0, bots on CPU 1"
	}
	return fmt.Sprintf("%s: %s (%s, %s)", r.Scenario, what, pin, r.Started.Format("2006-01-02"))
}

// botsAxis puts the bots on a log scale when the steps span more than a
// factor of ten, as the arena ramp does.
func botsAxis(p *plot.Plot, r *Result) {
	p.X.Label.Text = "bots"
	lo, hi := r.Steps[0].Bots, r.Steps[0].Bots
	for _, s := range r.Steps {
		lo, hi = min(lo, s.Bots), max(hi, s.Bots)
	}
	if lo > 0 && hi > 10*lo {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = botTicks{r.Steps}
	}
}

// botTicks labels the bots of every step.
type botTicks struct{ steps []Step }

func (t botTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for _, s := range t.steps {
		if v := float64(s.Bots); v >= lo && v <= hi {
			ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprint(s.Bots)})
		}
	}
	return ts
}

func latencyPlot(r *Result) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title(r, "input-to-ack latency at the bots")
	botsAxis(p, r)
	p.Y.Label.Text = "ms"
	p50, p99, limit := make(plotter.XYs, 0, len(r.Steps)), make(plotter.XYs, 0, len(r.Steps)), make(plotter.XYs, 0, 2)
	for _, s := range r.Steps {
		p50 = append(p50, plotter.XY{X: float64(s.Bots), Y: s.AckP50Millis})
		p99 = append(p99, plotter.XY{X: float64(s.Bots), Y: s.AckP99Millis})
	}
	first, last := float64(r.Steps[0].Bots), float64(r.Steps[len(r.Steps)-1].Bots)
	limit = append(limit, plotter.XY{X: first, Y: r.Level.AckP99Millis}, plotter.XY{X: last, Y: r.Level.AckP99Millis})
	if err := addLine(p, "p50", p50, colorP50, false); err != nil {
		return nil, err
	}
	if err := addLine(p, "p99", p99, colorP99, false); err != nil {
		return nil, err
	}
	if err := addLine(p, "p99 limit", limit, colorLimit, true); err != nil {
		return nil, err
	}
	p.Y.Min = 0
	top := r.Level.AckP99Millis
	for _, s := range r.Steps {
		top = max(top, s.AckP99Millis)
	}
	p.Y.Max = top * 1.15
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.YOffs = -vg.Points(4)
	p.Add(plotter.NewGrid())
	return p, nil
}

func cpuPlot(r *Result) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title(r, "server CPU per delivered snapshot")
	botsAxis(p, r)
	p.Y.Label.Text = "µs"
	pts := make(plotter.XYs, 0, len(r.Steps))
	for _, s := range r.Steps {
		pts = append(pts, plotter.XY{X: float64(s.Bots), Y: s.CPUPerSnapshotMicros})
	}
	if err := addLine(p, "CPU µs / snapshot", pts, colorCPU, false); err != nil {
		return nil, err
	}
	p.Y.Min = 0
	top := 0.0
	for _, s := range r.Steps {
		top = max(top, s.CPUPerSnapshotMicros)
	}
	p.Y.Max = max(top*1.15, 1)
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	return p, nil
}

func addLine(p *plot.Plot, name string, xys plotter.XYs, c color.Color, dashed bool) error {
	l, s, err := plotter.NewLinePoints(xys)
	if err != nil {
		return fmt.Errorf("report: plot %s: %w", name, err)
	}
	l.Color = c
	l.Width = vg.Points(1.5)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(name, l)
		return nil
	}
	s.Color = c
	s.Shape = draw.CircleGlyph{}
	p.Add(l, s)
	p.Legend.Add(name, l, s)
	return nil
}
