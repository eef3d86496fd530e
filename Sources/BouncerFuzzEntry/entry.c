#include "bouncer_fuzz_entry.h"

// libFuzzer calls this before anything else; the harness hands the crash signals back from the
// Swift backtracer and reads its environment (Sources/BouncerFuzz/Harness.swift).
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return bouncer_fuzz_initialize();
}
