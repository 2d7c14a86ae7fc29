/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <config.h>

#include "runtime/volume.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/base/cleanup.h"
#include "runtime/base/log.h"
#include "runtime/base/util.h"
#include "runtime/container.h"
#include "runtime/layers.h"
#include "runtime/rootfs.h"
#include "runtime/volume_store.h"

static struct ou_volume_attach *add_attach(struct ou_storage_plan *p, const char *name,
					   const char *dest, size_t index)
{
	struct ou_volume_attach *a;

	p->volumes = ou_xrealloc(p->volumes, (p->n_volumes + 1) * sizeof(*p->volumes));
	a = &p->volumes[p->n_volumes++];
	memset(a, 0, sizeof(*a));
	a->name = ou_xstrdup(name);
	a->destination = ou_xstrdup(dest);
	a->data = ou_xasprintf("%s/volumes/%s/_data", p->storage_root, name);
	a->mount_index = index;
	return a;
}

static bool plan_has_destination(const struct ou_storage_plan *p, const char *dest)
{
	for (size_t i = 0; i < p->n_volumes; i++)
		if (strcmp(p->volumes[i].destination, dest) == 0)
			return true;
	return false;
}

static int add_config_volumes(struct ou_storage_plan *p, const struct ou_union *u, bool image,
			      struct ou_error **err)
{
	char anon[OU_VOLUME_ANON_LEN + 1];

	for (size_t i = 0; i < u->n_volumes; i++) {
		const struct ou_union_volume *v = &u->volumes[i];
		struct ou_volume_attach *a;

		if ((v->kind == OU_UNION_VOL_IMAGE) != image)
			continue;
		if (image && plan_has_destination(p, v->destination))
			continue;
		if (v->kind == OU_UNION_VOL_NAMED) {
			add_attach(p, v->name, v->destination, v->mount_index);
			continue;
		}
		if (ou_volume_store_anon_name(anon, err) < 0)
			return -1;
		a = add_attach(p, anon, v->destination, v->mount_index);
		a->anonymous = a->owned = true;
	}
	return 0;
}

static int add_from(struct ou_storage_plan *p, const struct ou_union_from *f,
		    const char *state_root, struct ou_error **err)
{
	ou_autofree char *state = ou_xasprintf("%s/%s/state.json", state_root, f->id);
	struct ou_storage_record r;
	ou_autoerror struct ou_error *e = NULL;

	if (access(state, F_OK) < 0)
		return ou_error_set(err, OU_E_NOT_FOUND, 0, "%s: container '%s' %s",
				    OU_UNION_VOLUMES_FROM, f->id, OU_MSG_NOT_EXIST);
	if (ou_volume_record_load(p->storage_root, f->id, &r, &e) < 0) {
		if (e->kind == OU_E_NOT_FOUND)
			return 0; /* a container without volumes */
		*err = ou_steal_ptr(&e);
		return -1;
	}
	for (size_t i = 0; i < r.n_volumes; i++) {
		const struct ou_volume_record_entry *v = &r.volumes[i];
		struct ou_volume_attach *a;

		if (plan_has_destination(p, v->destination))
			continue;
		a = add_attach(p, v->name, v->destination, SIZE_MAX);
		a->anonymous = v->anonymous;
		a->readonly = f->readonly || v->readonly;
	}
	ou_volume_json_record_release(&r);
	return 0;
}

/*
 * A layer or the upper (field) holding, or lying in, the state directory
 * or the storage root's own directories: the container would see, and
 * through its upper rewrite, the state of other containers, their
 * writable layers or the volumes and their metadata, and the runtime
 * would write into an image layer.  Another directory of the storage
 * root is fine (a kept upper may live there).
 */
/* The runtime's own directories, resolved once for every check_apart. */
struct runtime_dirs {
	char *shown[4];
	char *real[4];
};

