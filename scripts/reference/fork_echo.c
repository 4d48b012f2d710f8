/* The reference fork-per-connection echo server: accept, fork, the child serves and _exits; the parent reaps on
 * SIGCHLD with waitpid(-1, WNOHANG), as ForkServer's default --reap signal does. Usage: fork_echo PORT */
#include <signal.h>
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

int main(int argc, char **argv)
{
    int listener = listen_on(argc > 1 ? atoi(argv[1]) : 0);
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
