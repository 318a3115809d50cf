//go:build unix

package ipc

import "golang.org/x/sys/unix"

// sunPathLen is the size of sockaddr_un's sun_path on this system.
var sunPathLen = len(unix.RawSockaddrUnix{}.Path)
