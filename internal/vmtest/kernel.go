package vmtest

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// metaPackage is Debian's package that depends on the current kernel: the
// kernel is found through it, so the harness follows Debian's updates.
const metaPackage = "linux-image-amd64"

// wantedModules are what the guest needs, in load order; their
// dependencies are found in each module's .modinfo and loaded first.
// virtio_pci finds the 9p device, which 9pnet_virtio and 9p mount;
// vsock_loopback carries vsock inside the machine; tipc runs in single-node
// mode without configuration.
var wantedModules = []string{"virtio_pci", "9pnet_virtio", "9p", "vsock_loopback", "tipc"}

// Kernel is a Debian kernel unpacked in the cache: the image and the
// modules the guest loads.
type Kernel struct {
	Package string   // linux-image-6.1.0-56-amd64
	Release string   // 6.1.0-56-amd64
	Image   string   // its vmlinuz
	Modules []string // the module files, in load order
}

// errNoKernel ends every message about a kernel that cannot be had.
const errNoKernel = "run `make deps` (as root), which installs qemu-system-x86 and updates apt's package lists"

// fetchKernel returns Debian's current kernel, unpacked under cacheDir,
// downloading it (about 70 MB, with `apt-get download`, which checks the
// archive's signature) the first time. Without a network, a kernel already
// in the cache will do.
func fetchKernel(cacheDir string, logf func(string, ...any)) (*Kernel, error) {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, err
	}
	// One download at a time, when several test runs start together.
	lock, err := os.OpenFile(filepath.Join(cacheDir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, err
	}
	pkg, err := currentPackage()
	if err != nil {
		if k := cachedKernel(cacheDir, ""); k != nil {
			logf("vmtest: %v; using the cached %s", err, k.Package)
			return k, nil
		}
		return nil, err
	}
	if k := cachedKernel(cacheDir, pkg); k != nil {
		return k, nil
	}
	logf("vmtest: downloading %s into %s", pkg, cacheDir)
	k, err := unpackKernel(cacheDir, pkg)
	if err != nil {
		if old := cachedKernel(cacheDir, ""); old != nil {
			logf("vmtest: %v; using the cached %s", err, old.Package)
			return old, nil
		}
		return nil, err
	}
	// Older kernels are of no more use.
	entries, _ := os.ReadDir(cacheDir)
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "linux-image-") && e.Name() != pkg {
			os.RemoveAll(filepath.Join(cacheDir, e.Name()))
		}
	}
	return k, nil
}

