/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Samples of one table row and the printed tables. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bench/bench.h"

void stats_init(struct stats_series *s, const char *label, int cap)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->cap = cap > 0 ? cap : 1;
	s->v = calloc((size_t)s->cap, sizeof(double));
	if (!s->v)
		abort();
}

void stats_release(struct stats_series *s)
{
	free(s->v);
	free(s->error);
	s->v = NULL;
	s->error = NULL;
}

void stats_add(struct stats_series *s, double v)
{
	if (s->n < s->cap)
		s->v[s->n++] = v;
}

void stats_fail(struct stats_series *s, const char *msg)
{
	if (s->error)
		return;
	s->error = strdup(msg && *msg ? msg : "command failed");
	if (!s->error)
		abort();
}

bool stats_ok(const struct stats_series *s)
{
	return !s->error;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void sorted(const struct stats_series *s, double *out)
{
	memcpy(out, s->v, sizeof(double) * (size_t)s->n);
	qsort(out, (size_t)s->n, sizeof(double), cmp_double);
}

double stats_median(const struct stats_series *s)
{
	double *t, m;

	if (s->error || s->n == 0)
		return -1;
	t = malloc(sizeof(double) * (size_t)s->n);
	if (!t)
		abort();
	sorted(s, t);
	m = s->n % 2 ? t[s->n / 2] : (t[s->n / 2 - 1] + t[s->n / 2]) / 2;
	free(t);
	return m;
}

/* ref or base < 0: that column is absent; 0: present but unknown ("-"). */
static void print_row(struct stats_series *s, double ref, double base)
{
	double *t;
	double m;

	if (s->error || s->n == 0) {
		printf("  %-34s not available (%s)\n", s->label,
		       s->error ? s->error : "no samples");
		return;
	}
	t = malloc(sizeof(double) * (size_t)s->n);
	if (!t)
		abort();
	sorted(s, t);
	m = stats_median(s);
	printf("  %-34s %10.2f %10.2f %10.2f", s->label, m, t[0], t[s->n - 1]);
	free(t);
	if (base > 0)
		printf(" %10.2f", m - base);
	else if (base == 0)
		printf(" %10s", "-");
	if (ref > 0)
		printf(" %8.2f", m / ref);
	else if (ref == 0)
		printf(" %8s", "-");
	printf("   n=%d\n", s->n);
}

void stats_print(const char *title, const char *unit, struct stats_series *rows, int nrows, int ref,
		 int delta)
{
	double r = ref >= 0 ? stats_median(&rows[ref]) : -1;
	double base = delta >= 0 ? stats_median(&rows[delta]) : -1;

	printf("\n%s (%s)\n", title, unit);
	printf("  %-34s %10s %10s %10s", "", "median", "min", "max");
	if (delta >= 0)
		printf(" %10s", "added");
	if (ref >= 0)
		printf(" %8s", "ratio");
	printf("\n");
	/* A column whose reference row is not available prints "-". */
	if (ref >= 0 && r <= 0)
		r = 0;
	if (delta >= 0 && base <= 0)
		base = 0;
	for (int i = 0; i < nrows; i++)
		print_row(&rows[i], r, base);
	fflush(stdout);
}
