/* hooks.h - run commands on events without holding up the capture.
 *
 * The capture's thread hands a command and its standard input to
 * hooks_submit(): a rate limiter (token bucket: at most `rate` runs a
 * second in total, in bursts of at most `rate`) and a bounded queue
 * decide at once, never waiting.  A runner thread starts the commands
 * (/bin/sh -c COMMAND, at most HOOKS_MAX_RUNNING at a time, in their own
 * process group, with no descriptor of the capture but 0, 1 and 2),
 * feeds their standard input without blocking, reaps them and kills
 * (SIGKILL, the whole group) those still running after `timeout_s`.
 * Everything is counted: what the rate or the queue dropped, what
 * failed (exit status not 0, killed by a signal, could not start), what
 * ran out of time, what was still waiting at exit. */
#ifndef SIPSCOPE_HOOKS_H
#define SIPSCOPE_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#define HOOKS_MAX_RUNNING 4   /* commands running at once */
#define HOOKS_QUEUE_MAX 64    /* runs waiting for a free slot */
#define HOOKS_RATE_DEFAULT 10 /* runs a second */
#define HOOKS_TIMEOUT_DEFAULT 30 /* seconds a run may take */

/* The token bucket: `rate` tokens a second, at most `rate` in hand (it
 * starts full).  Integer arithmetic in millionths of a token. */
struct hooks_rate {
	int64_t tokens; /* millionths */
	int64_t last_us;
	uint32_t rate;
};

void hooks_rate_init(struct hooks_rate *r, uint32_t rate, int64_t now_us);
/* Take a token at now_us (a monotonic clock).  Returns 1 when one was
 * there (the run may go), 0 when not (drop it).  A clock that goes back
 * adds nothing. */
int hooks_rate_take(struct hooks_rate *r, int64_t now_us);

/* A run waiting to start: the command is borrowed (it lives as long as
 * the hooks), the input is owned. */
struct hooks_job {
	const char *cmd;
	char *input;
	size_t len;
};

/* A ring of at most HOOKS_QUEUE_MAX jobs. */
struct hooks_queue {
	struct hooks_job jobs[HOOKS_QUEUE_MAX];
	size_t head, count;
};

/* Returns 0, or -1 when the queue is full (nothing taken). */
int hooks_queue_push(struct hooks_queue *q, const struct hooks_job *j);
/* Returns 0 with the oldest job in *j, or -1 when empty. */
int hooks_queue_pop(struct hooks_queue *q, struct hooks_job *j);

struct hooks_opts {
	uint32_t rate;      /* runs a second, > 0 */
	uint32_t timeout_s; /* a run is killed after this long, > 0 */
};

struct hooks_stats {
	uint64_t submitted;     /* hooks_submit() calls */
	uint64_t dropped_rate;  /* refused by the rate limit */
	uint64_t dropped_queue; /* refused: the queue was full */
	uint64_t started;       /* commands started */
	uint64_t ok;            /* exited with status 0 */
	uint64_t failed;        /* exited with another status, or a signal killed them */
	uint64_t timed_out;     /* killed after timeout_s (or at the end of the exit wait) */
	uint64_t spawn_failed;  /* could not start (fork or pipe failed) */
	uint64_t unrun;         /* still queued when hooks_close() gave up */
};

struct hooks;

/* Start the runner thread.  NULL with a reason in err.  Owner closes
 * with hooks_close(). */
struct hooks *hooks_new(const struct hooks_opts *o, char *err, size_t errlen);
/* Run cmd with input (copied) on its standard input, if the rate and
 * the queue allow.  now_us: a monotonic clock.  Never blocks on the
 * commands.  Returns 0 queued, -1 dropped (counted). */
int hooks_submit(struct hooks *h, const char *cmd, const char *input, size_t len, int64_t now_us);
/* hooks_submit() in two steps, so that a caller builds the input only
 * for a run that will go: hooks_admit() takes a token and checks for room
 * in the queue (1: go on with hooks_push(); 0: dropped, counted), and
 * hooks_push() queues the run (0, or -1 when no memory for the copy). */
int hooks_admit(struct hooks *h, int64_t now_us);
int hooks_push(struct hooks *h, const char *cmd, const char *input, size_t len);
void hooks_stats(struct hooks *h, struct hooks_stats *st);
/* No more runs: what is queued still starts and what runs may finish,
 * for at most wait_ms; then the rest is killed (counted as timed out)
 * and what is still queued is counted as unrun.  Joins the thread and
 * frees h (NULL is fine).  The final counts go to *st when st is set. */
void hooks_close(struct hooks *h, unsigned wait_ms, struct hooks_stats *st);

#endif
