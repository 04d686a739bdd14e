/* hooks.c - commands run on events, off the capture's thread (hooks.h).
 *
 * One runner thread owns the children.  It sleeps in poll() on a wake-up
 * pipe (written by hooks_submit) and on the standard inputs it still
 * feeds, with a timeout of TICK_MS to reap children and enforce the time
 * limit.  The capture's thread only takes the mutex for a queue push.
 *
 * A child is forked by the runner thread: between fork() and exec() it
 * makes only async-signal-safe calls (the other threads' locks may be
 * held in the copy).  It leads a process group of its own, so that the
 * time limit kills what the shell started too, and a Ctrl-C at the
 * terminal reaches sipscope, not the hooks (sipscope decides). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sipscope/hooks.h"

#define TICK_MS 50 /* reaping and the time limit are looked at this often */

void hooks_rate_init(struct hooks_rate *r, uint32_t rate, int64_t now_us)
{
	r->rate = rate;
	r->tokens = (int64_t)rate * 1000000;
	r->last_us = now_us;
}

int hooks_rate_take(struct hooks_rate *r, int64_t now_us)
{
	int64_t cap = (int64_t)r->rate * 1000000;
	if (now_us > r->last_us) {
		int64_t dt = now_us - r->last_us;
		/* dt * rate in millionths of a token: a second of microseconds
		 * brings `rate` tokens.  Past a full bucket nothing more counts
		 * (and the product cannot overflow). */
		if (dt >= 1000000)
			r->tokens = cap;
		else
			r->tokens += dt * (int64_t)r->rate;
		if (r->tokens > cap)
			r->tokens = cap;
		r->last_us = now_us;
	}
	if (r->tokens < 1000000)
		return 0;
	r->tokens -= 1000000;
	return 1;
}

int hooks_queue_push(struct hooks_queue *q, const struct hooks_job *j)
{
	if (q->count == HOOKS_QUEUE_MAX)
		return -1;
	q->jobs[(q->head + q->count) % HOOKS_QUEUE_MAX] = *j;
	q->count++;
	return 0;
}

int hooks_queue_pop(struct hooks_queue *q, struct hooks_job *j)
{
	if (!q->count)
		return -1;
	*j = q->jobs[q->head];
	q->head = (q->head + 1) % HOOKS_QUEUE_MAX;
	q->count--;
	return 0;
}

/* A child while it runs. */
struct child {
	pid_t pid;       /* 0: the slot is free */
	int fd;          /* its standard input while there is more to write, or -1 */
	char *input;     /* owned */
	size_t len, off;
	int64_t deadline_us;
	int killed;      /* we sent SIGKILL (time limit): counted as timed out */
};

struct hooks {
	struct hooks_opts o;
	pthread_t thread;
	pthread_mutex_t mu; /* guards queue, rate, st, closing */
	struct hooks_queue queue;
	struct hooks_rate rate;
	struct hooks_stats st;
	int closing;
	int64_t close_deadline_us;
	int wake[2]; /* the runner's wake-up pipe */
	struct child kids[HOOKS_MAX_RUNNING]; /* the runner's own */
	int maxfd;   /* descriptors a child closes, from 3 up to this */
};

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* In the child, after fork(): async-signal-safe calls only. */
static void child_exec(struct hooks *h, int in_fd, const char *cmd)
{
	setpgid(0, 0);
	if (dup2(in_fd, STDIN_FILENO) < 0)
		_exit(126);
	/* The command's output goes where sipscope's diagnostics go:
	 * standard output carries the call lines. */
	dup2(STDERR_FILENO, STDOUT_FILENO);
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
#endif
		for (int fd = 3; fd <= h->maxfd; fd++)
			close(fd);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/* Start a job in a free slot.  Takes the job's input. */
static void start(struct hooks *h, struct child *k, struct hooks_job *j)
{
	int p[2];
	pid_t pid = -1;
	if (pipe2(p, O_CLOEXEC) == 0) {
		pid = fork();
		if (pid == 0)
			child_exec(h, p[0], j->cmd);
		close(p[0]);
		if (pid < 0)
			close(p[1]);
	}
	pthread_mutex_lock(&h->mu);
	if (pid < 0)
		h->st.spawn_failed++;
	else
		h->st.started++;
	pthread_mutex_unlock(&h->mu);
	if (pid < 0) {
		free(j->input);
		return;
	}
	fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) | O_NONBLOCK);
	*k = (struct child){ .pid = pid, .fd = p[1], .input = j->input, .len = j->len,
	                     .deadline_us = mono_us() + (int64_t)h->o.timeout_s * 1000000 };
	if (!k->len) {
		close(k->fd);
		k->fd = -1;
	}
}

