package vmguest

import (
	"fmt"
	"strconv"
	"strings"
)

// PlanPath is where the initramfs holds the plan, as JSON.
const PlanPath = "/plan.json"

// Plan is what the guest's init runs, in order, after it has loaded the
// modules and mounted the host's root file system.
type Plan struct {
	// Modules are the paths of the kernel modules to load, in order:
	// insmod resolves nothing, so dependencies come first.
	Modules []string
	// Env is added to the environment of every step.
	Env []string
	// Steps run one after the other, each with its own working directory
	// under /tmp; a failing step does not stop the next.
	Steps []Step
}

// Step is one program the init runs.
type Step struct {
	// Name names the step in the report: "plugins/vmci".
	Name string
	// Path is the program, as the guest sees it (under HostRoot for a
	// file of the host's).
	Path string
	Args []string
	// TimeoutSeconds bounds the step; the init kills it after that.
	TimeoutSeconds int
	// CPUs, when not empty, are the only CPUs the step may run on (its
	// affinity, which its children inherit).
	CPUs []int
}

// The lines the init writes on the console around the steps' own output,
// which the host reads from the serial port. Each is one line, "VMTEST-"
// and a word, then key=value fields.
const (
	MarkBoot  = "VMTEST-BOOT"  // uptime=2.91: the init has started
	MarkReady = "VMTEST-READY" // uptime=3.40 modules=17: modules loaded, /host mounted
	MarkBegin = "VMTEST-BEGIN" // step=plugins/vmci
	MarkEnd   = "VMTEST-END"   // step=plugins/vmci rc=0 seconds=12.31
	MarkError = "VMTEST-ERROR" // msg=...: the init could not do its part
	MarkExit  = "VMTEST-EXIT"  // rc=0 uptime=61.2: every step has run; the VM powers off
)

// Mark formats a marker line.
func Mark(mark string, kv ...any) string {
	var b strings.Builder
	b.WriteString(mark)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, " %v=%v", kv[i], kv[i+1])
	}
	return b.String()
}

// ParseMark reads a marker line: its mark and its fields. ok is false for
// any other line.
func ParseMark(line string) (mark string, fields map[string]string, ok bool) {
	line = strings.TrimSpace(line)
	i := strings.Index(line, "VMTEST-")
	if i < 0 {
		return "", nil, false
	}
	f := strings.Fields(line[i:])
	switch f[0] {
	case MarkBoot, MarkReady, MarkBegin, MarkEnd, MarkError, MarkExit:
	default:
		return "", nil, false
	}
	fields = map[string]string{}
	for _, kv := range f[1:] {
		k, v, _ := strings.Cut(kv, "=")
		fields[k] = v
	}
	if f[0] == MarkError {
		_, msg, _ := strings.Cut(line[i:], "msg=")
		fields["msg"] = msg
	}
	return f[0], fields, true
}

// Seconds reads a field as a number of seconds.
func Seconds(fields map[string]string, key string) float64 {
	v, _ := strconv.ParseFloat(fields[key], 64)
	return v
}
