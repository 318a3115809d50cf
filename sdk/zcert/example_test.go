package zcert_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/zeroplug/zeroplug/sdk/zcert"
	"github.com/zeroplug/zeroplug/sdk/zmtp/zap"
)

// A server's key pair and a client's, saved as pyzmq's create_certificates saves them;
// the server lets in the clients whose public certificates are in a directory.
func Example() {
	dir, err := os.MkdirTemp("", "certs")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	clients := filepath.Join(dir, "clients")
	if err := os.Mkdir(clients, 0o755); err != nil {
		log.Fatal(err)
	}

	alice, err := zcert.New()
	if err != nil {
		log.Fatal(err)
	}
	alice.Metadata = map[string]string{"name": "alice"}
	// alice keeps clients/alice.key_secret; clients/alice.key is what the server reads.
	if err := alice.Save(filepath.Join(clients, "alice")); err != nil {
		log.Fatal(err)
	}

	store, err := zcert.NewStore(clients)
	if err != nil {
		log.Fatal(err)
	}
	policy := &zap.Policy{CurveKeySets: []zap.KeySet{store}}
	reply, err := policy.Authenticate(zap.Request{RequestID: []byte("1"), Mechanism: zap.MechanismCurve,
		Credentials: [][]byte{alice.Public[:]}})
	if err != nil {
		log.Fatal(err)
	}
	c, _ := store.Lookup(alice.Public)
	fmt.Println(reply.StatusCode, c.Metadata["name"])
	// Output: 200 alice
}
