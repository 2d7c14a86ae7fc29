/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OU_RUNTIME_LSM_H
#define OU_RUNTIME_LSM_H

#include <stdbool.h>

#include "runtime/base/error.h"
#include "spec/types.h"

/*
 * Linux security modules: process.apparmorProfile, process.selinuxLabel
 * (config.md, POSIX process) and linux.mountLabel (config-linux.md).  A
 * field is applied when the kernel has the module, and refused otherwise:
 * never silently ignored.
 */

/* True if AppArmor is enabled in the running kernel. */
bool ou_lsm_has_apparmor(void);

/* True if SELinux is enabled in the running kernel (selinuxfs mounted). */
bool ou_lsm_has_selinux(void);

/*
 * Check that the host can apply the LSM fields of p (may be NULL) and of
 * mount_label (may be NULL).  A field set on a host without its module is
 * OU_E_UNSUPPORTED naming the field, e.g. "process.apparmorProfile:
 * AppArmor is not enabled in this kernel".  Changes nothing.
 */
int ou_lsm_check(const struct ou_process *p, const char *mount_label, struct ou_error **err);

/*
 * Make the next execve of this process enter p's AppArmor profile and
 * SELinux label, if set: written to /proc/self/attr (the container's /proc).
 * OU_E_SYSTEM naming the field when the kernel refuses.
 */
int ou_lsm_apply_exec(const struct ou_process *p, struct ou_error **err);

/*
 * The mount data for a filesystem mount with linux.mountLabel: data (may
 * be NULL) with context="LABEL" added.  NULL if label is NULL or the type
 * takes no context option (proc, sysfs, cgroup and binds keep the labels
 * of what they show).  The caller frees the result.
 */
char *ou_lsm_mount_data(const char *type, const char *data, const char *label);

#endif
