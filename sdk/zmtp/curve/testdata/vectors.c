/* vectors.c: the CurveZMQ handshake and MESSAGE commands of vectors_test.go, computed by
 * libsodium (the crypto library under libzmq 4.3) from fixed keys and nonces, laid out as
 * RFC 26 and libzmq's curve_client_tools.hpp / curve_server.cpp / curve_mechanism_base.cpp
 * send them. It prints one Go string constant per command.
 *
 * Build and run (Debian: apt-get install libsodium-dev libzmq3-dev):
 *   cc -o /tmp/vectors vectors.c -lsodium -lzmq && /tmp/vectors
 */
#include <sodium.h>
#include <zmq.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static void put64(uint8_t *p, uint64_t v) {
    for (int i = 7; i >= 0; i--) { p[i] = (uint8_t)v; v >>= 8; }
}

/* crypto_box with the NaCl padding conventions: seals m into out (16-byte MAC first). */
static void seal(uint8_t *out, const uint8_t *m, size_t mlen, const uint8_t *n, const uint8_t *pk, const uint8_t *sk) {
    uint8_t *p = calloc(1, mlen + 32), *c = calloc(1, mlen + 32);
    memcpy(p + 32, m, mlen);
    if (crypto_box(c, p, mlen + 32, n, pk, sk) != 0) { fprintf(stderr, "crypto_box\n"); exit(1); }
    memcpy(out, c + 16, mlen + 16);
    free(p); free(c);
}

static void sealsecret(uint8_t *out, const uint8_t *m, size_t mlen, const uint8_t *n, const uint8_t *k) {
    uint8_t *p = calloc(1, mlen + 32), *c = calloc(1, mlen + 32);
    memcpy(p + 32, m, mlen);
    crypto_secretbox(c, p, mlen + 32, n, k);
    memcpy(out, c + 16, mlen + 16);
    free(p); free(c);
}

static void nonce16(uint8_t *n, const char *prefix, uint64_t v) { memcpy(n, prefix, 16); put64(n + 16, v); }
static void nonce8(uint8_t *n, const char *prefix, const uint8_t *r) { memcpy(n, prefix, 8); memcpy(n + 8, r, 16); }

static void print(const char *name, const uint8_t *b, size_t n) {
    printf("\t%s = \"", name);
    for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
    printf("\"\n");
}

static void fill(uint8_t *b, size_t n, uint8_t first) { for (size_t i = 0; i < n; i++) b[i] = first + i; }

static const uint8_t client_md[] = "\x0bSocket-Type\x00\x00\x00\x04PUSH";
static const uint8_t server_md[] = "\x0bSocket-Type\x00\x00\x00\x04PULL";

