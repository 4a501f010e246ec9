/*
 * keysetup.h: the keys for a run (keysetup.c).
 */
#ifndef TLSDUMP_KEYSETUP_H
#define TLSDUMP_KEYSETUP_H

#include <stdio.h>

#include "capture.h"
#include "crypto.h"
#include "options.h"

/* The keys, from every source in the order they are tried: -l and -k, the
 * capture file's own secrets, SSLKEYLOGFILE when no -l is given.  Returns
 * 0 (said why) when one is bad; sets *keys NULL when there are none. */
int keys_load(const struct options *o, struct capture *cap, struct crypto_keys **keys);

/* --keys-out: the secrets the connections were decrypted with, into f
 * (closed here); 0, said why, when it cannot be written. */
int keys_write_out(FILE *f, const char *path, const struct crypto_keys *keys);

#endif
