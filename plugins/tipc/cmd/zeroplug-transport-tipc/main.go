// Command zeroplug-transport-tipc is zeroplug's TIPC transport as a plugin
// (see package tipc). Build it with CGO_ENABLED=0 and put it in a plugin
// directory: the core starts it on the first bind or connect to a tipc://
// endpoint.
package main

import (
	"github.com/zeroplug/zeroplug/plugins/tipc"
	"github.com/zeroplug/zeroplug/sdk"
)

func main() { sdk.Serve(tipc.Driver{}) }
