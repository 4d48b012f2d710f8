/* The reference fork-per-connection echo server: accept, fork, the child serves and _exits; the parent reaps on
 * SIGCHLD with waitpid(-1, WNOHANG), as ForkServer's default --reap signal does.
 * Usage: fork_echo PORT [MAPPINGS PAGES]
 * With MAPPINGS and PAGES the parent first makes itself as big as a managed runtime: MAPPINGS extra mappings
 * holding PAGES written pages in all. fork(2) copies every mapping and the page-table entries of every written
 * page, and the child's exit tears them down again, so this shows what that size alone costs per connection
 * (scripts/fork-size.sh). */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "echo.h"

static void reap(int sig)
{
    (void)sig;
    int saved = errno;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    errno = saved;
}

/* Neighbouring mappings alternate PROT_EXEC: the kernel merges adjacent anonymous mappings with the same flags
 * into one, and the point is to have MAPPINGS of them. */
static void grow(int mappings, int pages)
{
    long page = sysconf(_SC_PAGESIZE);
    for (int i = 0; i < mappings; i++) {
        int written = pages / mappings + (i < pages % mappings);
        int prot = PROT_READ | PROT_WRITE | (i % 2 ? PROT_EXEC : 0);
        char *start = mmap(NULL, (written + 1) * page, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (start == MAP_FAILED) {
            perror("grow: mmap");
            exit(2);
        }
        for (int k = 0; k < written; k++) {
            start[k * page] = 1;
        }
    }
}

int main(int argc, char **argv)
{
    int listener = listen_on(argc > 1 ? atoi(argv[1]) : 0);
    if (argc > 3) {
        grow(atoi(argv[2]), atoi(argv[3]));
    }
    struct sigaction sa = { .sa_handler = reap, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
    sigaction(SIGCHLD, &sa, NULL);
    for (;;) {
        int client = accept(listener, NULL, NULL);
        if (client < 0) {
            continue;
        }
        pid_t pid = fork();
        if (pid == 0) {
            close(listener);
            serve_client(client);
            close(client);
            _exit(0);
        }
        close(client);
    }
}
