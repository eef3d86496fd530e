// fuzz-virtio: virtio negotiation and split virtqueues under a hostile host.
// In a -sanitize=fuzzer build libFuzzer's strong main replaces the weak one below; in a normal
// build the weak main replays the files and directories it is given.
#include <stddef.h>
#include <stdint.h>

enum { TARGET = 2 };

extern int bouncer_fuzz_initialize(void);
extern int bouncer_fuzz_one(int target, const uint8_t *data, size_t size);
extern int bouncer_fuzz_main(int target, int argc, char **argv);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return bouncer_fuzz_initialize();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return bouncer_fuzz_one(TARGET, data, size); }

__attribute__((weak)) int main(int argc, char **argv) { return bouncer_fuzz_main(TARGET, argc, argv); }
