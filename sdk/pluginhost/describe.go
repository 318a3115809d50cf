package pluginhost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/zeroplug/zeroplug/sdk"
	"github.com/zeroplug/zeroplug/sdk/internal/pluginrpc"
)

// ErrDescribe: a plugin binary did not describe itself (run with the
// argument "describe", it failed, hung, or printed no valid description).
// The Host skips it and finds the other plugins.
var ErrDescribe = errors.New("zeroplug: transport plugin skipped: it does not describe itself")

// Description is what a plugin binary declares when run with the argument
// "describe" (see sdk.Serve): its name, version, the schemes it serves and
// the version of the driver interface it speaks.
type Description = pluginrpc.Description

// schemeSyntax is RFC 3986's scheme, lower case as libzmq's protocols are.
var schemeSyntax = regexp.MustCompile(`^[a-z][a-z0-9+.-]{0,31}$`)

// describeTimeout bounds a describe run when the Host has no StartTimeout.
const describeTimeout = 20 * time.Second

// runDescribe runs the binary at path with the argument "describe" and
// checks what it prints. The binary is not told it runs under a host (no
// go-plugin cookie, no descriptor channel): describing is all it may do.
func runDescribe(path string, timeout time.Duration) (Description, error) {
	if timeout <= 0 {
		timeout = describeTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, pluginrpc.DescribeArg)
	cmd.Env = describeEnviron()
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = pluginrpc.DescriptionMax, 1024
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A grandchild holding the pipes open must not hold us.
	cmd.WaitDelay = time.Second
	fail := func(format string, args ...any) (Description, error) {
		msg := fmt.Sprintf(format, args...)
		if s := strings.TrimSpace(stderr.String()); s != "" {
			msg += ": " + strings.ReplaceAll(s, "\n", " ")
		}
		return Description{}, fmt.Errorf("%w: %s %s: %s", ErrDescribe, path, pluginrpc.DescribeArg, msg)
	}
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return fail("no answer within %v", timeout)
	case err != nil:
		return fail("%v", err)
	case stdout.overflow:
		return fail("more than %d bytes of output", pluginrpc.DescriptionMax)
	}
	d, err := parseDescription(stdout.Bytes())
	if err != nil {
		return fail("%v", err)
	}
	return d, nil
}

// parseDescription reads what a plugin printed for describe: one JSON
// object with the fields of Description. Fields it does not know are
// ignored, so that a later sdk may add some.
func parseDescription(b []byte) (Description, error) {
	var d Description
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&d); err != nil {
		return Description{}, fmt.Errorf("not a JSON description (%v)", err)
	}
	if err := checkDescription(d); err != nil {
		return Description{}, err
	}
	return d, nil
}

// checkDescription refuses a description the Host cannot act on.
func checkDescription(d Description) error {
	if len(d.Schemes) == 0 {
		return errors.New("it declares no scheme")
	}
	for _, s := range d.Schemes {
		if !schemeSyntax.MatchString(s) {
			return fmt.Errorf("it declares the scheme %q, which is not a scheme", s)
		}
	}
	if d.ProtocolVersion != sdk.DriverVersion {
		return fmt.Errorf("it speaks driver interface %d, this host %d", d.ProtocolVersion, sdk.DriverVersion)
	}
	return nil
}

// describeEnviron is the host's environment without what would make the
// binary believe it was started to serve.
func describeEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, pluginrpc.Handshake.MagicCookieKey+"=") || strings.HasPrefix(kv, pluginrpc.EnvFD+"=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// limitedBuffer keeps the first max bytes written to it and notes more.
type limitedBuffer struct {
	bytes.Buffer
	max      int
	overflow bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.overflow = true
		b.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

var _ io.Writer = (*limitedBuffer)(nil)
