package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zeroplug/zeroplug/sdk/pluginhost"
	"github.com/zeroplug/zeroplug/sdk/sdktest"
)

// pluginsRun runs `zeroplug plugins` with args, looking only in the test's
// directories.
func pluginsRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	t.Setenv(pluginhost.EnvPath, "")
	t.Setenv(pluginhost.EnvManifest, "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"plugins"}, args...), nil, &out, &errOut)
	return code, out.String() + errOut.String()
}

func TestPlugins(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("transport plugins need Linux")
	}
	dir := t.TempDir()
	bin := sdktest.BuildIn(t, dir, "github.com/zeroplug/zeroplug/sdk/examples/unixalt/cmd/zeroplug-transport-unixalt", "unixalt")
	sum, err := pluginhost.Checksum(bin)
	if err != nil {
		t.Fatal(err)
	}

	code, out := pluginsRun(t, "--path", dir)
	for _, want := range []string{
		"directories searched: " + dir + ", ",
		"zeroplug-transport-unixalt  ok\n",
		"  path     " + bin + "\n",
		fmt.Sprintf("  sha256   %x\n", sum),
		"  schemes  unixalt\n",
		"  version  unixalt v1.0.0, driver interface 1, go",
		"1 plugins, 0 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	if code != exitOK {
		t.Errorf("exit status %d, want 0", code)
	}

	t.Run("manifest", func(t *testing.T) {
		manifest := filepath.Join(t.TempDir(), "SHA256SUMS")
		os.WriteFile(manifest, []byte(strings.Repeat("00", 32)+"  zeroplug-transport-unixalt\n"), 0o644)
		code, out := pluginsRun(t, "--path", dir, "--manifest", manifest)
		if code != exitError || !strings.Contains(out, "zeroplug-transport-unixalt  FAILED: zeroplug: transport plugin refused: its sha256 does not match the manifest") {
			t.Errorf("exit status %d:\n%s", code, out)
		}
	})
	t.Run("broken", func(t *testing.T) {
		os.WriteFile(filepath.Join(dir, "zeroplug-transport-broken"), []byte("#!/bin/sh\necho not a plugin\n"), 0o755)
		defer os.Remove(filepath.Join(dir, "zeroplug-transport-broken"))
		code, out := pluginsRun(t, "--path", dir)
		if code != exitError || !strings.Contains(out, "zeroplug-transport-broken  FAILED") || !strings.Contains(out, "2 plugins, 1 failed") {
			t.Errorf("exit status %d:\n%s", code, out)
		}
	})
	t.Run("shadowed", func(t *testing.T) {
		// A second binary under another name in a later directory declares
		// the same scheme: it is listed, with the scheme shadowed.
		later := t.TempDir()
		b, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		other := filepath.Join(later, "zeroplug-transport-other")
		os.WriteFile(other, b, 0o755)
		code, out := pluginsRun(t, "--path", dir, "--path", later)
		for _, want := range []string{
			"zeroplug-transport-other  ok\n  path     " + other + "\n",
			"  schemes  unixalt\n  shadowed unixalt (served by " + bin + ")\n",
			"2 plugins, 0 failed",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("the output lacks %q:\n%s", want, out)
			}
		}
		if code != exitOK {
			t.Errorf("exit status %d, want 0", code)
		}
	})
	t.Run("none", func(t *testing.T) {
		code, out := pluginsRun(t, "--path", t.TempDir())
		if code != exitOK || !strings.Contains(out, "no plugins found") {
			t.Errorf("exit status %d:\n%s", code, out)
		}
	})
	t.Run("usage", func(t *testing.T) {
		if code, _ := pluginsRun(t, "extra"); code != exitUsage {
			t.Errorf("exit status %d, want 2", code)
		}
	})
}
