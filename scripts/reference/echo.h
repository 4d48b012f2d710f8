/* What both reference servers share: the listening socket and the echo session, written as a C programmer
 * would for a fork-per-connection tutorial, so that ForkServer's figures have a fair yardstick. */
#ifndef ECHO_H
#define ECHO_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PREFIX "you send:"
#define MAX_MESSAGE (64 * 1024)

/* socket, SO_REUSEADDR, bind to 127.0.0.1:port, listen; prints the line bench.sh and the tests wait for. */
static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof addr;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
        || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 1024) < 0
        || getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
        perror("listen_on");
        exit(2);
    }
    printf("listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t sent = send(fd, p, n, MSG_NOSIGNAL);
        if (sent < 0) {
            return -1;
        }
        p += sent;
        n -= (size_t)sent;
    }
    return 0;
}

/* Every recv comes back behind PREFIX; a message that is q or Q (with or without a line ending) ends it. */
static void serve_client(int fd)
{
    static char reply[sizeof PREFIX - 1 + MAX_MESSAGE];
    char *data = reply + sizeof PREFIX - 1;
    memcpy(reply, PREFIX, sizeof PREFIX - 1);
    for (;;) {
        ssize_t n = recv(fd, data, MAX_MESSAGE, 0);
        if (n <= 0) {
            return;
        }
        ssize_t len = n;
        while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r')) {
            len--;
        }
        if (len == 1 && (data[0] == 'q' || data[0] == 'Q')) {
            return;
        }
        if (send_all(fd, reply, sizeof PREFIX - 1 + (size_t)n) < 0) {
            return;
        }
    }
}

#endif
