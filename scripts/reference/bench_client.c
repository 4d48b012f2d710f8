/* A load client that is not the bottleneck: one thread, non-blocking sockets and epoll, nothing allocated per
 * connection, so that what it measures is the server (scripts/bench.sh loads every server with it).
 * Usage: bench_client [-H HOLD] [-t TIMEOUT] HOST PORT CONNECTIONS CONCURRENCY [PREFIX] [SIZE]
 * Closed loop: CONCURRENCY connections are in flight until CONNECTIONS are done. Each one connects, sends SIZE
 * letters (default 16; the same letters forkclient bench sends), reads exactly len(PREFIX) + SIZE bytes, checks
 * they are PREFIX (default "you send:"; may be empty, e.g. for socat PIPE) followed by the letters, and closes;
 * with -H it stays open HOLD seconds after the check first (to measure a server with many clients connected).
 * A connection that takes longer than TIMEOUT seconds (default 30) from connect to checked reply is an error.
 * Prints one JSON line in the shape of `forkclient bench --json`: connections, concurrency, ok, errors, seconds,
 * connections_per_second (ok per second of the whole run), p50/p90/p99/max_ms (of connections that succeeded,
 * from socket() to the last reply byte checked; nearest rank), error_kinds. Errors are counted, not fatal.
 * Exit status 0 if no connection failed, 1 if any did, 2 for bad arguments or a failure of the client itself. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum state { IDLE, CONNECTING, SENDING, RECEIVING, HOLDING };

/* One connection in flight. gen tells an event for this slot's current socket from one left in the same
 * epoll_wait batch by the socket the slot had before (closed and replaced while the batch was handled). */
struct slot {
    int fd;
    enum state state;
    uint32_t gen;
    size_t done; /* bytes sent (SENDING) or received and checked (RECEIVING) */
    int64_t start, deadline; /* ns, CLOCK_MONOTONIC */
};

#define MAX_KINDS 32
static struct { char text[80]; long count; } kinds[MAX_KINDS];
static int nkinds;

static struct addrinfo *server;
static char request[65536], expected[sizeof "you send:" + 65536 + 4096], scratch[sizeof expected];
static size_t request_len, expected_len;
static struct slot *slots;
static int64_t *latencies, hold_ns, timeout_ns;
static long connections, started, finished, ok, errors;
static int epfd;

static int64_t now_ns(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail with a valid pointer; checked all the same, a broken clock voids the run. */
    if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) {
        perror("clock_gettime");
        exit(2);
    }
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void count_error(const char *text)
{
    errors++;
    /* The table is small and fixed; kinds beyond it are lumped together as "other" rather than allocated. */
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < nkinds; i++) {
            if (strcmp(kinds[i].text, text) == 0) {
                kinds[i].count++;
                return;
            }
        }
        if (nkinds < MAX_KINDS - 1 || pass == 1) {
            break;
        }
        text = "other";
    }
    snprintf(kinds[nkinds].text, sizeof kinds[nkinds].text, "%s", text);
    kinds[nkinds++].count = 1;
}

/* Ends the slot's connection: close(2) also takes the socket out of the epoll set. */
static void finish(struct slot *s, const char *error)
{
    if (error != NULL) {
        count_error(error);
    }
    if (close(s->fd) < 0 && error == NULL) {
        count_error("close: failed");
    }
    s->fd = -1;
    s->state = IDLE;
    s->gen++;
    finished++;
}

static void fail_errno(struct slot *s, const char *step, int err)
{
    char text[80];
    const char *name = strerrorname_np(err);
    snprintf(text, sizeof text, "%s: %s", step, name != NULL ? name : "unknown errno");
    finish(s, text);
}

static void succeed(struct slot *s)
{
    int64_t t = now_ns();
    latencies[ok++] = t - s->start > 0 ? t - s->start : 1;
    if (hold_ns > 0) {
        s->state = HOLDING;
        s->deadline = t + hold_ns;
        return;
    }
    finish(s, NULL);
}

/* Does what the slot's socket lets it do now without blocking; returns when it would block or the connection ended.
 * The socket is registered edge-triggered for both directions once, so no epoll_ctl is needed between steps; an
 * edge can arrive that the current step has no use for, and is then ignored (the next step's edge will come). */