int main(void) {
    if (sodium_init() < 0) return 1;
    /* Long-term keys: the example pairs of libzmq's zmq_curve(7) page. */
    uint8_t S[32], s[32], C[32], c[32];
    zmq_z85_decode(S, "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
    zmq_z85_decode(s, "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6");
    zmq_z85_decode(C, "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID");
    zmq_z85_decode(c, "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs");
    /* Transient keys, the cookie key and the long nonces: fixed byte runs. */
    uint8_t cn_s[32], cn_p[32], sn_s[32], sn_p[32], cookie_key[32], cookie_r[16], welcome_r[16], vouch_r[16];
    fill(cn_s, 32, 0x01); fill(sn_s, 32, 0x21); fill(cookie_key, 32, 0x41);
    fill(cookie_r, 16, 0x61); fill(welcome_r, 16, 0x71); fill(vouch_r, 16, 0x81);
    crypto_scalarmult_base(cn_p, cn_s);
    crypto_scalarmult_base(sn_p, sn_s);
    uint8_t n[24];
    printf("const (\n");
    print("vecClientTransientPublic", cn_p, 32);
    print("vecServerTransientPublic", sn_p, 32);

    /* HELLO: name, version 1.0, 72 zeros, C', short nonce 1, Box[64 zeros](C'->S). */
    uint8_t hello[200] = {0}, zeros[64] = {0};
    memcpy(hello, "\x05HELLO", 6);
    hello[6] = 1; hello[7] = 0;
    memcpy(hello + 80, cn_p, 32);
    put64(hello + 112, 1);
    nonce16(n, "CurveZMQHELLO---", 1);
    seal(hello + 120, zeros, 64, n, S, cn_s);
    print("vecHello", hello, sizeof hello);

    /* WELCOME: name, long nonce, Box[S' + cookie](S->C'); cookie = long nonce, Box[C' + s'](K). */
    uint8_t cookie[96], cookie_plain[64], welcome[168], welcome_plain[128];
    memcpy(cookie_plain, cn_p, 32); memcpy(cookie_plain + 32, sn_s, 32);
    memcpy(cookie, cookie_r, 16);
    nonce8(n, "COOKIE--", cookie_r);
    sealsecret(cookie + 16, cookie_plain, 64, n, cookie_key);
    memcpy(welcome_plain, sn_p, 32); memcpy(welcome_plain + 32, cookie, 96);
    memcpy(welcome, "\x07WELCOME", 8);
    memcpy(welcome + 8, welcome_r, 16);
    nonce8(n, "WELCOME-", welcome_r);
    seal(welcome + 24, welcome_plain, 128, n, cn_p, s);
    print("vecCookie", cookie, sizeof cookie);
    print("vecWelcome", welcome, sizeof welcome);

    /* INITIATE: name, cookie, short nonce 2, Box[C + vouch + metadata](C'->S');
     * vouch = long nonce, Box[C' + S](C->S'). */
    size_t mdlen = sizeof client_md - 1;
    uint8_t vouch_plain[64], initiate_plain[128 + 64], initiate[113 + 144 + 64];
    memcpy(vouch_plain, cn_p, 32); memcpy(vouch_plain + 32, S, 32);
    memcpy(initiate_plain, C, 32);
    memcpy(initiate_plain + 32, vouch_r, 16);
    nonce8(n, "VOUCH---", vouch_r);
    seal(initiate_plain + 48, vouch_plain, 64, n, sn_p, c);
    memcpy(initiate_plain + 128, client_md, mdlen);
    memcpy(initiate, "\x08INITIATE", 9);
    memcpy(initiate + 9, cookie, 96);
    put64(initiate + 105, 2);
    nonce16(n, "CurveZMQINITIATE", 2);
    seal(initiate + 113, initiate_plain, 128 + mdlen, n, sn_p, cn_s);
    print("vecInitiate", initiate, 113 + 144 + mdlen);

    /* READY: name, short nonce 1, Box[metadata](S'->C'). */
    size_t smdlen = sizeof server_md - 1;
    uint8_t ready[14 + 16 + 64];
    memcpy(ready, "\x05READY", 6);
    put64(ready + 6, 1);
    nonce16(n, "CurveZMQREADY---", 1);
    seal(ready + 14, server_md, smdlen, n, cn_p, sn_s);
    print("vecReady", ready, 14 + 16 + smdlen);

    /* MESSAGE: name, short nonce, Box[flags + data]. The client's nonces go on from
     * INITIATE's (3, 4), the server's from READY's (2). Flags: 1 MORE, 2 COMMAND. */
    struct { const char *name, *prefix; uint64_t nonce; uint8_t flags; const char *data; size_t len; int from_client; } msgs[] = {
        {"vecMessageClient3", "CurveZMQMESSAGEC", 3, 1, "Hello", 5, 1},
        {"vecMessageClient4", "CurveZMQMESSAGEC", 4, 0, "", 0, 1},
        {"vecMessageServer2", "CurveZMQMESSAGES", 2, 2, "\x04PING\x00\x0a" "ctx", 10, 0},
    };
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        uint8_t plain[64], msg[16 + 16 + 64];
        plain[0] = msgs[i].flags;
        memcpy(plain + 1, msgs[i].data, msgs[i].len);
        memcpy(msg, "\x07MESSAGE", 8);
        put64(msg + 8, msgs[i].nonce);
        nonce16(n, msgs[i].prefix, msgs[i].nonce);
        if (msgs[i].from_client) seal(msg + 16, plain, 1 + msgs[i].len, n, sn_p, cn_s);
        else seal(msg + 16, plain, 1 + msgs[i].len, n, cn_p, sn_s);
        print(msgs[i].name, msg, 16 + 16 + 1 + msgs[i].len);
    }
    printf(")\n");
    return 0;
}
