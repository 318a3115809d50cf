package zmtp

import (
	"encoding/binary"
	"strings"
)

// Command names of ZMTP 3.1 (RFC 37).
const (
	CmdReady     = "READY"
	CmdError     = "ERROR"
	CmdSubscribe = "SUBSCRIBE"
	CmdCancel    = "CANCEL"
	CmdPing      = "PING"
	CmdPong      = "PONG"
	// JOIN and LEAVE carry a DISH's group to a RADIO (libzmq 4.3's draft
	// RADIO/DISH; the group is the whole body).
	CmdJoin  = "JOIN"
	CmdLeave = "LEAVE"
)

// Command is a decoded command frame.
type Command struct {
	Name string
	Body []byte
}

// ParseCommand splits a command frame's body into name and data (RFC 37,
// section 3.3.2: a one-byte name length, then the name).
func ParseCommand(frame []byte) (Command, error) {
	if len(frame) < 1 {
		return Command{}, protocolErrorf("empty command frame")
	}
	n := int(frame[0])
	if n == 0 || 1+n > len(frame) {
		return Command{}, protocolErrorf("command name of %d bytes in a frame of %d", n, len(frame))
	}
	return Command{Name: string(frame[1 : 1+n]), Body: frame[1+n:]}, nil
}

// IsCommand reports whether a command frame's body names cmd, without
// allocating; the engine's hot path uses it to spot PING and SUBSCRIBE.
func IsCommand(frame []byte, cmd string) bool {
	return len(frame) > len(cmd) && int(frame[0]) == len(cmd) && string(frame[1:1+len(cmd)]) == cmd
}

// Property is one metadata entry of READY (and of INITIATE in CURVE).
type Property struct {
	Name  string
	Value []byte
}

// Metadata is an ordered list of properties. Names compare without regard
// to case (RFC 37, section 3.4.1).
type Metadata []Property

// Get returns the value of the named property.
func (m Metadata) Get(name string) ([]byte, bool) {
	for _, p := range m {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return nil, false
}

// Append encodes the properties after dst: a one-byte name length, the
// name, a four-byte big-endian value length, the value.
func (m Metadata) Append(dst []byte) []byte {
	for _, p := range m {
		dst = append(dst, byte(len(p.Name)))
		dst = append(dst, p.Name...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(p.Value)))
		dst = append(dst, p.Value...)
	}
	return dst
}

// ParseMetadata decodes a property list. Names must be 1 to 255 bytes of
// RFC 37's name characters; values are taken as they are.
func ParseMetadata(b []byte) (Metadata, error) {
	var m Metadata
	for len(b) > 0 {
		n := int(b[0])
		if n == 0 || 1+n+4 > len(b) {
			return nil, protocolErrorf("truncated metadata property")
		}
		name := b[1 : 1+n]
		for _, c := range name {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '+') {
				return nil, protocolErrorf("metadata name %q has a character outside RFC 37's set", name)
			}
		}
		b = b[1+n:]
		vlen := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(vlen) > uint64(len(b)) {
			return nil, protocolErrorf("metadata value of %d bytes with %d left", vlen, len(b))
		}
		m = append(m, Property{Name: string(name), Value: b[:vlen:vlen]})
		b = b[vlen:]
	}
	return m, nil
}

// Ping is the body of a PING command (RFC 37, section 3.4.5).
type Ping struct {
	// TTL asks the peer to close the connection if it hears nothing for
	// this many tenths of a second; zero means no limit.
	TTL uint16
	// Context is echoed in the PONG (at most 16 bytes).
	Context []byte
}

// ParsePing decodes a PING body.
func ParsePing(body []byte) (Ping, error) {
	if len(body) < 2 {
		return Ping{}, protocolErrorf("PING of %d bytes has no TTL", len(body))
	}
	if len(body) > 2+16 {
		return Ping{}, protocolErrorf("PING context of %d bytes, at most 16", len(body)-2)
	}
	return Ping{TTL: binary.BigEndian.Uint16(body), Context: body[2:]}, nil
}

// Append encodes the PING body after dst.
func (p Ping) Append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, p.TTL)
	return append(dst, p.Context...)
}

// ParseError returns the reason of an ERROR command body (RFC 37, section
// 3.4.4: a one-byte length and the reason).
func ParseError(body []byte) (string, error) {
	if len(body) < 1 || int(body[0]) > len(body)-1 {
		return "", protocolErrorf("malformed ERROR command")
	}
	return string(body[1 : 1+int(body[0])]), nil
}

// AppendError encodes an ERROR body with the reason cut to 255 bytes.
func AppendError(dst []byte, reason string) []byte {
	if len(reason) > 255 {
		reason = reason[:255]
	}
	dst = append(dst, byte(len(reason)))
	return append(dst, reason...)
}
