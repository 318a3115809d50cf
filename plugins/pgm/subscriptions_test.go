package pgm

import "testing"

// TestSubscriptions: prefixes are counted as libzmq's trie counts them, a CANCEL takes
// one away, and the empty prefix matches everything.
func TestSubscriptions(t *testing.T) {
	var s subscriptions
	check := func(topic string, want bool) {
		t.Helper()
		if got := s.match([]byte(topic)); got != want {
			t.Errorf("match(%q) = %v, want %v (prefixes %q)", topic, got, want, s.prefixes)
		}
	}
	check("weather", false)
	if !s.apply([]byte("\x01wea")) || !s.apply([]byte("\x01wea")) {
		t.Fatal("a subscription was not taken for one")
	}
	if s.apply([]byte("\x02wea")) || s.apply(nil) {
		t.Fatal("a message that is no subscription was taken for one")
	}
	check("weather", true)
	check("we", false)
	s.apply([]byte("\x00wea"))
	check("weather", true) // subscribed twice, cancelled once
	s.apply([]byte("\x00wea"))
	check("weather", false)
	s.apply([]byte("\x00nothing")) // a cancel of nothing is nothing
	s.apply([]byte("\x01"))
	check("", true)
	check("anything", true)
}
