/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include <stdlib.h>

#include <criterion/criterion.h>

#include "runtime/base/cleanup.h"
#include "runtime/lsm.h"

#define LABEL "system_u:object_r:container_file_t:s0"

Test(lsm, mount_label_is_added_to_the_data_of_a_tmpfs)
{
	ou_autofree char *with = ou_lsm_mount_data("tmpfs", "mode=755", LABEL);
	ou_autofree char *alone = ou_lsm_mount_data("mqueue", NULL, LABEL);

	cr_assert_str_eq(with, "mode=755,context=\"" LABEL "\"");
	cr_assert_str_eq(alone, "context=\"" LABEL "\"");
}

Test(lsm, mount_label_leaves_proc_sysfs_and_no_label_alone)
{
	cr_assert_null(ou_lsm_mount_data("proc", NULL, LABEL));
	cr_assert_null(ou_lsm_mount_data("sysfs", "ro", LABEL));
	cr_assert_null(ou_lsm_mount_data("tmpfs", "mode=755", NULL));
}

Test(lsm, process_without_lsm_fields_passes_the_check)
{
	struct ou_process p = { 0 };
	struct ou_error *err = NULL;

	cr_assert_eq(ou_lsm_check(&p, NULL, &err), 0);
	cr_assert_eq(ou_lsm_check(NULL, NULL, &err), 0);
	cr_assert_null(err);
}

/* The kind depends on the host: refused exactly where the module is missing. */
Test(lsm, fields_are_refused_exactly_without_the_module)
{
	char profile[] = "ou-test";
	char label[] = LABEL;
	struct ou_process aa = { .apparmor_profile = profile };
	struct ou_process se = { .selinux_label = label };
	ou_autoerror struct ou_error *e1 = NULL;
	ou_autoerror struct ou_error *e2 = NULL;
	ou_autoerror struct ou_error *e3 = NULL;

	cr_assert_eq(ou_lsm_check(&aa, NULL, &e1), ou_lsm_has_apparmor() ? 0 : -1);
	cr_assert_eq(ou_lsm_check(&se, NULL, &e2), ou_lsm_has_selinux() ? 0 : -1);
	cr_assert_eq(ou_lsm_check(NULL, label, &e3), ou_lsm_has_selinux() ? 0 : -1);
	if (e1 != NULL)
		cr_assert_eq(e1->kind, OU_E_UNSUPPORTED);
	if (e3 != NULL)
		cr_assert_eq(e3->kind, OU_E_UNSUPPORTED);
}