static void runtime_dirs_resolve(struct runtime_dirs *d, const char *storage_root,
				 const char *state_root)
{
	d->shown[0] = ou_path_join(storage_root, "containers");
	d->shown[1] = ou_path_join(storage_root, "volumes");
	d->shown[2] = ou_path_join(storage_root, "uppers");
	d->shown[3] = ou_xstrdup(state_root);
	for (size_t i = 0; i < 4; i++) {
		char buf[PATH_MAX];

		d->real[i] = ou_xstrdup(realpath(d->shown[i], buf) != NULL ? buf : d->shown[i]);
	}
}

static void runtime_dirs_release(struct runtime_dirs *d)
{
	for (size_t i = 0; i < 4; i++) {
		free(d->shown[i]);
		free(d->real[i]);
	}
}

static int check_apart(const char *path, const char *field, const char *shown,
		       const struct runtime_dirs *d, struct ou_error **err)
{
	for (size_t i = 0; i < 4; i++)
		if (ou_path_within(path, d->real[i]) || ou_path_within(d->real[i], path))
			return ou_error_set(err, OU_E_INVALID, 0,
					    "%s: '%s' overlaps the runtime's directory '%s'", field,
					    shown, d->shown[i]);
	return 0;
}

static int check_layers_apart(const struct ou_storage_plan *p, const struct runtime_dirs *d,
			      struct ou_error **err)
{
	for (size_t i = 0; i < p->layers_bottom_up.len; i++) {
		const char *l = p->layers_bottom_up.v[i];

		if (check_apart(l, OU_UNION_LAYERS, l, d, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * An upper that is or holds the bundle lets the container rewrite its
 * config.json, whose hooks run on the host at the next create; one that
 * is, holds or lies in root.path would be mounted over itself.
 */
static int check_upper_off_bundle(const char *upper, const char *shown, const char *bundle,
				  const char *root_path, struct ou_error **err)
{
	ou_autofree char *root = NULL;
	char buf[PATH_MAX];
	const char *real = realpath(bundle, buf) != NULL ? buf : bundle;

	if (ou_path_within(real, upper))
		return ou_error_set(err, OU_E_INVALID, 0, "%s: '%s' holds the bundle '%s'",
				    OU_UNION_UPPER, shown, bundle);
	if (root_path == NULL)
		return 0;
	root = root_path[0] == '/' ? ou_xstrdup(root_path) : ou_path_join(bundle, root_path);
	real = realpath(root, buf) != NULL ? buf : root;
	if (ou_path_within(real, upper) || ou_path_within(upper, real))
		return ou_error_set(err, OU_E_INVALID, 0, "%s: '%s' overlaps root.path '%s'",
				    OU_UNION_UPPER, shown, root_path);
	return 0;
}

static int resolve_upper(struct ou_storage_plan *p, const struct ou_union *u, const char *bundle,
			 const char *root_path, const struct runtime_dirs *d, struct ou_error **err)
{
	ou_autofree char *joined = NULL;
	char buf[PATH_MAX];

	if (u->upper == NULL)
		return 0;
	joined = u->upper[0] == '/' ? ou_xstrdup(u->upper) : ou_path_join(bundle, u->upper);
	if (realpath(joined, buf) == NULL)
		return ou_error_set(err, OU_E_INVALID, 0, "%s: '%s' does not exist", OU_UNION_UPPER,
				    u->upper);
	/* overlayfs leaves an upper inside a lower, or around one, undefined */
	for (size_t i = 0; i < p->layers_bottom_up.len; i++) {
		const char *l = p->layers_bottom_up.v[i];

		if (ou_path_within(buf, l) || ou_path_within(l, buf))
			return ou_error_set(err, OU_E_INVALID, 0,
					    "%s: '%s' overlaps layer '%s' of %s", OU_UNION_UPPER,
					    u->upper, l, OU_UNION_LAYERS);
	}
	if (check_apart(buf, OU_UNION_UPPER, u->upper, d, err) < 0 ||
	    check_upper_off_bundle(buf, u->upper, bundle, root_path, err) < 0)
		return -1;
	p->upper_override = ou_xstrdup(buf);
	return 0;
}

int ou_volume_plan_build(struct ou_storage_plan *out, const struct ou_spec *spec,
			 const struct ou_union *u, const char *bundle, const char *state_root,
			 const char *storage_root, struct ou_error **err)
{
	struct runtime_dirs d;
	int rc;

	memset(out, 0, sizeof(*out));
	out->storage_root = ou_xstrdup(storage_root);
	out->readonly = spec->root != NULL && spec->root->readonly;
	if (ou_layers_resolve(bundle, &u->layers_bottom_up, &out->layers_bottom_up, err) < 0)
		return -1;
	out->lower_top_first = ou_layers_lowerdir_order(&out->layers_bottom_up);
	/* Resolved once, for the layers and the upper alike. */
	runtime_dirs_resolve(&d, storage_root, state_root);
	rc = check_layers_apart(out, &d, err);
	if (rc == 0)
		rc = resolve_upper(out, u, bundle, spec->root != NULL ? spec->root->path : NULL, &d,
				   err);
	runtime_dirs_release(&d);
	if (rc < 0)
		return -1;
	if (add_config_volumes(out, u, false, err) < 0)
		return -1;
	for (size_t i = 0; i < u->n_from; i++)
		if (add_from(out, &u->from[i], state_root, err) < 0)
			return -1;
	return add_config_volumes(out, u, true, err);
}

void ou_volume_plan_release(struct ou_storage_plan *p)
{
	free(p->storage_root);
	for (size_t i = 0; i < p->layers_bottom_up.len; i++)
		free(p->layers_bottom_up.v[i]);
	free(p->layers_bottom_up.v);
	free(p->lower_top_first);
	free(p->upper_override);
	free(p->upper);
	free(p->work);
	for (size_t i = 0; i < p->n_volumes; i++) {
		free(p->volumes[i].name);
		free(p->volumes[i].destination);
		free(p->volumes[i].data);
	}
	free(p->volumes);
	memset(p, 0, sizeof(*p));
}

/* Applying the plan, in the runtime before the clone */

struct undo_vol {
	char *storage_root;
	char *name;
	char *id; /* NULL: remove the volume, else release its use by id */
};

static void free_undo_vol(void *arg)
{
	struct undo_vol *u = arg;

	free(u->storage_root);
	free(u->name);
	free(u->id);
	free(u);
}

static int undo_volume(void *arg, struct ou_error **err)
{
	struct undo_vol *u = arg;
	struct ou_volume_store *s = NULL;
	int rc;

	if (ou_volume_store_open(u->storage_root, &s, err) < 0)
		return -1;
	if (u->id != NULL)
		rc = ou_volume_store_release(s, u->name, u->id, err);
	else
		rc = ou_volume_store_remove(s, u->name, err);
	ou_volume_store_free(s);
	return rc;
}

static void push_undo_vol(struct ou_undo *undo, const char *root, const char *name, const char *id)
{
	struct undo_vol *u = ou_xcalloc(1, sizeof(*u));

	u->storage_root = ou_xstrdup(root);
	u->name = ou_xstrdup(name);
	u->id = id ? ou_xstrdup(id) : NULL;
	ou_undo_push(undo, id ? "release volume" : "remove volume", undo_volume, u, free_undo_vol);
}

static int attach_volume(struct ou_storage_plan *p, struct ou_volume_store *s,
			 const struct ou_volume_attach *a, const char *id, struct ou_undo *undo,
			 struct ou_error **err)
{
	bool created = false;

	if (a->owned || !a->anonymous) {
		if (ou_volume_store_create(s, a->name, NULL, a->anonymous, a->owned, &created,
					   err) < 0)
			return -1;
		if (created)
			push_undo_vol(undo, p->storage_root, a->name, NULL);
	}
	if (ou_volume_store_use(s, a->name, id, err) < 0)
		return -1;
	push_undo_vol(undo, p->storage_root, a->name, id);
	return 0;
}

struct undo_layer {
	char *storage_root;
	char *id;
};

static void free_undo_layer(void *arg)
{
	struct undo_layer *u = arg;

	free(u->storage_root);
	free(u->id);
	free(u);
}

static int undo_layer(void *arg, struct ou_error **err)
{
	struct undo_layer *u = arg;

	return ou_layers_remove(u->storage_root, u->id, err);
}

static int undo_rmdir(void *arg, struct ou_error **err)
{
	if (rmdir(arg) < 0)
		return ou_error_set(err, OU_E_SYSTEM, errno, "remove '%s'", (char *)arg);
	return 0;
}

static int make_container_dir(struct ou_storage_plan *p, const char *id, const char *rootfs,
			      struct ou_undo *undo, struct ou_error **err)
{
	struct undo_layer *u;
	bool writable = p->layers_bottom_up.len > 0;

	if (p->rootfs_missing) {
		if (mkdir(rootfs, 0755) < 0)
			return ou_error_set(err, OU_E_SYSTEM, errno, "create root.path '%s'",
					    rootfs);
		ou_undo_push(undo, "remove root.path", undo_rmdir, ou_xstrdup(rootfs), free);
	}
	if (ou_layers_create(p->storage_root, id, writable, p->upper_override, &p->upper, &p->work,
			     err) < 0)
		return -1;
	u = ou_xcalloc(1, sizeof(*u));
	u->storage_root = ou_xstrdup(p->storage_root);
	u->id = ou_xstrdup(id);
	ou_undo_push(undo, "remove writable layer", undo_layer, u, free_undo_layer);
	return 0;
}

struct undo_claim {
	char *storage_root;
	char *upper;
	char *state_dir;
};

static void free_undo_claim(void *arg)
{
	struct undo_claim *u = arg;

	free(u->storage_root);
	free(u->upper);
	free(u->state_dir);
	free(u);
}

static int undo_claim(void *arg, struct ou_error **err)
{
	struct undo_claim *u = arg;

	return ou_layers_release_upper(u->storage_root, u->upper, u->state_dir, err);
}

/* One live container per org.ociunion.rootfs.upper. */
static int claim_upper(struct ou_storage_plan *p, const char *state_dir, struct ou_undo *undo,
		       struct ou_error **err)
{
	struct undo_claim *u;

	if (p->upper_override == NULL || p->layers_bottom_up.len == 0)
		return 0;
	if (ou_layers_claim_upper(p->storage_root, p->upper_override, state_dir, err) < 0)
		return -1;
	u = ou_xcalloc(1, sizeof(*u));
	u->storage_root = ou_xstrdup(p->storage_root);
	u->upper = ou_xstrdup(p->upper_override);
	u->state_dir = ou_xstrdup(state_dir);
	ou_undo_push(undo, "release upper", undo_claim, u, free_undo_claim);
	return 0;
}

static void plan_to_record(const struct ou_storage_plan *p, const char *rootfs,
			   struct ou_storage_record *r)
{
	memset(r, 0, sizeof(*r));
	r->layers_bottom_up = p->layers_bottom_up;
	r->upper = p->upper;
	r->work = p->work;
	r->keep_upper = p->upper_override != NULL;
	r->readonly = p->readonly;
	r->made_root = p->rootfs_missing ? (char *)rootfs : NULL;
	r->n_volumes = p->n_volumes;
	r->volumes = ou_xcalloc(p->n_volumes + 1, sizeof(*r->volumes));
	for (size_t i = 0; i < p->n_volumes; i++) {
		r->volumes[i].name = p->volumes[i].name;
		r->volumes[i].destination = p->volumes[i].destination;
		r->volumes[i].anonymous = p->volumes[i].anonymous;
		r->volumes[i].owned = p->volumes[i].owned;
		r->volumes[i].readonly = p->volumes[i].readonly;
	}
}

int ou_volume_plan_apply(struct ou_storage_plan *p, const char *id, const char *rootfs,
			 const char *state_dir, struct ou_undo *undo, struct ou_error **err)
{
	struct ou_volume_store *s = NULL;
	struct ou_storage_record r;
	int rc = -1;

	if (claim_upper(p, state_dir, undo, err) < 0)
		return -1;
	if (make_container_dir(p, id, rootfs, undo, err) < 0)
		return -1;
	/* The record first: a delete after a killed create releases what it lists. */
	plan_to_record(p, rootfs, &r);
	rc = ou_volume_record_save(p->storage_root, id, &r, err);
	free(r.volumes);
	if (rc < 0)
		return -1;
	if (p->n_volumes == 0)
		return 0;
	if (ou_volume_store_open(p->storage_root, &s, err) < 0)
		return -1;
	for (size_t i = 0; i < p->n_volumes; i++) {
		rc = attach_volume(p, s, &p->volumes[i], id, undo, err);
		if (rc < 0) {
			ou_error_prefix(err, "volume '%s' at '%s'", p->volumes[i].name,
					p->volumes[i].destination);
			break;
		}
	}
	ou_volume_store_free(s);
	return rc;
}

int ou_volume_record_load(const char *storage_root, const char *id, struct ou_storage_record *r,
			  struct ou_error **err)
{
	ou_autofree char *dir = ou_layers_container_dir(storage_root, id);
	ou_autofree char *path = ou_path_join(dir, OU_LAYERS_RECORD);
	ou_autofree char *json = NULL;
	size_t len = 0;

	memset(r, 0, sizeof(*r));
	if (access(path, F_OK) < 0)
		return ou_error_set(err, OU_E_NOT_FOUND, errno, "storage record of '%s'", id);
	if (ou_read_file(path, 0, &json, &len, err) < 0)
		return -1;
	return ou_volume_json_record_parse(json, len, r, err);
}

int ou_volume_record_save(const char *storage_root, const char *id,
			  const struct ou_storage_record *r, struct ou_error **err)
{
	ou_autofree char *dir = ou_layers_container_dir(storage_root, id);
	ou_autofree char *path = ou_path_join(dir, OU_LAYERS_RECORD);
	size_t len = 0;
	ou_autofree char *json = ou_volume_json_record_generate(r, &len);

	/*
	 * Not synced: the record is read only by commands that find the
	 * container's state directory, normally on a tmpfs that a power loss
	 * empties, so it must outlive the death of a process (the page cache
	 * does that), not a power loss.  The rename keeps it whole for
	 * readers; delete copes with one that a power loss left empty.
	 */
	return ou_write_file_replace(path, json, len, 0600, err);
}

/* In the container child */

int ou_volume_plan_mount_root(const struct ou_storage_plan *p, const char *rootfs,
			      struct ou_error **err)
{
	struct ou_overlay ov = {
		.lower_top_first = p->lower_top_first,
		.n_lower = p->layers_bottom_up.len,
		.upper = p->upper,
		.work = p->work,
	};

	if (p->layers_bottom_up.len == 0)
		return 0;
	if (ou_mount_overlay(&ov, rootfs, err) < 0) {
		ou_error_prefix(err, "%s", OU_UNION_LAYERS);
		return -1;
	}
	return 0;
}

/*
 * The image's content at the destination: resolved in a copy of the root
 * mount alone, so that what other mounts show there (procfs, sysfs, a
 * bind, another volume) is not copied.  *out is -1 if the image has no
 * directory there.
 */
static int open_image_dir(int rootfd, const char *dest, int *out, struct ou_error **err)
{
	ou_autoerror struct ou_error *e = NULL;
	ou_autoclose int image = ou_mount_clone_top(rootfd, "/", err);
	ou_autoclose int pfd = -1;
	ou_autofree char *p = NULL;

	*out = -1;
	if (image < 0)
		return -1;
	if (ou_rootfs_resolve(image, dest, 0, &pfd, &e) < 0)
		return 0;
	p = ou_xasprintf("/proc/self/fd/%d", pfd);
	*out = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return 0;
}

static int attach_one(const struct ou_storage_plan *p, int rootfd, const struct ou_volume_attach *a,
		      const struct ou_mount *m, struct ou_error **err)
{
	struct ou_volume_store s = { .dir = ou_xasprintf("%s/volumes", p->storage_root) };
	struct ou_strv none = { 0 };
	struct ou_mount_opts o;
	ou_autoclose int src = -1;
	ou_autoclose int fd = -1;
	ou_autoclose int data = -1;
	int rc = open_image_dir(rootfd, a->destination, &src, err);

	if (rc == 0)
		rc = ou_volume_store_fill(&s, a->name, src, err);
	if (rc == 0)
		data = ou_volume_store_open_data(&s, a->name, O_PATH, err);
	free(s.dir);
	if (data < 0)
		return -1;
	ou_mount_opts_parse(m != NULL ? &m->options : &none, &o);
	o.bind = o.rbind = true;
	if (a->readonly) {
		o.flags |= MS_RDONLY;
		o.clear &= ~(unsigned long)MS_RDONLY;
	}
	ou_log_debug("volume attach '%s' at '%s'", a->name, a->destination);
	rc = ou_rootfs_resolve(rootfd, a->destination, OU_RESOLVE_MKDIR, &fd, err);
	if (rc == 0)
		rc = ou_mount_bind_fd_at_fd(data, a->data, fd, a->destination, &o, err);
	ou_mount_opts_release(&o);
	return rc;
}

int ou_volume_plan_attach(const struct ou_storage_plan *p, int rootfd, size_t index,
			  const struct ou_mount *m, struct ou_error **err)
{
	for (size_t i = 0; i < p->n_volumes; i++) {
		const struct ou_volume_attach *a = &p->volumes[i];

		if (m != NULL ? a->mount_index != index : a->mount_index != SIZE_MAX)
			continue;
		if (attach_one(p, rootfd, a, m, err) < 0) {
			ou_error_prefix(err, "attach volume '%s' at '%s'", a->name, a->destination);
			return -1;
		}
	}
	return 0;
}

/* The volume commands */

static int open_store(const struct ou_global_opts *g, struct ou_volume_store **s,
		      struct ou_error **err)
{
	return ou_volume_store_open(g->storage_root ? g->storage_root : "/var/lib/ociunion", s,
				    err);
}

static int parse_labels(char *const *labels, struct ou_kv_list *out, struct ou_error **err)
{
	size_t n = 0;

	while (labels != NULL && labels[n] != NULL)
		n++;
	out->items = ou_xcalloc(n + 1, sizeof(*out->items));
	out->len = 0;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(labels[i], '=');

		if (eq == NULL || eq == labels[i])
			return ou_error_set(err, OU_E_INVALID, 0,
					    "volume create: --label '%s': must be KEY=VALUE",
					    labels[i]);
		out->items[i].key = ou_xstrndup(labels[i], (size_t)(eq - labels[i]));
		out->items[i].value = ou_xstrdup(eq + 1);
		out->len++;
	}
	return 0;
}

static void kv_release(struct ou_kv_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		free(l->items[i].key);
		free(l->items[i].value);
	}
	free(l->items);
}

int ou_volume_create(const struct ou_global_opts *g, const char *name, char *const *labels,
		     struct ou_error **err)
{
	struct ou_volume_store *s = NULL;
	struct ou_kv_list kv = { 0 };
	int rc = -1;

	if (parse_labels(labels, &kv, err) == 0 && open_store(g, &s, err) == 0)
		rc = ou_volume_store_create(s, name, &kv, false, true, NULL, err);
	if (rc == 0)
		printf("%s\n", name);
	kv_release(&kv);
	ou_volume_store_free(s);
	return rc;
}

/*
 * The metadata of names into metas and mps, *n of them.  Listing all
 * volumes (skip_unreadable), one whose meta.json cannot be read (damaged
 * by hand or by a power loss) is left out with a warning, so that it does
 * not hide the others; asked for by name, it is an error.
 */
static int load_all(struct ou_volume_store *s, char *const *names, size_t *n, bool skip_unreadable,
		    struct ou_volume_meta *metas, char **mps, struct ou_error **err)
{
	size_t kept = 0;

	for (size_t i = 0; i < *n; i++) {
		ou_autoerror struct ou_error *e = NULL;

		if (ou_volume_store_load(s, names[i], &metas[kept], &e) < 0) {
			if (!skip_unreadable || e->kind != OU_E_INVALID) {
				*err = ou_steal_ptr(&e);
				*n = kept;
				return -1;
			}
			ou_log_warning("volume ls: %s: left out", e->msg);
			continue;
		}
		mps[kept++] = ou_volume_store_data_path(s, names[i]);
	}
	*n = kept;
	return 0;
}

static void free_all(struct ou_volume_meta *metas, char **mps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ou_volume_json_meta_release(&metas[i]);
		free(mps[i]);
	}
	free(metas);
	free(mps);
}

static void print_table(const struct ou_volume_meta *m, char **mps, size_t n, bool quiet)
{
	if (!quiet)
		printf("%-64s  %-9s  %-5s  %s\n", "NAME", "KIND", "USERS", "MOUNTPOINT");
	for (size_t i = 0; i < n; i++) {
		if (quiet)
			printf("%s\n", m[i].name);
		else
			printf("%-64s  %-9s  %-5zu  %s\n", m[i].name,
			       m[i].anonymous ? "anonymous" : "named", m[i].used_by.len, mps[i]);
	}
}

static int show(struct ou_volume_store *s, char *const *names, size_t n, int mode,
		bool skip_unreadable, struct ou_error **err)
{
	struct ou_volume_meta *metas = ou_xcalloc(n + 1, sizeof(*metas));
	char **mps = ou_xcalloc(n + 1, sizeof(*mps));
	int rc = load_all(s, names, &n, skip_unreadable, metas, mps, err);

	if (rc == 0 && mode == OU_LIST_JSON) {
		ou_autofree char *json = ou_volume_json_inspect(metas, (const char *const *)mps, n);

		printf("%s\n", json);
	} else if (rc == 0) {
		print_table(metas, mps, n, mode == OU_LIST_QUIET);
	}
	free_all(metas, mps, n);
	return rc;
}

int ou_volume_list(const struct ou_global_opts *g, enum ou_list_format format,
		   struct ou_error **err)
{
	struct ou_volume_store *s = NULL;
	struct ou_strv names = { 0 };
	int rc = -1;

