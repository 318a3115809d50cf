package curve

import (
	"bytes"
	"encoding/hex"
	"sync"
	"testing"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
	"github.com/zeroplug/zeroplug/sdk/zmtp/internal/mechtest"
)

// Known answers: the commands of one CurveZMQ handshake computed by
// libsodium (libzmq's crypto library), not by x/crypto, from the fixed
// keys and nonces below, laid out as libzmq 4.3 sends them. The program
// that made them is testdata/vectors.c.
//
// The long-term key pairs are the examples of libzmq's zmq_curve(7) page.
const (
	vecServerPublic = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
	vecServerSecret = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
	vecClientPublic = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
	vecClientSecret = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
)

// Output of testdata/vectors.c.
const (
	vecClientTransientPublic = "07a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c"
	vecServerTransientPublic = "5869aff450549732cbaaed5e5df9b30a6da31cb0e5742bad5ad4a1a768f1a67b"
	vecHello                 = "0548454c4c4f010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007a37cbc142093c8b755dc1b10e86cb426374ad16aa853ed0bdfc0b2b86d1c7c00000000000000016e3f26f72fe2f05db20de7881ee6a08fc432afe73b138226f5930879c93bdd4d8586425a3a8d6bc5d83598a3017e0f1792ff0381360d168b6fe1c5e0bb752b0d365e13ea8e8a29ce1c5052c8c63eced7"
	vecCookie                = "6162636465666768696a6b6c6d6e6f709d01f1b61e834518f75cf27e9fea4e92a18606fb464b47c0afbd1d3165f2a03f8e36fbaf623c7746b1f999e9d29c938b354c401e15f2728020f3a8ab3adb2e9bc946c0f1bcef246da7d919648dc0d587"
	vecWelcome               = "0757454c434f4d457172737475767778797a7b7c7d7e7f804012c309666c9e727599e0f1db020c25db1365591461fa1135a55d26684ab474225a1928840c6c1d7f2f7375a1c31b7df02397e6dc1a89b1c8067b606a0b35ae39b1d6c1d14074629a7c70a4089030c3f701d67d4601e9e1c903a017ec413abab7011d29bc71c02da8ee2f7bdae62bb150456cf43ec7b22e69cd251f8cb9e2540bfd81f98d17237e87896c933ce936b7"
	vecInitiate              = "08494e4954494154456162636465666768696a6b6c6d6e6f709d01f1b61e834518f75cf27e9fea4e92a18606fb464b47c0afbd1d3165f2a03f8e36fbaf623c7746b1f999e9d29c938b354c401e15f2728020f3a8ab3adb2e9bc946c0f1bcef246da7d919648dc0d5870000000000000002bcdaa20f29d1fd918d502c3fbd1c6b6df4b83c445dabfe76b764205b74eeced08560918c380fe1f6615aa96926bbfd8b9cb3e60a229a0ba7b735062b4216b2602e2f9879b84e4d56b689b7e33bac080f0411f7708020190d2daa919b1e040ed749ada8ded2d04826a1451cd3567e89f4407c8f921617ec2e54b7683afa98108358897b3ccdfa4d45bb4a4a1e7a7568b77523cdb6612d1dcd2e3c1025f1b8642766752984"
	vecReady                 = "0552454144590000000000000001ca8de7be4d4bb1e71e19f579a9942c02e5b976c483ec0654f901c19a18bef5b8881f9a4e"
	vecMessageClient3        = "074d4553534147450000000000000003694a5fa569dba9278e3183b0152a097b230731a3f5fd"
	vecMessageClient4        = "074d4553534147450000000000000004ca9507be8a98bef41529ddcda6cd964468"
	vecMessageServer2        = "074d4553534147450000000000000002ce7f2acfce9dece9ca7d89c9dffa6e592225d43fd3a55ce4b7729f"
)

// The fixed random inputs of vectors.c: byte runs from a first value.
var (
	vecClientTransientSecret = run(32, 0x01)
	vecServerTransientSecret = run(32, 0x21)
	vecCookieKey             = run(32, 0x41)
	vecCookieNonce           = run(16, 0x61)
	vecWelcomeNonce          = run(16, 0x71)
	vecVouchNonce            = run(16, 0x81)

	vecClientMetadata = zmtp.Metadata{{Name: "Socket-Type", Value: []byte("PUSH")}}
	vecServerMetadata = zmtp.Metadata{{Name: "Socket-Type", Value: []byte("PULL")}}
)

func run(n int, first byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = first + byte(i)
	}
	return b
}

