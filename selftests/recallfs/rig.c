// SPDX-License-Identifier: GPL-2.0
/*
 * recallfs selftests: helpers shared by the test programs that mount recallfs
 * over NFS (cache_test, trust_test): environment, NFS RPC counts from
 * /proc/self/mountstats, the kernel log, and /sys/fs/recallfs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "rig.h"
#include "util.h"

const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

const char *errname(int err)
{
	return err ? strerror(err) : "success";
}

void *xmalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p)
		abort();
	return p;
}

void *xrealloc_array(void *p, size_t n, size_t size)
{
	p = realloc(p, (n ? n : 1) * size);
	if (!p)
		abort();
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

	sync();
	if (fd >= 0) {
		if (write(fd, "2", 1) < 0)
			perror("drop_caches");
		close(fd);
	}
}

int enter_private_ns(void)
{
	if (unshare(CLONE_NEWNS))
		return errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return errno;
	return 0;
}

int write_text(const char *path, const char *text)
{
	ssize_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return errno;
	if (write(fd, text, len) != len) {
		int err = errno ? errno : EIO;

		close(fd);
		return err;
	}
	return close(fd) ? errno : 0;
}

/* ------------------------------------------------------------------ */
/* NFS RPC counts from /proc/self/mountstats.                          */

const char *const rpc_names[RPC_N] = {
	"LOOKUP", "GETATTR", "ACCESS", "READDIR", "READDIRPLUS", "READLINK", "OPEN", "CLOSE",
	"READ",
};

/*
 * The mountstats operations each count adds up: NFSv4.1+ opens a file it
 * knows the handle of with OPEN_NOATTR (CLAIM_FH), and NFSv4.2 reads with
 * READ_PLUS where the server has it.
 */
static const struct {
	const char *name;
	int count;
} rpc_ops[] = {
	{ "LOOKUP", RPC_LOOKUP }, { "GETATTR", RPC_GETATTR }, { "ACCESS", RPC_ACCESS },
	{ "READDIR", RPC_READDIR }, { "READDIRPLUS", RPC_READDIRPLUS },
	{ "READLINK", RPC_READLINK }, { "OPEN", RPC_OPEN }, { "OPEN_NOATTR", RPC_OPEN },
	{ "CLOSE", RPC_CLOSE }, { "READ", RPC_READ }, { "READ_PLUS", RPC_READ },
};

/*
 * Ops counts of the NFS mount whose mount point is the longest prefix of
 * path.  Returns 0, ENOENT if no NFS mount holds path, or an errno.
 */
int nfs_rpcs(const char *path, struct rpcs *out, char *mnt_out,
		    size_t mnt_size)
{
	char line[1024], mnt[PATH_MAX], type[32], best[PATH_MAX] = "";
	struct rpcs cur, best_rpcs;
	bool in = false;
	FILE *f;

	memset(out, 0, sizeof(*out));
	memset(&best_rpcs, 0, sizeof(best_rpcs));
	memset(&cur, 0, sizeof(cur));
	f = fopen("/proc/self/mountstats", "re");
	if (!f)
		return errno;
	for (;;) {
		bool eof = !fgets(line, sizeof(line), f);

		if (eof || !strncmp(line, "device ", 7)) {
			/* Close the previous block. */
			if (in) {
				best_rpcs = cur;
				in = false;
			}
			if (eof)
				break;
			if (sscanf(line, "device %*s mounted on %4095s with fstype %31s",
				   mnt, type) != 2)
				continue;
			if (strcmp(type, "nfs") && strcmp(type, "nfs4"))
				continue;
			{
				size_t ml = strlen(mnt);

				if (strncmp(path, mnt, ml) ||
				    (path[ml] != '/' && path[ml] != '\0' &&
				     strcmp(mnt, "/")))
					continue;
				if (strlen(best) && strlen(best) >= ml)
					continue;
			}
			snprintf(best, sizeof(best), "%s", mnt);
			memset(&cur, 0, sizeof(cur));
			in = true;
			continue;
		}
		if (!in)
			continue;
		{
			char *p = line, *colon;

			while (*p == ' ' || *p == '\t')
				p++;
			colon = strchr(p, ':');
			if (!colon)
				continue;
			*colon = '\0';
			for (size_t i = 0; i < ARRAY_SIZE(rpc_ops); i++)
				if (!strcmp(p, rpc_ops[i].name))
					cur.v[rpc_ops[i].count] += strtoull(colon + 1, NULL, 10);
		}
	}
	fclose(f);
	if (!best[0])
		return ENOENT;
	*out = best_rpcs;
	if (mnt_out)
		snprintf(mnt_out, mnt_size, "%s", best);
	return 0;
}

