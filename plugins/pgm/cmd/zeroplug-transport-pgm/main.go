// Command zeroplug-transport-pgm is zeroplug's pgm:// and epgm:// transport as a
// plugin (see package pgm): reliable multicast PUB/SUB that interoperates with libzmq.
// Build it with CGO_ENABLED=0 and put it in a plugin directory: the core starts it on
// the first bind or connect to a pgm:// or epgm:// endpoint.
package main

import (
	"github.com/zeroplug/zeroplug/plugins/pgm"
	"github.com/zeroplug/zeroplug/sdk"
)

func main() { sdk.Serve(pgm.Driver{}) }