func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func keyOf(b []byte) Key {
	var k Key
	copy(k[:], b)
	return k
}

// body strips a command's length-prefixed name.
func body(tb testing.TB, cmd []byte) []byte {
	tb.Helper()
	c, err := zmtp.ParseCommand(cmd)
	if err != nil {
		tb.Fatal(err)
	}
	return c.Body
}

// vectorKeys are the keys of the vectors and the shared keys between them.
type vectorKeys struct {
	S, s, C, c         Key
	cnPublic, cnSecret Key       // C', c'
	snPublic, snSecret Key       // S', s'
	hello              *[32]byte // DH(c', S) = DH(s, C')
	session            *[32]byte // DH(c', S') = DH(s', C')
	vouch              *[32]byte // DH(c, S') = DH(s', C)
}

// newVectorKeys returns the vectors' keys, computed once: the fuzz targets
// call it on every input.
func newVectorKeys(tb testing.TB) *vectorKeys {
	tb.Helper()
	k, err := vectorKeysOnce()
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

var vectorKeysOnce = sync.OnceValues(func() (*vectorKeys, error) {
	var err error
	key := func(s string) Key {
		k, e := ParseKey(s)
		if e != nil && err == nil {
			err = e
		}
		return k
	}
	k := &vectorKeys{
		S: key(vecServerPublic), s: key(vecServerSecret),
		C: key(vecClientPublic), c: key(vecClientSecret),
		cnSecret: keyOf(vecClientTransientSecret), snSecret: keyOf(vecServerTransientSecret),
	}
	if err != nil {
		return nil, err
	}
	k.cnPublic = PublicFromSecret(k.cnSecret)
	k.snPublic = PublicFromSecret(k.snSecret)
	if k.hello, err = sharedKey(&k.S, &k.cnSecret); err != nil {
		return nil, err
	}
	if k.session, err = sharedKey(&k.snPublic, &k.cnSecret); err != nil {
		return nil, err
	}
	if k.vouch, err = sharedKey(&k.snPublic, &k.c); err != nil {
		return nil, err
	}
	return k, nil
})

// RFC 26: the key pairs of zmq_curve(7) belong together, and the transient
// public keys are those libsodium derives.
func TestVectorKeys(t *testing.T) {
	k := newVectorKeys(t)
	tests := []struct {
		name string
		got  Key
		want string
	}{
		{"server public from secret", PublicFromSecret(k.s), vecServerPublic},
		{"client public from secret", PublicFromSecret(k.c), vecClientPublic},
		{"client transient public", k.cnPublic, ""},
		{"server transient public", k.snPublic, ""},
	}
	wantHex := map[string]string{
		"client transient public": vecClientTransientPublic,
		"server transient public": vecServerTransientPublic,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want != "" {
				if tt.got.String() != tt.want {
					t.Fatalf("got %s, want %s", tt.got, tt.want)
				}
				return
			}
			if hex.EncodeToString(tt.got[:]) != wantHex[tt.name] {
				t.Fatalf("got %x, want %s", tt.got[:], wantHex[tt.name])
			}
		})
	}
	// Both ends of each box derive the same key.
	if *precompute(&k.cnPublic, &k.s) != *k.hello {
		t.Error("DH(s, C') != DH(c', S)")
	}
	if *precompute(&k.cnPublic, &k.snSecret) != *k.session {
		t.Error("DH(s', C') != DH(c', S')")
	}
	if *precompute(&k.C, &k.snSecret) != *k.vouch {
		t.Error("DH(s', C) != DH(c, S')")
	}
}

// RFC 26, "The HELLO Command": 200 octets, version 1.0, 72 octets of zero
// padding (the grammar's hello-padding), C', a short nonce prefixed by
// "CurveZMQHELLO---", and Box[64 * %x0](C'->S).
func TestVectorHello(t *testing.T) {
	k := newVectorKeys(t)
	want := unhex(t, vecHello)
	if len(want) != 200 {
		t.Fatalf("vector of %d bytes", len(want))
	}
	got := append([]byte("\x05HELLO"), appendHello(nil, &k.cnPublic, k.hello, 1)...)
	if !bytes.Equal(got, want) {
		t.Fatalf("HELLO\n got %x\nwant %x", got, want)
	}
	cn, nonce, key, err := openHello(body(t, want), &k.s)
	if err != nil {
		t.Fatal(err)
	}
	if cn != k.cnPublic || nonce != 1 || *key != *k.hello {
		t.Fatalf("openHello = %x, %d", cn[:], nonce)
	}
}

