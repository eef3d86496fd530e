/* The empty harness: libFuzzer's own cost per input, with nothing under test. The throughput
   benchmark runs it beside the fuzz targets, in the same run, so their exec/s reads as a ratio. */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  (void)data;
  (void)size;
  return 0;
}
