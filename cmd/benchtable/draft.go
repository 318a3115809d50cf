package main

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// The draft tables (-draft): RADIO/DISH and CLIENT/SERVER, zeroplug (`zeroplug bench
// --pattern P`) beside libzmq 4.3.5 with the draft API, the libzmq zeromq.js 6.8 ships
// (zmqpeer-draft, built by scripts/build-zmqpeer-draft.sh; ZMQPEER_PATTERN=P). Debian's
// libzmq 4.3.4 has no draft API.

// draftRow is one row of the draft throughput table.
type draftRow struct {
	pattern   string // radio-dish, client-server
	transport string // udp, tcp
	size      int
}

// draftImpls are libzmq 4.3.5 and zeroplug in pattern.
func (b *bencher) draftImpls(pattern string) []*impl {
	none := func(string, int) string { return "" }
	return []*impl{
		{name: "libzmq 4.3.5", program: "zmqpeer-draft", path: b.draftPath, skip: none,
			env: []string{"ZMQPEER_PATTERN=" + pattern}},
		{name: "zeroplug", program: "zeroplug", path: b.impls[colSend].path, skip: none,
			flags: []string{"--pattern", pattern}},
	}
}

// udpEndpoint returns a udp endpoint on loopback whose port and the next one are
// free: lat over RADIO/DISH uses both.
func udpEndpoint() (string, error) {
	for range 20 {
		a, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		port := a.LocalAddr().(*net.UDPAddr).Port
		next, err := net.ListenPacket("udp4", "127.0.0.1:"+strconv.Itoa(port+1))
		a.Close()
		if err != nil {
			continue
		}
		next.Close()
		return fmt.Sprintf("udp://127.0.0.1:%d", port), nil
	}
	return "", fmt.Errorf("no two free udp ports in a row on 127.0.0.1")
}

// draftTables prints the draft throughput and latency tables.
func (b *bencher) draftTables(w io.Writer) {
	fmt.Fprintf(w, "## Draft sockets: throughput (thr, both ends in one process, msgs/s delivered, median of %d)\n\n", b.rounds)
	fmt.Fprintln(w, "libzmq 4.3.5 is zeromq.js 6.8's, with the draft API, driven from C (`ZMQPEER_PATTERN=P zmqpeer-draft thr ...`) "+
		"beside `zeroplug bench thr ... --pattern P`. RADIO/DISH: the DISH binds and joins one group, the RADIO connects and "+
		"sends to it. Over udp a datagram the receiver has no room for is lost (as libzmq's): the DISH stops after the "+
		"count or a second without a datagram, and the rate is what arrived; `lost` is the median share that did not. "+
		"Over tcp the messages sent before the DISH's JOIN reached the RADIO are dropped by design.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| pattern | transport | size (B) | libzmq 4.3.5 msgs/s | lost | zeroplug msgs/s | lost | zeroplug/libzmq | counts (libzmq / zeroplug) |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	rows := []draftRow{
		{"radio-dish", "udp", 64}, {"radio-dish", "udp", 1024},
		{"radio-dish", "tcp", 64}, {"radio-dish", "tcp", 1024},
		{"client-server", "tcp", 64}, {"client-server", "tcp", 1024},
	}
	for _, r := range rows {
		full := max(2, int(float64(defaultCount(r.size))*b.scale))
		if r.transport == "udp" {
			// Datagrams cost a system call each on both sides: a tenth of tcp's count
			// still takes about a second.
			full = max(2, full/10)
		}
		impls := b.draftImpls(r.pattern)
		cells := b.measure(impls, "thr", r.transport, r.size, full, "msgs_per_s")
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s | %s | %s |\n", strings.ToUpper(r.pattern), r.transport, r.size,
			cells[0].text("msgs_per_s"), cells[0].lossText(), cells[1].text("msgs_per_s"), cells[1].lossText(),
			ratio(cells[1], cells[0]), countsText(cells))
	}
	b.notes(w, nil)

	count := max(1, int(float64(b.latCount)*b.scale))
	fmt.Fprintf(w, "## Draft sockets: latency (lat, both ends in one process, %d B, %s round trips, one-way µs, median of %d; lower is better)\n\n",
		b.latSize, thousands(int64(count)), b.rounds)
	fmt.Fprintln(w, "RADIO/DISH: two RADIO/DISH pairs, on the endpoint's port and the next, each side sending the other's group. "+
		"CLIENT/SERVER: the CLIENT sends, the SERVER answers to the message's routing id.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| pattern | transport | libzmq 4.3.5 µs | zeroplug µs | zeroplug/libzmq |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: |")
	for _, r := range []draftRow{{"radio-dish", "udp", 0}, {"client-server", "tcp", 0}} {
		cells := b.measure(b.draftImpls(r.pattern), "lat", r.transport, b.latSize, count, "one_way_us")
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", strings.ToUpper(r.pattern), r.transport,
			cells[0].text("one_way_us"), cells[1].text("one_way_us"), ratio(cells[1], cells[0]))
	}
	b.notes(w, nil)
}

// lossText is the median share of messages lost in a cell's runs ("–" when the
// program reports none, as PUSH/PULL and CLIENT/SERVER do not lose).
func (c *cell) lossText() string {
	if len(c.losses) == 0 {
		return "–"
	}
	m := (&cell{values: c.losses}).medianOr(0)
	return fmt.Sprintf("%.1f %%", m*100)
}

// medianOr is the median, or def when there is none.
func (c *cell) medianOr(def float64) float64 {
	if m, ok := c.median(); ok {
		return m
	}
	return def
}
