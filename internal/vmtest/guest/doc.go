// Package guest holds the tests that run inside zeroplug's test VM
// (internal/vmtest): sockets of the core over vsock and tipc through the
// built plugin binaries, every pattern; a plugin killed mid-stream; libzmq
// over tipc both ways, run under chroot in the host's file system; and, when
// asked (make bench-vm), the benchmark of the plugins against plain socket
// programs. Anywhere else, each test is skipped and says why (vsock must not
// be used outside the VM; this kernel may have no TIPC).
package guest
