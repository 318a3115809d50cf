package zeroplug

// The udp:// transport (built in: see core/udp.go for why it is no plugin) and
// the DGRAM socket type that runs over it only. DISH and DGRAM bind udp://,
// RADIO connects: udp://HOST:PORT, udp://*:PORT, and for multicast
// udp://GROUP:PORT or udp://IFACE;GROUP:PORT, as in libzmq.

import "github.com/zeroplug/zeroplug/core"

// DGRAM is libzmq 4.3's draft datagram socket, over udp:// only: each
// message is two frames, the peer's "ip:port" and the datagram. Send's
// first frame is the destination; Recv's is the sender, without the NUL
// libzmq 4.3.5 puts after it. A DGRAM binds one endpoint and sends from it.
const DGRAM = core.DGRAM

// MulticastHops is ZMQ_MULTICAST_HOPS: the time-to-live of multicast
// packets, a RADIO's datagrams over udp:// (IP_MULTICAST_TTL,
// IPV6_MULTICAST_HOPS) and what the pgm, epgm and norm plugins send.
// Default 1, as in libzmq: they stay on the local network. 0 leaves the
// transport's default.
func MulticastHops(n int) Option { return core.MulticastHops(n) }

// MulticastLoop is ZMQ_MULTICAST_LOOP: whether a RADIO's multicast
// datagrams over udp:// come back to DISHes on the same host
// (IP_MULTICAST_LOOP). Default true, as in libzmq.
func MulticastLoop(on bool) Option { return core.MulticastLoop(on) }
