// Package sendbuf gives tests a listener whose connections have a small
// kernel send buffer, so that a client that reads slowly pushes back on
// the server's writes within a few frames instead of megabytes. It is for
// tests only.
package sendbuf

import "net"

// Listener sets the send buffer of each connection it accepts to Size
// bytes.
type Listener struct {
	net.Listener
	Size int
}

// Accept accepts a connection and sets its send buffer.
func (l Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		if err := tc.SetWriteBuffer(l.Size); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, err
}
