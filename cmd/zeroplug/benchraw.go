package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

// bench raw-recv and raw-send: the same bytes as thr-recv and thr-send, over a
// plain tcp or unix socket, with no ZMTP and no library: the physical limit the
// throughput tables compare both libraries with.

const benchRawHelp = `  raw-recv  listens on ENDPOINT (tcp:// or ipc://, no ZMTP), reads N x BYTES bytes from
            the one connection and prints the mode=thr line, as thr-recv
  raw-send  connects and writes N x BYTES bytes, one message's bytes after the other
            through a 64 KiB buffer; prints nothing`

// rawNetwork returns the network and address of a raw mode's endpoint.
func rawNetwork(endpoint string) (network, address string, err error) {
	switch {
	case strings.HasPrefix(endpoint, "tcp://"):
		return "tcp", strings.TrimPrefix(endpoint, "tcp://"), nil
	case strings.HasPrefix(endpoint, "ipc://"):
		return "unix", strings.TrimPrefix(endpoint, "ipc://"), nil
	}
	return "", "", fmt.Errorf("%s: raw modes take tcp:// or ipc://", endpoint)
}

// rawRecv is raw-recv.
func (b *bench) rawRecv(ctx context.Context, stdout io.Writer) error {
	network, address, err := rawNetwork(b.endpoint)
	if err != nil {
		return err
	}
	l, err := (&net.ListenConfig{}).Listen(ctx, network, address)
	if err != nil {
		return fmt.Errorf("listen %s: %w", b.endpoint, err)
	}
	if network == "unix" {
		defer os.Remove(address)
	}
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	c, err := l.Accept()
	l.Close()
	if err != nil {
		return failed(ctx, "accept", err)
	}
	defer c.Close()
	stopConn := context.AfterFunc(ctx, func() { c.Close() })
	defer stopConn()
	total := int64(b.size) * b.count
	buf := make([]byte, 64<<10)
	// The clock starts when the first message is in, as thr-recv's does.
	first := int64(b.size)
	if _, err := io.ReadFull(c, buf[:min(first, int64(len(buf)))]); err != nil {
		return failed(ctx, "read", err)
	}
	for read := min(first, int64(len(buf))); read < first; {
		n, err := c.Read(buf[:min(first-read, int64(len(buf)))])
		if err != nil {
			return failed(ctx, "read", err)
		}
		read += int64(n)
	}
	start := time.Now()
	for read := first; read < total; {
		n, err := c.Read(buf[:min(total-read, int64(len(buf)))])
		if err != nil {
			return failed(ctx, "read", err)
		}
		read += int64(n)
	}
	secs := time.Since(start).Seconds()
	rate := float64(b.count-1) / secs
	fmt.Fprintf(stdout, "mode=thr size=%d count=%d seconds=%.6f msgs_per_s=%.0f mbit_per_s=%.1f\n",
		b.size, b.count, secs, rate, rate*float64(b.size)*8/1e6)
	return nil
}

// rawSend is raw-send: it dials until the listener is there, as a ZeroMQ
// connect retries.
func (b *bench) rawSend(ctx context.Context) error {
	network, address, err := rawNetwork(b.endpoint)
	if err != nil {
		return err
	}
	var c net.Conn
	for {
		if c, err = (&net.Dialer{}).DialContext(ctx, network, address); err == nil {
			break
		}
		if ctx.Err() != nil {
			return errInterrupted
		}
		time.Sleep(10 * time.Millisecond)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	w := bufio.NewWriterSize(c, 64<<10)
	payload := make([]byte, b.size)
	for i := int64(0); i < b.count; i++ {
		if _, err := w.Write(payload); err != nil {
			return failed(ctx, "write", err)
		}
	}
	if err := w.Flush(); err != nil {
		return failed(ctx, "write", err)
	}
	// Wait for the reader to close, so that exiting loses nothing in flight.
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	_, err = io.Copy(io.Discard, c)
	if err != nil && !errors.Is(err, net.ErrClosed) && ctx.Err() == nil {
		return fmt.Errorf("waiting for the reader: %w", err)
	}
	return nil
}
