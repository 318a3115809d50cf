package pgm

import "bytes"

// subscriptions are the prefixes the core's SUB or XSUB asked for, each counted as
// often as it was subscribed (libzmq's trie counts them: a CANCEL takes one away). A
// message matches when its first frame begins with one of them. The core is local and
// its subscriptions are few; a list is faster than a trie for few.
type subscriptions struct {
	prefixes [][]byte
	counts   []int
}

// apply takes one subscription message (libzmq's form: 1 then the prefix to add, 0
// then the prefix to cancel) and reports whether it was one.
func (s *subscriptions) apply(body []byte) bool {
	if len(body) == 0 || body[0] > 1 {
		return false
	}
	if body[0] == 1 {
		s.add(body[1:])
	} else {
		s.cancel(body[1:])
	}
	return true
}

func (s *subscriptions) add(prefix []byte) {
	for i, p := range s.prefixes {
		if bytes.Equal(p, prefix) {
			s.counts[i]++
			return
		}
	}
	s.prefixes = append(s.prefixes, bytes.Clone(prefix))
	s.counts = append(s.counts, 1)
}

func (s *subscriptions) cancel(prefix []byte) {
	for i, p := range s.prefixes {
		if bytes.Equal(p, prefix) {
			if s.counts[i]--; s.counts[i] == 0 {
				last := len(s.prefixes) - 1
				s.prefixes[i], s.counts[i] = s.prefixes[last], s.counts[last]
				s.prefixes, s.counts = s.prefixes[:last], s.counts[:last]
			}
			return
		}
	}
}

// match reports whether a message whose first frame is topic is subscribed to.
func (s *subscriptions) match(topic []byte) bool {
	for _, p := range s.prefixes {
		if bytes.HasPrefix(topic, p) {
			return true
		}
	}
	return false
}
