// SPDX-License-Identifier: GPL-2.0
/*
 * A FUSE server for the selftests, on the kernel's protocol (linux/fuse.h):
 * see fuse_lower.h. A child process serves /dev/fuse and a control pipe;
 * it alone holds the device, so that when it dies (with the test: it is in
 * the test's process group, and gets SIGKILL when the test's thread that
 * started it ends) the connection ends, and no task of the test is left
 * waiting for an answer. The tree, the counters and the held request are in
 * shared memory, under one process-shared mutex. Removed nodes stay in the
 * table, detached: a held request still names one.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <stddef.h>	/* offsetof, for FUSE_NAME_OFFSET in older headers */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuse_lower.h"

#define FL_MAX_NODES	256
#define FL_NAME_MAX	64
#define FL_HOLD_MAX	8
#define FL_MISSED_MAX	16
#define FL_BUF_SIZE	(64 * 1024)
#define FL_MAX_WRITE	(32 * 1024)
/* As NFS with actimeo=3600: the client trusts what it was told for an hour. */
#define FL_VALID_SECS	3600

struct fl_node {
	char name[FL_NAME_MAX];
	char target[FL_NAME_MAX];	/* symlinks */
	uint64_t parent;	/* nodeid; the root's is itself; 0: removed */
	mode_t mode;
	bool hidden;		/* found by LOOKUP, never listed */
	unsigned long change;	/* bumped when a child is added */
	unsigned long lookups;	/* LOOKUPs of this name that found it */
};

struct fuse_lower {
	char mnt[4096];
	/* The server's descriptors (the test closes its copies of dev and ctl[0]). */
	int dev;
	int ctl[2];		/* control pipe: 'r' release, 'n' notify, 'q' quit */
	pid_t server;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fl_node nodes[FL_MAX_NODES];	/* nodeid = index + 1 */
	unsigned int nr_nodes;
	unsigned int readdir_batch;
	struct fuse_lower_counts counts;
	/* LOOKUPs that found nothing, by name (the first FL_MISSED_MAX names). */
	char missed[FL_MISSED_MAX][FL_NAME_MAX];
	unsigned long missed_count[FL_MISSED_MAX];
	/* The hold. */
	uint32_t hold_opcode;
	uint64_t hold_nodes[FL_HOLD_MAX];
	int hold_n;
	unsigned int hold_pass;
	int passed;		/* index in hold_nodes of the first answered */
	int held;		/* index of the held one, or -1 */
	uint32_t held_opcode;
	uint64_t held_unique, held_node;
	/* A notification the test asked the server to send. */
	bool notify_pending;
	int notify_err;
	uint64_t notify_parent;
	char notify_name[FL_NAME_MAX];
};

static struct fl_node *fl_node(struct fuse_lower *fl, uint64_t id)
{
	return id >= 1 && id <= fl->nr_nodes ? &fl->nodes[id - 1] : NULL;
}

static uint64_t fl_child(struct fuse_lower *fl, uint64_t parent, const char *name)
{
	if (!parent)
		return 0;
	for (unsigned int i = 1; i < fl->nr_nodes; i++)
		if (fl->nodes[i].parent == parent && !strcmp(fl->nodes[i].name, name))
			return i + 1;
	return 0;
}

/* The nodeid of @path, 0 if none; caller holds the lock. */
static uint64_t fl_resolve(struct fuse_lower *fl, const char *path)
{
	char buf[4096], *save, *name;
	uint64_t id = 1;

	snprintf(buf, sizeof(buf), "%s", path);
	for (name = strtok_r(buf, "/", &save); name && id; name = strtok_r(NULL, "/", &save))
		id = fl_child(fl, id, name);
	return id;
}

static void fl_attr(struct fuse_lower *fl, uint64_t id, struct fuse_attr *a)
{
	const struct fl_node *n = fl_node(fl, id);

	memset(a, 0, sizeof(*a));
	a->ino = id;
	a->mode = n->mode;
	a->nlink = S_ISDIR(n->mode) ? 2 : 1;
	a->size = S_ISLNK(n->mode) ? strlen(n->target) : 0;
	a->blksize = 4096;
	/* Each change is a new second: stamps differ whatever the clock. */
	a->mtime = a->ctime = a->atime = 1000000 + n->change;
}

