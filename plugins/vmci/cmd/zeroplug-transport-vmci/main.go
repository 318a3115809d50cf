// Command zeroplug-transport-vmci is zeroplug's vsock and vmci transport as a
// plugin (see package vmci). Build it with CGO_ENABLED=0 and put it in a
// plugin directory: it declares both vsock:// and vmci://, and is found for
// either under its one name.
package main

import (
	"github.com/zeroplug/zeroplug/plugins/vmci"
	"github.com/zeroplug/zeroplug/sdk"
)

func main() { sdk.Serve(vmci.Driver{}) }
