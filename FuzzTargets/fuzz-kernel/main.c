// fuzz-kernel: the dma target's inputs through the model and the real kernel/dma side by side
// (Sources/BouncerKernelFuzz/KernelHarness.swift). Its seeds are Corpus/dma (Corpus/kernel links
// there).
#include <stddef.h>
#include <stdint.h>

int bouncer_kernel_fuzz_initialize(void);
int bouncer_kernel_fuzz_one(const uint8_t *data, size_t size);
int bouncer_kernel_fuzz_main(int argc, char **argv);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    return bouncer_kernel_fuzz_initialize();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return bouncer_kernel_fuzz_one(data, size); }

// In a -sanitize=fuzzer build libFuzzer's strong main replaces this one.
__attribute__((weak)) int main(int argc, char **argv) { return bouncer_kernel_fuzz_main(argc, argv); }
