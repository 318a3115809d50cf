package curve_test

import (
	"fmt"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
	"github.com/zeroplug/zeroplug/sdk/zmtp/curve"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// A server's key pair, made once and kept: its public key is what every
// client configures as the server key.
func ExampleGenerateKeyPair() {
	public, secret, err := curve.GenerateKeyPair(nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(public.String()), curve.PublicFromSecret(secret) == public)
	// Output: 40 true
}

// Keys come as libzmq prints them, 40 characters of Z85.
func ExampleParseKey() {
	secret, err := curve.ParseKey("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")
	if err != nil {
		panic(err)
	}
	fmt.Println(curve.PublicFromSecret(secret))
	// Output: rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7
}

// The two ends of a CURVE connection, as zmtp.Handshake takes them. The
// server lets in one client key; the session's Cipher then boxes every
// frame.
func Example() {
	serverPublic, serverSecret, _ := curve.GenerateKeyPair(nil)
	clientPublic, clientSecret, _ := curve.GenerateKeyPair(nil)

	client := zmtp.Config{
		Mechanism:  curve.Client{ServerKey: serverPublic, PublicKey: clientPublic, SecretKey: clientSecret},
		SocketType: "DEALER",
	}
	server := zmtp.Config{
		Mechanism: curve.Server{
			SecretKey: serverSecret,
			Auth: zap.AuthenticatorFunc(func(req zap.Request) (zap.Reply, error) {
				ok := string(req.Credentials[0]) == string(clientPublic[:])
				if !ok {
					return zap.Reply{RequestID: req.RequestID, StatusCode: zap.StatusDenied}, nil
				}
				return zap.Reply{RequestID: req.RequestID, StatusCode: zap.StatusOK, UserID: "alice"}, nil
			}),
		},
		SocketType: "ROUTER",
	}
	fmt.Println(client.Mechanism.Name(), client.Mechanism.AsServer(), server.Mechanism.AsServer())
	// Output: CURVE false true
}
