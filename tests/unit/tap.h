/*
 * tap.h: the smallest TAP producer the unit tests need (Test::More's vocabulary).
 *
 * Header-only and dependency-free on purpose: every test program includes it once, so
 * the functions are static.  Output goes to stdout, diagnostics ("# ...") to stderr so
 * automake's tap-driver shows them without mistaking them for results.
 *
 *	plan(n);            or no plan and done_testing() prints "1..n" at the end
 *	ok(cond, "fmt", ...);
 *	is_int(got, want, "fmt", ...);
 *	is_str(got, want, "fmt", ...);   NULL is a value: is_str(NULL, NULL) passes
 *	skip("why");                     a test that cannot run here
 *	diag("fmt", ...);                a comment line
 *	return done_testing();           0 when every test passed and the plan was kept
 */
#ifndef SCP_TAP_H
#define SCP_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Not every test uses every helper; unused statics must not trip -Werror. */
#define TAP_FN static __attribute__((unused))

static int tap_planned = -1;	/* -1: no plan printed yet */
static int tap_run;
static int tap_failed;

TAP_FN void plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

/* Print "ok N - description" and return cond, so a caller can skip dependent checks. */
TAP_FN bool tap_vok(bool cond, const char *fmt, va_list ap)
{
	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_run);
	vprintf(fmt, ap);
	putchar('\n');
	/* Flush per line: an abort (sanitizer report) must not swallow earlier results. */
	fflush(stdout);
	return cond;
}

__attribute__((format(printf, 2, 3)))
TAP_FN bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = tap_vok(cond, fmt, ap);
	va_end(ap);
	return r;
}

__attribute__((format(printf, 3, 4)))
TAP_FN bool is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = tap_vok(got == want, fmt, ap);
	va_end(ap);
	if (!r)
		fprintf(stderr, "#   got:      %lld\n#   expected: %lld\n", got, want);
	return r;
}

__attribute__((format(printf, 3, 4)))
TAP_FN bool is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list ap;
	bool same = got == want || (got && want && !strcmp(got, want));
	bool r;

	va_start(ap, fmt);
	r = tap_vok(same, fmt, ap);
	va_end(ap);
	if (!r)
		fprintf(stderr, "#   got:      %s%s%s\n#   expected: %s%s%s\n",
			got ? "\"" : "", got ? got : "NULL", got ? "\"" : "",
			want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
	return r;
}

/* A test that cannot run here: counts as passed, with the reason (TAP "# SKIP"). */
TAP_FN void skip(const char *why)
{
	tap_run++;
	printf("ok %d # SKIP %s\n", tap_run, why);
	fflush(stdout);
}

/* A "# ..." line for the reader; never counts as a test. */
__attribute__((format(printf, 1, 2)))
TAP_FN void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Close the run: the exit status of main (1 on any failure or a broken plan). */
TAP_FN int done_testing(void)
{
	if (tap_planned < 0) {
		printf("1..%d\n", tap_run);
		tap_planned = tap_run;
	}
	fflush(stdout);
	if (tap_run != tap_planned) {
		diag("planned %d tests but ran %d", tap_planned, tap_run);
		return 1;
	}
	if (tap_failed)
		diag("failed %d of %d tests", tap_failed, tap_run);
	return tap_failed ? 1 : 0;
}

#endif
