/* The reference prefork echo server: N workers forked at start block in accept on the shared socket and serve one
 * client after another; the parent replaces any that dies. Usage: prefork_echo PORT WORKERS */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "echo.h"

static pid_t start_worker(int listener)
{
    pid_t pid = fork();
    if (pid == 0) {
        /* A worker never outlives the parent that would replace it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        for (;;) {
            int client = accept(listener, NULL, NULL);
            if (client >= 0) {
                serve_client(client);
                close(client);
            }
        }
    }
    return pid;
}

int main(int argc, char **argv)
{
    int listener = listen_on(argc > 1 ? atoi(argv[1]) : 0);
    int workers = argc > 2 ? atoi(argv[2]) : 4;
    for (int i = 0; i < workers; i++) {
        start_worker(listener);
    }
    for (;;) {
        if (wait(NULL) > 0) {
            start_worker(listener);
        }
    }
}
