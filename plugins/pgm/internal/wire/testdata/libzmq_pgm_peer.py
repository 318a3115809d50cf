# A libzmq (pyzmq) peer for the wire package's interop tests. It runs inside a fresh
# network namespace with only lo, so nothing it sends leaves the test.
#
#   capture epgm|pgm N   a libzmq PUB sends N messages to 239.192.1.1:5555; every PGM
#                        datagram on the group is printed as "pkt <hex>" (for pgm, the
#                        raw IP datagram, header included). Each "pkt <hex>" line of stdin
#                        is sent unicast to the PUB (a NAK, say); at "close" or the end
#                        of stdin the PUB closes, and "done" ends the output.
#   sub epgm|pgm N       a libzmq SUB on the group; prints "ready", then sends every
#                        "pkt <hex>" line of stdin to the group as a PGM datagram, and
#                        prints each message it receives as "msg <hex>[ <hex>...]" until
#                        N have arrived, then "done".
import socket, sys, threading, time
import zmq

GROUP, PORT, IFACE = "239.192.1.1", 5555, "127.0.0.1"
IPPROTO_PGM = 113
mode, framing, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
endpoint = "%s://%s;%s:%d" % (framing, IFACE, GROUP, PORT)
out_lock = threading.Lock()


def say(line):
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def group_socket():  # receives what is sent to the group
    if framing == "epgm":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # beside OpenPGM's own
        # Bound to the group, not 0.0.0.0: unicast to the PUB's port (NAKs) then reaches
        # only OpenPGM's socket, which SO_REUSEPORT would otherwise share with this one.
        s.bind((GROUP, PORT))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_PGM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton(GROUP) + socket.inet_aton(IFACE))
    return s


def sending_socket():
    if framing == "epgm":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_PGM)
    s.bind((IFACE, 0))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(IFACE))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    return s


ctx = zmq.Context()
if mode == "capture":
    cap = group_socket()
    cap.settimeout(0.2)
    stop = threading.Event()

    def capture():
        while not stop.is_set():
            try:
                data, addr = cap.recvfrom(65535)
            except socket.timeout:
                continue
            say("pkt " + data.hex())

    th = threading.Thread(target=capture)
    th.start()
    pub = ctx.socket(zmq.PUB)
    pub.setsockopt(zmq.RATE, 100000)
    pub.setsockopt(zmq.LINGER, 2000)
    pub.connect(endpoint)
    time.sleep(0.5)
    for i in range(count):
        if i == 1:
            pub.send_multipart([b"big", bytes(range(256)) * 12])  # 3072 B: three APDUs
        else:
            pub.send_multipart([b"topic", b"msg-%d" % i])
    upstream = sending_socket()
    deadline = time.time() + 20
    for line in sys.stdin:
        word = line.split()
        if word == ["close"] or time.time() > deadline:
            break
        if len(word) == 2 and word[0] == "pkt":
            upstream.sendto(bytes.fromhex(word[1]), (IFACE, PORT if framing == "epgm" else 0))
    upstream.close()
    pub.close()
    time.sleep(0.5)  # the FIN SPMs of pgm_close
    stop.set()
    th.join()
    ctx.term()
    say("done")
else:
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.setsockopt(zmq.RCVTIMEO, 10000)
    sub.connect(endpoint)
    time.sleep(1.0)  # OpenPGM's receiver joins the group in libzmq's I/O thread
    tx = sending_socket()
    say("ready")

    def feed():
        for line in sys.stdin:
            word = line.split()
            if len(word) == 2 and word[0] == "pkt":
                tx.sendto(bytes.fromhex(word[1]), (GROUP, PORT if framing == "epgm" else 0))

    threading.Thread(target=feed, daemon=True).start()
    for _ in range(count):
        try:
            frames = sub.recv_multipart()
        except zmq.Again:
            say("timeout")
            break
        say("msg " + " ".join(f.hex() for f in frames))
    sub.close(linger=0)
    ctx.term()
    say("done")
