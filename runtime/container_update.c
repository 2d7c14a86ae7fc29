/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/container_internal.h"

/*
 * update, events and features are not implemented yet: each is a clear
 * OU_E_UNSUPPORTED error (README, Limitations).
 */

int ou_container_update(const struct ou_global_opts *g, const char *id, const char *resources_file,
			struct ou_error **err)
{
	(void)g;
	(void)resources_file;
	return ou_error_set(err, OU_E_UNSUPPORTED, 0, "update '%s': update is not supported yet",
			    id);
}

int ou_container_events(const struct ou_global_opts *g, const char *id, bool stats, int interval,
			struct ou_error **err)
{
	(void)g;
	(void)stats;
	(void)interval;
	return ou_error_set(err, OU_E_UNSUPPORTED, 0, "events '%s': events is not supported yet",
			    id);
}

int ou_container_features(struct ou_error **err)
{
	return ou_error_set(err, OU_E_UNSUPPORTED, 0, "features is not supported yet");
}