	if (open_store(g, &s, err) == 0 && ou_volume_store_list(s, &names, err) == 0)
		rc = show(s, names.v, names.len, (int)format, true, err);
	for (size_t i = 0; i < names.len; i++)
		free(names.v[i]);
	free(names.v);
	ou_volume_store_free(s);
	return rc;
}

int ou_volume_inspect(const struct ou_global_opts *g, char *const *names, size_t n,
		      struct ou_error **err)
{
	struct ou_volume_store *s = NULL;
	int rc = -1;

	if (open_store(g, &s, err) == 0)
		rc = show(s, names, n, OU_LIST_JSON, false, err);
	ou_volume_store_free(s);
	return rc;
}

int ou_volume_remove(const struct ou_global_opts *g, char *const *names, size_t n, bool force,
		     struct ou_error **err)
{
	struct ou_volume_store *s = NULL;
	int rc = 0;

	if (open_store(g, &s, err) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		ou_autoerror struct ou_error *e = NULL;

		if (ou_volume_store_remove(s, names[i], &e) == 0) {
			printf("%s\n", names[i]);
			continue;
		}
		/* -f as in docker: a missing volume is fine, one in use still is not. */
		if (force && e->kind == OU_E_NOT_FOUND)
			continue;
		*err = ou_steal_ptr(&e);
		rc = -1;
	}
	ou_volume_store_free(s);
	return rc;
}

int ou_volume_prune(const struct ou_global_opts *g, bool all, struct ou_error **err)
{
	struct ou_volume_store *s = NULL;
	struct ou_strv removed = { 0 };
	int rc = -1;

	if (open_store(g, &s, err) == 0)
		rc = ou_volume_store_prune(s, all, &removed, err);
	for (size_t i = 0; i < removed.len; i++) {
		printf("%s\n", removed.v[i]);
		free(removed.v[i]);
	}
	free(removed.v);
	ou_volume_store_free(s);
	return rc;
}