// currentPackage is the kernel package linux-image-amd64 depends on.
func currentPackage() (string, error) {
	out, err := exec.Command("apt-cache", "depends", metaPackage).Output()
	if err != nil {
		return "", fmt.Errorf("vmtest: apt-cache depends %s: %v; %s", metaPackage, err, errNoKernel)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "Depends:" && strings.HasPrefix(f[1], "linux-image-") &&
			len(f[1]) > len("linux-image-") && f[1][len("linux-image-")] >= '0' && f[1][len("linux-image-")] <= '9' {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("vmtest: apt-cache knows no kernel package that %s depends on; %s", metaPackage, errNoKernel)
}

// cachedKernel is the kernel of package pkg in the cache (any, if pkg is
// empty), or nil.
func cachedKernel(cacheDir, pkg string) *Kernel {
	dirs := []string{pkg}
	if pkg == "" {
		dirs = nil
		entries, _ := os.ReadDir(cacheDir)
		for _, e := range entries {
			if e.IsDir() && strings.HasPrefix(e.Name(), "linux-image-") {
				dirs = append(dirs, e.Name())
			}
		}
		slices.Sort(dirs)
		slices.Reverse(dirs)
	}
	for _, d := range dirs {
		dir := filepath.Join(cacheDir, d)
		order, err := os.ReadFile(filepath.Join(dir, "modules.order"))
		if err != nil {
			continue
		}
		release, _ := os.ReadFile(filepath.Join(dir, "release"))
		k := &Kernel{Package: d, Release: strings.TrimSpace(string(release)), Image: filepath.Join(dir, "vmlinuz")}
		for _, m := range strings.Fields(string(order)) {
			k.Modules = append(k.Modules, filepath.Join(dir, "modules", m))
		}
		return k
	}
	return nil
}

// unpackKernel downloads pkg and keeps of it the image and the modules the
// guest needs, in cacheDir/pkg.
func unpackKernel(cacheDir, pkg string) (*Kernel, error) {
	work, err := os.MkdirTemp(cacheDir, "download-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	cmd := exec.Command("apt-get", "download", pkg)
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("vmtest: apt-get download %s: %v\n%s; %s", pkg, err, out, errNoKernel)
	}
	debs, _ := filepath.Glob(filepath.Join(work, pkg+"_*.deb"))
	if len(debs) != 1 {
		return nil, fmt.Errorf("vmtest: apt-get download %s left no .deb in %s", pkg, work)
	}
	x := filepath.Join(work, "x")
	if out, err := exec.Command("dpkg-deb", "-x", debs[0], x).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("vmtest: dpkg-deb -x %s: %v\n%s", debs[0], err, out)
	}
	releases, _ := os.ReadDir(filepath.Join(x, "lib", "modules"))
	if len(releases) != 1 {
		return nil, fmt.Errorf("vmtest: %s has %d module trees, want 1", pkg, len(releases))
	}
	release := releases[0].Name()
	tree := filepath.Join(x, "lib", "modules", release)
	order, err := moduleOrder(tree, wantedModules)
	if err != nil {
		return nil, fmt.Errorf("vmtest: %s: %w", pkg, err)
	}

	stage := filepath.Join(work, "stage")
	if err := os.MkdirAll(filepath.Join(stage, "modules"), 0o755); err != nil {
		return nil, err
	}
	if err := copyFile(filepath.Join(x, "boot", "vmlinuz-"+release), filepath.Join(stage, "vmlinuz")); err != nil {
		return nil, err
	}
	var names []string
	for _, m := range order {
		name := filepath.Base(m)
		if err := copyFile(m, filepath.Join(stage, "modules", name)); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	if err := os.WriteFile(filepath.Join(stage, "release"), []byte(release+"\n"), 0o644); err != nil {
		return nil, err
	}
	// modules.order last: its presence says the directory is complete.
	if err := os.WriteFile(filepath.Join(stage, "modules.order"), []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	dst := filepath.Join(cacheDir, pkg)
	os.RemoveAll(dst)
	if err := os.Rename(stage, dst); err != nil {
		return nil, err
	}
	if k := cachedKernel(cacheDir, pkg); k != nil {
		return k, nil
	}
	return nil, errors.New("vmtest: the unpacked kernel is incomplete")
}

// moduleOrder finds the files of the wanted modules and of everything they
// depend on in the module tree, dependencies first. A module built into the
// kernel (modules.builtin) needs no file.
func moduleOrder(tree string, wanted []string) ([]string, error) {
	files := map[string]string{} // module name, '-' as '_' -> file
	err := filepath.WalkDir(filepath.Join(tree, "kernel"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".ko") {
			files[modName(strings.TrimSuffix(d.Name(), ".ko"))] = p
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	builtin := map[string]bool{}
	if b, err := os.ReadFile(filepath.Join(tree, "modules.builtin")); err == nil {
		for _, l := range strings.Fields(string(b)) {
			builtin[modName(strings.TrimSuffix(filepath.Base(l), ".ko"))] = true
		}
	}
	return resolveOrder(wanted, func(name string) (string, []string, error) {
		f, ok := files[name]
		if !ok {
			if builtin[name] {
				return "", nil, nil
			}
			return "", nil, fmt.Errorf("no module %s (and it is not built in)", name)
		}
		deps, err := modDepends(f)
		return f, deps, err
	})
}

// resolveOrder lists the files of wanted and their dependencies,
// dependencies first, each once. lookup gives a module's file ("" for one
// built in) and the names it depends on.
func resolveOrder(wanted []string, lookup func(string) (string, []string, error)) ([]string, error) {
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		name = modName(name)
		switch state[name] {
		case 2:
			return nil
		case 1:
			return fmt.Errorf("modules depend on each other in a circle: %s", strings.Join(append(path, name), " -> "))
		}
		state[name] = 1
		file, deps, err := lookup(name)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if err := visit(d, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		if file != "" {
			order = append(order, file)
		}
		return nil
	}
	for _, w := range wanted {
		if err := visit(w, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// modName is a module's name as the kernel compares them: '-' and '_' are
// the same.
func modName(s string) string { return strings.ReplaceAll(s, "-", "_") }

// modDepends reads the depends= field of a module's .modinfo section.
func modDepends(file string) ([]string, error) {
	f, err := elf.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := f.Section(".modinfo")
	if s == nil {
		return nil, fmt.Errorf("%s has no .modinfo section", file)
	}
	b, err := s.Data()
	if err != nil {
		return nil, err
	}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("depends=")); ok {
			if len(v) == 0 {
				return nil, nil
			}
			return strings.Split(string(v), ","), nil
		}
	}
	return nil, nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
