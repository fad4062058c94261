// The smoke benchmark's two C programs, so neither side of the comparison is the bottleneck:
//
//   BenchHTTP serve            an HTTP/1.1 keep-alive server on a free loopback port (printed
//                              on the first line), one epoll thread, answering every request
//                              with 200 and {"ok":true}; it exits when its standard input ends.
//   BenchHTTP loop URL N C     the baseline: C threads, each one libcurl easy handle fetching
//                              URL over its kept-alive connection, N fetches in all; prints
//                              the seconds taken.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char response[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";

struct connection {
    int fd;
    size_t used;
    char buffer[16384];
};

static void *watch_input(void *unused) {
    (void)unused;
    char byte;
    while (read(STDIN_FILENO, &byte, 1) > 0) {}
    exit(0);
}

/// Answers every complete request in the buffer (pipelined ones too); false when the peer is gone.
static int serve_connection(struct connection *connection) {
    for (;;) {
        ssize_t got = read(connection->fd, connection->buffer + connection->used,
                           sizeof(connection->buffer) - connection->used);
        if (got == 0) return 0;
        if (got < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
        connection->used += (size_t)got;
        char *start = connection->buffer;
        char *end = connection->buffer + connection->used;
        for (;;) {
            char *head_end = memmem(start, (size_t)(end - start), "\r\n\r\n", 4);
            if (!head_end) break;
            size_t body = 0;
            char *length = memmem(start, (size_t)(head_end - start), "Content-Length:", 15);
            if (length) body = (size_t)strtoul(length + 15, NULL, 10);
            char *next = head_end + 4 + body;
            if (next > end) break;
            if (write(connection->fd, response, sizeof(response) - 1) < 0) return 0;
            start = next;
        }
        connection->used = (size_t)(end - start);
        memmove(connection->buffer, start, connection->used);
        if (connection->used == sizeof(connection->buffer)) return 0;
    }
}

static int serve(void) {
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int yes = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(listener, (struct sockaddr *)&address, sizeof(address)) < 0 || listen(listener, 128) < 0) {
        perror("bind");
        return 1;
    }
    socklen_t size = sizeof(address);
    getsockname(listener, (struct sockaddr *)&address, &size);
    printf("%d\n", ntohs(address.sin_port));
    fflush(stdout);
    pthread_t watcher;
    pthread_create(&watcher, NULL, watch_input, NULL);
    int poll = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(poll, EPOLL_CTL_ADD, listener, &event);
    struct epoll_event events[64];
    for (;;) {
        int count = epoll_wait(poll, events, 64, -1);
        for (int index = 0; index < count; index++) {
            struct connection *connection = events[index].data.ptr;
            if (!connection) {
                int fd;
                while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
                    struct connection *created = calloc(1, sizeof(*created));
                    created->fd = fd;
                    struct epoll_event added = {.events = EPOLLIN, .data.ptr = created};
                    epoll_ctl(poll, EPOLL_CTL_ADD, fd, &added);
                }
            } else if (!serve_connection(connection)) {
                epoll_ctl(poll, EPOLL_CTL_DEL, connection->fd, NULL);
                close(connection->fd);
                free(connection);
            }
        }
    }
}

struct loop_job {
    const char *url;
    long count;
    int failed;
};

static size_t discard(char *data, size_t size, size_t count, void *unused) {
    (void)data;
    (void)unused;
    return size * count;
}

static void *fetch(void *argument) {
    struct loop_job *job = argument;
    CURL *handle = curl_easy_init();
    curl_easy_setopt(handle, CURLOPT_URL, job->url);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard);
    for (long index = 0; index < job->count; index++) {
        long status = 0;
        if (curl_easy_perform(handle) != CURLE_OK) job->failed = 1;
        curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200) job->failed = 1;
    }
    curl_easy_cleanup(handle);
    return NULL;
}

static int loop(const char *url, long count, int connections) {
    curl_global_init(CURL_GLOBAL_ALL);
    pthread_t threads[64];
    struct loop_job jobs[64];
    if (connections < 1 || connections > 64) return 2;
    struct timespec started, ended;
    clock_gettime(CLOCK_MONOTONIC, &started);
    for (int index = 0; index < connections; index++) {
        jobs[index] = (struct loop_job){.url = url, .count = count / connections + (index < count % connections)};
        pthread_create(&threads[index], NULL, fetch, &jobs[index]);
    }
    int failed = 0;
    for (int index = 0; index < connections; index++) {
        pthread_join(threads[index], NULL);
        failed |= jobs[index].failed;
    }
    clock_gettime(CLOCK_MONOTONIC, &ended);
    printf("%.6f\n", (double)(ended.tv_sec - started.tv_sec) + (double)(ended.tv_nsec - started.tv_nsec) / 1e9);
    return failed;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "serve") == 0) return serve();
    if (argc == 5 && strcmp(argv[1], "loop") == 0) return loop(argv[2], atol(argv[3]), atoi(argv[4]));
    fprintf(stderr, "usage: BenchHTTP serve | BenchHTTP loop URL COUNT CONNECTIONS\n");
    return 2;
}
