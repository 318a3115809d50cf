package core

import (
	"bytes"
	"sync"
	"sync/atomic"
)

// subscriptions is a set of topic prefixes with a count for each, as
// libzmq keeps them: subscribing twice needs two unsubscribes. Matching
// reads a snapshot without locking, so a PUB's send path takes no lock.
type subscriptions struct {
	mu     sync.Mutex
	counts map[string]int
	list   atomic.Pointer[[][]byte]
	stale  atomic.Bool // list still holds removed topics: rebuilt at the next match
}

// add counts a subscription and reports whether the topic is new.
func (s *subscriptions) add(topic []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = make(map[string]int)
	}
	s.counts[string(topic)]++
	if s.counts[string(topic)] > 1 {
		return false
	}
	// A new topic is appended to the snapshot: a peer that sends many
	// subscriptions costs one copy of the list per doubling, not one per
	// subscription (which made 20000 of them take minutes). Readers of the
	// old snapshot never look past its length, where the append writes.
	if s.stale.Load() {
		s.publish() // the topic is in counts already
		return true
	}
	var l [][]byte
	if old := s.list.Load(); old != nil {
		l = *old
	}
	l = append(l, []byte(topic))
	s.list.Store(&l)
	return true
}

// remove uncounts one and reports whether the topic is now gone; removing
// a topic not subscribed does nothing.
func (s *subscriptions) remove(topic []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.counts[string(topic)]
	if !ok {
		return false
	}
	if n > 1 {
		s.counts[string(topic)] = n - 1
		return false
	}
	delete(s.counts, string(topic))
	// The snapshot is rebuilt when next needed, not once per removal: a
	// peer leaving with many subscriptions costs one rebuild, not one per
	// topic.
	s.stale.Store(true)
	return true
}

// publish makes a new snapshot for match; s.mu is held.
func (s *subscriptions) publish() {
	l := make([][]byte, 0, len(s.counts))
	for t := range s.counts {
		l = append(l, []byte(t))
	}
	s.list.Store(&l)
	s.stale.Store(false)
}

// match reports whether some subscription is a prefix of data.
func (s *subscriptions) match(data []byte) bool {
	if s.stale.Load() {
		s.mu.Lock()
		if s.stale.Load() {
			s.publish()
		}
		s.mu.Unlock()
	}
	l := s.list.Load()
	if l == nil {
		return false
	}
	for _, t := range *l {
		if bytes.HasPrefix(data, t) {
			return true
		}
	}
	return false
}

// topics lists every topic with its count, and empties the set.
func (s *subscriptions) drain() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counts
	s.counts = nil
	s.list.Store(nil)
	s.stale.Store(false)
	return c
}

// snapshot lists the topics, each once.
func (s *subscriptions) snapshot() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.counts))
	for t := range s.counts {
		out = append(out, t)
	}
	return out
}
