package cluster

// Kill stops the directory the way SIGKILL stops its process: its
// goroutines end and nothing is removed from NATS.
func (d *Directory) Kill() {
	d.cancel()
	d.wg.Wait()
}