/* Write what the pipe takes; at the end (or when the child stopped
 * reading: EPIPE) its standard input is closed. */
static void feed(struct child *k)
{
	while (k->fd >= 0 && k->off < k->len) {
		ssize_t n = write(k->fd, k->input + k->off, k->len - k->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		k->off += (size_t)n;
	}
	if (k->fd >= 0) {
		close(k->fd);
		k->fd = -1;
	}
}

/* Reap the children that ended; kill those past their deadline (or all
 * when kill_all). */
static void reap(struct hooks *h, int kill_all)
{
	int64_t now = mono_us();
	for (int i = 0; i < HOOKS_MAX_RUNNING; i++) {
		struct child *k = &h->kids[i];
		if (!k->pid)
			continue;
		if (!k->killed && (kill_all || now >= k->deadline_us)) {
			kill(-k->pid, SIGKILL);
			kill(k->pid, SIGKILL); /* before its setpgid() ran */
			k->killed = 1;
		}
		int status;
		pid_t r = waitpid(k->pid, &status, WNOHANG);
		if (r == 0 || (r < 0 && errno == EINTR))
			continue;
		pthread_mutex_lock(&h->mu);
		if (k->killed)
			h->st.timed_out++;
		else if (r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			h->st.ok++;
		else
			h->st.failed++;
		pthread_mutex_unlock(&h->mu);
		if (k->killed)
			kill(-k->pid, SIGKILL); /* what the group left behind */
		if (k->fd >= 0)
			close(k->fd);
		free(k->input);
		memset(k, 0, sizeof *k);
		k->fd = -1;
	}
}

static int running(const struct hooks *h)
{
	int n = 0;
	for (int i = 0; i < HOOKS_MAX_RUNNING; i++)
		n += h->kids[i].pid != 0;
	return n;
}

static void *runner(void *arg)
{
	struct hooks *h = arg;
	for (;;) {
		/* Free slots take the queue's oldest jobs. */
		for (int i = 0; i < HOOKS_MAX_RUNNING; i++) {
			if (h->kids[i].pid)
				continue;
			struct hooks_job j;
			pthread_mutex_lock(&h->mu);
			int got = hooks_queue_pop(&h->queue, &j);
			pthread_mutex_unlock(&h->mu);
			if (got < 0)
				break;
			start(h, &h->kids[i], &j);
			feed(&h->kids[i]);
		}
		pthread_mutex_lock(&h->mu);
		int closing = h->closing, queued = (int)h->queue.count;
		int late = closing && mono_us() >= h->close_deadline_us;
		pthread_mutex_unlock(&h->mu);
		if (late) {
			reap(h, 1);
			while (running(h)) { /* SIGKILL was sent: it goes fast */
				poll(NULL, 0, 5);
				reap(h, 1);
			}
			pthread_mutex_lock(&h->mu);
			struct hooks_job j;
			while (hooks_queue_pop(&h->queue, &j) == 0) {
				free(j.input);
				h->st.unrun++;
			}
			pthread_mutex_unlock(&h->mu);
			return NULL;
		}
		if (closing && !queued && !running(h))
			return NULL;
		struct pollfd pfd[HOOKS_MAX_RUNNING + 1];
		struct child *who[HOOKS_MAX_RUNNING + 1];
		nfds_t n = 0;
		pfd[n++] = (struct pollfd){ .fd = h->wake[0], .events = POLLIN };
		for (int i = 0; i < HOOKS_MAX_RUNNING; i++)
			if (h->kids[i].pid && h->kids[i].fd >= 0) {
				who[n] = &h->kids[i];
				pfd[n++] = (struct pollfd){ .fd = h->kids[i].fd, .events = POLLOUT };
			}
		if (poll(pfd, n, TICK_MS) > 0) {
			if (pfd[0].revents) {
				char buf[64];
				while (read(h->wake[0], buf, sizeof buf) > 0)
					;
			}
			for (nfds_t i = 1; i < n; i++)
				if (pfd[i].revents)
					feed(who[i]);
		}
		reap(h, 0);
	}
}

struct hooks *hooks_new(const struct hooks_opts *o, char *err, size_t errlen)
{
	struct hooks *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->o = *o;
	for (int i = 0; i < HOOKS_MAX_RUNNING; i++)
		h->kids[i].fd = -1;
	struct rlimit rl;
	h->maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	           rl.rlim_cur < 65536 ? (int)rl.rlim_cur : 65536;
	hooks_rate_init(&h->rate, o->rate, mono_us());
	if (pipe2(h->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "--exec: pipe: %s", strerror(errno));
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->mu, NULL);
	/* The runner takes no signal: they are the capture's (its poll()
	 * wakes on them), and a write to a child that stopped reading gives
	 * EPIPE instead of killing sipscope. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&h->thread, NULL, runner, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "--exec: cannot start a thread: %s", strerror(rc));
		close(h->wake[0]);
		close(h->wake[1]);
		pthread_mutex_destroy(&h->mu);
		free(h);
		return NULL;
	}
	return h;
}

int hooks_admit(struct hooks *h, int64_t now_us)
{
	pthread_mutex_lock(&h->mu);
	h->st.submitted++;
	int ok = hooks_rate_take(&h->rate, now_us);
	if (!ok)
		h->st.dropped_rate++;
	else if (h->queue.count == HOOKS_QUEUE_MAX) {
		h->st.dropped_queue++;
		ok = 0;
	}
	pthread_mutex_unlock(&h->mu);
	return ok;
}

int hooks_push(struct hooks *h, const char *cmd, const char *input, size_t len)
{
	struct hooks_job j = { cmd, malloc(len ? len : 1), len };
	pthread_mutex_lock(&h->mu);
	/* Only the runner takes from the queue since hooks_admit() saw room,
	 * so it is full here only for a caller that did not ask first. */
	int ok = j.input && h->queue.count < HOOKS_QUEUE_MAX;
	if (!ok) {
		h->st.dropped_queue++; /* full (or no memory for the copy) */
	} else {
		memcpy(j.input, input, len);
		hooks_queue_push(&h->queue, &j);
		j.input = NULL;
	}
	pthread_mutex_unlock(&h->mu);
	free(j.input);
	if (!ok)
		return -1;
	ssize_t w = write(h->wake[1], "", 1); /* a full pipe: the runner is awake anyway */
	(void)w;
	return 0;
}

int hooks_submit(struct hooks *h, const char *cmd, const char *input, size_t len, int64_t now_us)
{
	return hooks_admit(h, now_us) ? hooks_push(h, cmd, input, len) : -1;
}

void hooks_stats(struct hooks *h, struct hooks_stats *st)
{
	pthread_mutex_lock(&h->mu);
	*st = h->st;
	pthread_mutex_unlock(&h->mu);
}

void hooks_close(struct hooks *h, unsigned wait_ms, struct hooks_stats *st)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->closing = 1;
	h->close_deadline_us = mono_us() + (int64_t)wait_ms * 1000;
	pthread_mutex_unlock(&h->mu);
	ssize_t w = write(h->wake[1], "", 1);
	(void)w;
	pthread_join(h->thread, NULL);
	if (st)
		*st = h->st;
	close(h->wake[0]);
	close(h->wake[1]);
	pthread_mutex_destroy(&h->mu);
	free(h);
}
