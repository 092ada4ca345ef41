#include "scp_upload.h"
#include "scp_arena.h"
#include "scp_config.h"
#include "scp_hmac.h"
#include "scp_log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum scp_file_type scp_upload_detect(const void *data, size_t len)
{
	const unsigned char *d = data;

	if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return SCP_FILE_JPEG;
	if (len >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
		return SCP_FILE_PNG;
	if (len >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
		return SCP_FILE_WEBP;
	if (len >= 5 && !memcmp(d, "%PDF-", 5))
		return SCP_FILE_PDF;
	return SCP_FILE_UNKNOWN;
}

const char *scp_upload_ext(enum scp_file_type t)
{
	switch (t) {
	case SCP_FILE_JPEG: return "jpg";
	case SCP_FILE_PNG: return "png";
	case SCP_FILE_WEBP: return "webp";
	case SCP_FILE_PDF: return "pdf";
	default: return "bin";
	}
}

const char *scp_upload_mime(enum scp_file_type t)
{
	switch (t) {
	case SCP_FILE_JPEG: return "image/jpeg";
	case SCP_FILE_PNG: return "image/png";
	case SCP_FILE_WEBP: return "image/webp";
	case SCP_FILE_PDF: return "application/pdf";
	default: return "application/octet-stream";
	}
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

bool scp_upload_store(const char *media_dir, const char *subdir, const void *data, size_t len,
		      enum scp_file_type t, char *rel, size_t rel_size)
{
	char name[33], dir[PATH_MAX], tmp[PATH_MAX], final[PATH_MAX];
	int fd;
	bool ok;

	scp_random_hex(name, 16);
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", media_dir, subdir) >= sizeof(dir) - 64)
		return false;
	if (mkdir(dir, 0755) && errno != EEXIST) {
		scp_error("mkdir %s: %s", dir, strerror(errno));
		return false;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= sizeof(tmp) ||
	    (size_t)snprintf(final, sizeof(final), "%s/%s.%s", dir, name, scp_upload_ext(t)) >=
		    sizeof(final))
		return false;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		scp_error("open %s: %s", tmp, strerror(errno));
		return false;
	}
	ok = write_all(fd, data, len) && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, final) == 0) {
		snprintf(rel, rel_size, "%s/%s.%s", subdir, name, scp_upload_ext(t));
		return true;
	}
	scp_error("storing %s: %s", final, strerror(errno));
	unlink(tmp);
	return false;
}

/* A name scp_upload_store could have made: 32 hex digits and an image extension. */
static bool stored_name(const char *name)
{
	static const char *const exts[] = { "jpg", "png", "webp" };

	for (int i = 0; i < 32; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	if (name[32] != '.')
		return false;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (!strcmp(name + 33, exts[i]))
			return true;
	return false;
}

const char *scp_upload_own_url(struct scp_arena *a, const char *url, const char *subdir)
{
	const char *pub = scp_cfg.public_url;
	size_t plen = pub ? strlen(pub) : 0, slen = strlen(subdir);
	char path[PATH_MAX];

	if (plen && !strncmp(url, pub, plen) && url[plen] == '/')
		url += plen;
	if (strncmp(url, "/media/", 7) || strncmp(url + 7, subdir, slen) || url[7 + slen] != '/' ||
	    !stored_name(url + 8 + slen))
		return NULL;
	/* Only files that were really stored: a guessed name points at nothing. */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", scp_cfg.media_dir, url + 7) >=
		    sizeof(path) || access(path, F_OK))
		return NULL;
	return scp_arena_strdup(a, url);
}

void scp_upload_remove(const char *media_dir, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", media_dir, rel);
	if (unlink(path) && errno != ENOENT)
		scp_warn("unlink %s: %s", path, strerror(errno));
}