static void fl_reply(struct fuse_lower *fl, uint64_t unique, int error, const void *arg,
		     size_t size)
{
	struct fuse_out_header out = {
		.len = sizeof(out) + (error ? 0 : size),
		.error = error,
		.unique = unique,
	};
	struct iovec iov[2] = {
		{ .iov_base = &out, .iov_len = sizeof(out) },
		{ .iov_base = (void *)arg, .iov_len = error ? 0 : size },
	};

	/* ENOENT: the kernel gave up on the request (interrupted); nothing to do. */
	if (writev(fl->dev, iov, 2) < 0 && errno != ENOENT)
		fprintf(stderr, "# fuse_lower: reply to %llu: %s\n",
			(unsigned long long)unique, strerror(errno));
}

static void fl_init(struct fuse_lower *fl, uint64_t unique, const struct fuse_init_in *in)
{
	struct fuse_init_out out = {
		.major = FUSE_KERNEL_VERSION,
		.minor = in->minor < FUSE_KERNEL_MINOR_VERSION ? in->minor :
			 FUSE_KERNEL_MINOR_VERSION,
		.max_readahead = in->max_readahead,
		.max_write = FL_MAX_WRITE,
		.max_background = 16,
		.congestion_threshold = 12,
		.time_gran = 1,
	};

	fl_reply(fl, unique, 0, &out, sizeof(out));
}

static void fl_note_miss(struct fuse_lower *fl, const char *name)
{
	int i;

	for (i = 0; i < FL_MISSED_MAX && fl->missed[i][0]; i++)
		if (!strcmp(fl->missed[i], name))
			break;
	if (i == FL_MISSED_MAX)
		return;
	snprintf(fl->missed[i], FL_NAME_MAX, "%s", name);
	fl->missed_count[i]++;
}

static void fl_lookup(struct fuse_lower *fl, const struct fuse_in_header *h, const char *name)
{
	struct fuse_entry_out out = {
		.entry_valid = FL_VALID_SECS,
		.attr_valid = FL_VALID_SECS,
	};
	uint64_t id = fl_child(fl, h->nodeid, name);

	fl->counts.lookups++;
	if (id) {
		fl_node(fl, id)->lookups++;
		out.nodeid = id;
		out.generation = 1;
		fl_attr(fl, id, &out.attr);
	} else {
		fl_note_miss(fl, name);	/* nodeid 0: a missing name, cached as one */
	}
	fl_reply(fl, h->unique, 0, &out, sizeof(out));
}

static void fl_answer_getattr(struct fuse_lower *fl, uint64_t unique, uint64_t id)
{
	struct fuse_attr_out out = { .attr_valid = FL_VALID_SECS };

	if (!fl_node(fl, id)) {
		fl_reply(fl, unique, -ENOENT, NULL, 0);
		return;
	}
	fl_attr(fl, id, &out.attr);
	fl_reply(fl, unique, 0, &out, sizeof(out));
}

static void fl_answer_readlink(struct fuse_lower *fl, uint64_t unique, uint64_t id)
{
	const struct fl_node *n = fl_node(fl, id);

	if (!n || !S_ISLNK(n->mode))
		fl_reply(fl, unique, -EINVAL, NULL, 0);
	else
		fl_reply(fl, unique, 0, n->target, strlen(n->target));
}

static void fl_answer(struct fuse_lower *fl, uint32_t opcode, uint64_t unique, uint64_t id)
{
	if (opcode == FUSE_READLINK)
		fl_answer_readlink(fl, unique, id);
	else
		fl_answer_getattr(fl, unique, id);
}

