package wire_test

import (
	"fmt"
	"net/netip"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
)

// A sender lays messages into APDUs and sends each as an ODATA; a receiver parses each
// datagram into one reused Packet and feeds the TSDUs of each TSI, in order, to its
// Unpacker.
func Example() {
	maxTSDU, _ := wire.MaxTSDU(1500, true) // epgm at libzmq's default MULTICAST_MAXTPDU
	packer, _ := wire.NewPacker(maxTSDU)
	odata := wire.Packet{Header: wire.Header{SourcePort: 40000, DestPort: 5555, Type: wire.TypeODATA}}
	var datagrams [][]byte
	send := func(apdu []byte) {
		odata.TSDU = apdu
		pkt, _ := odata.Append(nil)
		datagrams = append(datagrams, pkt)
		odata.Seq++
	}
	packer.AddMessage([][]byte{[]byte("weather"), []byte("sunny")}, send)
	packer.Flush(send)

	var p wire.Packet
	unpackers := map[wire.TSI]*wire.Unpacker{}
	for _, d := range datagrams {
		if err := p.Parse(d); err != nil {
			continue // dropped and counted
		}
		u := unpackers[p.TSI()]
		if u == nil {
			u = wire.NewUnpacker(-1)
			unpackers[p.TSI()] = u
		}
		u.Feed(p.TSDU, func(msg [][]byte) { fmt.Printf("%s from %v: %q\n", p.Type, p.TSI(), msg) })
	}
	spm := wire.Packet{Header: odata.Header, Seq: 0, Trail: 0, Lead: odata.Seq - 1, SourceNLA: netip.MustParseAddr("10.77.0.1")}
	spm.Type = wire.TypeSPM
	b, _ := spm.Append(nil)
	fmt.Printf("SPM of %d bytes\n", len(b))
	// Output:
	// ODATA from 0.0.0.0.0.0.40000: ["weather" "sunny"]
	// SPM of 36 bytes
}