struct rpcs rpc_delta(const struct rpcs *a, const struct rpcs *b)
{
	struct rpcs d;

	for (int i = 0; i < RPC_N; i++)
		d.v[i] = b->v[i] - a->v[i];
	return d;
}

unsigned long long rpc_total(const struct rpcs *d)
{
	unsigned long long t = 0;

	for (int i = 0; i < RPC_N; i++)
		t += d->v[i];
	return t;
}

void rpc_format(const struct rpcs *d, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < RPC_N; i++) {
		int n = snprintf(out + len, size - len, "%s%s=%llu",
				 i ? " " : "", rpc_names[i], d->v[i]);

		if (n < 0 || (size_t)n >= size - len)
			break;
		len += n;
	}
}

/* ------------------------------------------------------------------ */
/* Kernel log.                                                          */

/*
 * One kernel report (WARN, BUG, ...) from its first bad line on. Only one
 * kind is not counted in k->bad: a WARNING raised in one of the guest's NFS
 * server threads (its "Comm:" line names the WARNING's PID and nfsd: the
 * test's fixture, never recallfs code), complete up to its "---[ end trace",
 * with no recallfs frame and no bad line but its own WARNING and "Call
 * Trace". That is the server's own bug (5.10's nfsd_read has underflowed an
 * nfsd_file refcount under stress_test): counted in k->server_reports. A
 * bad line that opens a new report while one is open ends the open one,
 * counted. The same rule as selftests/vm/kernel-reports.awk.
 */
struct klog_report {
	unsigned int bad;	/* its lines that match a bad pattern */
	long pid;		/* of its WARNING line, or -1: not a WARNING */
	bool nfsd, ours;
	char first[512];
};

