// Command zeroplug-transport-unixalt is the unixalt transport as a zeroplug
// plugin. Build it with CGO_ENABLED=0 and put it in a plugin directory; the
// core starts it on the first bind or connect to a unixalt:// endpoint.
package main

import (
	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/examples/unixalt"
)

func main() { sdk.Serve(unixalt.Driver{}) }
