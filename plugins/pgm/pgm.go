// Package pgm implements the pgm:// and epgm:// transports of zeroplug: reliable
// multicast PUB/SUB over PGM (RFC 3208), on the wire as Debian's libzmq 4.3.4 speaks it
// through OpenPGM 5.3, served from its own process as the plugin
// zeroplug-transport-pgm (see cmd/).
//
// epgm:// carries PGM in UDP datagrams to GROUP:PORT; pgm:// carries it as raw IP of
// protocol 113, which needs CAP_NET_RAW. Endpoints are libzmq's,
// "epgm://IFACE;GROUP:PORT", IFACE an interface name or one of its IPv4 addresses;
// bind and connect mean the same, and only PUB, XPUB, SUB and XSUB sockets may use
// them.
//
// The protocol runs in the plugin. For each bind or connect the plugin opens the
// group's sockets and gives the core one end of a stream pair, on whose other end it
// is a ZMTP peer: for a PUB or XPUB it is a SUB that subscribes to everything and
// multicasts each message the core sends (libzmq's framing of ZMTP/1.0 frames in APDUs,
// at RATE); for a SUB or XSUB it is a PUB that writes each whole message heard on the
// group, in order per source, filtered by the subscriptions the core sends (nothing
// goes upstream, as in libzmq).
package pgm

import (
	"context"
	"fmt"
	"net"
	"slices"

	"github.com/zeroplug/zeroplug/sdk"
)

// The schemes the driver serves.
const (
	SchemePGM  = "pgm"  // PGM over raw IP (protocol 113)
	SchemeEPGM = "epgm" // PGM encapsulated in UDP
)

// socketTypes are the socket types pgm and epgm serve, as libzmq's
// socket_base_t::check_protocol allows them.
var socketTypes = []string{"PUB", "XPUB", "SUB", "XSUB"}

// Driver is the pgm and epgm transport. Its zero value is ready to use.
type Driver struct{}

var (
	_ sdk.Driver    = Driver{}
	_ sdk.Validator = Driver{}
)

// Schemes returns "pgm" and "epgm".
func (Driver) Schemes() []string { return []string{SchemePGM, SchemeEPGM} }

// Validate checks the endpoint and resolves its interface; for pgm:// it also checks
// that this process may open raw sockets, so that a connect without CAP_NET_RAW fails
// at once, with the reason.
func (Driver) Validate(ep sdk.Endpoint, _ bool) error {
	if err := checkScheme(ep); err != nil {
		return err
	}
	if _, err := parseAddress(ep); err != nil {
		return err
	}
	if ep.Scheme == SchemePGM {
		return checkRaw()
	}
	return nil
}

// Listen starts a session as Dial does: for pgm, bind and connect mean the same. The
// listener's Accept gives the session's stream at once, and each time the one before
// has ended (the core dropped it) a new session's.
func (d Driver) Listen(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (sdk.Listener, error) {
	cfg, err := newConfig(ep, opts)
	if err != nil {
		return nil, err
	}
	return sdk.SessionListener(ep, func() (sdk.Session, error) {
		conn, e, err := startEngine(cfg)
		if err != nil {
			return sdk.Session{}, err
		}
		return sdk.Session{Conn: conn, Done: e.done}, nil
	})
}

// Dial opens the group's sockets and starts a session on them, returning the stream
// the core runs ZMTP over.
func (d Driver) Dial(ctx context.Context, ep sdk.Endpoint, opts sdk.Options) (net.Conn, error) {
	cfg, err := newConfig(ep, opts)
	if err != nil {
		return nil, err
	}
	conn, _, err := startEngine(cfg)
	return conn, err
}

func checkScheme(ep sdk.Endpoint) error {
	if ep.Scheme != SchemePGM && ep.Scheme != SchemeEPGM {
		return &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrUnknownScheme, Known: Driver{}.Schemes()}
	}
	return nil
}

// checkSocketType refuses the socket types pgm does not serve, naming those it does.
func checkSocketType(ep sdk.Endpoint, socketType string) error {
	if slices.Contains(socketTypes, socketType) {
		return nil
	}
	if socketType == "" {
		socketType = "a socket of unknown type"
	}
	return fmt.Errorf("%w: %s:// serves PUB, XPUB, SUB and XSUB sockets only, not %s (libzmq's ENOCOMPATPROTO)",
		sdk.ErrNotSupported, ep.Scheme, socketType)
}