static bool klog_is_bad(const char *msg)
{
	/* What check.sh's kernel_bad matches in the whole log, here per test. */
	static const char *const bad[] = {
		"WARNING:", "BUG:", "Oops", "general protection", "KASAN",
		"UBSAN", "circular locking", "lockdep is turned off", "DEBUG_LOCKS_WARN_ON",
		"blocked for more than", "Call Trace", "ernel panic", "Busy inodes",
		"unreferenced object",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (strstr(msg, bad[i]))
			return true;
	return false;
}

static void klog_end_report(struct klog *k, struct klog_report *r, bool complete)
{
	bool server = complete && r->nfsd && !r->ours;

	if (r->bad && server) {
		if (!k->server_reports++)
			snprintf(k->first_server, sizeof(k->first_server), "%s", r->first);
		note("kernel log: a WARNING of the NFS server's own (Comm: nfsd, no recallfs frame), not counted: %s\n",
		     r->first);
	} else if (r->bad) {
		if (!k->bad)
			snprintf(k->first_bad, sizeof(k->first_bad), "%s", r->first);
		k->bad += r->bad;
	}
	memset(r, 0, sizeof(*r));
}

/* "CPU: N [UID: U ]PID: P Comm: nfsd ...": the task of the report's WARNING. */
static bool klog_is_nfsd_task(const char *msg, long pid)
{
	const char *p = strstr(msg, "PID: ");
	char *end;

	if (strncmp(msg, "CPU: ", 5) || !p || strtol(p + 5, &end, 10) != pid)
		return false;
	return !strncmp(end, " Comm: nfsd ", 12);
}

static void klog_report_line(struct klog *k, struct klog_report *r, const char *msg)
{
	int len = (int)strcspn(msg, "\n");
	bool bad = klog_is_bad(msg), trace = !strncmp(msg, "Call Trace", 10);
	long pid;

	if (r->bad && bad && !trace)
		klog_end_report(k, r, false);
	if (!r->bad && !bad)
		return;
	if (!r->bad) {
		snprintf(r->first, sizeof(r->first), "%.*s", len, msg);
		r->pid = sscanf(msg, "WARNING: CPU: %*d PID: %ld ", &pid) == 1 ? pid : -1;
	}
	r->bad += bad;
	if (r->pid >= 0 && klog_is_nfsd_task(msg, r->pid))
		r->nfsd = true;
	if (strstr(msg, "recallfs") && strncmp(msg, "Modules linked in:", 18))
		r->ours = true;
	if (strstr(msg, "---[ end trace"))
		klog_end_report(k, r, true);
}

void klog_scan(int fd, struct klog *k)
{
	struct klog_report r = { 0 };
	char rec[8192];
	ssize_t n;

	memset(k, 0, sizeof(*k));
	if (fd < 0)
		return;
	for (;;) {
		const char *msg;
		int prio;

		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		prio = atoi(rec) & 7;
		/* Every report lists the loaded modules, recallfs among them. */
		if (strstr(msg, "recallfs") && prio <= 4 && strncmp(msg, "Modules linked in:", 18)) {
			if (!k->recallfs_warnings++)
				snprintf(k->first_warning,
					 sizeof(k->first_warning), "%.*s",
					 (int)strcspn(msg, "\n"), msg);
		}
		klog_report_line(k, &r, msg);
	}
	klog_end_report(k, &r, false);
}

void sysfs_path(char *out, size_t size, const char *name,
		       const char *attr)
{
	xsnprintf(out, size, SYSFS_ROOT "/%s/%s", name, attr);
}

/* Write len bytes to /sys/fs/recallfs/name/attr; 0 or errno. */
int sysfs_write(const char *name, const char *attr, const char *buf,
		       size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	sysfs_path(path, sizeof(path), name, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	n = write(fd, buf, len);
	if (n < 0) {
		int err = errno;

		close(fd);
		return err;
	}
	close(fd);
	return (size_t)n == len ? 0 : EMSGSIZE;
}

int sysfs_puts(const char *name, const char *attr, const char *s)
{
	return sysfs_write(name, attr, s, strlen(s));
}


int sysfs_read(const char *name, const char *attr, char *out,
		      size_t size)
{
	char path[PATH_MAX], *buf;
	size_t len;
	int err;

	sysfs_path(path, sizeof(path), name, attr);
	err = read_file(path, &buf, &len);
	if (err)
		return err;
	snprintf(out, size, "%.*s", (int)len, buf);
	free(buf);
	return 0;
}

const char *const stat_keys[NSTATS] = {
	"lookups", "negative_hits", "positive_hits", "lower_lookups", "handle_binds",
	"lower_opens", "shared_opens", "revalidations", "invalidations", "not_admitted", "evicted", "shrunk", "entries",
	"directories", "memory_bytes", "entry_bytes", "journal_bytes", "records", "replayed",
	"truncated", "errors", "seeds", "seed_dirs", "seed_listings", "feed_checks",
	"feed_invalidations", "feed_resets",
};
struct stats read_stats(const char *name)
{
	char buf[4096];
	struct stats s;

	for (size_t i = 0; i < NSTATS; i++)
		s.v[i] = -1;
	s.ok = !sysfs_read(name, "stats", buf, sizeof(buf));
	if (!s.ok)
		return s;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char key[64];
		long long val;

		if (sscanf(line, "%63s %lld", key, &val) != 2)
			continue;
		for (size_t i = 0; i < NSTATS; i++)
			if (!strcmp(key, stat_keys[i]))
				s.v[i] = val;
	}
	return s;
}

long long stat_of(const struct stats *s, const char *key)
{
	for (size_t i = 0; i < NSTATS; i++)
		if (!strcmp(key, stat_keys[i]))
			return s->v[i];
	return -1;
}

/* ---- acting as another user: a child with that uid and gid, no groups ---- */

/* errno of @op on @path as @uid (0: it worked), or -1 if the child failed. */
int as_user(uid_t uid, enum user_op op, const char *path)
{
	int status, err = 0;
	char c, names[4096];
	struct stat st;
	ssize_t len;
	pid_t pid;
	DIR *d;
	int fd;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
			_exit(255);
		switch (op) {
		case OP_LSTAT:
			err = lstat(path, &st) ? errno : 0;
			break;
		case OP_READ:
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || read(fd, &c, 1) < 0)
				err = errno;
			if (fd >= 0)
				close(fd);
			break;
		case OP_OPENDIR:
			d = opendir(path);
			err = d ? 0 : errno;
			if (d)
				closedir(d);
			break;
		case OP_LISTXATTR:
			len = llistxattr(path, names, sizeof(names));
			err = len < 0 ? errno : len ? 0 : ENODATA;
			break;
		}
		_exit(err);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) == 255)
		return -1;
	return WEXITSTATUS(status);
}
