package netcode

// Hooks for the external tests of the write path.

// AppendFrame is appendFrame.
var AppendFrame = appendFrame

// AppendFramed appends payload as a frame the way the writer does for
// messages it encodes in place (beginFrame, then endFrame).
func AppendFramed(dst, payload []byte) []byte {
	start := len(dst)
	dst = beginFrame(dst)
	dst = append(dst, payload...)
	return endFrame(dst, start)
}

// ObserveLibraryWrites calls f with every write coder/websocket makes on
// the socket (its control and close frames), before it is made.
func (s *Socket) ObserveLibraryWrites(f func(p []byte)) {
	s.raw.mu.Lock()
	defer s.raw.mu.Unlock()
	s.raw.observe = f
}
