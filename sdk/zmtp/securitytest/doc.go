// Package securitytest proves the security mechanisms of sdk/zmtp (plain,
// curve, zap) against libzmq 4.3.4, without the core: its tests speak a
// minimal ZMTP PUSH and PULL over sdk/zmtp (Handshake, Encoder, Decoder
// and the mechanism's Cipher) to cmd/zmqpeer, in both roles, with good and
// bad credentials. It has no code of its own beyond this comment.
package securitytest
