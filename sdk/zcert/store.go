package zcert

import (
	"sync"

	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
)

// Store is the set of public certificates in a directory, as czmq's zcertstore:
// a CURVE server lets in the clients whose keys it holds (it implements
// zap.KeySet, for zap.Policy.CurveKeySets). It reads the directory when made
// and again on Reload; it is safe for concurrent use.
type Store struct {
	dir string

	mu    sync.RWMutex
	certs map[curve.Key]*Certificate
}

// NewStore reads the public certificates of dir (see LoadDir).
func NewStore(dir string) (*Store, error) {
	s := &Store{dir: dir}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Dir is the directory the store reads.
func (s *Store) Dir() string { return s.dir }

// Reload reads the directory again, so that certificates added or removed since
// take effect. On error the store keeps the certificates it had.
func (s *Store) Reload() error {
	list, err := LoadDir(s.dir)
	if err != nil {
		return err
	}
	certs := make(map[curve.Key]*Certificate, len(list))
	for _, c := range list {
		certs[c.Public] = c
	}
	s.mu.Lock()
	s.certs = certs
	s.mu.Unlock()
	return nil
}

// Lookup returns the certificate of a public key, with its metadata. The
// certificate is the store's own: read it, do not change it.
func (s *Store) Lookup(public [32]byte) (*Certificate, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.certs[public]
	return c, ok
}

// Allowed reports whether the store holds a certificate of the public key.
func (s *Store) Allowed(public [32]byte) bool {
	_, ok := s.Lookup(public)
	return ok
}

// Len is the number of certificates held.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.certs)
}