/* Answer a GETATTR or READLINK, unless it is the one to hold. */
static void fl_holdable(struct fuse_lower *fl, const struct fuse_in_header *h)
{
	for (int i = 0; i < fl->hold_n && fl->held < 0; i++) {
		if (fl->hold_opcode != h->opcode || fl->hold_nodes[i] != h->nodeid)
			continue;
		if (fl->hold_pass) {
			fl->hold_pass--;
			if (fl->passed < 0)
				fl->passed = i;
			break;
		}
		fl->held = i;
		fl->held_opcode = h->opcode;
		fl->held_unique = h->unique;
		fl->held_node = h->nodeid;
		fl->hold_n = 0;
		pthread_cond_broadcast(&fl->cond);
		return;
	}
	fl_answer(fl, h->opcode, h->unique, h->nodeid);
}

static void fl_readdir(struct fuse_lower *fl, const struct fuse_in_header *h,
		       const struct fuse_read_in *in)
{
	char buf[FL_MAX_WRITE];
	size_t used = 0, size = in->size < sizeof(buf) ? in->size : sizeof(buf);
	unsigned int listed = 0, sent = 0;

	fl->counts.readdirs++;
	for (unsigned int i = 1; i < fl->nr_nodes; i++) {
		const struct fl_node *n = &fl->nodes[i];
		struct fuse_dirent *d = (struct fuse_dirent *)(buf + used);
		size_t len;

		if (n->parent != h->nodeid || n->hidden)
			continue;
		if (listed++ < in->offset)
			continue;
		len = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + strlen(n->name));
		if (used + len > size || (fl->readdir_batch && sent == fl->readdir_batch))
			break;
		memset(d, 0, len);
		d->ino = i + 1;
		d->off = listed;
		d->namelen = strlen(n->name);
		d->type = (n->mode & S_IFMT) >> 12;
		memcpy(d->name, n->name, d->namelen);
		used += len;
		sent++;
	}
	fl_reply(fl, h->unique, 0, buf, used);
}

static void fl_handle(struct fuse_lower *fl, const char *req)
{
	const struct fuse_in_header *h = (const void *)req;
	const void *arg = req + sizeof(*h);
	struct fuse_open_out open_out = { .fh = 1 };

	switch (h->opcode) {
	case FUSE_INIT:
		fl_init(fl, h->unique, arg);
		break;
	case FUSE_LOOKUP:
		fl_lookup(fl, h, arg);
		break;
	case FUSE_GETATTR:
		fl_holdable(fl, h);
		break;
	case FUSE_READLINK:
		fl_holdable(fl, h);
		break;
	case FUSE_OPENDIR:
		fl_reply(fl, h->unique, 0, &open_out, sizeof(open_out));
		break;
	case FUSE_READDIR:
		fl_readdir(fl, h, arg);
		break;
	case FUSE_RELEASEDIR:
		fl_reply(fl, h->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break;		/* no reply */
	default:
		/* ACCESS, GETXATTR, STATFS...: the kernel does without. */
		fl_reply(fl, h->unique, -ENOSYS, NULL, 0);
		break;
	}
}

static int fl_notify_inval_entry(struct fuse_lower *fl, uint64_t parent, const char *name);

/* A control byte: false to stop serving. */
static bool fl_control(struct fuse_lower *fl)
{
	uint64_t parent;
	char c, name[FL_NAME_MAX];
	int err;

	if (read(fl->ctl[0], &c, 1) != 1 || c == 'q')
		return false;
	pthread_mutex_lock(&fl->lock);
	if (c == 'r') {
		/* Answered, and nothing more is held. */
		if (fl->held >= 0)
			fl_answer(fl, fl->held_opcode, fl->held_unique, fl->held_node);
		fl->held = -1;
		fl->hold_n = 0;
	}
	if (c != 'n' || !fl->notify_pending) {
		pthread_mutex_unlock(&fl->lock);
		return true;
	}
	parent = fl->notify_parent;
	memcpy(name, fl->notify_name, sizeof(name));
	pthread_mutex_unlock(&fl->lock);
	/*
	 * Outside the lock: the kernel may wait on a request served under it.
	 * No request is served while this waits for the parent's inode lock:
	 * a test must not send one while a lookup in that directory waits.
	 */
	err = fl_notify_inval_entry(fl, parent, name);
	pthread_mutex_lock(&fl->lock);
	fl->notify_err = err;
	fl->notify_pending = false;
	pthread_cond_broadcast(&fl->cond);
	pthread_mutex_unlock(&fl->lock);
	return true;
}

static void fl_serve(struct fuse_lower *fl)
{
	char *req = malloc(FL_BUF_SIZE);

	while (req) {
		struct pollfd p[2] = {
			{ .fd = fl->dev, .events = POLLIN },
			{ .fd = fl->ctl[0], .events = POLLIN },
		};
		ssize_t n;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents && !fl_control(fl))
			break;
		if (!p[0].revents)
			continue;
		if (p[0].revents & (POLLERR | POLLHUP))
			break;
		n = read(fl->dev, req, FL_BUF_SIZE);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(struct fuse_in_header))
			break;	/* ENODEV: unmounted */
		pthread_mutex_lock(&fl->lock);
		fl_handle(fl, req);
		pthread_mutex_unlock(&fl->lock);
	}
	free(req);
}

