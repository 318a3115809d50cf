package core

// MulticastHops is ZMQ_MULTICAST_HOPS: the time-to-live of multicast
// packets, a RADIO's datagrams over udp:// (IP_MULTICAST_TTL,
// IPV6_MULTICAST_HOPS) and what the pgm, epgm and norm plugins send.
// Default 1, as in libzmq: they stay on the local network. 0 leaves the
// transport's default.
func MulticastHops(n int) Option {
	return func(o *options) error {
		if err := nonNegative("MULTICAST_HOPS", n); err != nil {
			return err
		}
		o.transport.MulticastHops = n
		return nil
	}
}

// MulticastLoop is ZMQ_MULTICAST_LOOP: whether a RADIO's multicast
// datagrams over udp:// come back to DISHes on the same host
// (IP_MULTICAST_LOOP). Default true, as in libzmq.
func MulticastLoop(on bool) Option {
	return func(o *options) error {
		o.multicastLoop = on
		return nil
	}
}
