package netcode

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// dupWriteFD duplicates c's socket descriptor for rawConn's direct writes
// (close-on-exec, like Go's own), or returns -1 when c has none or the
// duplicate fails; the writes then take the slow path through c.
func dupWriteFD(c net.Conn) int {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return -1
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if err := rc.Control(func(s uintptr) {
		if d, err := unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0); err == nil {
			fd = d
		}
	}); err != nil {
		return -1
	}
	return fd
}
