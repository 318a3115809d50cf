package main

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zeroplug/zeroplug/core"
	"github.com/zeroplug/zeroplug/internal/peertest"
)

// Each format reads back what it writes, for frames of any byte, '|' and newline
// included, and the empty frame.
func TestFrameFormats(t *testing.T) {
	msg := [][]byte{{0, '\n', '|', 0xff}, {}, []byte("abcdefgh")}
	for _, tc := range []struct {
		format frameFormat
		want   string
	}{
		{formatHex, "000a7cff||6162636465666768"},
		{formatZ85, "01abN||vpA.SwObN*"},
	} {
		line, err := appendFrames(nil, msg, tc.format)
		if err != nil {
			t.Fatal(err)
		}
		if string(line) != tc.want {
			t.Errorf("format %d wrote %q, want %q", tc.format, line, tc.want)
		}
		back, err := parseFrames(line, tc.format)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, msg) {
			t.Errorf("format %d read %q back as %q", tc.format, line, back)
		}
	}
	if back, err := parseFrames([]byte("00FF|Ab"), formatHex); err != nil || !bytes.Equal(back[0], []byte{0, 0xff}) || !bytes.Equal(back[1], []byte{0xab}) {
		t.Errorf("hex reads upper case: %q, %v", back, err)
	}
	if _, err := appendFrames(nil, [][]byte{{1, 2, 3, 4}, {1, 2, 3, 4, 5}}, formatZ85); err == nil ||
		!strings.Contains(err.Error(), "frame 2: --format z85: a frame of 5 bytes is not a multiple of 4") {
		t.Errorf("z85 of a 5-byte frame: %v", err)
	}
	for _, bad := range []struct {
		f    frameFormat
		line string
	}{{formatHex, "abc"}, {formatHex, "zz"}, {formatZ85, "abcd"}, {formatZ85, "ab|\"\"\"\"\""}} {
		if _, err := parseFrames([]byte(bad.line), bad.f); err == nil {
			t.Errorf("format %d read %q without an error", bad.f, bad.line)
		}
	}
	if _, err := parseFormat("base64"); err == nil {
		t.Error("--format base64 accepted")
	}
}

// A ROUTER prints the routing id that libzmq gave a peer (a 0 byte and 4 more) in hex,
// and the frames of its message, binary ones included; --echo sends them back intact.
func TestCatRouterHexRoutingID(t *testing.T) {
	checkLeaks(t)
	ep := peertest.FreeTCPEndpoint(t)
	router := start(t, "cat", "-t", "ROUTER", "-b", ep, "--echo", "-n", "1", "--format", "hex")
	script := `import sys, zmq
s = zmq.Context.instance().socket(zmq.DEALER)
s.setsockopt(zmq.LINGER, 1000)
s.connect(sys.argv[1])
s.send_multipart([b"\x00\n|x", b""])
print(b"|".join(f.hex().encode() for f in s.recv_multipart()).decode(), flush=True)
s.close()`
	dealer := peertest.Start(t, peertest.Python(t), "-c", script, ep)
	got := router.line()
	if !regexp.MustCompile(`^00[0-9a-f]{8}\|000a7c78\|$`).MatchString(got) {
		t.Errorf("ROUTER printed %q, want a libzmq routing id (00 and 4 bytes) in hex, then 000a7c78 and an empty frame", got)
	}
	if line, err := dealer.Line(timeout); err != nil || line != "000a7c78|" {
		t.Errorf("the pyzmq DEALER got back %q, %v; want its message unchanged", line, err)
	}
	router.wait(0)
	if err := dealer.Wait(timeout); err != nil {
		t.Error(err)
	}
}

