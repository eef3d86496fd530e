// fuzz-dma: dma-direct, the atomic pools and swiotlb under a hostile host.
// In a -sanitize=fuzzer build libFuzzer's strong main replaces the weak one below; in a normal
// build the weak main replays the files and directories it is given.
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

enum { TARGET = 0 };

extern int bouncer_fuzz_one(int target, const uint8_t *data, size_t size);
extern int bouncer_fuzz_main(int target, int argc, char **argv);

// The Swift runtime's backtracer installs handlers for the crash signals before libFuzzer
// does, and libFuzzer will not replace them, so it would write no crash artifact. Hand the
// signals back before libFuzzer installs its own.
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) signal(signals[i], SIG_DFL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return bouncer_fuzz_one(TARGET, data, size); }

__attribute__((weak)) int main(int argc, char **argv) { return bouncer_fuzz_main(TARGET, argc, argv); }
