/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/lsm.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/util.h"

bool ou_lsm_has_apparmor(void)
{
	ou_autofree char *text = NULL;
	ou_autoerror struct ou_error *e = NULL;

	if (ou_read_file("/sys/module/apparmor/parameters/enabled", 16, &text, NULL, &e) < 0)
		return false;
	return text[0] == 'Y' && access("/proc/self/attr", F_OK) == 0;
}

bool ou_lsm_has_selinux(void)
{
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

int ou_lsm_check(const struct ou_process *p, const char *mount_label, struct ou_error **err)
{
	if (p != NULL && p->apparmor_profile != NULL && !ou_lsm_has_apparmor())
		return ou_error_set(
			err, OU_E_UNSUPPORTED, 0,
			"process.apparmorProfile: AppArmor is not enabled in this kernel");
	if (p != NULL && p->selinux_label != NULL && !ou_lsm_has_selinux())
		return ou_error_set(err, OU_E_UNSUPPORTED, 0,
				    "process.selinuxLabel: SELinux is not enabled in this kernel");
	if (mount_label != NULL && !ou_lsm_has_selinux())
		return ou_error_set(err, OU_E_UNSUPPORTED, 0,
				    "linux.mountLabel: SELinux is not enabled in this kernel");
	return 0;
}

/* The LSM-specific attribute file of kernels since 5.1, else the shared one. */
static int write_attr(const char *specific, const char *text, const char *field,
		      struct ou_error **err)
{
	const char *path = specific;

	if (specific == NULL || access(specific, F_OK) < 0)
		path = "/proc/self/attr/exec";
	if (ou_write_proc_file(path, text, strlen(text), err) == 0)
		return 0;
	ou_error_prefix(err, "%s", field);
	return -1;
}

int ou_lsm_apply_exec(const struct ou_process *p, struct ou_error **err)
{
	ou_autofree char *profile = NULL;

	if (p->apparmor_profile != NULL) {
		/* AppArmor's attribute takes a command: change profile at the next exec. */
		profile = ou_xasprintf("exec %s", p->apparmor_profile);
		if (write_attr("/proc/self/attr/apparmor/exec", profile, "process.apparmorProfile",
			       err) < 0)
			return -1;
	}
	if (p->selinux_label != NULL &&
	    write_attr(NULL, p->selinux_label, "process.selinuxLabel", err) < 0)
		return -1;
	return 0;
}

char *ou_lsm_mount_data(const char *type, const char *data, const char *label)
{
	static const char *const labelled[] = { "tmpfs", "devpts", "mqueue", NULL };
	bool takes = false;

	if (label == NULL || type == NULL)
		return NULL;
	for (size_t i = 0; labelled[i] != NULL; i++)
		takes = takes || strcmp(type, labelled[i]) == 0;
	if (!takes)
		return NULL;
	if (data == NULL || data[0] == '\0')
		return ou_xasprintf("context=\"%s\"", label);
	return ou_xasprintf("%s,context=\"%s\"", data, label);
}
