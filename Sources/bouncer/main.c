// The bouncer executable's main module. Its `main` is weak: in a libFuzzer build
// (-sanitize=fuzzer) libFuzzer's strong `main` replaces it, and LLVMFuzzerInitialize, which
// libFuzzer calls before reading any flag, runs the CLI and exits with its status instead.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

extern int bouncer_cli_main(int argc, char **argv);

__attribute__((weak)) int main(int argc, char **argv) { return bouncer_cli_main(argc, argv); }

int LLVMFuzzerInitialize(int *argc, char ***argv) { exit(bouncer_cli_main(*argc, *argv)); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    (void)data;
    (void)size;
    return 0;
}
