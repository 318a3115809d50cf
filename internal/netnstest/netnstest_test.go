package netnstest

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as the programs run inside the namespaces: with
// NETNSTEST_ROLE set it sends or counts udp datagrams and exits.
func TestMain(m *testing.M) {
	switch os.Getenv("NETNSTEST_ROLE") {
	case "":
		os.Exit(m.Run())
	case "send":
		os.Exit(send(os.Getenv("NETNSTEST_ADDR"), os.Getenv("NETNSTEST_COUNT")))
	case "recv":
		os.Exit(recv(os.Getenv("NETNSTEST_ADDR")))
	}
	os.Exit(2)
}

func send(addr, count string) int {
	n, _ := strconv.Atoi(count)
	c, err := net.Dial("udp4", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	for i := range n {
		if _, err := c.Write([]byte(strconv.Itoa(i))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		time.Sleep(100 * time.Microsecond) // no drops at the socket buffer
	}
	return 0
}

// recv prints "ready", then the number of datagrams that reached addr until
// one second passes without any.
func recv(addr string) int {
	c, err := net.ListenPacket("udp4", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	fmt.Println("ready")
	buf := make([]byte, 64)
	got := 0
	for {
		c.SetReadDeadline(time.Now().Add(time.Second))
		if _, _, err := c.ReadFrom(buf); err != nil {
			fmt.Println(got)
			return 0
		}
		got++
	}
}

// delivered sends count datagrams from a to b's address and returns how many
// arrived.
func delivered(t *testing.T, a, b *Namespace, count int) int {
	t.Helper()
	addr := b.Addr.String() + ":40001"
	r := b.Command(os.Args[0])
	r.Env = append(os.Environ(), "NETNSTEST_ROLE=recv", "NETNSTEST_ADDR="+addr)
	stdout, err := r.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Stderr = os.Stderr
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer r.Wait()
	ready := make([]byte, len("ready\n"))
	if _, err := stdout.Read(ready); err != nil || string(ready) != "ready\n" {
		t.Fatalf("receiver: %q, %v", ready, err)
	}
	s := a.Command(os.Args[0])
	s.Env = append(os.Environ(), "NETNSTEST_ROLE=send", "NETNSTEST_ADDR="+addr, "NETNSTEST_COUNT="+strconv.Itoa(count))
	if out, err := s.CombinedOutput(); err != nil {
		t.Fatalf("sender: %v\n%s", err, out)
	}
	rest := make([]byte, 32)
	n, _ := stdout.Read(rest)
	got, err := strconv.Atoi(strings.TrimSpace(string(rest[:n])))
	if err != nil {
		t.Fatalf("receiver printed %q", rest[:n])
	}
	return got
}

func TestPairCarriesAndDrops(t *testing.T) {
	a, b := Pair(t)
	const count = 400
	if got := delivered(t, a, b, count); got != count {
		t.Fatalf("no loss rule: %d of %d datagrams arrived", got, count)
	}
	b.DropFrom(t, a.Addr, 25)
	got := delivered(t, a, b, count)
	dropped := b.Dropped(t)
	if got+dropped != count {
		t.Errorf("%d arrived and %d dropped of %d sent", got, dropped, count)
	}
	// 25 % of 400 is 100; the binomial's standard deviation is under 9.
	if dropped < 50 || dropped > 150 {
		t.Errorf("25 %% loss dropped %d of %d", dropped, count)
	}
	b.DropFrom(t, a.Addr, 100)
	if got := delivered(t, a, b, 50); got != 0 {
		t.Errorf("100 %% loss: %d datagrams arrived", got)
	}
	if got := b.Dropped(t); got != dropped+50 {
		t.Errorf("Dropped counts %d after a second rule dropped 50, want %d", got, dropped+50)
	}
	b.DropFrom(t, a.Addr, 0)
	if got := delivered(t, a, b, 20); got != 20 {
		t.Errorf("loss rule removed: %d of 20 arrived", got)
	}
}

func TestPairsAreApart(t *testing.T) {
	a1, b1 := Pair(t)
	a2, b2 := Pair(t)
	if a1.Name == a2.Name || b1.Name == b2.Name {
		t.Fatalf("two pairs share a namespace: %s %s, %s %s", a1.Name, b1.Name, a2.Name, b2.Name)
	}
	b2.DropFrom(t, a2.Addr, 100)
	if got := delivered(t, a1, b1, 20); got != 20 {
		t.Errorf("the other pair's loss rule reached this one: %d of 20 arrived", got)
	}
}
