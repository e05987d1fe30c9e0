/*
 * delayline: a fixed-delay link between two TUN devices, for kernels without sch_netem.
 *
 *   delayline DEV_A DEV_B DELAY_MS [QUEUE_PACKETS]
 *
 * Creates the TUN devices DEV_A and DEV_B (IFF_TUN | IFF_NO_PI: whole IP packets, no extra header)
 * and forwards every packet read from one to the other DELAY_MS milliseconds later, in both
 * directions. Each direction is a FIFO of at most QUEUE_PACKETS packets (default 4096); a packet
 * that finds its queue full is dropped, as a full router queue would. The delay is the same for
 * every packet, so a FIFO keeps the release times in order and only its head needs a timer.
 *
 * Prints "ready" on stdout once both devices exist (the caller then moves one into another network
 * namespace; the file descriptor stays attached). Exits on SIGTERM, SIGINT or EOF on stdin, so the
 * devices, which live only as long as this process holds them open, vanish with their caller.
 * On exit prints one line of counters on stderr. Needs CAP_NET_ADMIN and /dev/net/tun.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_PACKET 2048 /* more than the devices' MTU (1500 by default) */

struct slot { int64_t release_ns; uint16_t len; unsigned char data[MAX_PACKET]; };

/* One direction: packets read from 'from', written to 'to' once their release time has come. */
struct queue { int from, to; struct slot *slots; size_t cap, head, count; unsigned long long in, out, dropped; };

static volatile sig_atomic_t stopping;

static void on_signal(int sig) { (void) sig; stopping = 1; }

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int open_tun(const char *name) {
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) { perror("delayline: /dev/net/tun"); exit(1); }
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (strlen(name) >= IFNAMSIZ) { fprintf(stderr, "delayline: device name too long: %s\n", name); exit(2); }
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("delayline: TUNSETIFF"); exit(1); }
    return fd;
}

/* Reads every packet waiting on q->from; each is stamped with its release time, or dropped if the queue is full. */
static void take_in(struct queue *q, int64_t delay_ns) {
    unsigned char scratch[MAX_PACKET];
    for (;;) {
        struct slot *s = q->count < q->cap ? &q->slots[(q->head + q->count) % q->cap] : NULL;
        ssize_t n = read(q->from, s ? s->data : scratch, MAX_PACKET);
        if (n < 0) {
            if (errno == EINTR) continue;
            return; /* EAGAIN: nothing more for now */
        }
        q->in++;
        if (s == NULL || n == 0) { q->dropped++; continue; }
        s->len = (uint16_t) n;
        s->release_ns = now_ns() + delay_ns;
        q->count++;
    }
}

/* Writes every packet whose release time has come to q->to; returns the next release time, or -1 when empty. */
static int64_t release_due(struct queue *q, int64_t now) {
    while (q->count > 0) {
        struct slot *s = &q->slots[q->head];
        if (s->release_ns > now) return s->release_ns;
        if (write(q->to, s->data, s->len) == (ssize_t) s->len) q->out++; else q->dropped++;
        q->head = (q->head + 1) % q->cap;
        q->count--;
    }
    return -1;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: delayline DEV_A DEV_B DELAY_MS [QUEUE_PACKETS]\n");
        return 2;
    }
    int64_t delay_ns = (int64_t) atol(argv[3]) * 1000000;
    size_t cap = argc == 5 ? (size_t) atol(argv[4]) : 4096;
    if (delay_ns < 0 || cap == 0) { fprintf(stderr, "delayline: bad delay or queue size\n"); return 2; }

    /* SIGTERM and SIGINT are blocked except inside ppoll, so a stop request is never missed between checks. */
    sigset_t blocked, during_poll;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    sigprocmask(SIG_BLOCK, &blocked, &during_poll);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int a = open_tun(argv[1]);
    int b = open_tun(argv[2]);
    struct queue q[2] = {{.from = a, .to = b, .cap = cap}, {.from = b, .to = a, .cap = cap}};
    for (int i = 0; i < 2; i++) {
        q[i].slots = malloc(cap * sizeof(struct slot));
        if (q[i].slots == NULL) { fprintf(stderr, "delayline: out of memory\n"); return 1; }
    }
    printf("ready\n");
    fflush(stdout);

    struct pollfd fds[3] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
    while (!stopping) {
        int64_t now = now_ns();
        int64_t next = -1;
        for (int i = 0; i < 2; i++) {
            int64_t t = release_due(&q[i], now);
            if (t >= 0 && (next < 0 || t < next)) next = t;
        }
        struct timespec timeout, *tp = NULL; /* no timer while both queues are empty */
        if (next >= 0) {
            int64_t wait = next - now;
            timeout.tv_sec = wait / 1000000000;
            timeout.tv_nsec = wait % 1000000000;
            tp = &timeout;
        }
        if (ppoll(fds, 3, tp, &during_poll) < 0) {
            if (errno == EINTR) continue;
            perror("delayline: ppoll");
            return 1;
        }
        if (fds[2].revents) { /* the caller's end of stdin: input is ignored, EOF or an error ends the run */
            char buf[256];
            ssize_t n = read(0, buf, sizeof buf);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
        }
        if (fds[0].revents & POLLIN) take_in(&q[0], delay_ns);
        if (fds[1].revents & POLLIN) take_in(&q[1], delay_ns);
        if ((fds[0].revents | fds[1].revents) & (POLLERR | POLLNVAL)) { fprintf(stderr, "delayline: device failed\n"); return 1; }
    }
    fprintf(stderr, "delayline %s>%s: %llu in, %llu out, %llu dropped; %s>%s: %llu in, %llu out, %llu dropped\n",
            argv[1], argv[2], q[0].in, q[0].out, q[0].dropped, argv[2], argv[1], q[1].in, q[1].out, q[1].dropped);
    close(a);
    close(b);
    return 0;
}
