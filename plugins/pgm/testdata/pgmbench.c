/* pgmbench: libzmq's side of the pgm plugin's benchmark (bench_test.go), the same
 * command line and output as the test binary's zeroplug helper:
 *
 *   pgmbench pub ENDPOINT SIZE SECONDS   an XPUB with XPUB_NODROP (a PUB that waits at
 *                                        its high-water mark instead of dropping, so
 *                                        that every gap is the network's) sends
 *                                        SIZE-byte messages (an 8-byte sequence
 *                                        number first) as fast as RATE lets it for
 *                                        SECONDS, prints "sent=N", then waits for its
 *                                        stdin to end (repairs go on) and closes.
 *   pgmbench sub ENDPOINT SIZE SECONDS   a SUB prints "ready", receives until 1 s passes
 *                                        without a message (or SECONDS+5), prints
 *                                        "received=N seconds=T msgs_per_s=R missing=M"
 *                                        (R from one second after the first message
 *                                        on: OpenPGM's rate limit lets one second of
 *                                        RATE go at once at the start),
 *                                        then waits for its stdin to end.
 *
 * PGM_RATE (kbit/s) and PGM_RECOVERY_IVL (ms) set ZMQ_RATE and ZMQ_RECOVERY_IVL.
 * Build: cc -O2 -o pgmbench pgmbench.c -lzmq
 */
#include <zmq.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what) {
    fprintf(stderr, "pgmbench: %s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(1);
}

static void wait_stdin(void) {
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: pgmbench pub|sub ENDPOINT SIZE SECONDS\n");
        return 2;
    }
    const char *mode = argv[1], *endpoint = argv[2];
    size_t size = (size_t)atol(argv[3]);
    double seconds = atof(argv[4]);
    if (size < 8) size = 8;
    void *ctx = zmq_ctx_new();
    int pub = strcmp(mode, "pub") == 0;
    void *s = zmq_socket(ctx, pub ? ZMQ_XPUB : ZMQ_SUB);
    int rate = getenv("PGM_RATE") ? atoi(getenv("PGM_RATE")) : 100;
    int ivl = getenv("PGM_RECOVERY_IVL") ? atoi(getenv("PGM_RECOVERY_IVL")) : 10000;
    if (zmq_setsockopt(s, ZMQ_RATE, &rate, sizeof rate) || zmq_setsockopt(s, ZMQ_RECOVERY_IVL, &ivl, sizeof ivl))
        die("setsockopt");
    int one = 1;
    if (pub && zmq_setsockopt(s, ZMQ_XPUB_NODROP, &one, sizeof one)) die("XPUB_NODROP");
    if (!pub) zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
    if (zmq_connect(s, endpoint)) die("connect");
    char *buf = calloc(1, size);
    if (pub) {
        struct timespec pause = {0, 300 * 1000 * 1000};
        nanosleep(&pause, NULL);
        uint64_t seq = 0;
        double end = now() + seconds;
        while (now() < end) {
            for (int i = 0; i < 256; i++, seq++) {
                for (int b = 0; b < 8; b++) buf[b] = (char)(seq >> (56 - 8 * b));
                zmq_send(s, buf, size, 0);
            }
        }
        printf("sent=%llu\n", (unsigned long long)seq);
        fflush(stdout);
        wait_stdin();
    } else {
        int timeout = 1000;
        zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
        struct timespec pause = {1, 0};
        nanosleep(&pause, NULL); /* OpenPGM joins in libzmq's I/O thread */
        printf("ready\n");
        fflush(stdout);
        uint64_t count = 0, lo = UINT64_MAX, hi = 0, mark_count = 0;
        double first = 0, last = 0, mark = 0, give_up = now() + seconds + 5 + 30;
        for (;;) {
            int n = zmq_recv(s, buf, size, 0);
            if (n < 0) {
                if (count > 0 || now() > give_up) break;
                continue;
            }
            uint64_t seq = 0;
            for (int b = 0; b < 8; b++) seq = seq << 8 | (unsigned char)buf[b];
            last = now();
            if (count == 0) first = last;
            count++;
            if (mark == 0 && last - first >= 1.0) {
                mark = last;
                mark_count = count;
            }
            if (seq < lo) lo = seq;
            if (seq > hi) hi = seq;
        }
        double t = last - first, steady = mark > 0 ? last - mark : 0;
        printf("received=%llu seconds=%.3f msgs_per_s=%.0f missing=%llu\n", (unsigned long long)count, t,
               steady > 0 ? (count - mark_count) / steady : 0, count ? (unsigned long long)(hi - lo + 1 - count) : 0ULL);
        fflush(stdout);
        wait_stdin();
    }
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}
