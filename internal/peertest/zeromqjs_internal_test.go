package peertest

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestZeromqJSInstallDir: the same rule as scripts/install-deps.sh's.
func TestZeromqJSInstallDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/cache")
	t.Setenv(zeromqJSDirEnv, "")
	if dir, err := ZeromqJSInstallDir(); err != nil || dir != "/cache/zeroplug/zeromqjs" {
		t.Errorf("with XDG_CACHE_HOME: %q, %v", dir, err)
	}
	t.Setenv(zeromqJSDirEnv, "/elsewhere")
	if dir, err := ZeromqJSInstallDir(); err != nil || dir != "/elsewhere" {
		t.Errorf("with %s: %q, %v", zeromqJSDirEnv, dir, err)
	}
}

// TestZeromqJSMissing: a directory without zeromq.js is an error that says how to
// install it (ZeromqJS fails the test with it, never skips).
func TestZeromqJSMissing(t *testing.T) {
	t.Setenv(zeromqJSDirEnv, filepath.Join(t.TempDir(), "none"))
	_, err := checkZeromqJS()
	if err == nil || !strings.Contains(err.Error(), "make deps") {
		t.Errorf("checkZeromqJS without zeromq.js: %v, want an error naming make deps", err)
	}
}

func TestParseJSMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		want JSMessage
	}{
		{"one empty frame", "msg ", JSMessage{Frames: [][]byte{{}}}},
		{"frames", "msg 61||6263", JSMessage{Frames: [][]byte{[]byte("a"), {}, []byte("bc")}}},
		{"group", "msg group=6731 6869", JSMessage{Frames: [][]byte{[]byte("hi")}, Group: "g1"}},
		{"group, empty body", "msg group=6731 ", JSMessage{Frames: [][]byte{{}}, Group: "g1"}},
		{"routing id", "msg routing-id=4294967295 00", JSMessage{Frames: [][]byte{{0}}, RoutingID: 1<<32 - 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseJSMessage(tc.line)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseJSMessage(%q) = %+v, %v; want %+v", tc.line, got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"ok", "msg zz", "msg group=g 00", "msg routing-id=4294967296 00", "msg colour=1 00"} {
		if m, err := parseJSMessage(bad); err == nil {
			t.Errorf("parseJSMessage(%q) = %+v, want an error", bad, m)
		}
	}
	if got := encodeJSFrames([][]byte{{}, []byte("a|"), {}}); got != "|617c|" {
		t.Errorf("encodeJSFrames = %q", got)
	}
}
