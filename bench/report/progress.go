package report

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Progress shows what a benchmark is doing. On a terminal it keeps one
// line updated in place; elsewhere (a pipe, a log file) it writes a plain
// line at most every Every.
type Progress struct {
	w     io.Writer
	tty   bool
	every time.Duration

	mu      sync.Mutex
	shown   bool // a progress line is on screen
	last    time.Time
	lastMsg string
}

// NewProgress writes to w; tty says whether w is a terminal.
func NewProgress(w io.Writer, tty bool) *Progress {
	return &Progress{w: w, tty: tty, every: 5 * time.Second}
}

// IsTerminal reports whether f is a character device, as a terminal is.
func IsTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Update replaces the progress line.
func (p *Progress) Update(format string, args ...any) {
	if p == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", msg)
		p.shown = true
		return
	}
	if now := time.Now(); now.Sub(p.last) >= p.every && msg != p.lastMsg {
		fmt.Fprintln(p.w, msg)
		p.last, p.lastMsg = now, msg
	}
}

// Println clears the progress line and writes a permanent line.
func (p *Progress) Println(args ...any) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	fmt.Fprintln(p.w, args...)
}

// Done clears the progress line.
func (p *Progress) Done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
}

func (p *Progress) clear() {
	if p.tty && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

// Bar draws a bar of width cells filled to done/total.
func Bar(done, total float64, width int) string {
	if total <= 0 {
		total = 1
	}
	n := int(min(max(done/total, 0), 1) * float64(width))
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}
