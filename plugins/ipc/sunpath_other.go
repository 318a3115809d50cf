//go:build !unix

package ipc

// sunPathLen is the size of sockaddr_un's sun_path (Windows has 108, as
// Linux).
var sunPathLen = 108
