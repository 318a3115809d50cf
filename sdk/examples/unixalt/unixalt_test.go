package unixalt_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/examples/unixalt"
	"github.com/zeroplug/zeroplug/sdk/sdktest"
	"github.com/zeroplug/zeroplug/sdk/transporttest"
)

// config gives each check a fresh name in the test's own directory, which
// the plugin process inherits through the environment.
func config(t *testing.T) transporttest.Config {
	t.Setenv("ZEROPLUG_UNIXALT_DIR", t.TempDir())
	var n atomic.Int64
	return transporttest.Config{
		Endpoint:     func(testing.TB) string { return fmt.Sprintf("unixalt://check-%d", n.Add(1)) },
		Ephemeral:    func(testing.TB) string { return "unixalt://*" },
		BadEndpoints: []string{"unixalt://a/b", "unixalt://..", "unixalt://name with spaces"},
	}
}

// The same checks, three ways: the driver called directly, served through
// the plugin protocol in this process, and as the built plugin binary.
func TestConformance(t *testing.T) {
	t.Run("direct", func(t *testing.T) { transporttest.Run(t, unixalt.Driver{}, config(t)) })
	t.Run("in-process", func(t *testing.T) { sdktest.RunInProcess(t, unixalt.Driver{}, config(t)) })
	t.Run("binary", func(t *testing.T) {
		cfg := config(t)
		bin := sdktest.Build(t, "./cmd/zeroplug-transport-unixalt", unixalt.Scheme)
		sdktest.RunBinary(t, bin, cfg)
	})
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		addr string
		bind bool
		ok   bool
	}{
		{"orders", false, true},
		{"a.b_c-1", false, true},
		{"*", true, true},
		{"*", false, false},
		{"a/b", true, false},
		{"..", false, false},
		{string(make([]byte, 65)), false, false},
	} {
		err := unixalt.Driver{}.Validate(sdk.Endpoint{Scheme: "unixalt", Address: tc.addr}, tc.bind)
		if (err == nil) != tc.ok {
			t.Errorf("Validate(%q, bind=%v) = %v, want ok=%v", tc.addr, tc.bind, err, tc.ok)
		}
	}
}
