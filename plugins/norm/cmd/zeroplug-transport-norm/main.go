// Command zeroplug-transport-norm is zeroplug's NORM transport (RFC 5740,
// on the wire as libzmq's norm://) as a plugin (see package norm). Build it
// with CGO_ENABLED=0 and put it in a plugin directory: the core starts it on
// the first bind or connect to a norm:// endpoint.
package main

import (
	"github.com/zeroplug/zeroplug/plugins/norm"
	"github.com/zeroplug/zeroplug/sdk"
)

func main() { sdk.Serve(&norm.Driver{}) }