/* One control byte to the server: 1, or -1 (errno set). */
static ssize_t fl_send(struct fuse_lower *fl, char c)
{
	return send(fl->ctl[1], &c, 1, MSG_NOSIGNAL);
}

static void fl_init_shared(struct fuse_lower *fl)
{
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&fl->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_cond_init(&fl->cond, &ca);
	pthread_condattr_destroy(&ca);
}

/* The server process: serve until told to quit, the test goes, or the mount does. */
static void fl_server_main(struct fuse_lower *fl, pid_t test)
{
	close(fl->ctl[1]);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != test)
		_exit(1);
	fl_serve(fl);
	_exit(0);
}

struct fuse_lower *fuse_lower_start(const char *mnt)
{
	struct fuse_lower *fl;
	char opts[128];
	pid_t test;
	int err;

	fl = mmap(NULL, sizeof(*fl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fl == MAP_FAILED)
		return NULL;
	snprintf(fl->mnt, sizeof(fl->mnt), "%s", mnt);
	fl->ctl[0] = fl->ctl[1] = -1;
	fl->held = fl->passed = -1;
	fl_init_shared(fl);
	fl->nodes[0] = (struct fl_node){ .parent = 1, .mode = S_IFDIR | 0755 };
	fl->nr_nodes = 1;
	fl->dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	/* A socket pair, not a pipe: a byte sent after the server left is EPIPE, not SIGPIPE. */
	if (fl->dev < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fl->ctl))
		goto fail;
	/* default_permissions: the kernel checks modes, as on NFS (no ACCESS requests). */
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40755,user_id=0,group_id=0,allow_other,default_permissions", fl->dev);
	if (mount("fuse_lower", mnt, "fuse", MS_NOSUID | MS_NODEV, opts))
		goto fail;
	test = getpid();
	fl->server = fork();
	if (fl->server == 0)
		fl_server_main(fl, test);
	if (fl->server < 0) {
		err = errno;
		umount2(mnt, MNT_DETACH);
		errno = err;
		goto fail;
	}
	/* Only the server holds the device and reads the pipe (the fields stay its). */
	close(fl->dev);
	close(fl->ctl[0]);
	return fl;
fail:
	err = errno;
	fuse_lower_stop(fl);
	errno = err;
	return NULL;
}

void fuse_lower_stop(struct fuse_lower *fl)
{
	if (!fl)
		return;
	if (fl->server > 0) {
		fuse_lower_release(fl);
		umount2(fl->mnt, MNT_DETACH);
		if (fl_send(fl, 'q') != 1 && errno != EPIPE)
			fprintf(stderr, "# fuse_lower: stop: %s\n", strerror(errno));
		/* Its exit closes the device: the connection ends, nothing waits on it. */
		waitpid(fl->server, NULL, 0);
		close(fl->ctl[1]);
	} else {
		/* Not started: the descriptors are still ours. */
		if (fl->dev >= 0)
			close(fl->dev);
		if (fl->ctl[0] >= 0)
			close(fl->ctl[0]);
		if (fl->ctl[1] >= 0)
			close(fl->ctl[1]);
	}
	pthread_cond_destroy(&fl->cond);
	pthread_mutex_destroy(&fl->lock);
	munmap(fl, sizeof(*fl));
}

