package pgm

import (
	"time"

	"github.com/zeroplug/zeroplug/plugins/pgm/internal/session"
	"github.com/zeroplug/zeroplug/plugins/pgm/internal/wire"
	"github.com/zeroplug/zeroplug/sdk"
)

// defaultHops is libzmq's ZMQ_MULTICAST_HOPS.
const defaultHops = 1

// config is everything one session is made from: the endpoint resolved and the
// socket's options, libzmq's defaults filled in.
type config struct {
	ep          sdk.Endpoint
	addr        address
	raw         bool   // pgm://, else epgm://
	socketType  string // the core's socket
	publisher   bool   // the core's socket is a PUB or an XPUB
	rateKbit    int
	recoveryIvl time.Duration
	maxTPDU     int
	sockets     socketSettings
}

// newConfig checks the scheme, the socket type and the options, and resolves the
// endpoint.
func newConfig(ep sdk.Endpoint, opts sdk.Options) (config, error) {
	if err := checkScheme(ep); err != nil {
		return config{}, err
	}
	if err := checkSocketType(ep, opts.SocketType); err != nil {
		return config{}, err
	}
	addr, err := parseAddress(ep)
	if err != nil {
		return config{}, err
	}
	cfg := config{
		ep:          ep,
		addr:        addr,
		raw:         ep.Scheme == SchemePGM,
		socketType:  opts.SocketType,
		publisher:   opts.SocketType == "PUB" || opts.SocketType == "XPUB",
		rateKbit:    opts.Rate,
		recoveryIvl: opts.RecoveryIvl,
		maxTPDU:     opts.MulticastMaxTPDU,
		sockets:     socketSettings{hops: opts.MulticastHops, sendBuffer: opts.SendBuffer, recvBuffer: opts.RecvBuffer},
	}
	if cfg.rateKbit <= 0 {
		cfg.rateKbit = session.DefaultRateKbit
	}
	if cfg.recoveryIvl <= 0 {
		cfg.recoveryIvl = session.DefaultRecoveryIvl
	}
	if cfg.maxTPDU <= 0 {
		cfg.maxTPDU = session.DefaultMaxTPDU
	}
	if cfg.sockets.hops <= 0 {
		cfg.sockets.hops = defaultHops
	}
	if _, err := wire.MaxTSDU(cfg.maxTPDU, !cfg.raw); err != nil {
		return config{}, &sdk.EndpointError{Endpoint: ep.String(), Err: sdk.ErrNotSupported,
			Reason: "MULTICAST_MAXTPDU leaves no room for data: " + err.Error()}
	}
	return cfg, nil
}
