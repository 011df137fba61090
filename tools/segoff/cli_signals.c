// SPDX-License-Identifier: MIT
/*
 * The long-running commands' signals (segoff wire, segoff relay): SIGINT,
 * SIGTERM and SIGHUP end the command cleanly, SIGUSR1 asks for the counters.
 * The handlers only count; the main thread acts on the counts. Signals are
 * blocked before the workers start (they inherit the mask, so the signals
 * come to the main thread only), and the main thread waits with
 * sigsuspend(), which unblocks and sleeps in one step: no signal can arrive
 * between the check of the counts and the sleep.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include "cli.h"

static sigset_t old_mask; /* the thread's mask before: unblocked while it waits */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t usr1_count;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		usr1_count++;
	else
		stop_requested = 1;
}

void cli_signals_block(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1 };
	sigset_t set;
	sigemptyset(&set);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaddset(&set, sigs[i]);
		sigaction(sigs[i], &sa, NULL);
	}
	pthread_sigmask(SIG_BLOCK, &set, &old_mask);
}

void cli_signals_wait(void (*report)(void *arg), void *arg)
{
	sig_atomic_t reports = 0;
	while (!stop_requested) {
		sigsuspend(&old_mask);
		while (reports != usr1_count) {
			reports++;
			report(arg);
		}
	}
}