static int fl_add(struct fuse_lower *fl, const char *path, mode_t mode, const char *target,
		  bool seen)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	char parent[4096];
	uint64_t pid;
	int err = 0;

	snprintf(parent, sizeof(parent), "%.*s", slash ? (int)(slash - path) : 0, path);
	pthread_mutex_lock(&fl->lock);
	pid = fl_resolve(fl, parent);
	if (!pid || !S_ISDIR(fl_node(fl, pid)->mode))
		err = ENOENT;
	else if (fl_child(fl, pid, name))
		err = EEXIST;
	else if (fl->nr_nodes == FL_MAX_NODES || strlen(name) >= FL_NAME_MAX || !*name ||
		 strlen(target) >= FL_NAME_MAX)
		err = ENOSPC;
	if (!err) {
		struct fl_node *n = &fl->nodes[fl->nr_nodes++];

		snprintf(n->name, sizeof(n->name), "%s", name);
		snprintf(n->target, sizeof(n->target), "%s", target);
		n->parent = pid;
		n->mode = mode;
		if (seen)
			fl_node(fl, pid)->change++;
	}
	pthread_mutex_unlock(&fl->lock);
	return err;
}

int fuse_lower_add(struct fuse_lower *fl, const char *path, mode_t mode)
{
	return fl_add(fl, path, mode, "", true);
}

int fuse_lower_add_unseen(struct fuse_lower *fl, const char *path, mode_t mode)
{
	return fl_add(fl, path, mode, "", false);
}

int fuse_lower_symlink(struct fuse_lower *fl, const char *path, const char *target)
{
	return fl_add(fl, path, S_IFLNK | 0777, target, true);
}

/* Tell the client that @name in @parent is gone (outside the lock: it may wait on us). */
static int fl_notify_inval_entry(struct fuse_lower *fl, uint64_t parent, const char *name)
{
	struct fuse_notify_inval_entry_out arg = { .parent = parent, .namelen = strlen(name) };
	struct fuse_out_header out = {
		.len = sizeof(out) + sizeof(arg) + arg.namelen + 1,
		.error = FUSE_NOTIFY_INVAL_ENTRY,
	};
	struct iovec iov[3] = {
		{ .iov_base = &out, .iov_len = sizeof(out) },
		{ .iov_base = &arg, .iov_len = sizeof(arg) },
		{ .iov_base = (void *)name, .iov_len = arg.namelen + 1 },
	};

	return writev(fl->dev, iov, 3) < 0 ? errno : 0;
}