static void advance(struct slot *s, uint32_t events)
{
    if (s->state == CONNECTING) {
        /* A failed connect raises EPOLLERR; only then is SO_ERROR worth a system call to learn why. */
        if (events & (EPOLLERR | EPOLLHUP)) {
            int err = 0;
            socklen_t len = sizeof err;
            if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
                err = errno;
            }
            fail_errno(s, "connect", err != 0 ? err : ECONNABORTED);
            return;
        }
        if (!(events & EPOLLOUT)) {
            return;
        }
        s->state = SENDING;
        s->done = 0;
    }
    if (s->state == SENDING) {
        while (s->done < request_len) {
            /* MSG_NOSIGNAL: a server that closed early makes this an EPIPE to count, not a SIGPIPE that kills us. */
            ssize_t n = send(s->fd, request + s->done, request_len - s->done, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                if (errno != EAGAIN) {
                    fail_errno(s, "send", errno);
                }
                return;
            }
            s->done += (size_t)n;
        }
        /* No recv yet: the reply cannot be here before the server has seen the request, and its arrival raises an
         * EPOLLIN edge on the registered socket whenever it comes. */
        s->state = RECEIVING;
        s->done = 0;
        return;
    }
    if (s->state == RECEIVING) {
        while (s->done < expected_len) {
            /* Never ask for more than is still expected: anything the server sent beyond it is not ours to judge. */
            ssize_t n = recv(s->fd, scratch, expected_len - s->done, 0);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                if (errno != EAGAIN) {
                    fail_errno(s, "receive", errno);
                }
                return;
            }
            if (n == 0) {
                char text[80];
                snprintf(text, sizeof text, "server closed after %zu of %zu reply bytes", s->done, expected_len);
                finish(s, text);
                return;
            }
            if (memcmp(scratch, expected + s->done, (size_t)n) != 0) {
                finish(s, "reply differs from the expected bytes");
                return;
            }
            s->done += (size_t)n;
        }
        succeed(s);
    }
}

/* Puts the next connection in the slot; one that fails at once is counted and the next is tried. */
static void start_next(struct slot *s, uint32_t index)
{
    while (started < connections) {
        started++;
        s->start = now_ns();
        s->deadline = s->start + timeout_ns;
        s->fd = socket(server->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s->fd < 0) {
            count_error(errno == EMFILE ? "socket: EMFILE" : "socket: failed");
            finished++;
            continue;
        }
        /* No TCP_NODELAY: the request is the first write on the connection, which Nagle never holds back. */
        int rc = connect(s->fd, server->ai_addr, server->ai_addrlen);
        if (rc < 0 && errno != EINPROGRESS) {
            fail_errno(s, "connect", errno);
            continue;
        }
        s->state = rc == 0 ? SENDING : CONNECTING;
        s->done = 0;
        struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET,
                                  .data.u64 = (uint64_t)s->gen << 32 | index };
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0) {
            fail_errno(s, "epoll_ctl", errno);
            continue;
        }
        if (s->state == SENDING) {
            advance(s, EPOLLOUT);
        }
        if (s->state != IDLE) {
            return;
        }
    }
}

static int by_value(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A number as .NET's JSON writer prints Math.Round(value, digits): no trailing zeros, no trailing point. */
static void print_number(const char *key, double value, int digits)
{
    char text[64];
    snprintf(text, sizeof text, "%.*f", digits, value);
    if (strchr(text, '.') != NULL) {
        size_t n = strlen(text);
        while (text[n - 1] == '0') {
            text[--n] = '\0';
        }
        if (text[n - 1] == '.') {
            text[n - 1] = '\0';
        }
    }
    printf(",\"%s\":%s", key, text);
}

static void print_string(const char *text)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            printf("\\%c", *p);
        } else if (*p < 0x20) {
            printf("\\u%04x", *p);
        } else {
            putchar(*p);
        }
    }
    putchar('"');
}

