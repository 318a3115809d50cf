// Command zeroplug-transport-vmci is zeroplug's vsock and vmci transport as a
// plugin (see package vmci). Build it with CGO_ENABLED=0 and put it in a
// plugin directory; for vsock:// endpoints, also as (or linked as)
// zeroplug-transport-vsock.
package main

import (
	"github.com/zeroplug/zeroplug/plugins/vmci"
	"github.com/zeroplug/zeroplug/sdk"
)

func main() { sdk.Serve(vmci.Driver{}) }
