# A libzmq (pyzmq on Debian's libzmq 4.3.4 and OpenPGM 5.3.128) peer for the pgm
# plugin's tests, run inside a network namespace the test made (ip netns exec), so that
# nothing it sends leaves it. OpenPGM resolves the interface through the resolver
# first: name it by its IPv4 address.
#
#   sub ENDPOINT N       a SUB subscribed to everything: prints "ready" once joined, then
#                        each message as "msg <hex>|<hex>..." until N have arrived
#                        (then "done"), or "timeout" after 20 s without one.
#   pub ENDPOINT N SIZE  a PUB: waits for a line "go" on stdin, sends N messages of
#                        three frames ["pgm", "<i>:" padded with '.' to SIZE bytes,
#                        "end"], prints "sent", then stays until stdin ends (so that
#                        OpenPGM answers NAKs) and prints "done".
#   Options from the environment: PGM_RATE (kbit/s), PGM_RECOVERY_IVL (ms).
import os, sys, time
import zmq

mode, endpoint, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
ctx = zmq.Context()


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def options(s):
    s.setsockopt(zmq.RATE, int(os.environ.get("PGM_RATE", "10000")))
    s.setsockopt(zmq.RECOVERY_IVL, int(os.environ.get("PGM_RECOVERY_IVL", "5000")))


if mode == "sub":
    sub = ctx.socket(zmq.SUB)
    options(sub)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.setsockopt(zmq.RCVTIMEO, 20000)
    sub.connect(endpoint)
    time.sleep(1.0)  # OpenPGM's receiver joins the group in libzmq's I/O thread
    say("ready")
    for _ in range(count):
        try:
            frames = sub.recv_multipart()
        except zmq.Again:
            say("timeout")
            break
        say("msg " + "|".join(f.hex() for f in frames))
    sub.close(linger=0)
    ctx.term()
    say("done")
else:
    size = int(sys.argv[4])
    pub = ctx.socket(zmq.PUB)
    options(pub)
    pub.setsockopt(zmq.LINGER, 5000)
    pub.setsockopt(zmq.SNDHWM, 0)
    pub.connect(endpoint)
    say("ready")
    sys.stdin.readline()
    for i in range(count):
        body = (b"%d:" % i).ljust(size, b".")
        pub.send_multipart([b"pgm", body, b"end"])
    say("sent")
    for line in sys.stdin:
        pass
    pub.close()
    ctx.term()
    say("done")
