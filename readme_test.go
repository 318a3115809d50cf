package zeroplug_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// goBlock is one ```go block of README.md.
type goBlock struct {
	line int // of its opening fence, from 1
	code string
}

// readmeGoBlocks returns the ```go blocks of the markdown file at path, with
// the indentation of their fence (a block inside a list item) taken off.
func readmeGoBlocks(t *testing.T, path string) []goBlock {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		blocks []goBlock
		cur    *goBlock
		indent string
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " \t")
		switch {
		case cur == nil && trimmed == "```go":
			cur = &goBlock{line: n}
			indent = line[:len(line)-len(trimmed)]
		case cur != nil && trimmed == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.code += strings.TrimPrefix(line, indent) + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s:%d: a ```go block is not closed", path, cur.line)
	}
	return blocks
}

var testPackage = regexp.MustCompile(`(?m)^package \w+_test$`)

// userGoMod returns the go.mod of a user's module that requires this one (at
// root): this module's own go line and requirements, the module line changed.
// The requirements are copied so that the go command loads the module graph
// this module's build loaded, from the module cache that build filled: a
// go.mod with only the one require would make it walk the dependencies' own
// go.mod files (fatih/color's asks for an older go-colorable), which a fresh
// cache does not have and GOPROXY=off cannot fetch.
func userGoMod(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	module := regexp.MustCompile(`(?m)^module \S+$`)
	if module.Find(b) == nil {
		t.Fatalf("%s/go.mod has no module line", root)
	}
	return module.ReplaceAllString(string(b), "module readme.example") +
		"\nrequire github.com/zeroplug/zeroplug v0.0.0-00010101000000-000000000000\n\n" +
		"replace github.com/zeroplug/zeroplug => " + root + "\n"
}

// TestReadmeBuilds builds every ```go block of README.md as written, imports
// and all, in a module of its own that requires this one, as a user who
// pastes it would: a program builds with go build, a test file is
// type-checked with go vet. Nothing is fetched: the dependencies come from
// the module cache, as this module's own build found them.
func TestReadmeBuilds(t *testing.T) {
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeGoBlocks(t, filepath.Join(root, "README.md"))
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go block")
	}
	scratch := t.TempDir()
	// The user's module asks for the Go this one does, so that the test
	// runs with any toolchain that builds this module (make test-mingo's).
	writeFile(t, filepath.Join(scratch, "go.mod"), userGoMod(t, root))
	sums, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(scratch, "go.sum"), string(sums))
	for _, b := range blocks {
		// The directory names the block's line, so that an error says which.
		file := "main.go"
		if testPackage.MatchString(b.code) {
			file = "block_test.go"
		}
		writeFile(t, filepath.Join(scratch, fmt.Sprintf("README.md-line-%d", b.line), file), b.code)
	}
	goRun(t, scratch, "build", "-o", os.DevNull, "./...")
	goRun(t, scratch, "vet", "./...")
}

// goRun runs the go command in dir, offline, and fails the test with its
// output if it fails.
func goRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(goCommand(), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -mod=mod"), "GOPROXY=off", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s in the README's scratch module: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
