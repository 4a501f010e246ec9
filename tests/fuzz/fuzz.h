/* fuzz.h: every fuzz target's entry point, as libFuzzer calls it. */
#ifndef TLSDUMP_FUZZ_H
#define TLSDUMP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