// z85 and hex input (the Z85 written by pyzmq's zmq.utils.z85): each line's frames are decoded before sending; -o ROUTING_ID sets
// the DEALER's routing id, which the ROUTER prints.
func TestCatFormatsAndOptions(t *testing.T) {
	checkLeaks(t)
	ep := peertest.IPCEndpoint(t)
	pull := start(t, "cat", "-t", "PULL", "-b", ep, "-n", "2", "--format", "hex")
	code, _, stderr := runCmd(t, "01abN||vpA.S\nHelloWorld\n", "cat", "-t", "PUSH", "-c", ep, "--format", "z85")
	if code != 0 {
		t.Fatalf("PUSH: status %d; stderr:\n%s", code, stderr)
	}
	if got, want := pull.lines(2), []string{"000a7cff||61626364", "864fd26fb559f75b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("PULL printed %q, want %q", got, want)
	}
	pull.wait(0)

	tcp := peertest.FreeTCPEndpoint(t)
	router := start(t, "cat", "-t", "ROUTER", "-b", tcp, "-n", "1", "--format", "hex", "-o", "RCVHWM=5")
	dealer := start(t, "cat", "-t", "DEALER", "-c", tcp, "-o", "ROUTING_ID=w1", "-o", "zmq_sndhwm=10", "--format", "hex")
	dealer.send("6869")
	if got := router.line(); got != "7731|6869" {
		t.Errorf("ROUTER printed %q, want the routing id w1 (7731) and hi (6869)", got)
	}
	router.wait(0)
	dealer.closeStdin()
	dealer.wait(0)
}

// What cat does with frames its format cannot carry: it fails with status 1 and says
// which line or frame.
func TestCatFormatErrors(t *testing.T) {
	checkLeaks(t)
	ep := peertest.IPCEndpoint(t)
	code, _, stderr := runCmd(t, "abc\n", "cat", "-t", "PUSH", "-c", ep, "--format", "hex")
	if code != 1 || !strings.Contains(stderr, "standard input, line 1: frame 1: --format hex") {
		t.Errorf("PUSH with bad hex: status %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCmd(t, "HelloWorld|abc\n", "cat", "-t", "PUSH", "-c", ep, "--format", "z85")
	if code != 1 || !strings.Contains(stderr, "standard input, line 1: frame 2: --format z85") {
		t.Errorf("PUSH with bad z85: status %d, stderr %q", code, stderr)
	}

	// A ROUTER's 5-byte routing ids are no Z85.
	tcp := peertest.FreeTCPEndpoint(t)
	router := start(t, "cat", "-t", "ROUTER", "-b", tcp, "--format", "z85")
	dealer := start(t, "cat", "-t", "DEALER", "-c", tcp)
	dealer.send("abcd")
	deadline := time.Now().Add(timeout)
	for !router.exited() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	router.wait(1)
	if !strings.Contains(router.stderr.String(), "frame 1: --format z85: a frame of 5 bytes is not a multiple of 4 (use --format hex)") {
		t.Errorf("ROUTER's stderr %q does not say why", router.stderr)
	}
	dealer.interrupt()
	dealer.wait(0)
}

// -o help lists the option names; a wrong -o is a usage error.
func TestCatOptionFlags(t *testing.T) {
	checkLeaks(t)
	code, stdout, _ := runCmd(t, "", "cat", "-o", "help")
	names := strings.Fields(stdout)
	if code != 0 || !reflect.DeepEqual(names, optionNamesForTest()) || len(names) < 10 {
		t.Errorf("-o help: status %d, printed %q", code, stdout)
	}
	pull := []string{"cat", "-t", "PULL", "-b", "tcp://127.0.0.1:*"}
	for _, tc := range []struct{ args, stderr string }{
		{"-o SNDHWM", "-o SNDHWM: want NAME=VALUE"},
		{"-o NOSUCH=1", "-o NOSUCH=1:"},
		{"-o SNDHWM=many", "-o SNDHWM=many:"},
		{"-o LAST_ENDPOINT=x", "can only be read"},
		{"--format base64", "--format base64: want text, hex or z85"},
	} {
		code, stdout, stderr := runCmd(t, "", append(pull, strings.Fields(tc.args)...)...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%s: status %d, stdout %q, stderr %q; want status 2 and %q", tc.args, code, stdout, stderr, tc.stderr)
		}
	}
}

func optionNamesForTest() []string { return core.OptionNames() }