/* Have the server send the notification (it holds the device); lock held, dropped. */
static int fl_ask_notify(struct fuse_lower *fl, uint64_t parent, const char *name)
{
	struct timespec until;
	int err;

	fl->notify_parent = parent;
	snprintf(fl->notify_name, sizeof(fl->notify_name), "%s", name);
	fl->notify_pending = true;
	if (fl_send(fl, 'n') != 1) {
		fl->notify_pending = false;
		pthread_mutex_unlock(&fl->lock);
		return EIO;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	while (fl->notify_pending &&
	       pthread_cond_timedwait(&fl->cond, &fl->lock, &until) != ETIMEDOUT)
		;
	err = fl->notify_pending ? ETIMEDOUT : fl->notify_err;
	pthread_mutex_unlock(&fl->lock);
	return err;
}

int fuse_lower_remove(struct fuse_lower *fl, const char *path)
{
	char name[FL_NAME_MAX];
	uint64_t id, parent = 0;

	pthread_mutex_lock(&fl->lock);
	id = fl_resolve(fl, path);
	if (id > 1) {
		struct fl_node *n = fl_node(fl, id);

		parent = n->parent;
		snprintf(name, sizeof(name), "%s", n->name);
		fl_node(fl, parent)->change++;
		n->parent = 0;
	}
	if (!parent) {
		pthread_mutex_unlock(&fl->lock);
		return ENOENT;
	}
	return fl_ask_notify(fl, parent, name);
}

int fuse_lower_chmod(struct fuse_lower *fl, const char *path, mode_t mode)
{
	uint64_t id;

	pthread_mutex_lock(&fl->lock);
	id = fl_resolve(fl, path);
	if (id) {
		struct fl_node *n = fl_node(fl, id);

		n->mode = (n->mode & S_IFMT) | (mode & 07777);
		n->change++;	/* its ctime */
	}
	pthread_mutex_unlock(&fl->lock);
	return id ? 0 : ENOENT;
}

int fuse_lower_hide(struct fuse_lower *fl, const char *path)
{
	uint64_t id;

	pthread_mutex_lock(&fl->lock);
	id = fl_resolve(fl, path);
	if (id > 1)
		fl_node(fl, id)->hidden = true;
	pthread_mutex_unlock(&fl->lock);
	return id > 1 ? 0 : ENOENT;
}

void fuse_lower_set_readdir_batch(struct fuse_lower *fl, unsigned int n)
{
	pthread_mutex_lock(&fl->lock);
	fl->readdir_batch = n;
	pthread_mutex_unlock(&fl->lock);
}

int fuse_lower_hold(struct fuse_lower *fl, enum fuse_lower_op op, const char *const paths[],
		    int n, unsigned int pass)
{
	int err = 0;

	if (n > FL_HOLD_MAX)
		return EINVAL;
	pthread_mutex_lock(&fl->lock);
	for (int i = 0; i < n && !err; i++) {
		fl->hold_nodes[i] = fl_resolve(fl, paths[i]);
		if (!fl->hold_nodes[i])
			err = ENOENT;
	}
	if (!err) {
		fl->hold_opcode = op == FUSE_LOWER_READLINK ? FUSE_READLINK : FUSE_GETATTR;
		fl->hold_n = n;
		fl->hold_pass = pass;
		fl->passed = -1;
	}
	pthread_mutex_unlock(&fl->lock);
	return err;
}

int fuse_lower_wait_held(struct fuse_lower *fl, int timeout)
{
	struct timespec until;
	int held;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout;
	pthread_mutex_lock(&fl->lock);
	while (fl->held < 0 &&
	       pthread_cond_timedwait(&fl->cond, &fl->lock, &until) != ETIMEDOUT)
		;
	held = fl->held;
	pthread_mutex_unlock(&fl->lock);
	return held;
}

int fuse_lower_passed(struct fuse_lower *fl)
{
	int passed;

	pthread_mutex_lock(&fl->lock);
	passed = fl->passed;
	pthread_mutex_unlock(&fl->lock);
	return passed;
}

void fuse_lower_release(struct fuse_lower *fl)
{
	if (fl_send(fl, 'r') != 1 && errno != EPIPE)
		fprintf(stderr, "# fuse_lower: release: %s\n", strerror(errno));
}

void fuse_lower_counts(struct fuse_lower *fl, struct fuse_lower_counts *out)
{
	pthread_mutex_lock(&fl->lock);
	*out = fl->counts;
	pthread_mutex_unlock(&fl->lock);
}

unsigned long fuse_lower_lookups_of(struct fuse_lower *fl, const char *name)
{
	unsigned long n = 0;

	pthread_mutex_lock(&fl->lock);
	for (unsigned int i = 1; i < fl->nr_nodes; i++)
		if (!strcmp(fl->nodes[i].name, name))
			n += fl->nodes[i].lookups;
	for (int i = 0; i < FL_MISSED_MAX; i++)
		if (!strcmp(fl->missed[i], name))
			n += fl->missed_count[i];
	pthread_mutex_unlock(&fl->lock);
	return n;
}