// RFC 26, "The WELCOME Command": 168 octets, a long nonce prefixed by
// "WELCOME-" and Box[S' + cookie](S->C'), the cookie being a long nonce
// prefixed by "COOKIE--" and Box[C' + s'](K).
func TestVectorWelcome(t *testing.T) {
	k := newVectorKeys(t)
	cookieKey := (*[32]byte)(vecCookieKey)
	cookie := sealCookie(cookieKey, vecCookieNonce, &k.cnPublic, &k.snSecret)
	if want := unhex(t, vecCookie); !bytes.Equal(cookie, want) {
		t.Fatalf("cookie\n got %x\nwant %x", cookie, want)
	}
	want := unhex(t, vecWelcome)
	if len(want) != 168 {
		t.Fatalf("vector of %d bytes", len(want))
	}
	got := append([]byte("\x07WELCOME"), appendWelcome(nil, k.hello, vecWelcomeNonce, &k.snPublic, cookie)...)
	if !bytes.Equal(got, want) {
		t.Fatalf("WELCOME\n got %x\nwant %x", got, want)
	}
	sn, gotCookie, err := openWelcome(body(t, want), k.hello)
	if err != nil {
		t.Fatal(err)
	}
	if sn != k.snPublic || !bytes.Equal(gotCookie, cookie) {
		t.Fatalf("openWelcome = %x, %x", sn[:], gotCookie)
	}
	cn, sn2, err := openCookie(gotCookie, cookieKey)
	if err != nil || cn != k.cnPublic || sn2 != k.snSecret {
		t.Fatalf("openCookie = %x, %x, %v", cn[:], sn2[:], err)
	}
}

// RFC 26, "The INITIATE Command": the cookie, a short nonce prefixed by
// "CurveZMQINITIATE" and Box[C + vouch + metadata](C'->S'), the vouch
// being a long nonce prefixed by "VOUCH---" and Box[C',S](C->S').
func TestVectorInitiate(t *testing.T) {
	k := newVectorKeys(t)
	cookie := unhex(t, vecCookie)
	want := unhex(t, vecInitiate)
	got := append([]byte("\x08INITIATE"), appendInitiate(nil, &initiate{
		cookie: cookie, nonce: 2, key: k.session,
		public: &k.C, vouchNonce: vecVouchNonce, vouchKey: k.vouch,
		cnPublic: &k.cnPublic, server: &k.S, metadata: vecClientMetadata.Append(nil),
	})...)
	if !bytes.Equal(got, want) {
		t.Fatalf("INITIATE\n got %x\nwant %x", got, want)
	}
	in, err := openInitiate(body(t, want), (*[32]byte)(vecCookieKey), &k.cnPublic, &k.snSecret, &k.S, 1)
	if err != nil {
		t.Fatal(err)
	}
	if in.client != k.C || in.nonce != 2 || *in.key != *k.session {
		t.Fatalf("openInitiate: client %s nonce %d", in.client, in.nonce)
	}
	if st, _ := in.metadata.Get("Socket-Type"); string(st) != "PUSH" {
		t.Fatalf("openInitiate: metadata %q", in.metadata)
	}
}

// RFC 26, "The READY Command": a short nonce prefixed by
// "CurveZMQREADY---" and Box[metadata](S'->C').
func TestVectorReady(t *testing.T) {
	k := newVectorKeys(t)
	want := unhex(t, vecReady)
	got := append([]byte("\x05READY"), appendReady(nil, k.session, 1, vecServerMetadata.Append(nil))...)
	if !bytes.Equal(got, want) {
		t.Fatalf("READY\n got %x\nwant %x", got, want)
	}
	nonce, md, err := openReady(body(t, want), k.session)
	if err != nil || nonce != 1 {
		t.Fatalf("openReady = %d, %v", nonce, err)
	}
	if st, _ := md.Get("Socket-Type"); string(st) != "PULL" {
		t.Fatalf("openReady: metadata %q", md)
	}
}

