/*
 * Output files named on the command line (-w, --keys-out): they hold what
 * others sent, decrypted, or the secrets to decrypt it, so they are created
 * as the --streams files are: 0600, never through a symbolic link, never
 * over a file that is already there.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "views.h"

FILE *out_create(const char *path, char *err, size_t errlen)
{
    int fd;
    FILE *f;

    if (strcmp(path, "-") == 0)
        fd = dup(STDOUT_FILENO); /* the caller's fclose leaves standard output open */
    else
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path,
                 errno == EEXIST ? "exists already: tlsdump does not overwrite files"
                                 : strerror(errno));
        return NULL;
    }
    if (!(f = fdopen(fd, "wb"))) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}
