/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/caps.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <sys/capability.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"

/* Capability numbers fit in one 64-bit mask (the kernel has 41 today). */
#define CAPS_MAX 63

/* The sets of one process, as bit masks indexed by capability number. */
struct cap_masks {
	uint64_t effective;
	uint64_t permitted;
	uint64_t inheritable;
	uint64_t bounding;
};

static int probe_last_cap(void)
{
	int cap = 0;

	while (cap < CAPS_MAX && prctl(PR_CAPBSET_READ, cap + 1, 0, 0, 0) >= 0)
		cap++;
	return cap;
}

/*
 * The highest capability the running kernel supports.  /proc may be
 * missing in the container child, so fall back to probing the bounding set
 * (PR_CAPBSET_READ fails with EINVAL past the last capability).
 */
static int last_cap(void)
{
	static int cached = -1;
	char buf[16] = { 0 };
	long long v;
	ssize_t n;
	int fd;

	if (cached >= 0)
		return cached;
	fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0 && buf[n - 1] == '\n')
			buf[n - 1] = '\0';
		if (n > 0 && ou_parse_ll(buf, 0, CAPS_MAX, &v) == 0)
			cached = (int)v;
	}
	if (cached < 0)
		cached = probe_last_cap();
	return cached;
}

int ou_caps_from_name(const char *name)
{
	cap_value_t v;

	/* Only the spelling of capabilities(7), e.g. "CAP_CHOWN" */
	if (name == NULL || strncmp(name, "CAP_", 4) != 0 || name[4] == '\0')
		return -1;
	for (const char *p = name + 4; *p != '\0'; p++) {
		if (!isupper((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
			return -1;
	}
	if (cap_from_name(name, &v) != 0)
		return -1;
	if (v < 0 || v > last_cap())
		return -1;
	return (int)v;
}

/* "CAP_CHOWN" for a capability number, into buf. */
static const char *cap_name(int cap, char *buf, size_t size)
{
	char *lower = cap_to_name((cap_value_t)cap);
	size_t i;

	if (lower == NULL) {
		snprintf(buf, size, "%d", cap);
		return buf;
	}
	for (i = 0; lower[i] != '\0' && i + 1 < size; i++)
		buf[i] = (char)toupper((unsigned char)lower[i]);
	buf[i] = '\0';
	cap_free(lower);
	return buf;
}

/* A mask of the known names of list; unknown ones are warned about. */
static uint64_t mask_of(const struct ou_strv *list, const char *set)
{
	uint64_t mask = 0;
	int cap;

	for (size_t i = 0; i < list->len; i++) {
		cap = ou_caps_from_name(list->v[i]);
		if (cap < 0) {
			ou_log_warning("ignore unknown capability '%s' in process.capabilities.%s",
				       list->v[i], set);
			continue;
		}
		mask |= UINT64_C(1) << cap;
	}
	return mask;
}

int ou_caps_drop_bounding(const struct ou_capabilities *caps, struct ou_error **err)
{
	char name[64];
	uint64_t keep;
	int max = last_cap();
	int rc;

	if (caps == NULL)
		return 0;
	keep = mask_of(&caps->bounding, "bounding");

	for (int cap = 0; cap <= max; cap++) {
		if (keep & (UINT64_C(1) << cap))
			continue;
		/* Dropping needs CAP_SETPCAP even if the bit is clear already */
		rc = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (rc < 0 && errno == EINVAL)
			continue;
		if (rc == 0)
			continue;
		if (rc < 0 || prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return ou_error_set(err, OU_E_SYSTEM, errno,
					    "drop capability '%s' from the bounding set",
					    cap_name(cap, name, sizeof(name)));
	}
	ou_log_debug("bounding set reduced to %#llx", (unsigned long long)keep);
	return 0;
}

/*
 * A line "Cap<name>:\t<hex>" of /proc/self/status; false if unreadable.
 * Read here rather than with prctl, which a seccomp filter may deny.
 */
static bool status_mask(const char *name, uint64_t *out)
{
	char buf[4096], key[16];
	const char *p;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	snprintf(key, sizeof(key), "\nCap%s:", name);
	p = strstr(buf, key);
	if (p == NULL)
		return false;
	*out = strtoull(p + strlen(key), NULL, 16);
	return true;
}

static int read_masks(struct cap_masks *m, struct ou_error **err)
{
	bool have_bnd;
	cap_flag_value_t val;
	cap_t cur = cap_get_proc();
	int max = last_cap();

	if (cur == NULL)
		return ou_error_set(err, OU_E_SYSTEM, errno, "read the process capabilities");
	*m = (struct cap_masks){ 0 };
	have_bnd = status_mask("Bnd", &m->bounding);
	for (int cap = 0; cap <= max; cap++) {
		uint64_t bit = UINT64_C(1) << cap;

		if (cap_get_flag(cur, cap, CAP_EFFECTIVE, &val) == 0 && val == CAP_SET)
			m->effective |= bit;
		if (cap_get_flag(cur, cap, CAP_PERMITTED, &val) == 0 && val == CAP_SET)
			m->permitted |= bit;
		if (cap_get_flag(cur, cap, CAP_INHERITABLE, &val) == 0 && val == CAP_SET)
			m->inheritable |= bit;
		if (!have_bnd && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0)
			m->bounding |= bit;
	}
	cap_free(cur);
	return 0;
}

/*
 * config.md, Linux Process: capabilities that cannot be granted are logged
 * as warnings, not errors.  Returns want restricted to allowed.
 */
static uint64_t keep_grantable(uint64_t want, uint64_t allowed, const char *set, const char *why)
{
	char name[64];

	for (int cap = 0; cap <= CAPS_MAX; cap++) {
		uint64_t bit = UINT64_C(1) << cap;

		if ((want & bit) && !(allowed & bit))
			ou_log_warning(
				"cannot grant capability '%s' in process.capabilities.%s: %s",
				cap_name(cap, name, sizeof(name)), set, why);
	}
	return want & allowed;
}

static int fill_flag(cap_t c, cap_flag_t flag, uint64_t mask)
{
	for (int cap = 0; cap <= CAPS_MAX; cap++) {
		cap_value_t v = cap;

		if ((mask & (UINT64_C(1) << cap)) && cap_set_flag(c, flag, 1, &v, CAP_SET) < 0)
			return -1;
	}
	return 0;
}

static int set_proc(const struct cap_masks *want, struct ou_error **err)
{
	cap_t c = cap_init();
	int rc = -1;

	if (c == NULL)
		return ou_error_set(err, OU_E_SYSTEM, errno, "allocate a capability set");
	if (fill_flag(c, CAP_EFFECTIVE, want->effective) == 0 &&
	    fill_flag(c, CAP_PERMITTED, want->permitted) == 0 &&
	    fill_flag(c, CAP_INHERITABLE, want->inheritable) == 0)
		rc = cap_set_proc(c);
	if (rc < 0)
		ou_error_set(err, OU_E_SYSTEM, errno, "set the process capabilities");
	cap_free(c);
	return rc;
}

static int raise_ambient(uint64_t ambient, struct ou_error **err)
{
	char name[64];
	uint64_t now = 0;

	/* Nothing to clear and nothing to raise: no prctl at all. */
	if (ambient == 0 && status_mask("Amb", &now) && now == 0)
		return 0;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
		/* Kernels before 4.3 have no ambient set: nothing to clear */
		if (errno != EINVAL || ambient != 0)
			return ou_error_set(err, OU_E_SYSTEM, errno,
					    "clear the ambient capabilities");
	}
	for (int cap = 0; cap <= CAPS_MAX; cap++) {
		if (!(ambient & (UINT64_C(1) << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			ou_log_warning(
				"cannot raise ambient capability '%s': refused with errno %d",
				cap_name(cap, name, sizeof(name)), errno);
	}
	return 0;
}

int ou_caps_apply(const struct ou_capabilities *caps, struct ou_error **err)
{
	struct cap_masks cur = { 0 }, want = { 0 };
	uint64_t inh_allowed;

	if (caps == NULL)
		return 0;
	if (read_masks(&cur, err) < 0)
		return -1;

	/* The kernel's capset(2) rules, so that a refusal is a warning */
	want.permitted = keep_grantable(mask_of(&caps->permitted, "permitted"), cur.permitted,
					"permitted", "not in the permitted set");
	want.effective = keep_grantable(mask_of(&caps->effective, "effective"), want.permitted,
					"effective", "not in the permitted set");
	inh_allowed = cur.inheritable | cur.permitted;
	if (cur.effective & (UINT64_C(1) << CAP_SETPCAP))
		inh_allowed = ~UINT64_C(0);
	inh_allowed &= cur.inheritable | cur.bounding;
	want.inheritable =
		keep_grantable(mask_of(&caps->inheritable, "inheritable"), inh_allowed,
			       "inheritable", "not permitted or not in the bounding set");
	if (set_proc(&want, err) < 0)
		return -1;

	if (raise_ambient(keep_grantable(mask_of(&caps->ambient, "ambient"),
					 want.permitted & want.inheritable, "ambient",
					 "not both permitted and inheritable"),
			  err) < 0)
		return -1;
	ou_log_debug("capabilities set: effective %#llx, permitted %#llx, inheritable %#llx",
		     (unsigned long long)want.effective, (unsigned long long)want.permitted,
		     (unsigned long long)want.inheritable);
	return 0;
}

static bool strv_has(const struct ou_strv *list, const char *s)
{
	for (size_t i = 0; i < list->len; i++) {
		if (strcmp(list->v[i], s) == 0)
			return true;
	}
	return false;
}

static void strv_add(struct ou_strv *list, const char *s)
{
	if (strv_has(list, s))
		return;
	ou_strv_push(list, ou_xstrdup(s));
}

int ou_caps_add_names(struct ou_capabilities *caps, const struct ou_strv *names,
		      struct ou_error **err)
{
	for (size_t i = 0; i < names->len; i++) {
		if (ou_caps_from_name(names->v[i]) < 0)
			return ou_error_set(err, OU_E_INVALID, 0,
					    "add capability '%s': unknown name", names->v[i]);
	}
	for (size_t i = 0; i < names->len; i++) {
		strv_add(&caps->bounding, names->v[i]);
		strv_add(&caps->effective, names->v[i]);
		strv_add(&caps->inheritable, names->v[i]);
		strv_add(&caps->permitted, names->v[i]);
		strv_add(&caps->ambient, names->v[i]);
	}
	return 0;
}

void ou_caps_known(struct ou_strv *out)
{
	int last = last_cap();

	out->v = ou_xcalloc((size_t)last + 2, sizeof(char *));
	out->len = 0;
	for (int c = 0; c <= last; c++) {
		char buf[64];

		cap_name(c, buf, sizeof(buf));
		if (strncmp(buf, "CAP_", 4) == 0)
			out->v[out->len++] = ou_xstrdup(buf);
	}
}
