package pluginhost

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
)

// The description cache keeps start-up cheap: a binary is run for describe
// once per content, not once per program start. It maps a file (its path,
// size and modification time) to its sha256, and a sha256 to the
// description, so that a binary copied or touched is hashed again but not
// run again. It lives in $XDG_CACHE_HOME/zeroplug/ (os.UserCacheDir()'s
// zeroplug/ when unset), is replaced atomically, and a cache that cannot be
// read or parsed is ignored and rewritten.

// cacheVersion changes when the file's layout does; another is ignored.
const cacheVersion = 1

// cacheName is the cache's file name in its directory.
const cacheName = "plugins.json"

type cacheFile struct {
	Version      int                    `json:"version"`
	Files        map[string]cachedFile  `json:"files"`        // by the file's real path
	Descriptions map[string]Description `json:"descriptions"` // by hex sha256
}

type cachedFile struct {
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_ns"`
	SHA256  string `json:"sha256"`
}

// descriptionCache is the cache of one catalog scan.
type descriptionCache struct {
	path    string // empty: no cache directory, nothing is kept
	c       cacheFile
	changed bool
}

// cachePath is where the cache lives, or "" when the user has no cache
// directory.
func cachePath() string {
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" {
		var err error
		if dir, err = os.UserCacheDir(); err != nil {
			return ""
		}
	}
	return filepath.Join(dir, "zeroplug", cacheName)
}

// openCache reads the cache; a missing or corrupt one is an empty cache.
func openCache() *descriptionCache {
	dc := &descriptionCache{path: cachePath()}
	if dc.path != "" {
		if b, err := os.ReadFile(dc.path); err == nil {
			if json.Unmarshal(b, &dc.c) != nil || dc.c.Version != cacheVersion {
				dc.c = cacheFile{}
				dc.changed = true
			}
		}
	}
	dc.c.Version = cacheVersion
	if dc.c.Files == nil {
		dc.c.Files = map[string]cachedFile{}
	}
	if dc.c.Descriptions == nil {
		dc.c.Descriptions = map[string]Description{}
	}
	return dc
}

// sum is the file's sha256 as last hashed, if it has not changed since.
func (dc *descriptionCache) sum(path string, fi os.FileInfo) ([]byte, bool) {
	cf, ok := dc.c.Files[path]
	if !ok || cf.Size != fi.Size() || cf.ModTime != fi.ModTime().UnixNano() {
		return nil, false
	}
	b, err := hex.DecodeString(cf.SHA256)
	return b, err == nil && len(b) == 32
}

func (dc *descriptionCache) setSum(path string, fi os.FileInfo, sum []byte) {
	dc.c.Files[path] = cachedFile{Size: fi.Size(), ModTime: fi.ModTime().UnixNano(), SHA256: hex.EncodeToString(sum)}
	dc.changed = true
}

// description is what the binary with this sha256 declared.
func (dc *descriptionCache) description(sum []byte) (Description, bool) {
	d, ok := dc.c.Descriptions[hex.EncodeToString(sum)]
	return d, ok && checkDescription(d) == nil
}

func (dc *descriptionCache) setDescription(sum []byte, d Description) {
	dc.c.Descriptions[hex.EncodeToString(sum)] = d
	dc.changed = true
}

// save writes the cache back if it changed, dropping the files that are
// gone and the descriptions no file has, so that it stays as small as the
// plugins installed. A failure only costs the next start a describe.
func (dc *descriptionCache) save() {
	if dc.path == "" || !dc.changed {
		return
	}
	used := map[string]bool{}
	for p, cf := range dc.c.Files {
		if _, err := os.Stat(p); err != nil {
			delete(dc.c.Files, p)
			continue
		}
		used[cf.SHA256] = true
	}
	for sum := range dc.c.Descriptions {
		if !used[sum] {
			delete(dc.c.Descriptions, sum)
		}
	}
	b, err := json.Marshal(dc.c)
	if err != nil {
		return
	}
	dir := filepath.Dir(dc.path)
	if os.MkdirAll(dir, 0o700) != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, cacheName+".*")
	if err != nil {
		return
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dc.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
}
