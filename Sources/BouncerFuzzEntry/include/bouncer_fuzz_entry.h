// What every fuzz target's C main module shares: the Swift harness's entry points, and a macro
// that defines libFuzzer's per-input entry and the weak main for one target number.
#ifndef BOUNCER_FUZZ_ENTRY_H
#define BOUNCER_FUZZ_ENTRY_H

#include <stddef.h>
#include <stdint.h>

int bouncer_fuzz_initialize(void);
int bouncer_fuzz_one(int target, const uint8_t *data, size_t size);
int bouncer_fuzz_main(int target, int argc, char **argv);

// In a -sanitize=fuzzer build libFuzzer's strong main replaces the weak one; in a normal build the
// weak main replays the files and directories it is given.
#define BOUNCER_FUZZ_TARGET(target)                                                                \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {                                 \
        return bouncer_fuzz_one(target, data, size);                                               \
    }                                                                                              \
    __attribute__((weak)) int main(int argc, char **argv) { return bouncer_fuzz_main(target, argc, argv); }

#endif
