/*
 * spawn_rusage.c - run a command, report its wall time and peak memory.
 *
 *   spawn_rusage -o FILE CMD [ARG...]
 *
 * Runs CMD (stdin, stdout and stderr inherited), waits for it, and writes
 * one JSON line to FILE: {"seconds": wall time, "peak_rss_kb": the child's
 * ru_maxrss from wait4, "status": its exit status, or 128 + the signal}.
 * Exits with the child's status (127 if it could not be started).
 *
 * Why not measure from the driver (Python) directly: on Linux, a process's
 * ru_maxrss survives execve, so a child forked from a 20 MiB Python keeps
 * Python's 20 MiB as its "peak" however little the program it execs uses
 * (execve folds the old address space's high-water mark into the
 * process's). This program is a few hundred KiB, so a child forked from it
 * starts from nearly nothing, and its ru_maxrss is the program's own peak:
 * what `/usr/bin/time -f %M` reports, without depending on that package.
 * The peer harnesses read VmHWM from /proc/self/status, the high-water
 * mark of their own address space, which execve resets, for the same
 * reason.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	double t0, secs;
	int wstatus, status;
	pid_t pid;
	FILE *out;

	if (argc < 4 || strcmp(argv[1], "-o") != 0) {
		fprintf(stderr, "usage: spawn_rusage -o FILE CMD [ARG...]\n");
		return 2;
	}
	t0 = now_s();
	pid = fork();
	if (pid < 0) {
		perror("spawn_rusage: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "spawn_rusage: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	if (wait4(pid, &wstatus, 0, &ru) < 0) {
		perror("spawn_rusage: wait4");
		return 2;
	}
	secs = now_s() - t0;
	status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
	         : 128 + WTERMSIG(wstatus);
	out = fopen(argv[2], "w");
	if (out == NULL) {
		perror(argv[2]);
		return 2;
	}
	fprintf(out, "{\"seconds\":%.6f,\"peak_rss_kb\":%ld,\"status\":%d}\n",
	        secs, ru.ru_maxrss, status);
	if (fclose(out) != 0) {
		perror(argv[2]);
		return 2;
	}
	return status;
}
