package plain_test

import (
	"fmt"

	"github.com/zeroplug/zeroplug/sdk/zmtp"
	"github.com/zeroplug/zeroplug/sdk/zmtp/plain"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// A PLAIN server checks passwords through an Authenticator; the core puts
// the client's address in each connection's copy.
func Example() {
	users := map[string]string{"admin": "secret"}
	server := plain.Server{
		Auth: zap.AuthenticatorFunc(func(req zap.Request) (zap.Reply, error) {
			user, pass := string(req.Credentials[0]), string(req.Credentials[1])
			if pw, ok := users[user]; ok && pw == pass {
				return zap.Reply{RequestID: req.RequestID, StatusCode: zap.StatusOK, UserID: user}, nil
			}
			return zap.Reply{RequestID: req.RequestID, StatusCode: zap.StatusDenied}, nil
		}),
		Domain:  "global",
		Address: "192.0.2.10",
	}
	client := plain.Client{Username: "admin", Password: "secret"}
	cfg := zmtp.Config{Mechanism: server, SocketType: "PULL"}
	fmt.Println(cfg.Mechanism.Name(), client.AsServer(), server.AsServer())
	// Output: PLAIN false true
}
