/*
 * scp_upload: storing uploaded files.
 *
 * The type is decided by magic bytes, never by the client's name or Content-Type.
 * Files get random names and are written atomically (a temporary file in the same
 * directory, fsync, rename), so a reader sees a whole file or none.
 */
#ifndef SCP_UPLOAD_H
#define SCP_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>

enum scp_file_type {
	SCP_FILE_UNKNOWN = 0,
	SCP_FILE_JPEG = 1 << 0,
	SCP_FILE_PNG = 1 << 1,
	SCP_FILE_WEBP = 1 << 2,
	SCP_FILE_PDF = 1 << 3,
};
#define SCP_FILE_IMAGES (SCP_FILE_JPEG | SCP_FILE_PNG | SCP_FILE_WEBP)

enum scp_file_type scp_upload_detect(const void *data, size_t len);
/* "jpg", "png", "webp", "pdf". */
const char *scp_upload_ext(enum scp_file_type t);
const char *scp_upload_mime(enum scp_file_type t);
/*
 * Write data under media_dir/subdir/<32 random hex>.<ext>; the relative path
 * ("subdir/name.ext") is written to rel (rel_size bytes).  Returns false on I/O errors.
 */
bool scp_upload_store(const char *media_dir, const char *subdir, const void *data, size_t len,
		      enum scp_file_type t, char *rel, size_t rel_size);
/*
 * Is url one of our stored files under subdir ("/media/<subdir>/<32 hex>.<ext>", also
 * with public_url in front), and does the file exist?  Returns the "/media/…" form in
 * the arena, or NULL.  Image fields take only such URLs, never a link elsewhere.
 */
struct scp_arena;
const char *scp_upload_own_url(struct scp_arena *a, const char *url, const char *subdir);
/* Remove a stored file (undo after a failed transaction). */
void scp_upload_remove(const char *media_dir, const char *rel);

#endif