static long number(const char *text, const char *what, long least, long most)
{
    char *end;
    errno = 0;
    long n = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || n < least || n > most) {
        fprintf(stderr, "bench_client: %s must be a whole number from %ld to %ld, not '%s'\n", what, least, most, text);
        exit(2);
    }
    return n;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_client [-H HOLD] [-t TIMEOUT] HOST PORT CONNECTIONS CONCURRENCY [PREFIX] [SIZE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    double hold = 0, timeout = 30;
    int opt;
    /* '+': options only before HOST, so that a PREFIX starting with '-' stays a PREFIX. */
    while ((opt = getopt(argc, argv, "+H:t:")) != -1) {
        char *end;
        double *into = opt == 'H' ? &hold : opt == 't' ? &timeout : NULL;
        if (into == NULL) {
            usage();
        }
        *into = strtod(optarg, &end);
        if (end == optarg || *end != '\0' || !(*into >= 0 && *into < 1e6)) {
            fprintf(stderr, "bench_client: -%c takes seconds, not '%s'\n", opt, optarg);
            exit(2);
        }
    }
    argc -= optind;
    argv += optind;
    if (argc < 4 || argc > 6) {
        usage();
    }
    hold_ns = (int64_t)(hold * 1e9);
    timeout_ns = (int64_t)(timeout * 1e9);
    const char *host = argv[0], *port = argv[1];
    connections = number(argv[2], "CONNECTIONS", 1, 1000000000);
    long concurrency = number(argv[3], "CONCURRENCY", 1, 1000000);
    const char *prefix = argc > 4 ? argv[4] : "you send:";
    request_len = argc > 5 ? (size_t)number(argv[5], "SIZE", 1, sizeof request) : 16;
    size_t prefix_len = strlen(prefix);
    if (prefix_len > sizeof expected - request_len) {
        fprintf(stderr, "bench_client: PREFIX is longer than %zu bytes\n", sizeof expected - request_len);
        exit(2);
    }
    for (size_t i = 0; i < request_len; i++) {
        request[i] = (char)('a' + i % 26);
    }
    memcpy(expected, prefix, prefix_len);
    memcpy(expected + prefix_len, request, request_len);
    expected_len = prefix_len + request_len;

    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    int gai = getaddrinfo(host, port, &hints, &server);
    if (gai != 0) {
        fprintf(stderr, "bench_client: %s port %s: %s\n", host, port, gai_strerror(gai));
        return 2;
    }

    long in_flight = concurrency < connections ? concurrency : connections;
    /* Each connection in flight is a descriptor; raise the soft limit towards the hard one if they would not fit. */
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) < 0) {
        perror("bench_client: getrlimit");
        return 2;
    }
    if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < (rlim_t)in_flight + 16) {
        lim.rlim_cur = lim.rlim_max == RLIM_INFINITY || lim.rlim_max > (rlim_t)in_flight + 16 ? (rlim_t)in_flight + 16 : lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &lim) < 0) {
            perror("bench_client: setrlimit");
            return 2;
        }
    }

    /* Everything the run needs, allocated once before the clock starts. */
    slots = calloc((size_t)in_flight, sizeof *slots);
    latencies = calloc((size_t)connections, sizeof *latencies);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (slots == NULL || latencies == NULL || epfd < 0) {
        perror("bench_client: setup");
        return 2;
    }
    static struct epoll_event events[1024];

    int64_t begin = now_ns(), last_scan = begin;
    for (long i = 0; i < in_flight; i++) {
        slots[i].fd = -1;
        start_next(&slots[i], (uint32_t)i);
    }
    while (finished < connections) {
        /* The wait is bounded so that deadlines (timeouts and holds) are looked at at least every 100 ms. */
        int n = epoll_wait(epfd, events, sizeof events / sizeof events[0], 100);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("bench_client: epoll_wait");
            return 2;
        }
        for (int i = 0; i < n; i++) {
            uint32_t index = (uint32_t)events[i].data.u64;
            struct slot *s = &slots[index];
            if ((uint32_t)(events[i].data.u64 >> 32) != s->gen || s->state == IDLE || s->state == HOLDING) {
                continue;
            }
            advance(s, events[i].events);
            if (s->state == IDLE) {
                start_next(s, index);
            }
        }
        int64_t t = now_ns();
        if (t - last_scan >= 100000000) {
            last_scan = t;
            for (long i = 0; i < in_flight; i++) {
                struct slot *s = &slots[i];
                if (s->state == IDLE || t < s->deadline) {
                    continue;
                }
                if (s->state == HOLDING) {
                    finish(s, NULL);
                } else {
                    static const char *const steps[] = { "", "connect", "send", "receive" };
                    char text[80];
                    snprintf(text, sizeof text, "%s: timed out after %g s", steps[s->state], timeout);
                    finish(s, text);
                }
                start_next(s, (uint32_t)i);
            }
        }
    }
    double seconds = (double)(now_ns() - begin) / 1e9;

    printf("{\"server\":");
    char where[300];
    snprintf(where, sizeof where, "%s:%s", host, port);
    print_string(where);
    char exchange[sizeof expected + 64];
    snprintf(exchange, sizeof exchange, "echo, 1 round of %zu bytes, prefix '%s'", request_len, prefix);
    printf(",\"exchange\":");
    print_string(exchange);
    printf(",\"connections\":%ld,\"concurrency\":%ld,\"ok\":%ld,\"errors\":%ld", connections, concurrency, ok, errors);
    print_number("seconds", seconds, 3);
    print_number("connections_per_second", (double)ok / (seconds > 1e-9 ? seconds : 1e-9), 1);
    if (ok > 0) {
        qsort(latencies, (size_t)ok, sizeof *latencies, by_value);
        static const int percentiles[] = { 50, 90, 99 };
        for (int i = 0; i < 3; i++) {
            /* Nearest rank, as BenchReport does: the ceil(p/100 * n)-th smallest value. */
            long rank = (percentiles[i] * ok + 99) / 100;
            char key[16];
            snprintf(key, sizeof key, "p%d_ms", percentiles[i]);
            print_number(key, (double)latencies[(rank > 0 ? rank : 1) - 1] / 1e6, 3);
        }
        print_number("max_ms", (double)latencies[ok - 1] / 1e6, 3);
    }
    printf(",\"error_kinds\":{");
    for (int i = 0; i < nkinds; i++) {
        if (i > 0) {
            putchar(',');
        }
        print_string(kinds[i].text);
        printf(":%ld", kinds[i].count);
    }
    printf("}}\n");
    if (fflush(stdout) == EOF) {
        perror("bench_client: stdout");
        return 2;
    }
    return errors == 0 ? 0 : 1;
}