// RFC 26, "The MESSAGE Command": a short nonce prefixed by
// "CurveZMQMESSAGEC" (client) or "CurveZMQMESSAGES" (server), and a box
// holding a flags octet (libzmq: 0x01 MORE, 0x02 COMMAND) and the data.
// The client's nonces follow INITIATE's, the server's READY's.
func TestVectorMessage(t *testing.T) {
	k := newVectorKeys(t)
	client := newCipher(k.session, false, 3, 1)
	server := newCipher(k.session, true, 2, 2)
	tests := []struct {
		name   string
		from   *cipher
		to     *cipher
		flags  byte
		data   string
		vector string
	}{
		{"client, MORE", client, server, zmtp.FlagMore, "Hello", vecMessageClient3},
		{"client, empty last frame", client, server, 0, "", vecMessageClient4},
		{"server, a PING command", server, client, zmtp.FlagCommand, "\x04PING\x00\x0actx", vecMessageServer2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wire bytes.Buffer
			enc := zmtp.NewEncoder(&wire)
			if err := tt.from.Seal(enc, tt.flags, []byte(tt.data)); err != nil {
				t.Fatal(err)
			}
			enc.Flush()
			want := unhex(t, tt.vector)
			// libzmq sends MESSAGE as a frame without flags.
			if wantWire := append([]byte{0, byte(len(want))}, want...); !bytes.Equal(wire.Bytes(), wantWire) {
				t.Fatalf("sealed\n got %x\nwant %x", wire.Bytes(), wantWire)
			}
			flags, data, err := tt.to.Open(0, want)
			if err != nil || flags != tt.flags || string(data) != tt.data {
				t.Fatalf("Open = %#x %q %v; want %#x %q", flags, data, err, tt.flags, tt.data)
			}
		})
	}
}

// The whole handshake through Client and Server, with the vectors' random
// inputs, is the vectors byte for byte on the wire, both ways.
func TestVectorTranscript(t *testing.T) {
	k := newVectorKeys(t)
	// The order in which the mechanisms draw from Rand: the client's
	// transient secret, then the vouch nonce; the server's transient
	// secret, the cookie key, the cookie nonce, the welcome nonce.
	cl := Client{ServerKey: k.S, PublicKey: k.C, SecretKey: k.c,
		Rand: mechtest.Fixed(vecClientTransientSecret, vecVouchNonce)}
	sv := Server{SecretKey: k.s,
		Rand: mechtest.Fixed(vecServerTransientSecret, vecCookieKey, vecCookieNonce, vecWelcomeNonce)}
	a, b := mechtest.Handshake(t,
		zmtp.Config{Mechanism: cl, SocketType: "PUSH"},
		zmtp.Config{Mechanism: sv, SocketType: "PULL"})
	if a.Err != nil || b.Err != nil {
		t.Fatalf("client: %v; server: %v", a.Err, b.Err)
	}
	bodies := func(fs []mechtest.Frame) [][]byte {
		var out [][]byte
		for _, f := range fs {
			if f.Flags&^zmtp.FlagLong != zmtp.FlagCommand {
				t.Fatalf("a handshake frame with flags %#x", f.Flags)
			}
			out = append(out, f.Body)
		}
		return out
	}
	clientSent := bodies(mechtest.Frames(t, a.Conn.Written()))
	serverSent := bodies(mechtest.Frames(t, b.Conn.Written()))
	wantClient := [][]byte{unhex(t, vecHello), unhex(t, vecInitiate)}
	wantServer := [][]byte{unhex(t, vecWelcome), unhex(t, vecReady)}
	for i := range max(len(clientSent), len(wantClient)) {
		if i >= len(clientSent) || i >= len(wantClient) || !bytes.Equal(clientSent[i], wantClient[i]) {
			t.Fatalf("client command %d differs from the vectors:\n got %x\nwant %x", i, at(clientSent, i), at(wantClient, i))
		}
	}
	for i := range max(len(serverSent), len(wantServer)) {
		if i >= len(serverSent) || i >= len(wantServer) || !bytes.Equal(serverSent[i], wantServer[i]) {
			t.Fatalf("server command %d differs from the vectors:\n got %x\nwant %x", i, at(serverSent, i), at(wantServer, i))
		}
	}
	// And the data phase goes on with the vectors' nonces.
	var wire bytes.Buffer
	enc := zmtp.NewEncoder(&wire)
	a.Peer.Cipher.Seal(enc, zmtp.FlagMore, []byte("Hello"))
	enc.Flush()
	if got, want := wire.Bytes()[2:], unhex(t, vecMessageClient3); !bytes.Equal(got, want) {
		t.Fatalf("first client MESSAGE\n got %x\nwant %x", got, want)
	}
	if _, _, err := b.Peer.Cipher.Open(0, unhex(t, vecMessageClient3)); err != nil {
		t.Fatalf("server opens the first client MESSAGE: %v", err)
	}
}

func at(s [][]byte, i int) []byte {
	if i < len(s) {
		return s[i]
	}
	return nil
}
