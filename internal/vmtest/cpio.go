package vmtest

import (
	"fmt"
	"io"
	"strings"
)

// The file types of cpio's mode field.
const (
	modeDir     = 0o040000
	modeRegular = 0o100000
	modeSymlink = 0o120000
	modeChar    = 0o020000
)

// cpioWriter writes an archive in the "newc" format, the one the kernel
// unpacks as an initramfs (Documentation/driver-api/early-userspace/
// buffer-format.rst): for each file a 110-byte ASCII header, the name, the
// data, each padded to 4 bytes; "TRAILER!!!" at the end.
type cpioWriter struct {
	w   io.Writer
	ino uint32
	err error
}

// entry writes one file. mode holds the type and the permissions.
func (c *cpioWriter) entry(name string, mode uint32, data []byte, major, minor uint32) {
	if c.err != nil {
		return
	}
	name = strings.TrimPrefix(name, "/")
	c.ino++
	nlink := uint32(1)
	if mode&0o170000 == modeDir {
		nlink = 2
	}
	hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, major, minor, len(name)+1, 0)
	c.write([]byte(hdr))
	c.write([]byte(name + "\x00"))
	c.pad(len(hdr) + len(name) + 1)
	c.write(data)
	c.pad(len(data))
}

func (c *cpioWriter) write(b []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(b)
	}
}

func (c *cpioWriter) pad(n int) {
	if r := n % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}

func (c *cpioWriter) dir(name string) { c.entry(name, modeDir|0o755, nil, 0, 0) }
func (c *cpioWriter) file(name string, b []byte, perm uint32) {
	c.entry(name, modeRegular|perm, b, 0, 0)
}
func (c *cpioWriter) symlink(name, target string) {
	c.entry(name, modeSymlink|0o777, []byte(target), 0, 0)
}
func (c *cpioWriter) char(name string, major, minor uint32) {
	c.entry(name, modeChar|0o600, nil, major, minor)
}

// close writes the trailer.
func (c *cpioWriter) close() error {
	c.entry("TRAILER!!!", 0, nil, 0, 0)
	return c.err
}
